"""Run a captured graph eagerly: lowering-pattern stubs, fixed RNG seed, optional float64 copy."""

from __future__ import annotations

import copy
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx

from .. import _compat
from ._values import clone_inputs, clone_value, flatten

RNG_SEED = 1234

# Ops whose stream of random numbers changes with dtype: a float64 copy would not reproduce them.
_RANDOM_OPS = (
    "rand",
    "randn",
    "randint",
    "bernoulli",
    "dropout",
    "native_dropout",
    "normal",
    "uniform",
    "exponential",
    "multinomial",
    "randperm",
    "rand_like",
    "randn_like",
    "inductor_random",
    "inductor_seed",
    "inductor_seeds",
    "seed",
)


@dataclass
class RunResult:
    outputs: list[Any]
    inputs_after: list[Any]  # the inputs' state after the run (mutations)
    values: dict[str, Any] = field(default_factory=dict)  # node name -> value when computed (record=True)
    error: str | None = None
    # node name -> the same tensor at the end of the run: differs from ``values`` where a later
    # in-place node wrote into it through a view (record=True)
    final_values: dict[str, Any] = field(default_factory=dict)


# Called with each node and its value as it is computed (placeholders and the output included).
Observer = Callable[[torch.fx.Node, Any], None]


class _Interpreter(torch.fx.Interpreter):
    def __init__(
        self,
        gm: torch.fx.GraphModule,
        stubs: Mapping[int, Any],
        record: bool,
        observe: Observer | None = None,
        widen: bool = False,
    ) -> None:
        super().__init__(gm, garbage_collect_values=not record)
        self.stubs = stubs
        self.record = record
        self.observe = observe
        self.widen = widen
        self.values: dict[str, Any] = {}
        self.final: dict[str, Any] = {}

    def placeholder(self, target: Any, args: Any, kwargs: Any) -> Any:
        value = super().placeholder(target, args, kwargs)
        return widen_value(value) if self.widen else value

    def call_function(self, target: Any, args: Any, kwargs: Any) -> Any:
        stub = self.stubs.get(id(target))
        if stub is not None:
            return stub(args, kwargs)
        return super().call_function(target, args, kwargs)

    def run_node(self, n: torch.fx.Node) -> Any:
        out = self._run_node(n)
        if self.observe is not None:
            self.observe(n, out)
        return out

    def _run_node(self, n: torch.fx.Node) -> Any:
        src = n.args[0] if n.target is operator.getitem and n.args else None
        if isinstance(src, torch.fx.Node) and _returns_nothing(src.target) and isinstance(src.args[0], (list, tuple)):
            # an in-place foreach op returns nothing; inductor reads getitem(op, i) as its i-th
            # mutated input (reinplacing makes such graphs), so eager execution must too
            out = self.env[src.args[0][n.args[1]]]  # type: ignore[index]
            if self.record:
                self.values[n.name], self.final[n.name] = clone_value(out), out
            return out
        out = NotImplemented
        if n.op == "call_function" and "only_clone_these_tensors" in n.meta:
            args, kwargs = self.fetch_args_kwargs_from_env(n)
            out = _compat.run_as_reinplaced(n, args, kwargs)
        if out is NotImplemented:
            out = super().run_node(n)
        if self.record and n.op not in ("output",):
            self.values[n.name] = clone_value(out)
            self.final[n.name] = out
        return out


def _returns_nothing(target: Any) -> bool:
    return isinstance(target, torch._ops.OpOverload) and not target._schema.returns


_INPLACE_OPERATORS = frozenset(
    "iadd iand iconcat ifloordiv ilshift imatmul imod imul ior ipow irshift isub itruediv ixor setitem delitem".split()
)


# modules of Python functions that write into no argument (but for the in-place operators)
_PURE_MODULES = frozenset({"operator", "_operator", "builtins", "math"})


def _may_write(n: torch.fx.Node) -> bool:
    """Whether a node may write into one of its arguments, in any graph (ATen or torch IR): an
    ATen op by its schema, a tensor method by its name, other Python functions always."""
    if n.op == "call_module":
        return True
    if n.op not in ("call_function", "call_method"):
        return False
    if "out" in n.kwargs or n.kwargs.get("inplace") is True:
        return True
    if isinstance(n.target, torch._ops.OpOverload):
        return mutates(n)
    if isinstance(n.target, torch._ops.HigherOrderOperator):
        return True  # a kernel or an op it wraps may write (triton_kernel_wrapper_mutation, with_effects)
    name = str(getattr(n.target, "__name__", n.target))
    if n.op == "call_method":  # tensor methods follow torch's in-place naming: add_, copy_, index_put_
        return name.endswith("_") or name in ("__setitem__", "__delitem__") or name.startswith("__i")
    module = str(getattr(n.target, "__module__", None) or "")
    if module in _PURE_MODULES:  # arithmetic, getitem, getattr: only operator.iadd and kin write
        return name in _INPLACE_OPERATORS
    # torch's Python functions write without saying so (F.batch_norm updates its running stats
    # in training, F.embedding renormalizes with max_norm), and so may a user's
    return True


def _written_operands(gm: torch.fx.GraphModule, n: torch.fx.Node) -> list[torch.fx.Node]:
    """The nodes ``n`` may write into: all its inputs if it may write at all, except for a
    higher-order op that calls subgraphs (control_deps, cond, invoke_subgraph, while_loop), which
    writes what its subgraphs write. Their placeholders take, in order, the op's node operands
    after its last subgraph."""
    if not _may_write(n):
        return []
    if not isinstance(n.target, torch._ops.HigherOrderOperator) or n.kwargs:
        return n.all_input_nodes
    subs = [
        (i, getattr(gm, str(a.target)))
        for i, a in enumerate(n.args)
        if isinstance(a, torch.fx.Node)
        and a.op == "get_attr"
        and isinstance(getattr(gm, str(a.target), None), torch.fx.GraphModule)
    ]
    if not subs:
        return n.all_input_nodes
    operands: list[torch.fx.Node] = []
    torch.fx.node.map_arg(n.args[subs[-1][0] + 1 :], operands.append)
    written: set[torch.fx.Node] = set()
    for _, sub in subs:
        if sum(1 for m in sub.graph.nodes if m.op == "placeholder") != len(operands):
            return n.all_input_nodes  # another calling convention: anything may be written
        written |= {operands[j] for j in possibly_written_inputs(sub)}
    return list(written)


def possibly_written_inputs(gm: torch.fx.GraphModule) -> set[int]:
    """Positions of the placeholders a run of ``gm`` may write into: every placeholder upstream of
    an argument of a node that may write (an over-approximation: a write through any view of an
    input, or of anything computed from it, counts)."""
    placeholders = {n: i for i, n in enumerate(n for n in gm.graph.nodes if n.op == "placeholder")}
    out: set[int] = set()
    seen: set[torch.fx.Node] = set()
    stack = [a for n in gm.graph.nodes for a in _written_operands(gm, n)]
    while stack:
        m = stack.pop()
        if m in seen:
            continue
        seen.add(m)
        if m in placeholders:
            out.add(placeholders[m])
        stack += m.all_input_nodes
    return out


def run_graph(
    gm: torch.fx.GraphModule,
    inputs: Sequence[Any],
    *,
    stubs: Mapping[int, Any] | None = None,
    record: bool = False,
    observe: Observer | None = None,
    widen: bool = False,
) -> RunResult:
    """Run ``gm`` on clones of ``inputs``; exceptions are returned, not raised. ``observe`` sees
    every node's value as it is computed.

    Inputs the graph cannot write (``possibly_written_inputs``) are passed as they are: cloning
    every parameter of a large model per run would cost more than the run. With ``widen`` (a
    float64 copy of the graph, ``to_float64``), each input is widened as the graph reads it and
    freed after its last use, not all at once: a float64 copy of every weight at the same time
    would double a large model's memory. ``inputs_after`` then holds float64 values only for the
    inputs the graph may write.
    """
    written = possibly_written_inputs(gm)
    if widen:  # what the graph writes is widened up front: its state after the run is in float64 too
        inputs = [widen_value(v) if i in written else v for i, v in enumerate(inputs)]
    args = [v if isinstance(v, torch.Tensor) and i not in written else clone_value(v) for i, v in enumerate(inputs)]
    interp = _Interpreter(gm, stubs or {}, record, observe, widen)
    torch.manual_seed(RNG_SEED)
    try:
        with torch.no_grad():
            out = interp.run(*args)
    except Exception as e:
        return RunResult([], args, interp.values, f"{type(e).__name__}: {e}", interp.final)
    return RunResult(flatten(out), args, interp.values, final_values=interp.final)


def run_compiled(fn: Any, inputs: Sequence[Any]) -> RunResult:
    """Run an inductor boxed callable (takes one list, may clear it) on clones."""
    args = clone_inputs(inputs)
    torch.manual_seed(RNG_SEED)
    try:
        with torch.no_grad():
            out = fn(list(args))
    except Exception as e:
        return RunResult([], args, {}, f"{type(e).__name__}: {e}")
    return RunResult(flatten(out), args)


def _arg(n: torch.fx.Node, name: str) -> Any:
    schema = getattr(n.target, "_schema", None)
    if schema is None:
        return n.kwargs.get(name)
    for i, a in enumerate(schema.arguments):
        if a.name == name:
            if name in n.kwargs:
                return n.kwargs[name]
            return n.args[i] if i < len(n.args) else a.default_value
    return None


def has_random_ops(gm: torch.fx.GraphModule) -> bool:
    """Whether the graph draws random numbers (a seeded op with dropout off does not)."""
    for n in gm.graph.nodes:
        if n.op not in ("call_function", "call_method", "call_module"):
            continue
        name = getattr(n.target, "__name__", str(n.target)).split(".")[0]
        tags = getattr(n.target, "tags", ())
        if name in _RANDOM_OPS or torch.Tag.nondeterministic_seeded in tags:
            p = _arg(n, "dropout_p")
            if isinstance(p, (int, float)) and p == 0:
                continue
            return True
    return False


def output_args(gm: torch.fx.GraphModule) -> list[Any]:
    """The graph's output values as a flat list (nodes and constants), in order."""
    out = next(n for n in gm.graph.nodes if n.op == "output")
    return flatten(out.args[0])


def mutates(n: torch.fx.Node) -> bool:
    """Whether a node writes into one of its arguments (a mutable schema, or an in-place name)."""
    schema = getattr(n.target, "_schema", None)
    name = str(getattr(n.target, "__name__", n.target)).split(".")[0]
    return bool(schema is not None and schema.is_mutable) or name.endswith("_")


def written_args(n: torch.fx.Node) -> list[torch.fx.Node]:
    """The argument nodes ``n`` writes into: its schema's written arguments, else (an in-place
    name with no schema) its first argument."""
    schema = getattr(n.target, "_schema", None)
    if schema is None:
        first = n.args[0] if mutates(n) and n.args else None
        return [first] if isinstance(first, torch.fx.Node) else []
    out: list[torch.fx.Node] = []
    for i, a in enumerate(schema.arguments):
        if a.alias_info is not None and a.alias_info.is_write:
            v = n.args[i] if i < len(n.args) else n.kwargs.get(a.name)
            torch.fx.node.map_arg(v, out.append)  # type: ignore[arg-type]
    return out


def _widen(a: Any) -> Any:
    if isinstance(a, torch.dtype):
        if a.is_floating_point and a != torch.float64:
            return torch.float64
        if a.is_complex and a != torch.complex128:
            return torch.complex128
    return a


def to_float64(gm: torch.fx.GraphModule) -> torch.fx.GraphModule:
    """A float64 copy of ``gm``: explicit dtypes widened, referenced tensors converted.

    Only the attributes the graph references are copied (widened), not the whole module.
    """
    graph = copy.deepcopy(gm.graph)
    root: dict[str, Any] = {}
    for n in graph.nodes:
        n.args = torch.fx.node.map_aggregate(n.args, _widen)
        n.kwargs = torch.fx.node.map_aggregate(n.kwargs, _widen)
        if n.op in ("get_attr", "call_module") and n.target not in root:
            obj = gm.get_submodule(n.target) if n.op == "call_module" else _fetch(gm, n.target)
            if isinstance(obj, torch.nn.Module):
                obj = copy.deepcopy(obj).to(torch.float64)
            root[n.target] = widen_value(obj)
    return torch.fx.GraphModule(root, graph)


def _fetch(gm: torch.nn.Module, target: str) -> Any:
    obj: Any = gm
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


def widen_value(v: Any) -> Any:
    if isinstance(v, torch.Tensor) and (v.is_floating_point() or v.is_complex()):
        return v.detach().to(_widen(v.dtype))
    if isinstance(v, (list, tuple)):
        return type(v)(widen_value(x) for x in v)
    return v

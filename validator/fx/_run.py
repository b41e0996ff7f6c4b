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
        self, gm: torch.fx.GraphModule, stubs: Mapping[int, Any], record: bool, observe: Observer | None = None
    ) -> None:
        super().__init__(gm, garbage_collect_values=not record)
        self.stubs = stubs
        self.record = record
        self.observe = observe
        self.values: dict[str, Any] = {}
        self.final: dict[str, Any] = {}

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


# modules whose functions write into an argument only by torch's in-place naming or ``out=``
_KNOWN_MODULES = frozenset({"torch", "operator", "_operator", "builtins", "math"})


def _may_write(n: torch.fx.Node) -> bool:
    """Whether a node may write into one of its arguments, in any graph (ATen or torch IR)."""
    if n.op == "call_module":
        return True
    if n.op not in ("call_function", "call_method"):
        return False
    if "out" in n.kwargs or n.kwargs.get("inplace") is True:
        return True
    if isinstance(n.target, torch._ops.OpOverload):
        return mutates(n)
    if isinstance(n.target, torch._ops.HigherOrderOperator):
        return True  # its subgraphs or kernels may write (triton_kernel_wrapper_mutation, with_effects)
    module = str(getattr(n.target, "__module__", None) or "")
    if n.op == "call_function" and module.split(".")[0] not in _KNOWN_MODULES:
        return True  # a user's or a library's Python function: anything may happen
    name = str(getattr(n.target, "__name__", n.target))
    if name.startswith("__") and name.endswith("__"):  # x.__iadd__(y), x.__setitem__(i, v)
        return name.startswith("__i") or name == "__setitem__"
    if module in ("operator", "_operator"):  # operator.iadd, operator.setitem
        return name in _INPLACE_OPERATORS
    return name.endswith("_")  # torch's in-place naming: add_, copy_, index_put_


def possibly_written_inputs(gm: torch.fx.GraphModule) -> set[int]:
    """Positions of the placeholders a run of ``gm`` may write into: every placeholder upstream of
    an argument of a node that may write (an over-approximation: a write through any view of an
    input, or of anything computed from it, counts)."""
    placeholders = {n: i for i, n in enumerate(n for n in gm.graph.nodes if n.op == "placeholder")}
    out: set[int] = set()
    seen: set[torch.fx.Node] = set()
    stack = [a for n in gm.graph.nodes if _may_write(n) for a in n.all_input_nodes]
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
) -> RunResult:
    """Run ``gm`` on clones of ``inputs``; exceptions are returned, not raised. ``observe`` sees
    every node's value as it is computed.

    Inputs the graph cannot write (``possibly_written_inputs``) are passed as they are: cloning
    every parameter of a large model per run would cost more than the run.
    """
    written = possibly_written_inputs(gm)
    args = [v if isinstance(v, torch.Tensor) and i not in written else clone_value(v) for i, v in enumerate(inputs)]
    interp = _Interpreter(gm, stubs or {}, record, observe)
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

"""Run a captured graph eagerly: lowering-pattern stubs, fixed RNG seed, optional float64 copy."""

from __future__ import annotations

import contextlib
import copy
import operator
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx

from .. import _compat
from ._values import clone_value, flatten, real_view

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
    """Runs a graph without letting it change what it is given. An input the graph may write is
    copied when the graph first reads it, not up front, and the copy is dropped after its last
    read if nothing wrote it; with ``widen`` every input is widened to float64 the same way (a
    widened input is a copy already). So a layer's weights are copied, or widened, from their
    first use to their last only: FX declares every placeholder at the top, and copying them all
    there would double a large model's memory."""

    def __init__(
        self,
        gm: torch.fx.GraphModule,
        stubs: Mapping[int, Any],
        record: bool,
        observe: Observer | None = None,
        widen: bool = False,
        written: Collection[int] = (),
    ) -> None:
        super().__init__(gm, garbage_collect_values=not record)
        self.stubs = stubs
        self.record = record
        self.observe = observe
        self.widen = widen
        self.values: dict[str, Any] = {}
        self.final: dict[str, Any] = {}
        self.position = {p: i for i, p in enumerate(n for n in gm.graph.nodes if n.op == "placeholder")}
        self.written = written
        self.prepared: set[torch.fx.Node] = set()
        # position -> the copy a possibly written input is run on, and the input itself
        self.copies: dict[int, Any] = {}
        self.originals: dict[int, Any] = {}
        self.aliased: set[torch.fx.Node] = set()

    def call_function(self, target: Any, args: Any, kwargs: Any) -> Any:
        stub = self.stubs.get(id(target))
        if stub is not None:
            return stub(args, kwargs)
        return super().call_function(target, args, kwargs)

    def run_node(self, n: torch.fx.Node) -> Any:
        if n.op != "placeholder":
            for p in n.all_input_nodes:
                if p.op == "placeholder" and p not in self.prepared:
                    self._prepare(p)
        out = self._run_node(n)
        if self.observe is not None:
            self.observe(n, out)
        if self.copies:
            self._note_aliases(n, out)
            for p in getattr(self, "user_to_last_uses", {}).get(n, []):
                self._release(p)
        return out

    def _prepare(self, p: torch.fx.Node) -> None:
        self.prepared.add(p)
        v = self.env[p]
        new = widen_value(v) if self.widen else v
        i = self.position[p]
        if i in self.written:
            if _shares_memory(new, v):  # not widened (an integer, or float64 already): copy it
                new = clone_value(v)
            self.copies[i], self.originals[i] = new, v
        self.env[p] = new

    def _note_aliases(self, n: torch.fx.Node, out: Any) -> None:
        """Copies that ``n``'s result shares memory with (a view) may be written after their
        placeholder's last read, through it: they are kept to the end."""
        try:
            storages = {t.untyped_storage().data_ptr() for t in flatten(out) if isinstance(t, torch.Tensor)}
        except Exception:  # a tensor without a plain storage: take every copy it read as viewed
            storages = None
        for p in n.all_input_nodes:
            copy = self.copies.get(self.position.get(p, -1))
            if isinstance(copy, torch.Tensor) and (storages is None or copy.untyped_storage().data_ptr() in storages):
                self.aliased.add(p)

    def _release(self, p: torch.fx.Node) -> None:
        """After ``p``'s last read: a copy that holds the input's very bits and that nothing views
        is the input again: it is dropped, so that copies do not pile up over the run. (Bits, not
        version counters: a kernel may write an argument without moving its counter, as
        batch_norm does its running statistics.)"""
        i = self.position.get(p)
        copy = self.copies.get(i) if i is not None else None
        if i is None or p in self.aliased or not isinstance(copy, torch.Tensor):
            return
        if same_bits(copy, self.originals[i]):
            del self.copies[i]

    def inputs_after(self, inputs: Sequence[Any]) -> list[Any]:
        """The inputs' state after the run: the copies the graph may have written, else the input."""
        return [self.copies[i] if i in self.copies else v for i, v in enumerate(inputs)]

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


def may_write(n: torch.fx.Node) -> bool:
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
    if not may_write(n):
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
    """Run ``gm`` on ``inputs`` without changing them; exceptions are returned, not raised.
    ``observe`` sees every node's value as it is computed.

    Inputs the graph cannot write (``possibly_written_inputs``) are passed as they are; a run
    that writes one anyway (its version counter moves) is an error, not a silent change. The
    others are copied when first read and the copies dropped when nothing wrote them
    (``_Interpreter``). With ``widen`` (a float64 copy of the graph, ``to_float64``) each input
    is widened when first read and freed after its last use. ``inputs_after`` holds the copies
    the graph wrote (float64 ones with ``widen``), else the inputs themselves.
    """
    written = possibly_written_inputs(gm)
    args = list(inputs)
    shared = [(i, v, _version(v)) for i, v in enumerate(args) if isinstance(v, torch.Tensor) and i not in written]
    interp = _Interpreter(gm, stubs or {}, record, observe, widen, written)
    torch.manual_seed(RNG_SEED)
    try:
        with torch.no_grad(), float64_default() if gm.meta.get(_FLOAT64) else contextlib.nullcontext():
            out = interp.run(*args)
    except Exception as e:
        return RunResult([], interp.inputs_after(args), interp.values, f"{type(e).__name__}: {e}", interp.final)
    after = interp.inputs_after(args)
    moved = [i for i, v, version in shared if version is not None and _version(v) != version]
    if moved:  # fxtv's own analysis missed a write: say so rather than go on with changed inputs
        error = f"the graph wrote input(s) {moved}, which fx.possibly_written_inputs took as not written"
        return RunResult([], after, interp.values, error, interp.final)
    return RunResult(flatten(out), after, interp.values, final_values=interp.final)


def _shares_memory(a: Any, b: Any) -> bool:
    """Whether ``a`` is ``b`` or holds a tensor whose storage one of ``b``'s tensors holds."""
    storages = {t.untyped_storage().data_ptr() for t in flatten(b) if isinstance(t, torch.Tensor)}
    return a is b or any(t.untyped_storage().data_ptr() in storages for t in flatten(a) if isinstance(t, torch.Tensor))


_BITS = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def same_bits(copy: torch.Tensor, original: Any) -> bool:
    """Whether ``copy`` (maybe widened) still holds ``original``'s bits, -0.0 and NaNs included."""
    if not isinstance(original, torch.Tensor) or copy.shape != original.shape:
        return False
    try:
        a = copy.to(original.dtype) if copy.dtype != original.dtype else copy
        b = original
        a, b = real_view(a), real_view(b)
        if a.is_floating_point():
            bits = _BITS.get(a.element_size())
            if bits is None:
                return False
            a, b = a.view(bits), b.view(bits)
        return bool(torch.equal(a, b))
    except Exception:  # a layout the bit view refuses: keep the copy
        return False


def _version(t: torch.Tensor) -> int | None:
    try:
        return int(t._version)
    except RuntimeError:  # an inference tensor keeps no version counter
        return None


def run_compiled(fn: Any, inputs: Sequence[Any], keep: Collection[int] = ()) -> RunResult:
    """Run an inductor boxed callable (takes one list, may clear it) on clones of ``inputs``, but
    for those at the positions in ``keep``, passed as they are (weights a forward graph never
    writes: cloning each per run would cost more than the run)."""
    args = [v if i in keep else clone_value(v) for i, v in enumerate(inputs)]
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
            obj = gm.get_submodule(n.target) if n.op == "call_module" else fetch_attr(gm, n.target)
            if isinstance(obj, torch.nn.Module):
                obj = copy.deepcopy(obj).to(torch.float64)
            root[n.target] = widen_value(obj)
    out = torch.fx.GraphModule(root, graph)
    out.meta[_FLOAT64] = True  # run_graph runs it with float64 as the default dtype
    return out


_FLOAT64 = "fxtv_float64_copy"


def fetch_attr(gm: torch.nn.Module, target: str) -> Any:
    """The attribute a ``get_attr`` node's dotted ``target`` names in ``gm``."""
    obj: Any = gm
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


@contextlib.contextmanager
def float64_default() -> Iterator[None]:
    """Float64 as the default dtype: a float64 run computes in float64 what a program leaves to
    the default (``cos`` of an integer, an integer times a Python float, a factory without a
    dtype), as it widens every explicit float dtype; left at float32, such a value would also
    clash with widened operands (``index_put`` of a float64 value into it)."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(before)


def widen_value(v: Any) -> Any:
    if isinstance(v, torch.Tensor) and (v.is_floating_point() or v.is_complex()):
        return v.detach().to(_widen(v.dtype))
    if isinstance(v, (list, tuple)):
        return type(v)(widen_value(x) for x in v)
    return v

"""Inside a diverging AOT step: the first Dynamo-graph op whose decomposition alone diverges.

The AOT trace functionalizes and decomposes the whole graph at once. To name the op, each node
of the Dynamo graph is traced again on its own, on the values it saw in the diverging trial,
with the same decomposition table (``make_fx``), and the decomposed graph's result is compared
with the op's eager result (against float64). Nodes visited in graph order: the first op whose
decomposition departs is the one to blame. If none does, the divergence comes from
functionalization or from how ops were traced together, and the blame says so.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.fx.experimental.proxy_tensor import make_fx

from .. import _compat
from ..capture import Step
from ..fx import clone_value, flatten, has_random_ops, to_float64, widen_value
from ..numeric import accumulation_length, compare_values, run_graph, tolerance_for
from ..numeric._signed_zero import SIGNED_ZERO, defines_sign
from ._nodes import NodeBlame, op_name


def _call(n: torch.fx.Node, args: Any, kwargs: Any) -> Any:
    if n.op == "call_method":
        return getattr(args[0], str(n.target))(*args[1:], **kwargs)
    return n.target(*args, **kwargs)  # type: ignore[operator]


def _decomposed_value(
    n: torch.fx.Node, values: dict[str, Any], table: dict[Any, Any], used: list[str] | None = None
) -> tuple[Any, int] | None:
    """(result of the op traced alone with the decomposition table, number of decomposed nodes).

    ``used`` receives the table's ATen overloads the op dispatches to (what was decomposed)."""
    tensors: list[torch.Tensor] = []

    def take(a: Any) -> Any:
        if isinstance(a, torch.fx.Node):
            v = clone_value(values[a.name])
            if isinstance(v, torch.Tensor):
                tensors.append(v)
                return _Slot(len(tensors) - 1)
            return v
        return a

    args = torch.fx.node.map_aggregate(n.args, take)
    kwargs = torch.fx.node.map_aggregate(n.kwargs, take)

    def fill(a: Any, flat: tuple[torch.Tensor, ...]) -> Any:
        return flat[a.i] if isinstance(a, _Slot) else a

    def fn(*flat: torch.Tensor) -> Any:
        a = torch.fx.node.map_aggregate(args, lambda x: fill(x, flat))
        k = torch.fx.node.map_aggregate(kwargs, lambda x: fill(x, flat))
        return _call(n, a, k)

    if not tensors:
        return None
    if used is not None:
        plain = make_fx(fn)(*[t.clone() for t in tensors])
        used += sorted({str(m.target) for m in plain.graph.nodes if m.op == "call_function" and m.target in table})
    gm = make_fx(fn, decomposition_table=table)(*[t.clone() for t in tensors])
    ops = [m for m in gm.graph.nodes if m.op == "call_function"]
    torch.manual_seed(0)
    with torch.no_grad():
        # in memory, not through gm's printed code: FX prints complex NaN / inf constants as
        # ``nanj`` / ``infj``, which do not run (docs/live-bugs.md)
        return torch.fx.Interpreter(gm).run(*[t.clone() for t in tensors]), len(ops)


class _Slot:
    def __init__(self, i: int) -> None:
        self.i = i


def blame_decompositions(
    step: Step, inputs: list[Any], stubs: Any = None, *, fallback_random: bool = False, signed_zero: bool = False
) -> NodeBlame:
    """The first op of ``step``'s Dynamo graph whose decomposition alone diverges on ``inputs``
    (the table is the one the compile used: inductor selects it by ``fallback_random``).

    A flipped zero counts where the op defines its sign, or everywhere with ``signed_zero`` (the
    step's own divergence on these inputs is a flipped zero the step check counted)."""
    gm: torch.fx.GraphModule = step.before
    blame = NodeBlame(None, None, None, None)
    if has_random_ops(gm):
        blame.note = "the Dynamo graph draws random numbers: ops are not re-traced one by one"
        _note_writes(blame, gm)
        return blame
    run = run_graph(gm, inputs, stubs=stubs, record=True)
    if run.error is not None:
        blame.note = f"the Dynamo graph does not run: {run.error}"
        return blame
    ref = run_graph(to_float64(gm), [widen_value(x) for x in inputs], stubs=stubs, record=True)
    ref_values = ref.values if ref.error is None else {}
    values = dict(run.values)
    table = _compat.decomposition_table(fallback_random)
    k = accumulation_length(gm)
    tried = 0
    stale = _read_after_a_write(gm)
    for n in gm.graph.nodes:
        if n.op not in ("call_function", "call_method") or n.name not in values or n.name in stale:
            continue
        try:
            got = _decomposed_value(n, values, table)
        except Exception:  # an op make_fx cannot trace alone (e.g. data-dependent): skip it
            continue
        if got is None:
            continue
        tried += 1
        out, _ = got
        eager = flatten(values[n.name])
        dec = flatten(out)
        refs = flatten(ref_values.get(n.name)) if n.name in ref_values else [None] * len(eager)
        for i, (e, d) in enumerate(zip(eager, dec, strict=False)):
            if not isinstance(e, torch.Tensor):
                continue
            dtype = e.dtype if e.is_floating_point() else torch.float32
            r = refs[i] if i < len(refs) else None
            found = compare_values(f"node {n.name}", e, d, r, tolerance_for(dtype, k, have_reference=r is not None))
            if not (signed_zero or defines_sign(n)):
                found = [m for m in found if m.kind != SIGNED_ZERO]
            if found:
                blame.first_diverging = blame.counterpart = n.name
                blame.op = blame.counterpart_op = op_name(n)
                blame.mismatch = found[0]
                used: list[str] = []
                try:
                    _decomposed_value(n, values, table, used)
                except Exception:  # naming the decomposed overloads is a refinement
                    used = []
                blame.replaced_ops = [(n.name, u) for u in used]
                via = f" ({', '.join(used)})" if used else ""
                blame.note = f"the decomposition of {op_name(n)}{via} alone diverges from its eager kernel"
                return blame
    blame.note = (
        f"none of the {tried} ops re-traced alone diverges: the divergence comes from functionalization "
        "or from how the ops were traced together"
    )
    _note_writes(blame, gm)
    return blame


def _note_writes(blame: NodeBlame, gm: torch.fx.GraphModule) -> None:
    writes = _writes_through_views(gm)
    if writes:
        # what functionalization had to rewrite: each in-place op and the views it writes through
        blame.replaced_ops = writes
        blame.note = (blame.note or "") + "; in-place writes through views: " + ", ".join(
            f"{n} = {o}" for n, o in writes[:6]
        )


def _inplace(n: torch.fx.Node) -> bool:
    name = str(getattr(n.target, "__name__", n.target))
    return n.op in ("call_function", "call_method") and name.endswith("_") and not name.startswith("_")


def _read_after_a_write(gm: torch.fx.GraphModule) -> set[str]:
    """Nodes that read a value an earlier in-place op wrote to (through any view of it): the value
    recorded when their input was produced is stale, so they are not re-traced alone."""
    written: set[torch.fx.Node] = set()
    stale: set[str] = set()
    for n in gm.graph.nodes:
        if any(a in written for a in n.all_input_nodes):
            stale.add(n.name)
        if _inplace(n) and n.args and isinstance(n.args[0], torch.fx.Node):
            src: Any = n.args[0]
            while isinstance(src, torch.fx.Node):  # the view chain down to its base, and every view of the base
                written.add(src)
                written.update(u for u in src.users if u is not n)
                src = src.args[0] if src.op in ("call_function", "call_method") and src.args else None
    return stale


def _writes_through_views(gm: torch.fx.GraphModule) -> list[tuple[str, str]]:
    """In-place ops of the Dynamo graph whose target is a view (or an alias an op returned), with
    the ops of that view chain: the mutations functionalization replays on the base."""
    out: list[tuple[str, str]] = []
    for n in gm.graph.nodes:
        if n.op not in ("call_function", "call_method") or not n.args:
            continue
        if not _inplace(n):
            continue
        chain, src = [], n.args[0]
        while isinstance(src, torch.fx.Node) and src.op in ("call_function", "call_method") and src.args:
            chain.append((src.name, op_name(src)))
            src = src.args[0]
        if chain:
            out += [(n.name, op_name(n)), *chain]
    return out

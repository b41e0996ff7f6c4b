"""Inside a guilty FX step: the first node whose value departs from its counterpart.

Nodes are aligned by name (a node a pass did not touch keeps its name) and by the replacement
record taken while the pass ran (``old.replace_all_uses_with(new)`` makes ``new`` the
counterpart of ``old``). Both graphs run on the diverging trial's inputs with every value
recorded; the first aligned pair, in the after-graph's order, that differs beyond tolerance is
the first diverging node. The nodes the pass created among its ancestors are the rewrite to
blame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx

from .._json import attrs_json
from ..capture import Step, Trace
from ..fx import ancestors, has_random_ops, mutates, op_name, to_float64, widen_value
from ..numeric import Mismatch, accumulation_length, compare_values, run_graph, tolerance_for


def _named_ops(nodes: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "op": op} for name, op in nodes]


@dataclass
class NodeBlame:
    first_diverging: str | None  # after-graph node name
    counterpart: str | None  # before-graph node it was compared with
    op: str | None
    mismatch: Mismatch | None
    counterpart_op: str | None = None
    created: list[tuple[str, str]] = field(default_factory=list)  # (name, op) new nodes upstream of it
    rewritten: list[tuple[str, str]] = field(default_factory=list)  # (name, new op) changed in place by the pass
    replaced_ops: list[tuple[str, str]] = field(default_factory=list)  # (name, op) removed by the pass
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "first_diverging_node": self.first_diverging,
            **attrs_json(self, "counterpart", "op", "counterpart_op"),
            "mismatch": self.mismatch.to_json() if self.mismatch else None,
            "created_nodes": _named_ops(self.created),
            "rewritten_nodes": _named_ops(self.rewritten),
            "replaced_nodes": _named_ops(self.replaced_ops),
            "note": self.note,
        }


def _edited(a: torch.fx.Node, b: torch.fx.Node, renamed: dict[str, str]) -> bool:
    """``a`` (after) differs from ``b`` (before) beyond the step's replacements: a user of a
    replaced node that now reads its replacement was not edited by the pass."""

    def names(x: object, rename: dict[str, str]) -> object:
        return torch.fx.node.map_arg(x, lambda m: rename.get(m.name, m.name))  # type: ignore[arg-type,type-var]

    return a.op == b.op and (
        a.target != b.target
        or names(a.args, {}) != names(b.args, renamed)
        or names(a.kwargs, {}) != names(b.kwargs, renamed)
    )


def _removed_mutation(before: torch.fx.GraphModule, removed: set[str], where: str) -> torch.fx.Node | None:
    """The removed node that wrote into the input named by ``where`` ("input k (...)")."""
    if not where.startswith("input "):
        return None
    k = int(where.split()[1])
    phs = [n for n in before.graph.nodes if n.op == "placeholder"]
    if k >= len(phs):
        return None
    candidates = [
        n
        for n in before.graph.nodes
        if n.name in removed and n.op == "call_function" and n.args and n.args[0] is phs[k]
    ]
    # a removed view of the input (a slice) cannot write into it: prefer the removed mutation
    writes = [n for n in candidates if mutates(n)]
    return (writes or candidates or [None])[0]


_SCALARS = torch.Tensor | int | float | bool


def _parts(value: Any) -> list[tuple[str, Any]]:
    """The comparable values a node returns: itself, or each element of the tuple a multi-output
    node returns (so that the node, not the ``getitem`` reading it, is the first to differ)."""
    if isinstance(value, _SCALARS):
        return [("", value)]
    if isinstance(value, tuple | list):
        return [(f"[{i}]", v) for i, v in enumerate(value) if isinstance(v, _SCALARS)]
    return []


def _compare_node(name: str, bv: Any, av: Any, rv: Any, k: int, have_reference: bool) -> list[Mismatch]:
    b_parts, a_parts = _parts(bv), _parts(av)
    if [p for p, _ in b_parts] != [p for p, _ in a_parts]:
        return []  # a different shape of result: the nodes that read it are compared instead
    r_parts = dict(_parts(rv))
    out: list[Mismatch] = []
    for (part, b_val), (_, a_val) in zip(b_parts, a_parts, strict=True):
        dtype = b_val.dtype if isinstance(b_val, torch.Tensor) and b_val.is_floating_point() else torch.float32
        tol = tolerance_for(dtype, k, have_reference=have_reference)
        out += compare_values(f"node {name}{part}", b_val, a_val, r_parts.get(part), tol)
    return [m for m in out if m.kind != "value" or (m.max_abs_err > 0 and m.count > 0)]


def blame_nodes(trace: Trace, step: Step, inputs: list[Any], mismatch: Mismatch | None = None) -> NodeBlame:
    before: torch.fx.GraphModule = step.before
    after: torch.fx.GraphModule = step.after
    b = run_graph(before, inputs, stubs=trace.lowering_stubs, record=True)
    a = run_graph(after, inputs, stubs=trace.lowering_stubs, record=True)
    ref: dict[str, Any] = {}
    if not has_random_ops(before):
        try:
            r = run_graph(to_float64(before), [widen_value(x) for x in inputs], stubs=trace.lowering_stubs, record=True)
            ref = r.values if r.error is None else {}
        except Exception:  # the reference is optional here
            ref = {}
    k = accumulation_length(before)
    b_nodes = {n.name: n for n in before.graph.nodes}
    a_nodes = {n.name: n for n in after.graph.nodes}
    new_for_old = dict(step.replaced)
    old_for_new: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for old, new in new_for_old.items():
        # follow chains old -> mid -> new made within the step
        while new in new_for_old and new_for_old[new] != new:
            new = new_for_old[new]
        old_for_new.setdefault(new, old)
        renamed[old] = new
    created = {n for n in a_nodes if n not in b_nodes}
    removed = [(n, op_name(b_nodes[n])) for n in b_nodes if n not in a_nodes]
    # a node the pass edited in place (new target or arguments) keeps its name: list it too, as its
    # effect may reach other nodes only through a mutation, which FX edges do not show
    rewritten = [(n, op_name(a_nodes[n])) for n in a_nodes if n in b_nodes and _edited(a_nodes[n], b_nodes[n], renamed)]
    blame = NodeBlame(None, None, None, None, replaced_ops=removed, rewritten=rewritten)
    if a.error is not None:
        blame.note = f"after-graph raises: {a.error}"
    for n in after.graph.nodes:
        if n.op == "output" or (n.op == "placeholder" and n.name not in old_for_new):
            continue
        # a node that took over another's uses is compared with the node it replaced
        other = old_for_new.get(n.name, n.name if n.name in b_nodes else None)
        if other is None or n.name not in a.values or other not in b.values:
            continue
        found = _compare_node(n.name, b.values[other], a.values[n.name], ref.get(other), k, bool(ref))
        if found:
            blame.first_diverging, blame.counterpart, blame.op = n.name, other, op_name(n)
            blame.mismatch = found[0]
            blame.counterpart_op = op_name(b_nodes[other])
            anc = ancestors(n) | {n}
            blame.created = [(c.name, op_name(c)) for c in after.graph.nodes if c.name in created and c in anc]
            break
    gone = _removed_mutation(before, {n for n, _ in removed}, mismatch.where) if mismatch else None
    if blame.first_diverging is None and gone is not None:
        blame.counterpart, blame.counterpart_op, blame.mismatch = gone.name, op_name(gone), mismatch
        blame.note = f"the pass removed {gone.name} = {op_name(gone)}, a write into a graph input"
        return blame
    if blame.first_diverging is None:
        blame.created = [(c.name, op_name(c)) for c in after.graph.nodes if c.name in created]
        blame.note = (blame.note or "") + (
            "no aligned node differs: the divergence is in what the rewrite removed or in the outputs/mutations"
        )
    return blame

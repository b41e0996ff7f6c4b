"""Shrink a guilty FX step's before/after pair by delta debugging, while it still diverges.

1. Both graphs output only what shows the divergence (the first diverging node and its
   counterpart, else the diverging output, else the mutated inputs, else everything), and are
   dead-code-eliminated.
2. Nodes upstream of the rewrite (same op and arguments in both graphs, so the same value) are
   cut: replaced in both graphs by a placeholder of the same name fed with the recorded value.
   Cuts are chosen by ddmin over those nodes and kept only while the pair still shows a mismatch
   of the same kind under fxtv's own rules; the result is 1-minimal (no further single cut keeps it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
import torch.fx

from ..capture import KIND_FX, Step
from ..fx import clone_value, has_random_ops, mutates, output_args, to_float64, widen_value
from ..localize import NodeBlame
from ..numeric import Mismatch, accumulation_length, compare_runs, run_graph
from ._literals import encodable

if TYPE_CHECKING:
    pass

SUPPORTED_KINDS = (KIND_FX,)


def count_nodes(gm: torch.fx.GraphModule) -> int:
    """Nodes other than placeholders and the output: what the header's counts mean."""
    return sum(1 for n in gm.graph.nodes if n.op not in ("placeholder", "output"))


@dataclass
class ShrunkPair:
    before: torch.fx.GraphModule
    after: torch.fx.GraphModule
    inputs: list[Any]
    original_nodes: tuple[int, int]  # (before, after) before shrinking
    target: str  # what the shrunk graphs return
    mismatches: list[Mismatch] = field(default_factory=list)  # of the shrunk pair; empty: it agrees
    cuts: list[str] = field(default_factory=list)  # nodes replaced by placeholders
    checks: int = 0  # candidate pairs run

    @property
    def nodes(self) -> tuple[int, int]:
        return count_nodes(self.before), count_nodes(self.after)


# ------------------------------------------------------------------ divergence (fxtv's rules)
def pair_mismatches(before: torch.fx.GraphModule, after: torch.fx.GraphModule, inputs: Sequence[Any]) -> list[Mismatch]:
    """What the fx step check reports for this pair (outputs and input states, no aliasing).

    An empty list also when the before-graph itself fails: such a candidate shows nothing.
    """
    b = run_graph(before, inputs)
    if b.error is not None:
        return []
    a = run_graph(after, inputs)
    if a.error is not None:
        return [Mismatch("graph", "error", f"after-side raises {a.error}")]
    ref = None
    if not has_random_ops(before):
        try:
            r = run_graph(to_float64(before), [widen_value(x) for x in inputs])
            ref = r if r.error is None else None
        except Exception:  # no float64 copy: the before-graph is the reference, as in the checker
            ref = None
    # the fx step check's own comparison; new aliasing is left out (the script cannot show it)
    found = compare_runs(b, a, ref, accumulation_length(before))
    return [m for m in found if m.kind not in ("input_alias", "output_alias")]


# ------------------------------------------------------------------ graph surgery
def _inline_stubs(gm: torch.fx.GraphModule, stubs: dict[int, Any]) -> torch.fx.GraphModule:
    """A copy of ``gm`` with lowering-pattern nodes replaced by the subgraph they stand for."""
    if not any(n.op == "call_function" and id(n.target) in stubs for n in gm.graph.nodes):
        return gm
    g = torch.fx.Graph()
    env: dict[torch.fx.Node, Any] = {}
    for n in gm.graph.nodes:
        stub = stubs.get(id(n.target)) if n.op == "call_function" else None
        if n.op == "output":
            g.output(torch.fx.node.map_arg(n.args[0], env.__getitem__))
        elif stub is None:
            env[n] = g.node_copy(n, env.__getitem__)
        else:
            # the stub's placeholders are the node's own args / kwargs, in ``sources`` order
            vals = [n.args[k] if kind == "arg" else n.kwargs[k] for kind, k in stub.sources]
            inner: dict[torch.fx.Node, Any] = {}
            phs = [p for p in stub.gm.graph.nodes if p.op == "placeholder"]
            for p, v in zip(phs, vals, strict=True):
                inner[p] = torch.fx.node.map_arg(v, env.__getitem__)
            for m in stub.gm.graph.nodes:
                if m.op == "output":
                    env[n] = torch.fx.node.map_arg(m.args[0], inner.__getitem__)
                elif m.op != "placeholder":
                    inner[m] = g.node_copy(m, inner.__getitem__)
    return torch.fx.GraphModule(gm, g)


def _same_placeholders(before: torch.fx.GraphModule, after: torch.fx.GraphModule) -> torch.fx.GraphModule:
    """``after`` with the before-graph's placeholder names (matched by position), which the
    shrunk pair and the script's shared INPUTS rely on."""
    names = [n.name for n in before.graph.nodes if n.op == "placeholder"]
    phs = [n for n in after.graph.nodes if n.op == "placeholder"]
    if [p.name for p in phs] == names:
        return after
    if len(phs) != len(names):
        raise NotImplementedError(f"the step's graphs take {len(names)} and {len(phs)} inputs")
    g = torch.fx.Graph()
    env: dict[torch.fx.Node, torch.fx.Node] = {}
    for p, name in zip(phs, names, strict=True):
        env[p] = g.placeholder(name)
        env[p].meta = dict(p.meta)
    for n in after.graph.nodes:
        if n.op == "output":
            g.output(torch.fx.node.map_arg(n.args[0], env.__getitem__))
        elif n.op != "placeholder":
            env[n] = g.node_copy(n, env.__getitem__)
    return torch.fx.GraphModule(after, g)


def _names(x: Any) -> Any:
    return torch.fx.node.map_arg(x, lambda m: m.name)


def _shared(before: torch.fx.GraphModule, after: torch.fx.GraphModule) -> set[str]:
    """Nodes both graphs compute alike: same name, op, target and arguments, all inputs shared."""
    a_nodes = {n.name: n for n in after.graph.nodes}
    out: set[str] = set()
    for n in before.graph.nodes:
        m = a_nodes.get(n.name)
        if m is None or n.op == "output" or m.op != n.op:
            continue
        if n.op == "placeholder" or (
            n.target == m.target
            and _names(n.args) == _names(m.args)
            and _names(n.kwargs) == _names(m.kwargs)
            and all(i.name in out for i in n.all_input_nodes)
        ):
            out.add(n.name)
    return out


def _same_value(x: Any, y: Any) -> bool:
    if isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor):
        if x.shape != y.shape or x.dtype != y.dtype:
            return False
        if x.is_floating_point() or x.is_complex():
            return bool(((x == y) | (torch.isnan(x) & torch.isnan(y))).all())
        return bool(torch.equal(x, y))
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
        return len(x) == len(y) and all(_same_value(p, q) for p, q in zip(x, y, strict=True))
    return type(x) is type(y) and (x == y or (isinstance(x, float) and x != x and y != y))


@dataclass(frozen=True)
class _Target:
    before: tuple[Any, ...]  # what the output returns: ("node", name) or ("const", value) per value
    after: tuple[Any, ...]
    # also keep side-effecting nodes (mutations) and what they need
    keep_impure: bool
    label: str


def _ref(x: Any) -> Any:
    return ("node", x.name) if isinstance(x, torch.fx.Node) else ("const", x)


def _targets(
    before: torch.fx.GraphModule, after: torch.fx.GraphModule, m: Mismatch | None, blame: NodeBlame | None
) -> list[_Target]:
    """What the shrunk graphs may return, smallest first; the first that still diverges wins."""
    b_out, a_out = output_args(before), output_args(after)
    b_names = {n.name for n in before.graph.nodes}
    a_names = {n.name for n in after.graph.nodes}
    out: list[_Target] = []
    if blame is not None and blame.first_diverging in a_names and blame.counterpart in b_names:
        out.append(
            _Target(
                (("node", blame.counterpart),),
                (("node", blame.first_diverging),),
                False,
                f"node {blame.first_diverging} (after-graph) vs its counterpart {blame.counterpart} (before-graph)",
            )
        )
    where = m.where if m is not None else ""
    if where.startswith("output "):
        i = int(where.split()[1])
        if i < len(b_out) and i < len(a_out):
            pair = ((_ref(b_out[i]),), (_ref(a_out[i]),))
            out.append(_Target(*pair, False, f"output {i} of the step's graphs"))
            out.append(_Target(*pair, True, f"output {i} of the step's graphs, with their side effects"))
    if where.startswith("input "):
        out.append(_Target((), (), True, "the graph inputs' state after the run (the graphs mutate them)"))
    out.append(_Target(tuple(map(_ref, b_out)), tuple(map(_ref, a_out)), True, "all outputs of the step's graphs"))
    return out


def _live(gm: torch.fx.GraphModule, refs: Iterable[Any], cuts: set[str], keep_impure: bool) -> set[str]:
    """Names of the nodes ``refs`` need, with cut nodes as leaves (they become placeholders)."""
    nodes = {n.name: n for n in gm.graph.nodes}
    stack = [nodes[r[1]] for r in refs if r[0] == "node"]
    if keep_impure:
        stack += [n for n in gm.graph.nodes if n.op not in ("placeholder", "output") and (n.is_impure() or mutates(n))]
    live: set[str] = set()
    while stack:
        n = stack.pop()
        if n.name in live:
            continue
        live.add(n.name)
        if n.name not in cuts:
            stack.extend(n.all_input_nodes)
    return live


def _build(
    gm: torch.fx.GraphModule, refs: Sequence[Any], live: set[str], placeholders: Sequence[str], metas: dict[str, Any]
) -> torch.fx.GraphModule:
    g = torch.fx.Graph()
    env: dict[str, torch.fx.Node] = {}
    for name in placeholders:
        p = g.placeholder(name)
        p.meta = dict(metas.get(name, {}))
        env[name] = p
    for n in gm.graph.nodes:
        if n.name in live and n.name not in env and n.op != "output":
            new = g.node_copy(n, lambda x: env[x.name])
            new.meta.pop("stack_trace", None)
            env[n.name] = new
    g.output(tuple(env[r[1]] if r[0] == "node" else r[1] for r in refs))
    return torch.fx.GraphModule(gm, g)


class _Shrinker:
    def __init__(self, before: torch.fx.GraphModule, after: torch.fx.GraphModule, inputs: list[Any]) -> None:
        self.before, self.after, self.inputs = before, after, inputs
        self.order = {n.name: i for i, n in enumerate(before.graph.nodes)}
        self.phs = [n.name for n in before.graph.nodes if n.op == "placeholder"]
        self.metas: dict[str, Any] = {n.name: n.meta for n in before.graph.nodes if n.op == "placeholder"}
        self.checks = 0
        b = run_graph(before, inputs, record=True)
        a = run_graph(after, inputs, record=True)
        shared = _shared(before, after)
        b_nodes = {n.name: n for n in before.graph.nodes}
        # A cut feeds the recorded value: only for nodes whose value no later in-place op changes
        # (in either graph) and that can be written as a literal.
        self.values: dict[str, Any] = {}
        for name in shared:
            n = b_nodes[name]
            if n.op in ("placeholder", "output") or mutates(n) or name not in b.values:
                continue
            v = b.values[name]
            final = [r.final_values.get(name) for r in (b, a)]
            if all(f is not None and _same_value(v, f) for f in final) and encodable(v):
                self.values[name] = v
                self.metas[name] = {"val": v}

    def build(self, target: _Target, cuts: set[str]) -> tuple[torch.fx.GraphModule, torch.fx.GraphModule, list[Any]]:
        live_b = _live(self.before, target.before, cuts, target.keep_impure)
        live_a = _live(self.after, target.after, cuts, target.keep_impure)
        used = live_b | live_a
        # the same placeholders, in the same order, on both sides
        names = [p for p in self.phs if p in used] + sorted((c for c in cuts if c in used), key=self.order.__getitem__)
        inputs = [self.inputs[self.phs.index(p)] if p in self.phs else self.values[p] for p in names]
        b = _build(self.before, target.before, live_b, names, self.metas)
        a = _build(self.after, target.after, live_a, names, self.metas)
        return b, a, inputs

    def mismatches(self, target: _Target, cuts: set[str]) -> list[Mismatch]:
        self.checks += 1
        try:
            return pair_mismatches(*self.build(target, cuts))
        except Exception:  # a candidate that cannot be built or run shows nothing
            return []

    def candidates(self, target: _Target, cuts: set[str]) -> list[str]:
        """Cuttable nodes still in the shrunk graphs, nearest the outputs first (they cut most)."""
        live = _live(self.before, target.before, cuts, target.keep_impure) | _live(
            self.after, target.after, cuts, target.keep_impure
        )
        return sorted((n for n in live if n in self.values and n not in cuts), key=self.order.__getitem__, reverse=True)

    def ddmin(self, target: _Target, kind: str) -> set[str]:
        cuts: set[str] = set()
        gran = 1
        while cands := self.candidates(target, cuts):
            gran = min(gran, len(cands))
            size = math.ceil(len(cands) / gran)
            for i in range(0, len(cands), size):
                chunk = set(cands[i : i + size])
                if any(m.kind == kind for m in self.mismatches(target, cuts | chunk)):
                    cuts |= chunk
                    gran = max(gran - 1, 1)
                    break
            else:
                if gran >= len(cands):
                    break  # no single cut keeps the divergence: 1-minimal
                gran = min(len(cands), 2 * gran)
        return cuts


def shrink_pair(
    before: torch.fx.GraphModule,
    after: torch.fx.GraphModule,
    inputs: Sequence[Any],
    mismatch: Mismatch | None = None,
    blame: NodeBlame | None = None,
    stubs: dict[int, Any] | None = None,
) -> ShrunkPair:
    """Shrink a diverging pair (same placeholders) on ``inputs``; a pair that agrees stays whole."""
    before, after = _inline_stubs(before, stubs or {}), _inline_stubs(after, stubs or {})
    after = _same_placeholders(before, after)
    inputs = [clone_value(x) for x in inputs]
    original = (count_nodes(before), count_nodes(after))
    s = _Shrinker(before, after, inputs)
    for target in _targets(before, after, mismatch, blame):
        found = s.mismatches(target, set())
        if found:
            cuts = s.ddmin(target, found[0].kind)
            b, a, inp = s.build(target, cuts)
            # a chunk may cut nodes another cut already made dead: name only the placeholders fed
            fed = [n.name for n in b.graph.nodes if n.op == "placeholder" and n.name in cuts]
            return ShrunkPair(b, a, inp, original, target.label, pair_mismatches(b, a, inp), fed, s.checks)
    # nothing diverges (e.g. a fixed pass): keep the whole pair, the script will say it agrees
    whole = _targets(before, after, None, None)[-1]
    b, a, inp = s.build(whole, set())
    return ShrunkPair(b, a, inp, original, whole.label, [], [], s.checks)


def shrink_step(
    step: Step,
    inputs: Sequence[Any],
    mismatch: Mismatch | None = None,
    blame: NodeBlame | None = None,
    stubs: dict[int, Any] | None = None,
) -> ShrunkPair:
    if step.kind not in SUPPORTED_KINDS:
        raise NotImplementedError(
            f"repro scripts support graph-to-graph steps (kind {', '.join(map(repr, SUPPORTED_KINDS))}) only; "
            f"step {step.name!r} is a {step.kind!r} step"
        )
    return shrink_pair(step.before, step.after, inputs, mismatch, blame, stubs)

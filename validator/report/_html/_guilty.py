"""The guilty step: its facts, the node blame, what the below-FX search found, its graphs and evidence."""

from __future__ import annotations

from html import escape

from ...localize import Localization, NodeBlame
from ...localize.below_fx import BelowFxBlame
from .._text import probe_outcome
from ._evidence import mismatch_table, refuted_table
from ._graphs import graphs_section
from ._style import badge, kv


def guilty_section(loc: Localization, prefix: str) -> str:
    g = loc.guilty
    if g is None:
        return (
            '<div class="box ok">No step changed the program\'s results: '
            "every captured step is equivalent on all trials.</div>"
        )
    s, c = g.step, g.check
    bad = [t for t in c.trials if t.diverged]
    facts = [("stage", s.stage), ("graph", s.graph), ("kind", s.kind)]
    if s.pattern:
        p = s.pattern
        facts.append(("pattern", f"{p.pattern} ({p.entry_kind}), matched {', '.join(p.matched)}"))
    if c.tolerance:
        facts.append(("tolerance", c.tolerance))
    if c.region:
        facts.append(("after-graph run", c.region))
    if bad:
        trials = ", ".join(t.trial for t in bad)
        facts.append(("diverging trials", f"{trials} (of {len(c.trials)}; reference {bad[0].reference})"))
    if c.confirmed:
        facts.append(("observable", c.confirmed))
    # the blame and the graphs first: they say what the pass did; the mismatch tables are the evidence
    parts = [f'<h2>Guilty step: {escape(g.qualified_name)} {badge(g.verdict)}</h2><div class="box guilty">', kv(facts)]
    if loc.blame is not None:
        parts.append(_blame(loc.blame))
    if loc.below is not None:
        parts.append(_below(loc.below))
    if g.refuted:
        parts.append(refuted_table(g.refuted))
    parts.append(graphs_section(s, loc, prefix, guilty=True))
    if bad:
        parts.append(mismatch_table(bad))
    parts.append("</div>")
    return "\n".join(parts)


def _blame(b: NodeBlame) -> str:
    pairs = []
    if b.first_diverging:
        took = (
            f" (took over the uses of {b.counterpart} = {b.counterpart_op})"
            if b.counterpart and b.counterpart != b.first_diverging
            else ""
        )
        pairs.append(("first diverging node", f"{b.first_diverging} = {b.op}{took}"))
    elif b.counterpart:
        pairs.append(("guilty node", f"{b.counterpart} = {b.counterpart_op} (in the before-graph)"))
    if b.mismatch is not None:
        pairs.append(("its mismatch", f"{b.mismatch.where}: {b.mismatch.detail}"))
    for label, nodes in (
        ("created upstream", b.created),
        ("changed in place", b.rewritten),
        ("removed", b.replaced_ops),
    ):
        if nodes:
            pairs.append((f"nodes the pass {label}", ", ".join(f"{n} = {o}" for n, o in nodes)))
    if b.note:
        pairs.append(("note", b.note))
    return "<h3>Node blame</h3>" + kv(pairs) if pairs else ""


def _below(below: BelowFxBlame) -> str:
    pairs = [("summary", below.summary())]
    if below.kernel:
        pairs.append(("kernel", f"{below.kernel} (FX nodes {', '.join(below.fx_nodes) or '-'})"))
    f = below.buffer
    if f is not None:
        m = f.mismatch
        pairs.append(
            (
                "first diverging buffer",
                f"{f.buffer} (holds {f.fx_node}, scheduler node {f.group}): {m.detail} ({m.count}/{m.total} "
                f"elements); the {below.buffers_compared - 1} written before agree",
            )
        )
    pairs += [("evidence", e) for e in below.evidence]
    pairs.append(("recompiles", f"{below.recompiles} of the last FX graph alone"))
    for p in below.probes:
        pairs.append(("probe", f"{p.what}: {probe_outcome(p)} ({p.seconds:.2f} s)"))
    if below.devices:
        pairs.append(("devices", ", ".join(f"{d} {v}" for d, v in below.devices.items())))
    if below.note:
        pairs.append(("note", below.note))
    return "<h3>Below the FX graph</h3>" + kv(pairs)

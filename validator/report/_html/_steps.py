"""The trace: one table row per checked step in pipeline order, and the later divergences."""

from __future__ import annotations

from collections import Counter
from html import escape

from ...localize import Localization, StepVerdict
from ...symbolic import Obligation
from .._model import Report
from ._graphs import has_graphs
from ._style import badge, data_table


def steps_table(report: Report, loc: Localization, prefix: str) -> str:
    rows = []
    for v in loc.verdicts:
        s, c = v.step, v.check
        guilty = v is loc.guilty
        depth = len(report.trace.ancestry(s))
        ancestors, _, own = v.qualified_name.rpartition(" > ")
        name = (f'<span class="anc">{escape(ancestors)} &gt; </span>' if ancestors else "") + f"<b>{escape(own)}</b>"
        if s.implicit:
            name += ' <span class="tag" title="a change no observed pass accounts for">implicit</span>'
        kind = escape(s.kind)
        if not guilty and s.is_leaf and has_graphs(s):
            kind += f' <a href="#{escape(prefix)}-graphs-{s.index}">graphs</a>'
        row_id = f"{prefix}-guilty" if guilty else f"{prefix}-step-{s.index}"
        rows.append(
            f'<tr id="{escape(row_id)}"{" class=guilty" if guilty else ""}>'
            f"<td>{s.index}</td><td>{escape(s.stage)}</td>"
            f'<td class="name" style="padding-left:{7 + 18 * depth}px">{name}</td>'
            f"<td>{escape(s.graph)}</td><td>{kind}</td><td>{badge(v.verdict)}</td>"
            f'<td>{_symbolic_counts(v.symbolic)}</td><td class="trials">{_trials_cell(v)}</td>'
            f"<td>{''.join(f'<div class=warn>{escape(w)}</div>' for w in c.warnings)}</td></tr>"
        )
    columns = ("#", "stage", "step", "graph", "kind", "verdict", "symbolic", "trials", "warnings")
    return "<h2>Trace: every changed step, in pipeline order</h2>\n" + data_table(columns, rows, cls="steps")


def _symbolic_counts(obligations: list[Obligation]) -> str:
    if not obligations:
        return '<span class="dim">-</span>'
    c = Counter(o.status for o in obligations)
    unknown = sum(n for s, n in c.items() if s not in ("proved", "refuted"))
    parts = [f"{c['proved']} proved"] if c["proved"] else []
    if c["refuted"]:
        parts.append(f'<span class="refuted">{c["refuted"]} refuted</span>')
    if unknown:
        parts.append(f'<span class="warn">{unknown} unknown</span>')
    return "<br>".join(parts)


def _trials_cell(v: StepVerdict) -> str:
    c = v.check
    if not c.trials:
        return f'<span class="dim">{escape(c.reason or "")}</span>'
    lines, ok = [], []
    for t in c.trials:
        if t.skipped is not None:
            lines.append(f'<div class="trial skip">{escape(t.trial)}: skipped ({escape(t.skipped)})</div>')
        elif t.mismatches:
            m = t.mismatches[0]
            lines.append(f'<div class="trial bad">{escape(t.trial)}: {escape(m.where)}: {escape(m.detail)}</div>')
        else:
            ok.append(f'<span class="trial" title="reference: {escape(t.reference)}">{escape(t.trial)}: ok</span>')
    if ok:  # the agreeing trials share a line: the rows of a long trace stay short
        lines.append("<div>" + "; ".join(ok) + "</div>")
    if c.reason:
        lines.append(f'<div class="dim">{escape(c.reason)}</div>')
    if c.region:
        lines.append(f'<div class="dim">{escape(c.region)}</div>')
    return "".join(lines)


def later_section(loc: Localization, prefix: str) -> str:
    if not loc.later_divergences:
        return ""
    items = []
    for v in loc.later_divergences:
        f = v.check.first_failure
        why = f": {f.trial}: {f.mismatches[0].where}: {f.mismatches[0].detail}" if f and f.mismatches else ""
        if not why and v.refuted:
            why = f": proof refuted: {v.refuted[0].kind} {v.refuted[0].subject}"
        items.append(
            f'<li><a href="#{escape(prefix)}-step-{v.step.index}">{escape(v.qualified_name)}</a>{escape(why)}</li>'
        )
    return (
        "<h2>Later divergences</h2><p class=dim>These steps also diverge on their own inputs; "
        f"they may be consequences of the guilty step.</p><ul>{''.join(items)}</ul>"
    )

"""The evidence sections: mismatch tables, refuted symbolic obligations, the fidelity check."""

from __future__ import annotations

from html import escape

from ...numeric import Mismatch, TrialResult
from ...symbolic import Obligation
from .._model import Report
from .._text import fidelity_line
from ._style import MISMATCH_COLUMNS, data_table, kv, num


def fidelity_section(report: Report) -> str:
    """The check that fxtv judged the program the user's own torch.compile produces."""
    fid = report.fidelity
    if fid is None:
        return ""
    comparisons = (fid.plain, fid.captured, fid.agreement)
    if not report.unlocalized:
        return f'<div class="kv">{escape(fidelity_line(fid))}</div>'
    facts = [("guilty step", report.guilty_step or "")] + [(c.what, c.summary()) for c in comparisons]
    if fid.gap is not None:
        facts.append(("located by CompilerBisector", f"{fid.gap.summary()} ({fid.gap.compiles} recompiles)"))
    facts += [("note", n) for n in fid.notes]
    rows = [_mismatch_row(c.what, m) for c in comparisons for m in c.mismatches[:4]]
    table = data_table(("comparison", *MISMATCH_COLUMNS), rows) if rows else ""
    return (
        "<h2>Divergence the capture missed</h2>"
        '<div class="box guilty">Every captured step is equivalent, but torch.compile of the same program under '
        f"the same config differs from eager (docs/fidelity.md).{kv(facts)}{table}</div>"
    )


def mismatch_table(trials: list[TrialResult]) -> str:
    rows = [_mismatch_row(t.trial, m) for t in trials for m in t.mismatches]
    return "<h3>Mismatches of the diverging trials</h3>" + data_table(("trial", *MISMATCH_COLUMNS), rows)


def _mismatch_row(trial: str, m: Mismatch) -> str:
    cells = [
        trial,
        m.where,
        m.kind,
        m.detail,
        f"{m.count}/{m.total}" if m.total else "",
        str(list(m.index)) if m.index else "",
        num(m.before),
        num(m.after),
        num(m.reference),
        num(m.allowed),
    ]
    return "<tr>" + "".join(f"<td>{escape(x)}</td>" for x in cells) + "</tr>"


def refuted_table(obligations: list[Obligation]) -> str:
    rows = []
    for o in obligations:
        cex = ", ".join(f"{k}={v}" for k, v in (o.verdict.counterexample or {}).items()) or "(no symbols)"
        r = o.verdict.replay
        replay = f"before={r.lhs}, after={r.rhs}" if r is not None else ""
        if o.executed:
            replay += f"; running the graphs there: {o.executed}"
        cells = [f"{o.kind} ({o.rewrite or 'graph'})", o.subject, o.before, o.after, cex, replay]
        rows.append("<tr>" + "".join(f'<td class="mono">{escape(x)}</td>' for x in cells) + "</tr>")
    columns = ("kind", "subject", "before", "after", "counterexample", "replayed")
    return "<h3>Refuted symbolic obligations</h3>" + data_table(columns, rows)

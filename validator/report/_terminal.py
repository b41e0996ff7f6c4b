"""Human-readable report for the terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..kinds import Verdict
from ..localize.below_fx import BelowFxBlame
from ..numeric import DIVERGED, UNCHANGED, Mismatch, TrialResult
from ._model import VERDICT_STYLE, Report, node_summary
from ._text import fidelity_line, probe_outcome, tool_errors


def render(report: Report, console: Console | None = None, *, all_steps: bool = False) -> None:
    con = console or Console()
    head = Text.assemble(
        (f"fxtv: {report.program}", "bold"),
        f"  ({'dynamic' if report.dynamic else 'static'} shapes, {'training' if report.training else 'inference'})",
    )
    con.print(head)
    if report.inputs:
        con.print(Text("inputs: " + ", ".join(report.inputs), style="dim"))
    if report.error:
        con.print(Panel(report.error, title="compile or run failed", style="magenta"))
        return
    loc = report.localization
    assert loc is not None
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("#", "stage", "graph", "step", "verdict", "detail"):
        table.add_column(col, overflow="fold")
    for v in loc.verdicts:
        s, c = v.step, v.check
        interesting = s.changed or c.verdict not in (UNCHANGED,)
        if not all_steps and (not interesting or (s.children and v.verdict != DIVERGED)):
            continue
        detail = ""
        if v.refuted and c.verdict != DIVERGED:
            o = v.refuted[0]
            detail = f"proof refuted: {o.kind} {o.subject}"
        elif c.verdict == DIVERGED and c.first_failure:
            m = c.first_failure.mismatches[0]
            detail = f"{c.first_failure.trial}: {m.where} {m.detail}"
        elif c.reason:
            detail = c.reason
        elif c.trials:
            ran = [t for t in c.trials if t.skipped is None]
            detail = f"{len(ran)} trials, ref {ran[0].reference if ran else '-'}"
            if len(ran) < len(c.trials):
                detail += f" ({len(c.trials) - len(ran)} skipped: {_why_skipped(c.trials)})"
        if c.warnings:
            detail += f"  [yellow]({len(c.warnings)} warning(s))[/yellow]"
        indent = "  " * len(report.trace.ancestry(s))
        table.add_row(
            str(s.index),
            s.stage,
            s.graph,
            indent + s.name,
            Text(v.verdict, style=VERDICT_STYLE.get(v.verdict, "")),
            detail,
        )
    con.print(table)
    counts = report.counts()
    con.print(
        Text(
            f"{counts['captured_steps']} steps captured, {counts['changed_steps']} changed the program, "
            f"verdicts: {', '.join(f'{n} {v}' for v, n in counts['by_verdict'].items()) or 'none checked'}",
            style="dim",
        )
    )
    if report.symbolic is not None:
        sym = report.symbolic
        con.print(
            Text(
                f"symbolic: {len(sym.obligations)} obligations {sym.counts()} in {sym.seconds:.2f}s",
                style="dim",
            )
        )
    _render_guilty(report, con)
    errs = tool_errors(report)
    if errs:
        con.print(
            Panel(
                "\n".join(e.splitlines()[0] for e in errs[:10]),
                title="fxtv tool errors (your program's results were not affected)",
                style="magenta",
            )
        )


def _render_fidelity(report: Report, con: Console) -> None:
    fid = report.fidelity
    if fid is None:
        return
    if report.unlocalized:
        lines = [
            f"[bold]guilty step[/bold]: {report.guilty_step}",
            "every captured step is equivalent, but torch.compile of the same program under the same config "
            "differs from eager:",
        ]
        for cmp in (fid.plain, fid.captured, fid.agreement):
            lines.append(f"  {escape(cmp.summary())}")
            for m in cmp.mismatches[:3]:
                lines.append("    " + escape(_mismatch_line(m)))
        if fid.gap is not None:
            lines.append(
                f"[bold]located by CompilerBisector[/bold]: {escape(fid.gap.summary())} ({fid.gap.compiles} recompiles)"
            )
        lines += [f"[dim]{escape(n)}[/dim]" for n in fid.notes]
        title = "[bold red]divergence the capture missed[/bold red]"
        con.print(Panel("\n".join(lines), title=title, border_style="red"))
        return
    con.print(Text(fidelity_line(fid), style="dim"))
    for n in fid.notes:
        con.print(Text(f"  {n}", style="dim"))


def _why_skipped(trials: list[TrialResult]) -> str:
    """'same inputs as real inputs' / 'values outside the program's domain', as the trials say."""
    why = {t.skipped for t in trials if t.skipped is not None}
    domain = {w for w in why if w.startswith("before-graph raises")}
    return "; ".join(sorted(why - domain) + (["values outside the program's domain"] if domain else []))


def _mismatch_line(m: Mismatch) -> str:
    where = f" at index {list(m.index)}" if m.index else ""
    vals = ""
    if m.before is not None and m.after is not None:
        vals = f": before {m.before:.6g}, after {m.after:.6g}"
        if m.reference is not None:
            vals += f", float64 {m.reference:.6g}"
    count = f" ({m.count}/{m.total} elements)" if m.total else ""
    return f"{m.where}: {m.detail} [{m.kind}]{count}{where}{vals}"


def _render_guilty(report: Report, con: Console) -> None:
    loc = report.localization
    _render_fidelity(report, con)
    if report.unlocalized:
        return
    if loc is None or loc.guilty is None:
        if report.verdict == Verdict.ROUNDING:
            con.print(
                Text(
                    "verdict: rounding. No step diverges, but torch.compile's results differ from eager's by more "
                    "than torch.testing.assert_close allows (within rounding by fxtv's model; docs/fidelity.md).",
                    style="bold yellow",
                )
            )
            return
        con.print(
            Text(
                "No step changed the program's results: every captured step is equivalent on all trials.",
                style="bold green",
            )
        )
        return
    g = loc.guilty
    s, c = g.step, g.check
    lines = [f"[bold]guilty step[/bold]: {g.qualified_name}  (stage {s.stage}, graph {s.graph})"]
    if s.pattern:
        lines.append(
            f"[bold]pattern[/bold]: {s.pattern.pattern} ({s.pattern.entry_kind}), matched "
            f"{', '.join(s.pattern.matched)}"
        )
    bad = [t for t in c.trials if t.diverged]
    for o in g.refuted[:4]:
        cex = ", ".join(f"{k}={val}" for k, val in (o.verdict.counterexample or {}).items()) or "(no symbols)"
        lines.append(f"[bold]proof refuted[/bold] ({o.kind}, {o.rewrite or 'graph'}): {o.subject}")
        lines.append(f"  before: {escape(o.before)}")
        lines.append(f"  after:  {escape(o.after)}")
        if o.ranges:
            lines.append(f"  ranges: {o.ranges}")
        if o.origins:
            lines.append(f"  buffer built from FX nodes: {', '.join(o.origins)}")
        replay = o.verdict.replay
        lines.append(
            f"  counterexample: {cex}"
            + (f"  (replayed: before={replay.lhs}, after={replay.rhs})" if replay is not None else "")
        )
        if o.executed:
            lines.append(f"  running the graphs there: {o.executed}")
    if bad or not g.refuted:
        lines.append(
            f"[bold]diverging trials[/bold]: {', '.join(t.trial for t in bad)} "
            f"(of {len(c.trials)}; reference: {bad[0].reference if bad else '-'})"
        )
    if c.confirmed:
        lines.append(f"[bold]observable[/bold]: {escape(c.confirmed)}")
    for m in bad[0].mismatches[:4] if bad else []:
        lines.append("  " + escape(_mismatch_line(m)))
    b = loc.blame
    if b is not None:
        if b.first_diverging:
            lines.append(
                f"[bold]first diverging node[/bold]: {b.first_diverging} = {b.op}"
                + (
                    f"  (took over the uses of {b.counterpart} = {b.counterpart_op})"
                    if b.counterpart != b.first_diverging
                    else ""
                )
            )
        elif b.counterpart:
            lines.append(f"[bold]guilty node[/bold]: {b.counterpart} = {b.counterpart_op} (in the before-graph)")
        if b.created:
            lines.append(
                "[bold]nodes the pass created upstream[/bold]: " + ", ".join(f"{n} = {o}" for n, o in b.created)
            )
        if b.rewritten:
            lines.append(
                "[bold]nodes the pass changed in place[/bold]: " + ", ".join(f"{n} = {o}" for n, o in b.rewritten[:8])
            )
        if b.replaced_ops:
            lines.append(
                "[bold]nodes the pass removed[/bold]: " + ", ".join(f"{n} = {o}" for n, o in b.replaced_ops[:8])
            )
        if loc.below is not None:
            lines += _below_lines(loc.below)
        elif b.note:
            lines.append(f"[dim]{b.note}[/dim]")
    elif s.created or s.erased:
        lines.append("changed nodes: " + ", ".join(node_summary(s, s.created + s.erased)[:8]))
    if loc.later_divergences:
        lines.append(
            f"[dim]later steps that also diverge on their own inputs: "
            f"{', '.join(v.qualified_name for v in loc.later_divergences[:5])}[/dim]"
        )
    con.print(Panel("\n".join(lines), title="[bold red]divergence found[/bold red]", border_style="red"))


def _below_lines(below: BelowFxBlame) -> list[str]:
    culprit = f": {escape(below.culprit)}" if below.culprit else ""
    lines = [f"[bold]guilty component[/bold]: {below.component}{culprit}"]
    if below.kernel:
        lines.append(f"[bold]kernel[/bold]: {below.kernel}  (FX nodes {', '.join(below.fx_nodes) or '-'})")
    f = below.buffer
    if f is not None:
        m = f.mismatch
        vals = f": compiled {m.after:.6g}, FX {m.before:.6g}" if m.before is not None and m.after is not None else ""
        lines.append(
            f"[bold]first diverging buffer[/bold]: {f.buffer} (holds {f.fx_node}, scheduler node {f.group}): "
            f"{m.detail} ({m.count}/{m.total} elements){vals}; the {below.buffers_compared - 1} written before agree"
        )
    lines += [f"  {escape(e)}" for e in below.evidence]
    lines.append(f"[bold]recompiles[/bold]: {below.recompiles} of the last FX graph alone")
    for p in below.probes:
        lines.append(f"  [dim]{escape(p.what)}: {escape(probe_outcome(p))} ({p.seconds:.2f}s)[/dim]")
    if below.devices:
        lines.append("[bold]devices[/bold]: " + ", ".join(f"{d} {escape(v)}" for d, v in below.devices.items()))
    if below.note:
        lines.append(f"[dim]{escape(below.note)}[/dim]")
    return lines

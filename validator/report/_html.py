"""A self-contained HTML page for one report: what the terminal shows, plus the graphs side by side.

The page has inline CSS only and no JavaScript, so it can be attached to a CI run, mailed or
opened from disk years later. ``html_page`` (the document shell) and ``report_section`` (one
report as a fragment) are separate so that a larger page can embed several reports; their
element ids carry a prefix so that the fragments do not collide. Every string from the report
goes through ``html.escape``: program names, node names and error messages are user data.
"""

from __future__ import annotations

import difflib
import itertools
from collections import Counter
from collections.abc import Iterable
from html import escape
from typing import Any

import torch
import torch.fx

from .. import __version__
from ..capture import KIND_FX, KIND_LOWERING, Step
from ..localize import Localization, NodeBlame, StepVerdict, op_name
from ..localize.below_fx import BelowFxBlame
from ..numeric import DIVERGED, EQUIVALENT, NOT_RUN, TOOL_ERROR, UNCHANGED, Mismatch, TrialResult
from ..symbolic import Obligation
from ._model import Report

# Colours of the verdict badges; the red also marks erased nodes, so a screenshot test can find it.
RED = "#c62828"
GREEN = "#2e7d32"
MAGENTA = "#ad1457"
YELLOW = "#f9a825"
GREY = "#757575"
VERDICT_COLOUR = {
    DIVERGED: RED,
    EQUIVALENT: GREEN,
    "error": MAGENTA,
    TOOL_ERROR: MAGENTA,
    NOT_RUN: YELLOW,
    "mixed": YELLOW,
    UNCHANGED: GREY,
    # check_pass pages: proof verdicts, and a pass that never fired (a warning)
    "refuted": RED,
    "proved": GREEN,
    "never-fired": YELLOW,
}

CSS = f"""
body {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212121;
  margin: 0; background: #fafafa; }}
.fxtv-report {{ max-width: 1360px; margin: 0 auto; padding: 16px 20px 40px; }}
h1 {{ font-size: 22px; margin: 4px 0 8px; overflow-wrap: anywhere; }}
h2 {{ font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }}
h3 {{ font-size: 15px; margin: 18px 0 6px; }}
code, pre, .mono {{ font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 12.5px; }}
pre {{ white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; }}
a {{ color: #1565c0; }}
.badge {{ display: inline-block; padding: 1px 9px; border-radius: 10px; color: #fff; font-weight: 600;
  font-size: 12.5px; white-space: nowrap; }}
.badge.big {{ font-size: 16px; padding: 3px 14px; border-radius: 14px; vertical-align: middle; }}
.badge.dark {{ color: #212121; }}
.meta {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }}
.meta dt {{ color: #616161; }}
.meta dd {{ margin: 0; overflow-wrap: anywhere; }}
.dim {{ color: #757575; }}
.box {{ border: 1px solid; border-left-width: 5px; border-radius: 4px; padding: 8px 12px; margin: 12px 0;
  background: #fff; }}
.box.error {{ border-color: {MAGENTA}; }}
.box.error > .title {{ color: {MAGENTA}; font-weight: 600; }}
.box.guilty {{ border-color: {RED}; }}
.box.ok {{ border-color: {GREEN}; color: {GREEN}; font-weight: 600; }}
.jump {{ display: inline-block; margin: 6px 0; font-weight: 600; }}
.scroll {{ overflow-x: auto; }}
table {{ border-collapse: collapse; background: #fff; }}
th, td {{ border: 1px solid #e0e0e0; padding: 3px 7px; vertical-align: top; text-align: left; }}
th {{ background: #f0f0f0; font-weight: 600; }}
table.steps {{ width: 100%; }}
table.steps td.name {{ overflow-wrap: anywhere; min-width: 240px; }}
table.steps td.trials {{ min-width: 330px; }}
table.steps .anc {{ color: #9e9e9e; }}
table.steps tr.guilty td {{ background: #ffebee; }}
table.steps tr.guilty td:first-child {{ box-shadow: inset 4px 0 0 {RED}; }}
.trial {{ white-space: nowrap; }}
.trial.bad {{ color: {RED}; white-space: normal; }}
.trial.skip {{ color: #8d6e00; white-space: normal; }}
.warn {{ color: #8d6e00; }}
.refuted {{ color: {RED}; font-weight: 600; }}
.kv {{ margin: 2px 0; }}
.kv > b {{ display: inline-block; min-width: 170px; }}
table.graphs {{ table-layout: fixed; width: 100%; }}
table.graphs th.side {{ width: 50%; }}
table.graphs.one th.side {{ width: auto; }}
table.graphs th.sign, table.graphs td.sign {{ width: 16px; text-align: center; padding: 1px 2px; }}
table.graphs td {{ padding: 1px 6px; border-color: #eee; }}
table.graphs td.node {{ font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }}
td.erased {{ background: #ffcdd2; }}
td.sign.erased {{ background: {RED}; color: #fff; font-weight: 700; }}
td.created {{ background: #c8e6c9; }}
td.sign.created {{ background: {GREEN}; color: #fff; font-weight: 700; }}
td.edited {{ background: #fff3c4; }}
td.sign.edited {{ background: {YELLOW}; color: #212121; font-weight: 700; }}
td.blamed {{ outline: 3px solid #6a1b9a; outline-offset: -3px; }}
.ty {{ color: #78909c; }}
td.fold {{ color: #757575; font-style: italic; background: #f5f5f5; }}
.tag {{ display: inline-block; font: 600 11px system-ui, sans-serif; border-radius: 3px; padding: 0 4px;
  margin-left: 6px; background: #37474f; color: #fff; white-space: nowrap; }}
.tag.blame {{ background: #6a1b9a; }}
.legend span {{ display: inline-block; padding: 0 6px; margin-right: 8px; border-radius: 3px; }}
details > summary {{ cursor: pointer; margin: 4px 0; }}
"""


# --------------------------------------------------------------------------- page and sections
def render_html(report: Report) -> str:
    """One self-contained HTML document for ``report``."""
    return html_page(f"fxtv: {report.program} ({report.verdict})", report_section(report))


def html_page(title: str, body: str) -> str:
    """The document shell with the stylesheet: ``body`` is one or more ``report_section`` fragments."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def report_section(report: Report, *, prefix: str = "fxtv") -> str:
    """Everything about one report, as a fragment; ``prefix`` keeps its element ids unique in a page."""
    loc = report.localization
    parts = [_header(report, prefix), _errors(report), _fidelity(report)]
    if loc is not None:
        guilty = "" if report.unlocalized else _guilty(loc, prefix)
        parts += [_steps_table(report, loc, prefix), guilty, _later(loc, prefix)]
        parts.append(_other_graphs(loc, prefix))
    return f'<section class="fxtv-report" id="{escape(prefix)}">\n' + "\n".join(p for p in parts if p) + "\n</section>"


# --------------------------------------------------------------------------- header and errors
def badge(verdict: str, *, big: bool = False) -> str:
    """A verdict as a coloured pill (yellow ones get dark text to stay readable)."""
    colour = VERDICT_COLOUR.get(verdict, GREY)
    cls = "badge" + (" big" if big else "") + (" dark" if colour == YELLOW else "")
    return f'<span class="{cls}" style="background:{colour}">{escape(verdict)}</span>'


def _header(report: Report, prefix: str) -> str:
    meta = {
        "torch": torch.__version__,
        "fxtv": __version__,
        "shapes": "dynamic" if report.dynamic else "static",
        "mode": "training (forward and backward)" if report.training else "inference",
        "inputs": ", ".join(report.inputs) or "none",
        "timing": ", ".join(f"{k} {v:.2f} s" for k, v in report.timing.items()) or "-",
    }
    if report.localization is not None:
        c = report.counts()
        meta["steps"] = f"{c['captured_steps']} captured, {c['changed_steps']} changed the program, " + (
            ", ".join(f"{n} {v}" for v, n in c["by_verdict"].items()) or "none checked"
        )
    if report.symbolic is not None:
        sym = report.symbolic
        counts = ", ".join(f"{n} {s}" for s, n in sym.counts().items()) or "none"
        meta["symbolic"] = f"{len(sym.obligations)} obligations ({counts}) in {sym.seconds:.2f} s"
    if report.trace.missing_hooks:
        meta["not captured"] = "this torch lacks " + ", ".join(report.trace.missing_hooks)
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in meta.items())
    jump = (
        f'<a class="jump" href="#{escape(prefix)}-guilty">&#8595; jump to the guilty step: '
        f"{escape(report.guilty.qualified_name)}</a>"
        if report.guilty is not None
        else ""
    )
    title = f"<h1>fxtv: {escape(report.program)} {badge(report.verdict, big=True)}</h1>"
    return f'{title}\n<dl class="meta">{dl}</dl>{jump}'


def _errors(report: Report) -> str:
    out = []
    if report.error:
        out.append(_error_box("the compile or the compiled run failed", [report.error]))
    loc = report.localization
    tool = (
        report.trace.tool_errors
        + (report.symbolic.errors if report.symbolic else [])
        + [f"{v.qualified_name}: {v.check.reason}" for v in (loc.tool_errors if loc else [])]
    )
    if tool:
        out.append(_error_box("fxtv tool errors (your program's results were not affected)", tool))
    return "\n".join(out)


def _error_box(title: str, messages: list[str]) -> str:
    """Each message's first line stays visible; a multi-line one (a traceback) folds the rest away."""
    items = []
    for m in messages:
        first, _, rest = m.partition("\n")
        if rest.strip():
            items.append(f"<details><summary><code>{escape(first)}</code></summary><pre>{escape(rest)}</pre></details>")
        else:
            items.append(f"<pre>{escape(first)}</pre>")
    return f'<div class="box error"><div class="title">{escape(title)}</div>{"".join(items)}</div>'


# --------------------------------------------------------------------------- the trace
def _steps_table(report: Report, loc: Localization, prefix: str) -> str:
    head = "".join(
        f"<th>{h}</th>" for h in ("#", "stage", "step", "graph", "kind", "verdict", "symbolic", "trials", "warnings")
    )
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
        if not guilty and s.is_leaf and _has_graphs(s):
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
    return (
        "<h2>Trace: every changed step, in pipeline order</h2>\n"
        f'<div class="scroll"><table class="steps"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


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
    return "".join(lines)


# --------------------------------------------------------------------------- the guilty step
def _guilty(loc: Localization, prefix: str) -> str:
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
    if bad:
        trials = ", ".join(t.trial for t in bad)
        facts.append(("diverging trials", f"{trials} (of {len(c.trials)}; reference {bad[0].reference})"))
    if c.confirmed:
        facts.append(("observable", c.confirmed))
    # the blame and the graphs first: they say what the pass did; the mismatch tables are the evidence
    parts = [f'<h2>Guilty step: {escape(g.qualified_name)} {badge(g.verdict)}</h2><div class="box guilty">', _kv(facts)]
    if loc.blame is not None:
        parts.append(_blame(loc.blame))
    if loc.below is not None:
        parts.append(_below(loc.below))
    if g.refuted:
        parts.append(_refuted(g.refuted))
    parts.append(_graphs(s, loc, prefix, guilty=True))
    if bad:
        parts.append(_mismatch_table(bad))
    parts.append("</div>")
    return "\n".join(parts)


def _fidelity(report: Report) -> str:
    """The check that fxtv judged the program the user's own torch.compile produces."""
    fid = report.fidelity
    if fid is None:
        return ""
    comparisons = (fid.plain, fid.captured, fid.agreement)
    if not report.unlocalized:
        agree = "agree" if not fid.missed else "differ"
        line = f"fidelity: eager and torch.compile {agree} on the real inputs ({fid.seconds:.1f}s, one plain compile)"
        extra = f"; {fid.agreement.summary()}" if fid.agreement.diverged else ""
        return f'<div class="kv">{escape(line + extra)}</div>'
    facts = [("guilty step", report.guilty_step or "")] + [(c.what, c.summary()) for c in comparisons]
    if fid.gap is not None:
        facts.append(("located by CompilerBisector", f"{fid.gap.summary()} ({fid.gap.compiles} recompiles)"))
    facts += [("note", n) for n in fid.notes]
    rows = [_mismatch_row(c.what, m) for c in comparisons for m in c.mismatches[:4]]
    columns = ("comparison", "where", "kind", "detail", "elements", "at index", "before", "after", "float64", "allowed")
    head = "".join(f"<th>{h}</th>" for h in columns)
    table = (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
        if rows
        else ""
    )
    return (
        "<h2>Divergence the capture missed</h2>"
        '<div class="box guilty">Every captured step is equivalent, but torch.compile of the same program under '
        f"the same config differs from eager (docs/fidelity.md).{_kv(facts)}{table}</div>"
    )


def _kv(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<div class="kv"><b>{escape(k)}</b> {escape(v)}</div>' for k, v in pairs)


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.6g}"


def _mismatch_table(trials: list[TrialResult]) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in ("trial", "where", "kind", "detail", "elements", "at index", "before", "after", "float64", "allowed")
    )
    rows = [_mismatch_row(t.trial, m) for t in trials for m in t.mismatches]
    return (
        "<h3>Mismatches of the diverging trials</h3>"
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def _mismatch_row(trial: str, m: Mismatch) -> str:
    cells = [
        trial,
        m.where,
        m.kind,
        m.detail,
        f"{m.count}/{m.total}" if m.total else "",
        str(list(m.index)) if m.index else "",
        _num(m.before),
        _num(m.after),
        _num(m.reference),
        _num(m.allowed),
    ]
    return "<tr>" + "".join(f"<td>{escape(x)}</td>" for x in cells) + "</tr>"


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
    return "<h3>Node blame</h3>" + _kv(pairs) if pairs else ""


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
        mark = "diverges" if p.diverged else "agrees" if p.diverged is False else f"failed: {p.error}"
        pairs.append(("probe", f"{p.what}: {mark} ({p.seconds:.2f} s)"))
    if below.devices:
        pairs.append(("devices", ", ".join(f"{d} {v}" for d, v in below.devices.items())))
    if below.note:
        pairs.append(("note", below.note))
    return "<h3>Below the FX graph</h3>" + _kv(pairs)


def _refuted(obligations: list[Obligation]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("kind", "subject", "before", "after", "counterexample", "replayed"))
    rows = []
    for o in obligations:
        cex = ", ".join(f"{k}={v}" for k, v in (o.verdict.counterexample or {}).items()) or "(no symbols)"
        r = o.verdict.replay
        replay = f"before={r.lhs}, after={r.rhs}" if r is not None else ""
        if o.executed:
            replay += f"; running the graphs there: {o.executed}"
        cells = [f"{o.kind} ({o.rewrite or 'graph'})", o.subject, o.before, o.after, cex, replay]
        rows.append("<tr>" + "".join(f'<td class="mono">{escape(x)}</td>' for x in cells) + "</tr>")
    return (
        "<h3>Refuted symbolic obligations</h3>"
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def _later(loc: Localization, prefix: str) -> str:
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


def _other_graphs(loc: Localization, prefix: str) -> str:
    """The other changed steps' graphs, folded: useful when the guilty step is not the whole story."""
    blocks = [
        _graphs(v.step, loc, prefix, guilty=False)
        for v in loc.verdicts
        if v is not loc.guilty and v.step.is_leaf and _has_graphs(v.step)
    ]
    return "<h2>Graphs of the other changed steps</h2>" + "\n".join(blocks) if blocks else ""


# --------------------------------------------------------------------------- graphs side by side
def _has_graphs(step: Step) -> bool:
    """Whether both sides are FX graphs (a partition step's after side is the forward and backward)."""
    return isinstance(step.before, torch.fx.GraphModule) and bool(_after_graphs(step.after))


def _graphs(step: Step, loc: Localization, prefix: str, *, guilty: bool) -> str:
    """The step's before and after graphs in two columns, or whatever sides the step kind has."""
    before = step.before if isinstance(step.before, torch.fx.GraphModule) else None
    afters = _after_graphs(step.after)
    if before is None and not afters:
        return ""
    # node name -> what the blame says about it, shown as a tag and an outline
    blamed_before: dict[str, str] = {}
    blamed_after: dict[str, str] = {}
    b = loc.blame if guilty else None
    if b is not None and b.first_diverging:
        blamed_after[b.first_diverging] = "first diverging"
        if b.counterpart:
            blamed_before[b.counterpart] = f"compared with {b.first_diverging}"
    elif b is not None and b.counterpart:
        blamed_before[b.counterpart] = "guilty node"
    if guilty and loc.below is not None:
        blamed_before.update((n, "in the diverging kernel") for n in loc.below.fx_nodes)
    marks = _Marks(step, blamed_before, blamed_after)
    if before is not None and len(afters) == 1 and step.kind == KIND_FX:
        table = _aligned(before, afters[0][1], marks)
    elif afters:
        table = _unaligned(before, afters, marks)
    else:
        kind = "the compiled code" if step.kind == KIND_LOWERING else type(step.after).__name__
        table = _one_graph(f"before (the after side is {kind}, not an FX graph)", before, marks)
    title = f"Graphs of {escape(step.name)}" if guilty else escape(f"#{step.index} {step.stage}: {step.name}")
    legend = (
        '<div class="legend dim"><span style="background:#ffcdd2">&minus; erased</span>'
        '<span style="background:#c8e6c9">+ created</span><span style="background:#fff3c4">~ edited in place</span>'
        '<span style="outline:3px solid #6a1b9a">blamed node</span>'
        '<span class="tag">&#8594; x</span> uses taken over by x</div>'
    )
    if guilty:
        return f"<h3>{title}</h3>{legend}{table}"
    return (
        f'<details id="{escape(prefix)}-graphs-{step.index}"><summary>{title} ({escape(step.kind)})</summary>'
        f"{legend}{table}</details>"
    )


def _after_graphs(after: Any) -> list[tuple[str, torch.fx.GraphModule]]:
    if isinstance(after, torch.fx.GraphModule):
        return [("after", after)]
    if isinstance(after, tuple) and after and all(isinstance(g, torch.fx.GraphModule) for g in after):
        names = ("forward", "backward") if len(after) == 2 else tuple(str(i) for i in range(len(after)))
        return [(f"after: {n}", g) for n, g in zip(names, after, strict=True)]
    return []


class _Marks:
    """How one step's nodes are shown: erased / created / edited, the replacement record, the blame."""

    def __init__(self, step: Step, blamed_before: dict[str, str], blamed_after: dict[str, str]) -> None:
        self.erased, self.created = set(step.erased), set(step.created)
        self.new_for_old = step.replaced
        self.old_for_new: dict[str, list[str]] = {}
        for old, new in step.replaced.items():
            self.old_for_new.setdefault(new, []).append(old)
        self.blamed_before, self.blamed_after = blamed_before, blamed_after

    def changed(self, before: torch.fx.Node | None, after: torch.fx.Node | None) -> bool:
        """Whether a row of an aligned diff shows something the step did or the blame names."""
        if before is None or after is None:
            return True
        names = {before.name, after.name}
        return bool(
            names & (self.erased | self.created | set(self.new_for_old) | set(self.old_for_new))
            or before.name in self.blamed_before
            or after.name in self.blamed_after
        )

    def cell(self, node: torch.fx.Node | None, *, after: bool, edited: bool = False) -> str:
        """A sign column and the node's text: two cells of a table row."""
        if node is None:
            return '<td class="sign"></td><td class="node"></td>'
        name = node.name
        cls = ""
        if name in (self.created if after else self.erased):
            cls = "created" if after else "erased"
        elif edited:
            cls = "edited"
        symbol = {"erased": "&minus;", "created": "+", "edited": "~"}.get(cls, "")
        tags = ""
        if not after and name in self.new_for_old:
            tags += f'<span class="tag">&#8594; {escape(self.new_for_old[name])}</span>'
        if after and name in self.old_for_new:
            tags += f'<span class="tag">takes over {escape(", ".join(self.old_for_new[name]))}</span>'
        blamed = self.blamed_after if after else self.blamed_before
        if name in blamed:
            tags += f'<span class="tag blame">{escape(blamed[name])}</span>'
        node_cls = " ".join(c for c in ("node", cls, "blamed" if name in blamed else "") if c)
        return (
            f'<td class="sign {cls}">{symbol}</td>'
            f'<td class="{node_cls}" data-node="{escape(name)}">{node_text(node)}{tags}</td>'
        )


def _table(headers: list[str], rows: list[str]) -> str:
    head = "".join(f'<th class="sign"></th><th class="side">{escape(h)}</th>' for h in headers)
    cls = "graphs" if len(headers) == 2 else "graphs one"
    return (
        f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


CONTEXT = 4  # unchanged nodes kept on each side of a change; longer unchanged runs fold into one row


def _aligned(before: torch.fx.GraphModule, after: torch.fx.GraphModule, marks: _Marks) -> str:
    """A same-signature FX step as a diff: a node the pass kept sits level with itself, and long runs
    of untouched nodes fold away so that a large model's graph stays readable (and the page small)."""
    b_nodes, a_nodes = list(before.graph.nodes), list(after.graph.nodes)
    sm = difflib.SequenceMatcher(None, [n.name for n in b_nodes], [n.name for n in a_nodes], autojunk=False)
    pairs: list[tuple[torch.fx.Node | None, torch.fx.Node | None, bool]] = []
    for _, i1, i2, j1, j2 in sm.get_opcodes():
        for b, a in itertools.zip_longest(b_nodes[i1:i2], a_nodes[j1:j2]):
            edited = b is not None and a is not None and b.name == a.name and node_text(b) != node_text(a)
            pairs.append((b, a, edited))
    keep = [i for i, (b, a, edited) in enumerate(pairs) if marks.changed(b, a) or edited]
    shown = {j for i in keep for j in range(i - CONTEXT, i + CONTEXT + 1)}
    rows, folded = [], 0
    for i, (b, a, edited) in enumerate(pairs):
        if i not in shown and 0 < i < len(pairs) - 1:  # the inputs and the output always show
            folded += 1
            continue
        if folded:
            rows.append(_folded_row(folded))
            folded = 0
        cells = marks.cell(b, after=False, edited=edited) + marks.cell(a, after=True, edited=edited)
        rows.append(f"<tr>{cells}</tr>")
    return _table(["before", "after"], rows)


def _folded_row(n: int) -> str:
    return f'<tr><td class="sign"></td><td class="fold" colspan="3">&#8943; {n} unchanged node(s)</td></tr>'


def _unaligned(
    before: torch.fx.GraphModule | None, afters: list[tuple[str, torch.fx.GraphModule]], marks: _Marks
) -> str:
    """Graphs whose node names do not correspond (AOT, partition): each column in its own order."""
    left = [marks.cell(n, after=False) for n in (before.graph.nodes if before is not None else [])]
    right: list[str] = []
    for i, (label, gm) in enumerate(afters):
        if i:
            right.append(f'<td class="sign"></td><th class="side">{escape(label)}</th>')
        right += [marks.cell(n, after=True) for n in gm.graph.nodes]
    empty = marks.cell(None, after=False)
    rows = [f"<tr>{b}{a}</tr>" for b, a in itertools.zip_longest(left, right, fillvalue=empty)]
    return _table(["before" if before is not None else "before: not an FX graph", afters[0][0]], rows)


def _one_graph(header: str, gm: torch.fx.GraphModule | None, marks: _Marks) -> str:
    rows = [f"<tr>{marks.cell(n, after=False)}</tr>" for n in (gm.graph.nodes if gm is not None else [])]
    return _table([header], rows)


# --------------------------------------------------------------------------- one node
_DTYPES = {
    torch.float32: "f32",
    torch.float64: "f64",
    torch.float16: "f16",
    torch.bfloat16: "bf16",
    torch.int64: "i64",
    torch.int32: "i32",
    torch.int8: "i8",
    torch.uint8: "u8",
    torch.bool: "b8",
}


def node_text(n: torch.fx.Node) -> str:
    """``name: type = target(args)``, already escaped: readable where ``format_node`` is noisy."""
    ty = _value_type(n.meta.get("val"))
    lhs = escape(n.name) + (f'<span class="ty">: {escape(ty)}</span>' if ty else "")
    args = [_arg_text(a) for a in n.args] + [f"{k}={_arg_text(v)}" for k, v in n.kwargs.items()]
    if n.op == "placeholder":
        return f"{lhs} = <i>input</i>"
    if n.op == "output":
        return "<b>return</b> " + escape(", ".join(args))
    if n.op == "get_attr":
        return f"{lhs} = self.{escape(str(n.target))}"
    if n.op == "call_method":
        return f"{lhs} = {escape(args[0] if args else '?')}.{escape(str(n.target))}({escape(', '.join(args[1:]))})"
    target = op_name(n).removeprefix("module ")
    return f"{lhs} = <b>{escape(target)}</b>({escape(', '.join(args))})"


def _arg_text(a: object) -> str:
    if isinstance(a, torch.fx.Node):
        return a.name
    if isinstance(a, list):
        return "[" + ", ".join(_arg_text(x) for x in a) + "]"
    if isinstance(a, tuple):
        return "(" + ", ".join(_arg_text(x) for x in a) + ("," if len(a) == 1 else "") + ")"
    if isinstance(a, dict):
        return "{" + ", ".join(f"{k!r}: {_arg_text(v)}" for k, v in a.items()) + "}"
    if isinstance(a, torch.dtype):
        return _DTYPES.get(a, str(a).removeprefix("torch."))
    return str(a) if isinstance(a, torch.device | torch.layout | torch.memory_format) else repr(a)


def _value_type(val: Any) -> str:
    if isinstance(val, torch.Tensor):
        return f"{_DTYPES.get(val.dtype, str(val.dtype).removeprefix('torch.'))}[{', '.join(map(str, val.shape))}]"
    if isinstance(val, torch.SymInt | int):
        return "int"
    return ""

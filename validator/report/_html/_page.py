"""The document: ``html_page`` (the shell and its stylesheet), ``report_section`` (one report as a
fragment, its element ids under a prefix), its header and error boxes."""

from __future__ import annotations

from html import escape

import torch

from ... import __version__
from .._model import Report
from .._text import tool_errors
from ._evidence import fidelity_section
from ._graphs import other_graphs
from ._guilty import guilty_section
from ._steps import later_section, steps_table
from ._style import CSS, badge


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
    parts = [_header(report, prefix), _errors(report), fidelity_section(report)]
    if loc is not None:
        guilty = "" if report.unlocalized else guilty_section(loc, prefix)
        parts += [steps_table(report, loc, prefix), guilty, later_section(loc, prefix)]
        parts.append(other_graphs(loc, prefix))
    return f'<section class="fxtv-report" id="{escape(prefix)}">\n' + "\n".join(p for p in parts if p) + "\n</section>"


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
    tool = tool_errors(report)
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

"""The HTML page of a PassReport: corpus figures, proofs, and each divergence with its smallest
program and the full report of that program (the guilty step's graphs side by side)."""

from __future__ import annotations

from html import escape

from ..report import badge, html_page, report_section
from ._report import PassReport


def render_pass_html(report: PassReport) -> str:
    rows = "".join(
        f"<tr><td>{escape(origin)}</td><td>{s['programs']}</td><td>{s['fired']}</td><td>{s['pattern_fires']}</td>"
        f"<td>{escape(', '.join(f'{k} {v}' for k, v in s['verdicts'].items()))}</td>"
        f"<td>{s['seconds_median']}</td></tr>"
        for origin, s in report.by_origin().items()
    )
    parts = [
        f"<h1>fxtv check_pass: {escape(report.pass_name)} {badge(report.verdict, big=True)}</h1>",
        f'<p class="dim">on {escape(report.hook)} ({escape(report.kind)}), {len(report.programs)} programs in '
        f"{report.seconds:.1f} s</p>",
        "<h2>Corpus</h2><table><tr><th>origin</th><th>programs</th><th>fired on</th><th>fires</th>"
        f"<th>verdicts</th><th>median s / program</th></tr>{rows}</table>",
    ]
    if report.coverage is not None:
        c = report.coverage
        missed = ", ".join(c["missed"][:8])
        parts.append(
            f"<p>pass line coverage: {c['reached']}/{c['lines']} lines ({c['percent']}%)"
            + (f'; not reached: <span class="dim">{escape(missed)}</span>' if missed else "")
            + "</p>"
        )
    if report.warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in report.warnings)
        parts.append(f'<div class="box error"><div class="title">warnings</div><ul>{items}</ul></div>')
    if report.proofs:
        items = "".join(
            f"<li>{badge(p.verdict)} <pre>{escape(chr(10).join(p.lines()))}</pre></li>" for p in report.proofs
        )
        parts.append(f"<h2>Replacement proofs</h2><ul>{items}</ul>")
    for i, f in enumerate(report.failures):
        nodes = f"{f.repro.nodes[0]} nodes before, {f.repro.nodes[1]} after" if f.repro else f.repro_error or ""
        parts.append(
            f'<h2>Divergence {i + 1}: {escape(f.signature)}</h2><div class="box guilty">'
            f"<p>first seen on {escape(f.found.name)} ({escape(f.found.origin)}); smallest program "
            f"{escape(f.smallest.name)}; repro: {escape(nodes)}</p>"
            + (f"<pre>{escape(f.smallest.source)}</pre>" if f.smallest.source else "")
            + "</div>"
        )
        if f.smallest.report is not None:
            parts.append(report_section(f.smallest.report, prefix=f"failure{i}"))
    body = '<section class="fxtv-report">' + "\n".join(parts) + "</section>"
    return html_page(f"fxtv check_pass: {report.pass_name} ({report.verdict})", body)

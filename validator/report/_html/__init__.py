"""A self-contained HTML page for one report: what the terminal shows, plus the graphs side by side.

The page has inline CSS only and no JavaScript, so it can be attached to a CI run, mailed or
opened from disk years later. ``html_page`` (the document shell) and ``report_section`` (one
report as a fragment) are separate so that a larger page can embed several reports; their
element ids carry a prefix so that the fragments do not collide. Every string from the report
goes through ``html.escape``: program names, node names and error messages are user data.

Modules, by concern: ``_page`` (the document, header and error boxes), ``_style`` (colours, CSS,
badges, tables), ``_steps`` (the trace table), ``_guilty`` (the guilty step and its blame),
``_evidence`` (mismatches, refuted obligations, fidelity), ``_graphs`` (graphs side by side) and
``_nodes`` (one node's text and marks).
"""

from ._nodes import node_text
from ._page import html_page, render_html, report_section
from ._style import CSS, GREEN, GREY, MAGENTA, RED, VERDICT_COLOUR, YELLOW, badge

__all__ = [
    "CSS",
    "GREEN",
    "GREY",
    "MAGENTA",
    "RED",
    "VERDICT_COLOUR",
    "YELLOW",
    "badge",
    "html_page",
    "node_text",
    "render_html",
    "report_section",
]

"""Reports: the Report object (JSON for research), its terminal and HTML renderings, standalone repro scripts."""

from ._html import badge, html_page, render_html, report_section
from ._model import EXIT_DIVERGED, EXIT_EQUIVALENT, EXIT_ERROR, UNLOCALIZED, Report
from ._repro import Repro, build_repro, write_repro
from ._terminal import render

__all__ = [
    "EXIT_DIVERGED",
    "EXIT_EQUIVALENT",
    "EXIT_ERROR",
    "UNLOCALIZED",
    "Repro",
    "Report",
    "badge",
    "build_repro",
    "html_page",
    "render",
    "render_html",
    "report_section",
    "write_repro",
]

"""The page's look: verdict colours, the stylesheet, and the small HTML pieces every section uses."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from ...numeric import DIVERGED, EQUIVALENT, NOT_RUN, TOOL_ERROR, UNCHANGED

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
    "rounding": YELLOW,
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


def badge(verdict: str, *, big: bool = False) -> str:
    """A verdict as a coloured pill (yellow ones get dark text to stay readable)."""
    colour = VERDICT_COLOUR.get(verdict, GREY)
    cls = "badge" + (" big" if big else "") + (" dark" if colour == YELLOW else "")
    return f'<span class="{cls}" style="background:{colour}">{escape(verdict)}</span>'


def kv(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<div class="kv"><b>{escape(k)}</b> {escape(v)}</div>' for k, v in pairs)


def num(x: float | None) -> str:
    return "" if x is None else f"{x:.6g}"


# The columns of a mismatch table after its first (the trial, or the comparison).
MISMATCH_COLUMNS = ("where", "kind", "detail", "elements", "at index", "before", "after", "float64", "allowed")


def data_table(columns: Iterable[str], rows: Iterable[str], *, cls: str = "") -> str:
    """A scrolling table: ``columns`` (trusted header text) over already rendered ``<tr>`` rows."""
    head = "".join(f"<th>{h}</th>" for h in columns)
    table = f'<table class="{cls}">' if cls else "<table>"
    return f'<div class="scroll">{table}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'

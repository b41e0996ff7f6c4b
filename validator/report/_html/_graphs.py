"""Graphs side by side: a same-signature step as an aligned diff, other steps column by column."""

from __future__ import annotations

import difflib
import itertools
from html import escape
from typing import Any

import torch
import torch.fx

from ...capture import Step
from ...kinds import StepKind
from ...localize import Localization
from ._nodes import Marks, node_text


def other_graphs(loc: Localization, prefix: str) -> str:
    """The other changed steps' graphs, folded: useful when the guilty step is not the whole story."""
    blocks = [
        graphs_section(v.step, loc, prefix, guilty=False)
        for v in loc.verdicts
        if v is not loc.guilty and v.step.is_leaf and has_graphs(v.step)
    ]
    return "<h2>Graphs of the other changed steps</h2>" + "\n".join(blocks) if blocks else ""


def has_graphs(step: Step) -> bool:
    """Whether both sides are FX graphs (a partition step's after side is the forward and backward)."""
    return isinstance(step.before, torch.fx.GraphModule) and bool(_after_graphs(step.after))


def graphs_section(step: Step, loc: Localization, prefix: str, *, guilty: bool) -> str:
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
    marks = Marks(step, blamed_before, blamed_after)
    if before is not None and len(afters) == 1 and step.kind == StepKind.FX:
        table = _aligned(before, afters[0][1], marks)
    elif afters:
        table = _unaligned(before, afters, marks)
    else:
        kind = "the compiled code" if step.kind == StepKind.LOWERING else type(step.after).__name__
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


def _table(headers: list[str], rows: list[str]) -> str:
    head = "".join(f'<th class="sign"></th><th class="side">{escape(h)}</th>' for h in headers)
    cls = "graphs" if len(headers) == 2 else "graphs one"
    return (
        f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


CONTEXT = 4  # unchanged nodes kept on each side of a change; longer unchanged runs fold into one row


def _aligned(before: torch.fx.GraphModule, after: torch.fx.GraphModule, marks: Marks) -> str:
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
    before: torch.fx.GraphModule | None, afters: list[tuple[str, torch.fx.GraphModule]], marks: Marks
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


def _one_graph(header: str, gm: torch.fx.GraphModule | None, marks: Marks) -> str:
    rows = [f"<tr>{marks.cell(n, after=False)}</tr>" for n in (gm.graph.nodes if gm is not None else [])]
    return _table([header], rows)

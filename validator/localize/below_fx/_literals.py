"""Constants the generated code cannot print: compare the FX graph in memory with its printed code.

Code generators print a constant argument with ``repr``. For some values that text does not read
back as the same value: ``complex(-0.0, 0.0)`` prints ``(-0+0j)`` (read back: ``0j``, the sign
of the real part lost), ``complex(0.0, -0.0)`` prints ``-0j`` (the real part flips), and
``complex(1, nan)`` / ``complex(1, inf)`` print ``(1+nanj)`` / ``(1+infj)``, which are not names at all
(docs/live-bugs.md). When the last FX graph holds such a constant, it is run in memory twice,
with the constant as the graph holds it and as its printed text reads back (or, for text that
does not evaluate, from FX's printed code); if the runs differ, the printed constant is the
culprit, named before any recompile.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.fx

from ...fx import clone_value, leaves
from ...numeric import compare_values, run_graph, tolerance_for
from ._model import CODEGEN, BelowFxBlame

_NAMES = {"inf": math.inf, "nan": math.nan}  # what FX's generated code defines


@dataclass(frozen=True)
class Misprint:
    node: str
    value: complex | float
    printed: str
    read_back: complex | float | None  # None: the printed text does not evaluate

    def describe(self) -> str:
        back = "does not evaluate" if self.read_back is None else f"reads back as {_exact(self.read_back)}"
        return f"node {self.node}: constant {_exact(self.value)} prints as {self.printed!r}, which {back}"


def _exact(v: complex | float) -> str:
    if isinstance(v, complex):
        return f"complex({v.real!r}, {v.imag!r})"
    return repr(v)


def _same(a: complex | float, b: Any) -> bool:
    if isinstance(a, complex) or isinstance(b, complex):
        if not isinstance(b, (complex, float, int)):
            return False
        a, b = complex(a), complex(b)
        return _same(a.real, b.real) and _same(a.imag, b.imag)
    if not isinstance(b, (float, int)):
        return False
    b = float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _constants(args: Any) -> Iterator[complex | float]:
    return (a for a in leaves(args) if isinstance(a, (complex, float)) and not isinstance(a, bool))


def misprinted(gm: torch.fx.GraphModule) -> list[Misprint]:
    """The float and complex constants of ``gm`` whose printed text reads back as another value."""
    out: list[Misprint] = []
    for n in gm.graph.nodes:
        for c in _constants((n.args, n.kwargs)):
            text = repr(c)
            try:
                back = eval(text, {"__builtins__": {}}, dict(_NAMES))  # the repr of a number, read back
            except NameError:
                out.append(Misprint(n.name, c, text, None))
                continue
            if not _same(c, back):
                out.append(Misprint(n.name, c, text, back))
    return out


def _as_printed(gm: torch.fx.GraphModule, bad: Sequence[Misprint]) -> torch.fx.GraphModule:
    """A copy of ``gm`` whose misprinted constants hold what their printed text reads back as."""
    back = {(b.node, _exact(b.value)): b.read_back for b in bad if b.read_back is not None}
    graph = copy.deepcopy(gm.graph)
    for n in graph.nodes:

        def swap(a: Any, node: str = n.name) -> Any:
            if isinstance(a, (complex, float)) and not isinstance(a, bool):
                return back.get((node, _exact(a)), a)
            return a

        n.args = torch.fx.node.map_aggregate(n.args, swap)
        n.kwargs = torch.fx.node.map_aggregate(n.kwargs, swap)
    return torch.fx.GraphModule(gm, graph)


def _differs(a: Sequence[Any], b: Sequence[Any]) -> bool:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        dtype = x.dtype if isinstance(x, torch.Tensor) and x.is_floating_point() else torch.float32
        if compare_values(f"output {i}", x, y, None, tolerance_for(dtype, 1, have_reference=False)):
            return True
    return False


def literal_blame(gm: torch.fx.GraphModule, inputs: Sequence[Any]) -> BelowFxBlame | None:
    """Blame a misprinted constant if the program with the constant as printed computes something
    else: the graph with each constant replaced by what its text reads back as, run in memory
    (whichever printer a backend uses prints ``repr``), or, for text that does not evaluate, the
    graph run from FX's own printed code."""
    bad = misprinted(gm)
    if not bad:
        return None
    memory = run_graph(gm, inputs)
    if memory.error is not None:
        return None
    evidence = ""
    if any(b.read_back is not None for b in bad):
        printed = run_graph(_as_printed(gm, bad), inputs)
        if printed.error is None and _differs(memory.outputs, printed.outputs):
            evidence = "the last FX graph with its constants as printed differs from the same graph in memory"
    if not evidence and any(b.read_back is None for b in bad):
        try:
            with torch.no_grad():
                gm(*[clone_value(x) for x in inputs])
        except NameError as e:  # e.g. name 'nanj' is not defined
            evidence = f"the last FX graph run from its printed code raises NameError: {e}"
    if not evidence:
        return None
    first = bad[0]
    blame = BelowFxBlame(
        CODEGEN,
        culprit=f"literal printing: {_exact(first.value)} printed as {first.printed!r}",
        fx_nodes=sorted({b.node for b in bad}),
    )
    blame.evidence += [b.describe() for b in bad[:4]]
    blame.evidence.append(evidence)
    blame.note = "a constant the code printer cannot print is blamed before any recompile (docs/live-bugs.md)"
    return blame

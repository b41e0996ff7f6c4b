"""Real torch bugs from the public PyTorch tracker that reproduce on the installed torch.

Each program is rewritten from the issue's report (the issue number is in the case's tags and in
its spec, ``specs/cases/real__*.toml``). They are faulty programs, not zoo programs: a report of a
divergence on them is expected, and their ground truth (the guilty stage and component) lives in
the spec, established by per-pass toggles and by running the guilty step's graphs.
"""

from __future__ import annotations

from . import _below as _below  # registers the cases
from . import _graph as _graph
from ._registry import REAL

TRACKER = REAL.cases

__all__ = ["TRACKER"]

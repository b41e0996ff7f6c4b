"""Zoo of small, correct programs fxtv must validate without false alarms."""

from __future__ import annotations

from ._case import LiveDivergence, ZooCase
from .inductor_kinds import INDUCTOR_KINDS
from .live import LIVE, LIVE_NAMES
from .models import CASES
from .tracker import TRACKER

# The hand-written cases, then programs of the kinds PyTorch's own inductor tests compile, less
# those on which inductor really changes results (``LIVE``: not correct programs).
ZOO: tuple[ZooCase, ...] = (*CASES, *(c for c in INDUCTOR_KINDS if c.name not in LIVE_NAMES))

# ``TRACKER``: programs of real torch bugs (faulty: specs/cases/real__*.toml give their truth)
_BY_NAME: dict[str, ZooCase] = {case.name: case for case in (*ZOO, *(d.case for d in LIVE), *TRACKER)}
assert len(_BY_NAME) == len(ZOO) + len(LIVE) + len(TRACKER), "zoo case names must be unique"


def get_case(name: str) -> ZooCase:
    """Look a case up by name; the KeyError lists the valid names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(
            f"unknown zoo case {name!r}; available: {', '.join(_BY_NAME)}"
        ) from None


__all__ = ["LIVE", "TRACKER", "ZOO", "LiveDivergence", "ZooCase", "get_case"]

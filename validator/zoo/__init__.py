"""Zoo of small, correct programs fxtv must validate without false alarms."""

from __future__ import annotations

from ._case import ZooCase
from .models import CASES

ZOO: tuple[ZooCase, ...] = CASES

_BY_NAME: dict[str, ZooCase] = {case.name: case for case in ZOO}
assert len(_BY_NAME) == len(ZOO), "zoo case names must be unique"


def get_case(name: str) -> ZooCase:
    """Look a case up by name; the KeyError lists the valid names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(
            f"unknown zoo case {name!r}; available: {', '.join(_BY_NAME)}"
        ) from None


__all__ = ["ZOO", "ZooCase", "get_case"]

"""Load the generator's operator specs (``specs/ops.toml``), checked against their kinds."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .._specs import spec_file

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# package data of validator.specs (the repository's top-level specs/), found by importlib.resources
OPS_FILE = spec_file("ops.toml")


@dataclass(frozen=True)
class OpSpec:
    name: str
    kind: str  # a key of _kinds.KINDS: how operands and parameters are drawn
    expr: str  # a format string over {x}, {y} and the kind's parameters
    consts: tuple[float, ...] = ()
    to: tuple[str, ...] = ()
    floating_only: bool = False


def _parse(raw: dict[str, object], where: str) -> OpSpec:
    from ._kinds import KINDS

    known = {"name", "kind", "expr", "consts", "to", "floating_only"}
    extra = set(raw) - known
    if extra:
        raise ValueError(f"{where}: unknown field(s) {sorted(extra)}")
    try:
        name, kind, expr = str(raw["name"]), str(raw["kind"]), str(raw["expr"])
    except KeyError as e:
        raise ValueError(f"{where}: missing field {e}") from None
    if kind not in KINDS:
        raise ValueError(f"{where} ({name}): unknown kind {kind!r}; kinds: {sorted(KINDS)}")
    consts = tuple(float(c) for c in raw.get("consts", []))  # type: ignore[attr-defined]
    to = tuple(str(t) for t in raw.get("to", []))  # type: ignore[attr-defined]
    if kind in ("scalar", "inplace") and not consts:
        raise ValueError(f"{where} ({name}): kind {kind!r} needs consts")
    if kind == "cast" and not to:
        raise ValueError(f"{where} ({name}): kind 'cast' needs to")
    return OpSpec(name, kind, expr, consts, to, bool(raw.get("floating_only", False)))


def load_ops(path: str | Path | Traversable = OPS_FILE) -> tuple[OpSpec, ...]:
    """Every ``[[op]]`` of the file, in file order (the order Hypothesis shrinks towards)."""
    data = tomllib.loads((Path(path) if isinstance(path, str) else path).read_text())
    ops = tuple(_parse(raw, f"{path} op {i}") for i, raw in enumerate(data.get("op", [])))
    names = [o.name for o in ops]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: duplicate op names")
    if not ops:
        raise ValueError(f"{path}: no [[op]] entries")
    return ops


@cache
def default_ops() -> tuple[OpSpec, ...]:
    return load_ops()

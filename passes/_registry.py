"""Declare once: ``@register`` on a pass or fault class is all it takes to list it.

Each subpackage (``correct``, ``faulty``, ``components``, ``below``, ``tables``) builds its list
with ``discover_passes(__name__)`` or ``discover_faults(__name__)``: each imports every public
module of the subpackage (by name), then makes one instance of each class registered there, in
``order``, the ones without an order after them, by name. The order is the one the benchmark
output shows, so a new entry needs none: a new pass or fault is one new file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import TypeVar, overload

from ._base import GraphPass
from ._fault import Fault

C = TypeVar("C", bound=type[GraphPass] | type[Fault])

# every registered class, with its order (None: after the ordered ones, by name)
_ORDER: dict[type[GraphPass] | type[Fault], int | None] = {}


@overload
def register(cls: C, /) -> C: ...


@overload
def register(*, order: int | None = None) -> Callable[[C], C]: ...


def register(cls: C | None = None, /, *, order: int | None = None) -> C | Callable[[C], C]:
    """Class decorator: list the class in its subpackage (``@register`` or ``@register(order=3)``)."""

    def add(c: C) -> C:
        if c in _ORDER:
            raise RuntimeError(f"{c.__qualname__} is registered twice")
        _ORDER[c] = order
        return c

    return add if cls is None else add(cls)


def _package(cls: type[GraphPass] | type[Fault]) -> str:
    return cls.__module__.rpartition(".")[0]


def _sort_key(cls: type[GraphPass] | type[Fault]) -> tuple[bool, int, str]:
    order = _ORDER[cls]
    return (order is None, order or 0, cls.info.name)


def _discover(package: str) -> list[GraphPass | Fault]:
    """One instance of each class registered in ``package``'s modules, in order."""
    pkg = importlib.import_module(package)
    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{package}.{mod.name}")
    classes = sorted((c for c in _ORDER if _package(c) == package), key=_sort_key)
    orders = [_ORDER[c] for c in classes if _ORDER[c] is not None]
    if len(set(orders)) != len(orders):
        raise RuntimeError(f"{package}: two entries share an order: {[(c.__name__, _ORDER[c]) for c in classes]}")
    return [c() for c in classes]


def _wrong_kind(package: str, entry: object, kind: str) -> TypeError:
    return TypeError(f"{type(entry).__qualname__} is registered in {package} but is not a {kind}")


def discover_passes(package: str) -> list[GraphPass]:
    """The graph passes registered in ``package`` (see the module docstring)."""
    out: list[GraphPass] = []
    for e in _discover(package):
        if not isinstance(e, GraphPass):
            raise _wrong_kind(package, e, "GraphPass")
        out.append(e)
    return out


def discover_faults(package: str) -> list[Fault]:
    """The faults registered in ``package`` (see the module docstring)."""
    out: list[Fault] = []
    for e in _discover(package):
        if not isinstance(e, Fault):
            raise _wrong_kind(package, e, "Fault")
        out.append(e)
    return out

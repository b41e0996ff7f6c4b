"""Declare once: ``@register`` on a pass or fault class is all its module needs.

What the class *is* (its hook or component, the issue it models, what a localizer must blame) is
one record in ``passes/catalog.toml``, ``[<package>.<module>]``: ``@register`` gives the class that
record as its ``info`` (its name is the module's name). The catalog is data, in one table, so the
benchmark's answer key reads in one place and the modules hold only the rewrite and its trigger.

Each subpackage (``correct``, ``faulty``, ``components``, ``below``, ``tables``) builds its list
with ``discover_passes(__name__)`` or ``discover_faults(__name__)``: each imports every public
module of the subpackage, then makes one instance of each registered class, in the catalog's
order (the one the benchmark output shows). A new pass or fault is one new file plus its record.
"""

from __future__ import annotations

import functools
import importlib
import importlib.resources
import pkgutil
import sys
from typing import Any, TypeVar

from ._base import GraphPass, PassInfo
from ._fault import Fault, FaultInfo

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

C = TypeVar("C", bound=type[GraphPass] | type[Fault])

_REGISTERED: list[type[GraphPass] | type[Fault]] = []


@functools.cache
def _catalog() -> dict[str, dict[str, dict[str, Any]]]:
    """passes/catalog.toml: package -> module -> record, in the file's order."""
    text = importlib.resources.files(__package__).joinpath("catalog.toml").read_text()
    return tomllib.loads(text)


def _where(cls: type) -> tuple[str, str]:
    """(subpackage, module) of a class defined in ``passes.<subpackage>.<module>``."""
    package, _, module = cls.__module__.rpartition(".")
    return package.rpartition(".")[2], module


def _info(cls: type[GraphPass] | type[Fault]) -> PassInfo | FaultInfo:
    package, module = _where(cls)
    record = _catalog().get(package, {}).get(module)
    if record is None:
        raise RuntimeError(f"{cls.__qualname__}: passes/catalog.toml has no [{package}.{module}]")
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in record.items()}
    if issubclass(cls, GraphPass):
        return PassInfo(name=module, faulty=package == "faulty", **fields)
    return FaultInfo(name=module, **fields)


def register(cls: C, /) -> C:
    """Class decorator: list the class in its subpackage, with its catalog record as ``info``."""
    if cls in _REGISTERED:
        raise RuntimeError(f"{cls.__qualname__} is registered twice")
    if any(_where(c) == _where(cls) for c in _REGISTERED):
        raise RuntimeError(f"{cls.__module__}: one registered class per module (its name is the module's)")
    cls.info = _info(cls)  # type: ignore[assignment]
    _REGISTERED.append(cls)
    return cls


def _discover(package: str) -> list[GraphPass | Fault]:
    """One instance of each class registered in ``package``'s modules, in the catalog's order."""
    pkg = importlib.import_module(package)
    for mod in pkgutil.iter_modules(pkg.__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{package}.{mod.name}")
    sub = package.rpartition(".")[2]
    by_module = {_where(c)[1]: c for c in _REGISTERED if _where(c)[0] == sub}
    records = list(_catalog().get(sub, {}))
    unbacked = sorted(set(records) - set(by_module))
    if unbacked:
        raise RuntimeError(f"passes/catalog.toml [{sub}.*]: no registered class in module(s) {unbacked}")
    return [by_module[name]() for name in records]


def _discover_as(package: str, kind: type) -> list[Any]:
    out: list[Any] = []
    for e in _discover(package):
        if not isinstance(e, kind):
            raise TypeError(f"{type(e).__qualname__} is registered in {package} but is not a {kind.__name__}")
        out.append(e)
    return out


def discover_passes(package: str) -> list[GraphPass]:
    """The graph passes registered in ``package`` (see the module docstring)."""
    return _discover_as(package, GraphPass)


def discover_faults(package: str) -> list[Fault]:
    """The faults registered in ``package`` (see the module docstring)."""
    return _discover_as(package, Fault)

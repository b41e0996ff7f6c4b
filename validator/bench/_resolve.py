"""Turn a spec's program and fault references into a callable, inputs and an installed fault."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch

from .. import _compat
from ._spec import Spec

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16, "float64": torch.float64}


def _faults() -> dict[str, Any]:
    from passes import FAULTS

    return {f.name: f for f in FAULTS}  # component faults and below-FX faults


def _passes() -> dict[str, Any]:
    from passes import ALL_PASSES

    return {p.name: p for p in ALL_PASSES}


def known(ref: str) -> bool:
    """Whether a ``zoo:`` / ``pass:`` / ``fault:`` reference names something that exists."""
    kind, _, name = ref.partition(":")
    if kind == "zoo":
        from validator.zoo import get_case

        try:
            get_case(name)  # the correct programs and the live divergences
        except KeyError:
            return False
        return True
    return name in (_passes() if kind == "pass" else _faults())


def build_program(spec: Spec) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """A fresh copy of the case's program and inputs (cast to the spec's dtype, if any)."""
    kind, _, name = spec.program.partition(":")
    if kind == "zoo":
        from validator.zoo import get_case

        fn, args = get_case(name).build()
    elif kind == "pass":
        fn, args = _passes()[name].trigger()
    else:
        fn, args = _faults()[name].trigger()
    if spec.dtype is not None:
        dt = _DTYPES[spec.dtype]
        args = tuple(a.to(dt) if isinstance(a, torch.Tensor) and a.is_floating_point() else a for a in args)
        if isinstance(fn, torch.nn.Module):
            fn = copy.deepcopy(fn).to(dt)
    return fn, args


@dataclass
class Installed:
    fired: Callable[[], int]


@contextlib.contextmanager
def installed(spec: Spec) -> Iterator[Installed]:
    """The case's fault (or correct pass) installed for the block; ``fired()`` says how often it acted.

    A zoo program's own inductor config (a real bug that needs a flag) holds for the block too.
    """
    with _program_config(spec):
        if spec.fault is None:
            yield Installed(lambda: 0)
            return
        with _fault_installed(spec) as inst:
            yield inst


@contextlib.contextmanager
def _program_config(spec: Spec) -> Iterator[None]:
    kind, _, name = spec.program.partition(":")
    config: tuple[tuple[str, Any], ...] = ()
    if kind == "zoo":
        from validator.zoo import get_case

        config = get_case(name).config
    if not config:
        yield
        return
    with _compat.inductor_patch(dict(config)):
        yield


@contextlib.contextmanager
def _fault_installed(spec: Spec) -> Iterator[Installed]:
    assert spec.fault is not None
    kind, _, name = spec.fault.partition(":")
    if kind == "pass":
        p = _passes()[name]
        p.reset_counters()
        with p.installed():
            yield Installed(lambda: int(p.total_rewrites))
    else:
        f = _faults()[name]
        with f.installed():
            yield Installed(lambda: int(f.fired))

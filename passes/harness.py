"""Run a pass's trigger eagerly and under torch.compile, and compare what a user can observe.

Observable here means every output tensor and every argument after the call (input
mutation), compared bit-for-bit on special values: NaN positions and the sign of zeros.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
import torch._dynamo
import torch._functorch.config as functorch_config
import torch._inductor.config as inductor_config

from ._base import GraphPass, installed_all


@dataclass
class Observed:
    outputs: list[torch.Tensor]
    args_after: list[torch.Tensor]  # arguments after the call, to see input mutations

    def tensors(self) -> list[torch.Tensor]:
        return self.outputs + self.args_after


def _flatten(out: object) -> list[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _flatten(o)]
    return []


def _clone(args: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    return tuple(a.clone() for a in args)


@contextlib.contextmanager
def no_caches() -> Iterator[None]:
    """Force a real compile: cached graphs would skip the installed passes."""
    with inductor_config.patch(fx_graph_cache=False), functorch_config.patch(enable_autograd_cache=False):
        yield


def run_eager(fn: Callable[..., object], args: tuple[torch.Tensor, ...]) -> Observed:
    args = _clone(args)
    return Observed(_flatten(fn(*args)), list(args))


def run_compiled(
    fn: Callable[..., object],
    args: tuple[torch.Tensor, ...],
    gpass: GraphPass | Sequence[GraphPass] | None = None,
) -> Observed:
    """Compile ``fn`` with inductor (with ``gpass`` installed, if given) and run it once."""
    torch._dynamo.reset()
    args = _clone(args)
    if gpass is None:
        hooks: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    elif isinstance(gpass, GraphPass):
        hooks = gpass.installed()
    else:
        hooks = installed_all(list(gpass))
    with no_caches(), hooks:
        compiled = torch.compile(fn, backend="inductor")
        out = compiled(*args)
    torch._dynamo.reset()
    return Observed(_flatten(out), list(args))


def _special_values_equal(a: torch.Tensor, b: torch.Tensor) -> bool:
    if not a.is_floating_point():
        return True
    return torch.equal(a.isnan(), b.isnan()) and torch.equal(a.signbit(), b.signbit())


def bitwise_same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Same shape, dtype and values, NaN == NaN, and the same sign on every zero."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if not _special_values_equal(a, b):
        return False
    if a.is_floating_point():
        return torch.equal(a.nan_to_num(0.0), b.nan_to_num(0.0))
    return torch.equal(a, b)


def close_same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Within assert_close tolerances, with equal NaN positions and zero signs."""
    if a.shape != b.shape or a.dtype != b.dtype or not _special_values_equal(a, b):
        return False
    try:
        torch.testing.assert_close(b, a, equal_nan=True)
    except AssertionError:
        return False
    return True


def observed_equal(
    ref: Observed, got: Observed, same: Callable[[torch.Tensor, torch.Tensor], bool] = bitwise_same
) -> bool:
    r, g = ref.tensors(), got.tensors()
    return len(r) == len(g) and all(same(a, b) for a, b in zip(r, g, strict=True))

"""Inputs for each captured graph and trial.

Trial 0 uses the real inputs seen at run time. Random trials scale every floating input
elementwise by U(0.5, 1.5) (keeps signs, zeros and magnitudes, so BatchNorm variances stay
positive and masks stay masks); past 65,537 elements the factors repeat with that period. The
special-values trial plants NaN, +-Inf, -0.0, a denormal and large magnitudes into non-parameter
floating inputs. Values depend only on (trial, input position, real value); the checker gives a
parameter the values of the first position it was seen at, so every graph that takes the same
weights gets the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..fx import clone_tensor

REAL = "real inputs"
# factors drawn per random trial and input; a larger input repeats them with this period, a prime,
# so that the pattern lines up with no dimension
_PERIOD = 65_537
SPECIAL = "special values"


@dataclass(frozen=True)
class Trial:
    name: str
    seed: int
    special: bool = False


def trials(random_trials: int, special: bool) -> list[Trial]:
    out = [Trial(REAL, 0)]
    out += [Trial(f"random #{i}", i) for i in range(1, random_trials + 1)]
    if special:
        out.append(Trial(SPECIAL, 10_000, special=True))
    return out


def _gen(trial: Trial, position: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(trial.seed * 1_000_003 + position)
    return g


def _special_values(dtype: torch.dtype) -> list[float]:
    fi = torch.finfo(dtype)
    return [
        float("nan"),
        float("inf"),
        float("-inf"),
        -0.0,
        float(fi.tiny) / 4,
        float(fi.max) ** 0.5,
        -(float(fi.max) ** 0.5),
        0.0,
    ]


def trial_value(v: Any, trial: Trial, position: int, *, is_param: bool = False) -> Any:
    if not isinstance(v, torch.Tensor) or trial.name == REAL or not v.is_floating_point() or v.numel() == 0:
        return v
    if trial.special and is_param:
        return v  # parameters keep their values; runs clone what a graph writes
    out = clone_tensor(v)
    g = _gen(trial, position)
    if trial.special:
        flat = out.view(-1) if out.is_contiguous() else None
        if flat is None:
            return out
        vals = _special_values(v.dtype)
        idx = torch.randperm(flat.numel(), generator=g)[: len(vals)]
        for i, val in zip(idx.tolist(), vals, strict=False):
            flat[i] = val
        return out
    n = out.numel()
    if n <= _PERIOD:
        scale = torch.rand(out.shape, generator=g, dtype=torch.float64).add_(0.5)
        out.copy_(out.double() * scale)  # copy_ keeps the real input's strides
        return out
    # a large input (a language model's embedding): one period of factors, tiled, in its own
    # dtype (drawing and widening every element cost seconds per trial there)
    period = torch.rand(_PERIOD, generator=g, dtype=torch.float64).add_(0.5).to(out.dtype)
    out.mul_(period.repeat(-(-n // _PERIOD))[:n].view(out.shape))
    return out


def tangent_like(val: Any, position: int) -> Any:
    """A deterministic cotangent for a joint-graph ``tangents_*`` placeholder."""
    from .. import _compat

    if not isinstance(val, torch.Tensor):
        return val
    shape = [_compat.concrete_int(s) for s in val.shape]
    g = torch.Generator()
    g.manual_seed(7_919 + position)
    if not val.dtype.is_floating_point:
        return torch.zeros(shape, dtype=val.dtype)
    return torch.randn(shape, generator=g, dtype=torch.float64).to(val.dtype)

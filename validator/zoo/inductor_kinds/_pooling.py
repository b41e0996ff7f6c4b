"""Pooling: max and average pooling in 1-D and 2-D (padding, dilation, ceil_mode,
indices, divisor_override) and adaptive pooling."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from .._build import Built, _x
from .._registry import Registry

case = Registry()


def pool_max2d_indices(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """max_pool2d with return_indices, with dilation, and with ceil_mode."""
    vals, idx = F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    dil = F.max_pool2d(x, 2, stride=1, dilation=2)
    ceil = F.max_pool2d(x, 2, stride=2, ceil_mode=True)
    return vals, idx, dil, ceil


@case(tags=("pooling",))
def build_pool_max2d_indices() -> Built:
    """max_pool2d with return_indices, with dilation, with ceil_mode"""
    return pool_max2d_indices, (_x(2, 3, 9, 9),)


def pool_avg2d_variants(x: Tensor) -> tuple[Tensor, ...]:
    """avg_pool2d with ceil_mode, with and without count_include_pad, divisor_override."""
    return (
        F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=True),
        F.avg_pool2d(x, 2, ceil_mode=True),
        F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False),
        F.avg_pool2d(x, 2, stride=2, divisor_override=3),
    )


@case(tags=("pooling",))
def build_pool_avg2d_variants() -> Built:
    """avg_pool2d: ceil_mode with/without count_include_pad, padding, divisor_override"""
    return pool_avg2d_variants, (_x(2, 3, 9, 9),)


def pool_adaptive(x: Tensor) -> tuple[Tensor, ...]:
    """adaptive_avg_pool2d to sizes that do and do not divide the input, and adaptive max."""
    return (
        F.adaptive_avg_pool2d(x, (3, 3)),
        F.adaptive_avg_pool2d(x, 1).flatten(1),
        F.adaptive_avg_pool2d(x, (4, 2)),
        F.adaptive_max_pool2d(x, 3),
    )


@case(tags=("pooling",))
def build_pool_adaptive() -> Built:
    """adaptive_avg_pool2d to (3, 3), 1 and (4, 2) from 8x8; adaptive_max_pool2d"""
    return pool_adaptive, (_x(2, 3, 8, 8),)


def pool_max1d(x: Tensor) -> tuple[Tensor, ...]:
    """max_pool1d (padding, ceil_mode, indices) and avg_pool1d."""
    vals, idx = F.max_pool1d(x, 3, stride=2, padding=1, return_indices=True)
    return (
        vals,
        idx,
        F.max_pool1d(x, 4, stride=3, ceil_mode=True),
        F.avg_pool1d(x, 4, stride=3, ceil_mode=True),
    )


@case(tags=("pooling",))
def build_pool_max1d() -> Built:
    """max_pool1d with padding/indices and ceil_mode; avg_pool1d with ceil_mode"""
    return pool_max1d, (_x(2, 4, 17),)

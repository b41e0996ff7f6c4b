"""Dynamic shapes: programs compiled with ``dynamic=True`` whose sizes stay symbolic."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._build import Built, _inference, _x
from .._registry import Registry
from ._helpers import _randomise_affine

case = Registry()


def dyn_view_symbolic(x: Tensor) -> tuple[Tensor, ...]:
    """view/reshape/flatten/unflatten with sizes computed from symbolic dims."""
    b, t, c = x.shape
    h = x.view(b * t, c).view(b, t, 2, c // 2).permute(0, 2, 1, 3).reshape(b * 2, t * (c // 2))
    return (
        h * t,
        x.flatten(1) + b,
        x.unflatten(-1, (2, -1)).sum(-1),
        x.new_ones(b, t) * c,
    )


@case(dynamic=True, tags=("dynamic", "views"))
def build_dyn_view_symbolic() -> Built:
    # Distinct sizes, none 0 or 1, so each dim gets its own symbol.
    """view/reshape/flatten/unflatten with symbolic sizes"""
    return dyn_view_symbolic, (_x(3, 5, 8),)


def dyn_reduce_dynamic_dim(x: Tensor) -> tuple[Tensor, ...]:
    """Reductions and scans over the dynamic dim 1, and a mean divided by its size."""
    t = x.shape[1]
    return (
        x.sum(1),
        x.amax(1),
        x.softmax(1),
        x.var(1),
        torch.logsumexp(x, dim=1),
        x.cumsum(1),
        x.sum(1) / t,
    )


@case(dynamic=True, tags=("dynamic", "reduction"))
def build_dyn_reduce_dynamic_dim() -> Built:
    """sum/amax/softmax/var/logsumexp/cumsum over a dynamic dim"""
    return dyn_reduce_dynamic_dim, (_x(3, 7, 4),)


def dyn_cat_pieces(x: Tensor, y: Tensor) -> tuple[Tensor, ...]:
    """cat of dynamic pieces along the dynamic dim and the other, slices by a symbolic
    length, and constant padding."""
    n = x.shape[0]
    return (
        torch.cat([x, y], dim=0),
        torch.cat([x, x * 2.0], dim=1),
        torch.cat([x[:, :4], y[:n, 4:]], dim=1),
        F.pad(x, (1, 2), value=0.5),
    )


@case(dynamic=True, tags=("dynamic", "cat"))
def build_dyn_cat_pieces() -> Built:
    """cat of dynamic pieces on both dims, symbolic slices, constant pad"""
    return dyn_cat_pieces, (_x(3, 8), _x(5, 8))


def dyn_interpolate(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """interpolate: nearest and bilinear by a scale factor, bilinear to a computed size."""
    h, w = x.shape[-2:]
    return (
        F.interpolate(x, scale_factor=2.0, mode="nearest"),
        F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False),
        F.interpolate(x, size=(h * 2, w + 3), mode="bilinear", align_corners=True),
    )


@case(dynamic=True, tags=("dynamic", "interpolate"))
def build_dyn_interpolate() -> Built:
    """interpolate nearest/bilinear by scale factor and to a computed size"""
    return dyn_interpolate, (_x(2, 3, 5, 7),)


class DynamicGatedLinear(nn.Module):
    """Linear over dynamic (batch, seq), chunked into a gate, then layer-normalised."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(8, 16)
        self.ln = nn.LayerNorm(8)
        _randomise_affine(self.ln)

    def forward(self, x: Tensor) -> Tensor:
        a, g = self.proj(x).chunk(2, dim=-1)
        y: Tensor = self.ln(a * torch.sigmoid(g))
        return y.mean(1)


@case(dynamic=True, tags=("dynamic", "nn", "norm"))
def build_dyn_gated_linear() -> Built:
    """Linear over dynamic (batch, seq), chunked gate, LayerNorm, mean over seq"""
    return _inference(DynamicGatedLinear()), (_x(3, 5, 8),)

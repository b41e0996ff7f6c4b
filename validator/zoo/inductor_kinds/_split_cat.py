"""split / cat chains: split, chunk, unbind, narrow and slices put back together with cat
and stack, in order (no-ops the split/cat passes remove) and out of order (they must not)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .._build import Built, _x
from .._registry import Registry

case = Registry()


def sc_split_cat_in_order(x: Tensor) -> Tensor:
    """cat(split(x)) in order (a no-op) on two dims, next to a cat that reuses a piece."""
    a, b, c = torch.split(x, [3, 4, 5], dim=1)
    same = torch.cat([a, b, c], dim=1)
    same2 = torch.cat(torch.split(x, 4, dim=-1), dim=-1)
    extra = torch.cat([a, b, c, a], dim=1).sum(1, keepdim=True)
    return torch.tanh(same) + same2 * 2.0 + extra


@case(tags=("pattern", "split_cat"))
def build_sc_split_cat_in_order() -> Built:
    """cat(split(x)) in order on two dims, plus a cat that reuses a piece"""
    return sc_split_cat_in_order, (_x(2, 12, 8),)


def sc_split_getitem_pointwise(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """split getitems feeding pointwise ops: a SwiGLU gate, a 4-way combination and glu."""
    gate, up = x.split(16, dim=-1)
    a, b, c, d = x.split(8, dim=-1)
    return F.silu(gate) * up, (a + b) * (c - d), F.glu(x, dim=-1)


@case(tags=("pattern", "split_cat"))
def build_sc_split_getitem_pointwise() -> Built:
    """split getitems into SwiGLU gate, a 4-way combination and F.glu"""
    return sc_split_getitem_pointwise, (_x(4, 32),)


def sc_unbind_stack(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """unbind then stack in order (identity), reversed, weighted, and cat of an unbind."""
    parts = x.unbind(1)
    same = torch.stack(parts, dim=1)
    rev = torch.stack(parts[::-1], dim=1)
    weighted = torch.stack([p * float(i + 1) for i, p in enumerate(parts)], dim=0).sum(0)
    flat = torch.cat(x.unbind(0), dim=-1)
    return same + 1.0, rev, weighted, flat


@case(tags=("pattern", "split_cat"))
def build_sc_unbind_stack() -> Built:
    """unbind -> stack in order, reversed, weighted; cat of an unbind"""
    return sc_unbind_stack, (_x(3, 4, 5),)


def sc_chunk_cat(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """chunk then cat: in order (no-op), pairwise swapped (a real permutation), partial."""
    c = x.chunk(4, dim=1)
    same = torch.cat(c, dim=1)
    swapped = torch.cat([c[1], c[0], c[3], c[2]], dim=1)
    part = torch.cat([c[0] * 2.0, c[2]], dim=-1)
    return torch.relu(same - swapped), swapped, part


@case(tags=("pattern", "split_cat"))
def build_sc_chunk_cat() -> Built:
    """chunk -> cat in order, pairwise swapped, partial"""
    return sc_chunk_cat, (_x(2, 16, 6),)


def sc_narrow_slice_chain(x: Tensor) -> Tensor:
    """narrow of narrow, strided and negative slices, select then slice, all concatenated."""
    a = x.narrow(1, 2, 6).narrow(2, 1, 8)[:, ::2, 1::3]
    b = x[..., -4:]
    c = x[1:3, :, 2:10:2][:, 1:-1]
    d = x.select(0, 2)[3:]
    e = x[:, 1:7].flip(1)
    return torch.cat([a.flatten(), b.flatten() * 2.0, c.flatten(), d.flatten(), e.flatten()])


@case(tags=("views", "split_cat"))
def build_sc_narrow_slice_chain() -> Built:
    """narrow of narrow, strided/negative slices, select + slice, flip, cat"""
    return sc_narrow_slice_chain, (_x(4, 10, 12),)


def sc_split_split_cat(x: Tensor) -> tuple[Tensor, Tensor]:
    """split of a split piece (the split-merging passes), cat of all pieces in order
    (identity) and a cat of pieces out of order."""
    a, b = x.split([6, 10], dim=1)
    b1, b2 = b.split([4, 6], dim=1)
    same = torch.cat([a, b1, b2], dim=1)
    mixed = torch.cat([b1, a, b2 * 0.5], dim=1)
    return torch.relu(same) + mixed, b2.sigmoid()


@case(tags=("pattern", "split_cat"))
def build_sc_split_split_cat() -> Built:
    """split of a split piece, cat in order and out of order"""
    return sc_split_split_cat, (_x(2, 16, 4),)

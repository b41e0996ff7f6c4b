"""Indexing and scatter: gather/scatter, index_select/add/copy/fill, index_put with
accumulate, masks and where, embedding bags and advanced indexing."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._build import Built, _inference, _x
from .._registry import Registry

case = Registry()


def idx_gather_scatter(x: Tensor, gidx: Tensor, perm: Tensor, src: Tensor) -> tuple[Tensor, ...]:
    """gather, scatter with a per-row permutation (no duplicate targets, so deterministic),
    scatter of a scalar, and scatter_add with duplicates."""
    g = torch.gather(x, 1, gidx)
    s = torch.zeros_like(x).scatter(1, perm, src)
    s2 = x.scatter(1, perm[:, :3], 2.0)
    sa = torch.zeros(4, 6).scatter_add(1, gidx % 6, x[:, : gidx.size(1)])
    return g, s, s2, sa


@case(tags=("indexing", "scatter"))
def build_idx_gather_scatter() -> Built:
    """gather, scatter of a per-row permutation, scatter of a scalar, scatter_add"""
    x = _x(4, 6)
    gidx = torch.randint(0, 6, (4, 5))
    perm = torch.argsort(torch.rand(4, 6), dim=1)
    return idx_gather_scatter, (x, gidx, perm, _x(4, 6))


def idx_index_select_add(x: Tensor, idx: Tensor, dup: Tensor, src: Tensor, perm: Tensor) -> tuple[Tensor, ...]:
    """index_select, index_add with duplicate indices and alpha, index_copy, index_fill."""
    return (
        torch.index_select(x, 0, idx) * 2.0,
        x.index_add(0, dup, src, alpha=0.5),
        x.index_copy(0, perm, src),
        x.index_fill(1, idx[:2], -1.0),
    )


@case(tags=("indexing", "scatter"))
def build_idx_index_select_add() -> Built:
    """index_select, index_add (duplicates, alpha), index_copy, index_fill"""
    x = _x(6, 5)
    idx = torch.tensor([4, 0, 2, 2])
    dup = torch.tensor([1, 3, 1, 5, 1, 0])
    perm = torch.randperm(6)
    return idx_index_select_add, (x, idx, dup, _x(6, 5), perm)


def idx_index_put_accumulate(
    x: Tensor, rows: Tensor, cols: Tensor, vals: Tensor, urows: Tensor, u: Tensor
) -> tuple[Tensor, Tensor]:
    """index_put with accumulate=True over duplicate (row, col) pairs, and a plain
    index_put on unique rows."""
    acc = torch.index_put(x, (rows, cols), vals, accumulate=True)
    put = x.index_put((urows,), u)
    return acc, put


@case(tags=("indexing", "scatter"))
def build_idx_index_put_accumulate() -> Built:
    """index_put accumulate=True over duplicate pairs; index_put on unique rows"""
    x = _x(5, 6)
    rows = torch.tensor([0, 2, 2, 4, 0, 2])
    cols = torch.tensor([1, 3, 3, 5, 1, 0])
    urows = torch.tensor([4, 1])
    return idx_index_put_accumulate, (x, rows, cols, _x(6), urows, _x(2, 6))


def idx_masked_where(x: Tensor, mask: Tensor, y: Tensor) -> tuple[Tensor, ...]:
    """masked_fill by a scalar and by a 0-d tensor, where, and a boolean-mask mean via where."""
    picked = torch.where(mask, x, 0.0)
    count = mask.sum(-1, keepdim=True).clamp(min=1)
    return (
        x.masked_fill(mask, -1.0),
        y.masked_fill(~mask, torch.tensor(0.25)),
        torch.where(x > 0, x, y),
        picked.sum(-1, keepdim=True) / count,
    )


@case(tags=("indexing",))
def build_idx_masked_where() -> Built:
    """masked_fill by scalar and 0-d tensor, where, boolean-mask mean via where"""
    x = _x(4, 8)
    mask = torch.rand(4, 8) > 0.5
    return idx_masked_where, (x, mask, _x(4, 8))


class EmbeddingBags(nn.Module):
    """nn.EmbeddingBag (sum, with offsets), F.embedding_bag (mean) and a hand-written bag
    sum with per-sample weights."""

    def __init__(self) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(20, 8, mode="sum")
        self.emb = nn.Embedding(20, 8)

    def forward(self, flat: Tensor, offsets: Tensor, bags: Tensor, w: Tensor) -> tuple[Tensor, ...]:
        return (
            self.bag(flat, offsets),
            F.embedding_bag(bags, self.emb.weight, mode="mean"),
            (self.emb(bags) * w.unsqueeze(-1)).sum(1),
        )


@case(tags=("nn", "indexing"))
def build_idx_embedding_bag() -> Built:
    """EmbeddingBag(sum, offsets, empty bag), F.embedding_bag(mean), weighted bag sum"""
    model = _inference(EmbeddingBags())
    flat = torch.randint(0, 20, (10,))
    offsets = torch.tensor([0, 3, 3, 7])  # includes an empty bag
    bags = torch.randint(0, 20, (3, 4))
    w = torch.rand(3, 4)
    return model, (flat, offsets, bags, w)


def idx_advanced(x: Tensor, i: Tensor, j: Tensor, neg: Tensor) -> tuple[Tensor, ...]:
    """Advanced indexing: a 2-D index, an index on a middle dim, two separated index
    tensors (their dims move to the front), broadcast pairs and negative indices."""
    return (
        x[i],
        x[:, j],
        x[i[0], :, j[:3]],
        x[i[:, :1], j[:2]],
        x[..., neg],
        x[-1, neg] * 2.0,
    )


@case(tags=("indexing",))
def build_idx_advanced() -> Built:
    """advanced indexing: 2-D index, middle dim, separated indices, broadcast, negative"""
    x = _x(5, 6, 7)
    i = torch.tensor([[0, 4, 2], [1, 1, 3]])
    j = torch.tensor([5, 0, 3, 2])
    neg = torch.tensor([-1, 0, -3, 2])
    return idx_advanced, (x, i, j, neg)

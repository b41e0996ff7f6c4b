"""Faulty: slice(cat(ts, d), d, start, end) -> slice(ts[i], d, start - off + 1, end - off + 1).

Synthetic: an off-by-one mutant of inductor's slice-of-cat simplification (a slice that
lies inside one cat input reads that input directly). The piece's offset is computed as
the index of the previous piece's last element, so the window starts one element late. A
shape guard rejects windows that would run off the piece, so the bug only shows on inner
windows, silently.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._fx import aten, is_call, normalize_dim, same_shape
from .._registry import register


@register
class CatSliceOffByOne(NodeRewrite):
    targets = (aten.slice.Tensor,)

    def replace(self, node: Node) -> Node | None:
        cat = node.args[0]
        if not is_call(cat, aten.cat.default):
            return None
        pieces = cat.args[0]
        cat_dim = cat.args[1] if len(cat.args) > 1 else cat.kwargs.get("dim", 0)
        rest = list(node.args[1:])
        dim = rest[0] if rest else 0
        start = rest[1] if len(rest) > 1 and rest[1] is not None else 0
        end = rest[2] if len(rest) > 2 else None
        step = rest[3] if len(rest) > 3 else 1
        fc = fake_tensor(cat)
        if fc is None or not isinstance(pieces, (list, tuple)) or step != 1:
            return None
        if not all(isinstance(v, int) for v in (cat_dim, dim, start)) or not isinstance(end, (int, type(None))):
            return None
        rank = fc.dim()
        if normalize_dim(cat_dim, rank) != normalize_dim(dim, rank) or start < 0:  # type: ignore[arg-type, operator]
            return None
        d = normalize_dim(dim, rank)  # type: ignore[arg-type]
        total = int(fc.shape[d])
        stop = total if end is None else min(end, total)
        sizes = [fake_tensor(p) for p in pieces]
        if any(s is None for s in sizes):
            return None
        lo, found = 0, None
        for piece, f in zip(pieces, sizes, strict=True):
            size = int(f.shape[d])  # type: ignore[union-attr]
            if lo <= start and stop <= lo + size and start < stop:  # type: ignore[operator]
                found = piece, lo, size
                break
            lo += size
        if found is None:
            return None
        piece, lo, size = found
        # BUG: the piece starts at `lo`; `lo - 1` is the index of the element before it.
        off = lo - 1
        new_start, new_stop = start - off, stop - off  # type: ignore[operator]
        if new_stop > size:
            return None  # the author's guard: the window must stay inside the piece
        new = self.emit(node, aten.slice.Tensor, (piece, d, new_start, new_stop))
        return self.keep_if(same_shape(new, node), new)

    def trigger(self) -> Trigger:
        def fn(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return torch.cat([a, b], 1)[:, 5:7] * 2

        return fn, (torch.randn(4, 4), torch.randn(4, 4))

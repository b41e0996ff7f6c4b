"""Faulty reinplacing: a ``slice_scatter`` is done in place although a later overlapping view reads its base.

Modelled on pytorch/pytorch#113641 (two clamps on interleaved strided views ``[..., 0::2]`` and
``[..., 1::2]`` of one buffer gave a wrong result under torch.compile with static shapes).
Writing ``slice_scatter(base, src, dim, start, end, step)`` into ``base`` in place is only sound
when nothing reads an overlapping part of ``base`` afterwards. The faulty pass runs the real
one, then reinplaces (``base[view].copy_(src)``) every scatter of a strided slice whose later
readers are all slices of ``base`` along the same dim that it judges disjoint by their start
offset modulo the *scatter's* step, ignoring the reader's own step: ``[..., 1:]`` passes for
disjoint from ``[..., 0::2]``, though it contains every even index from 2 on.
"""

from __future__ import annotations

from typing import Any

import torch

from .._base import Trigger
from .._fault import ReinplaceFault
from .._registry import register

aten = torch.ops.aten


def _slice_args(node: torch.fx.Node, first: int) -> tuple[Any, Any, Any, Any]:
    """(dim, start, end, step) of a slice / slice_scatter node; ``first`` is the index of ``dim``."""
    a: list[Any] = [*node.args[first:], None, None, None, None]
    dim = a[0] if a[0] is not None else node.kwargs.get("dim", 0)
    start = a[1] if a[1] is not None else node.kwargs.get("start")
    end = a[2] if a[2] is not None else node.kwargs.get("end")
    step = a[3] if a[3] is not None else node.kwargs.get("step", 1)
    return dim, start, end, step


def _rank(node: torch.fx.Node) -> int:
    val = node.meta.get("val")
    return val.dim() if isinstance(val, torch.Tensor) else 0


def _judged_disjoint(reader: torch.fx.Node, base: torch.fx.Node, dim: int, start: int, step: int) -> bool:
    if reader.target is not aten.slice.Tensor or reader.args[0] is not base:
        return False
    r_dim, r_start, _, _ = _slice_args(reader, 1)
    if r_dim % max(_rank(base), 1) != dim:
        return False
    # the flaw: residues are compared modulo the scatter's step only, the reader's step is ignored
    return (r_start or 0) % step != start % step


def reinplace_overlapping_scatter(graph: torch.fx.Graph) -> int:
    order = {n: i for i, n in enumerate(graph.nodes)}
    done = 0
    for node in list(graph.find_nodes(op="call_function", target=aten.slice_scatter.default)):
        base, src = node.args[0], node.args[1]
        if not isinstance(base, torch.fx.Node) or base.op != "call_function" or not isinstance(src, torch.fx.Node):
            continue  # graph inputs keep the real pass's rules
        dim, start, end, step = _slice_args(node, 2)
        if not isinstance(step, int) or step < 2 or not isinstance(start or 0, int):
            continue
        dim = dim % max(_rank(base), 1)
        start = start or 0
        later = [u for u in base.users if u is not node and order[u] > order[node]]
        if not later or not all(_judged_disjoint(u, base, dim, start, step) for u in later):
            continue
        with graph.inserting_before(node):
            view = graph.call_function(aten.slice.Tensor, (base, dim, start, end, step))
            write = graph.call_function(aten.copy_.default, (view, src))
        view.meta["val"] = aten.slice.Tensor(base.meta["val"], dim, start, end, step)
        write.meta["val"] = view.meta["val"]
        node.replace_all_uses_with(base)
        graph.erase_node(node)
        done += 1
    return done


@register
class ReinplaceOverlappingViews(ReinplaceFault):
    def reinplace(self, graph: torch.fx.Graph) -> int:
        return reinplace_overlapping_scatter(graph)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            y = x * 2 - 1
            even_clamped = torch.slice_scatter(y, y[:, 0::2].clamp(0, 0.5), 1, 0, None, 2)
            tail = y[:, 1:].clamp(-0.25, 0.25)
            return even_clamped, tail

        return fn, (torch.rand(4, 8, generator=torch.Generator().manual_seed(0)),)

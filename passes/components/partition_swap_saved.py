"""Faulty partitioner: the backward graph reads two saved activations in swapped places.

Synthetic: swapped operand, of min-cut partitioning (``min_cut_rematerialization_partition``).
After the real partition, the first two tensors the forward saves for the backward that have the
same shape, dtype and strides are exchanged in the backward graph (every use of one saved input
reads the other). Both graphs stay well-typed; the forward is untouched, the gradients are wrong.

bug_class: "Unsound Graph Optimization" -- the partitioner is an optimization (it chooses what to
save and what to recompute) and here breaks the data flow between the two graphs; no aliasing or
mutation is involved.
"""

from __future__ import annotations

import torch

from .._base import Trigger, seeded_randn
from .._fault import PartitionerFault
from .._registry import register


def _key(node: torch.fx.Node) -> tuple[object, ...] | None:
    val = node.meta.get("val")
    if not isinstance(val, torch.Tensor):
        return None
    return (tuple(val.shape), val.dtype, tuple(val.stride()))


def swap_two_saved(fw: torch.fx.GraphModule, bw: torch.fx.GraphModule) -> int:
    saved = [
        n
        for n in bw.graph.find_nodes(op="placeholder")
        if not n.name.startswith("tangents") and n.users and _key(n) is not None
    ]
    for i, a in enumerate(saved):
        b = next((b for b in saved[i + 1 :] if _key(b) == _key(a)), None)
        if b is None:
            continue
        users_a, users_b = list(a.users), list(b.users)
        for u in users_a:
            u.replace_input_with(a, b)
        for u in users_b:
            u.replace_input_with(b, a)
        return 1
    return 0


@register
class PartitionSwapSaved(PartitionerFault):
    def corrupt(self, fw: torch.fx.GraphModule, bw: torch.fx.GraphModule) -> int:
        return swap_two_saved(fw, bw)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return x.sin() * y.exp()

        return fn, tuple(t.requires_grad_(True) for t in seeded_randn((8, 16), (8, 16)))

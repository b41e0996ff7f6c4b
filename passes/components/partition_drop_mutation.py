"""Faulty partitioner: the forward graph loses the write-back of a mutated input.

Modelled on pytorch/pytorch#155242 (an input mutation lost across AOTAutograd's
partitioning). In a training compile, a mutation of an input that does not require grad (a
buffer) stays in the joint graph as ``copy_(primal, new_value)``, and the partitioner must put it
in the forward graph. The faulty partitioner runs the real min-cut partition and then deletes
that ``copy_`` from the forward: outputs and gradients are still right (they use the functional
value), but the caller's buffer is never updated.
"""

from __future__ import annotations

import torch

from .._base import Trigger, seeded_randn
from .._fault import PartitionerFault
from .._registry import register

aten = torch.ops.aten


def drop_input_copy(fw: torch.fx.GraphModule, bw: torch.fx.GraphModule) -> int:
    for node in fw.graph.find_nodes(op="call_function", target=aten.copy_.default):
        dst = node.args[0]
        if isinstance(dst, torch.fx.Node) and dst.op == "placeholder":
            node.replace_all_uses_with(dst)
            fw.graph.erase_node(node)
            return 1
    return 0


@register
class PartitionDropMutation(PartitionerFault):
    def corrupt(self, fw: torch.fx.GraphModule, bw: torch.fx.GraphModule) -> int:
        return drop_input_copy(fw, bw)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, running: torch.Tensor) -> torch.Tensor:
            running.mul_(0.9).add_(x.detach().mean(0), alpha=0.1)  # a running statistic, updated in place
            return (x - running).tanh()

        x, running = seeded_randn((8, 16), (16,))
        return fn, (x.requires_grad_(True), running)

"""Faulty fusion: fuse an in-place write into a graph input with the kernel that reads it.

Reintroduces the shape of pytorch/pytorch#162410: ``x.copy_(x.flip(1))`` fused so that the
kernel reads ``x`` at mirrored positions while it overwrites ``x``; later iterations read values
already overwritten. Installed on inductor's post-fusion hook, it fuses a scheduler node that
mutates a buffer with the producer that reads that buffer and feeds it, keeping the backend's
loop-shape check but skipping the scheduler's dependency check, which refuses this fusion.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
import torch._inductor.config as inductor_config

from .._base import Trigger, seeded_randn
from .._fault import Fault
from .._registry import register


def _mutated(node: Any) -> set[str]:
    out: set[str] = set()
    for n in node.get_nodes():
        if n.node is not None:
            out |= set(n.node.get_mutation_names())
    return out


def _reads(node: Any) -> set[str]:
    return {d.name for d in node.read_writes.reads}


@register
class FuseAcrossMutation(Fault):
    def _fuse(self, nodes: list[Any]) -> list[Any]:
        from torch._inductor.scheduler import FusedSchedulerNode, SchedulerNode

        def loops(n: Any) -> bool:  # a generated loop nest, not an extern kernel or a no-op
            return isinstance(n, SchedulerNode | FusedSchedulerNode)

        out = list(nodes)
        i = 0
        while i < len(out):
            writer = out[i]
            targets = _mutated(writer) if loops(writer) else set()
            producer = next(
                (
                    p
                    for p in out[:i]
                    if targets & _reads(p)
                    and p.get_buffer_names() & _reads(writer)
                    and loops(p)
                    # the backend's shape check only; the scheduler's dependency check is what is skipped
                    and p.scheduler.get_backend(p.get_device()).can_fuse_vertical(p, writer)
                ),
                None,
            )
            if producer is None:
                i += 1
                continue
            fused = producer.scheduler.get_backend(producer.get_device()).fuse(producer, writer)
            for n in fused.get_nodes():
                producer.scheduler.name_to_fused_node[n.get_name()] = fused
            out[out.index(producer)] = fused
            out.remove(writer)
            self.fired += 1
        return out

    @contextlib.contextmanager
    def _install(self) -> Iterator[None]:
        with inductor_config.patch(_post_fusion_custom_pass=self._fuse):
            yield

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            x.copy_(x.flip(1))
            return x.sin()

        return fn, (seeded_randn((8, 64))[0],)

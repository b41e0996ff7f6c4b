"""Faulty: erases random ops whose result is unused, as if they were pure.

Reintroduces pytorch/pytorch#151524 (dead code elimination dropped an unused torch.rand;
the draw still advances the global generator, so every later random op in eager sees
different numbers than the compiled program). Visible when compiled random ops share
eager's generator (``torch._inductor.config.fallback_random=True``) and both sides are
seeded alike; without fallback_random inductor already drops such draws by design (its
random ops do not follow eager's stream then), so the trigger compiles with it.
"""

from __future__ import annotations

import torch
import torch._inductor.config as inductor_config

from .._base import GraphPass, Trigger
from .._fx import erase_where
from .._registry import register


def _is_random(node: torch.fx.Node) -> bool:
    target = node.target
    return (
        node.op == "call_function"
        and isinstance(target, torch._ops.OpOverload)
        and torch.Tag.nondeterministic_seeded in target.tags
    )


@register
class DropUnusedRand(GraphPass):
    def rewrite(self, graph: torch.fx.Graph) -> int:
        # BUG: an unused random op is not dead: it advances the generator's state.
        return erase_where(list(graph.nodes), lambda node: _is_random(node) and not node.users)

    def trigger(self) -> Trigger:
        def draw(x: torch.Tensor) -> torch.Tensor:
            # Reseed inside, so eager and compiled runs start from the same generator state.
            torch.manual_seed(0)
            torch.rand(4, 8)  # drawn only to advance the generator
            return x + torch.rand(4, 8)

        # Compiled random ops must draw from eager's generator for the comparison to mean
        # anything: the program asks for fallback_random itself (fxtv sets it anyway).
        fn = inductor_config.patch(fallback_random=True)(draw)
        return fn, (torch.randn(4, 8),)

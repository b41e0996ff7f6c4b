"""Faulty: a pattern-matcher replacement ``mm(a, b) + c -> addmm(c, b, a)`` (operands swapped).

Synthetic: swapped-operand mutant of inductor's post-grad ``addmm`` pattern, written the way a
pass author writes one: ``register_replacement`` into a ``PatternMatcherPass`` run on the
``post_grad_custom_pre_pass`` hook (before inductor's own patterns take the ``mm + add``). The
replacement only type-checks for square operands, which is all the search pattern sees in the
trigger. fxtv sees every single application of the pattern as its own step.
"""

from __future__ import annotations

import functools

import torch
from torch._inductor.pattern_matcher import Match, PatternMatcherPass, fwd_only, register_replacement

from validator.fx import fake_tensor

from .._base import GraphPass, Trigger, seeded_randn
from .._registry import register


def _search(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    return torch.mm(a, b) + c


def _replace(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    return torch.addmm(c, b, a)  # BUG: should be addmm(c, a, b)


def _square(match: Match) -> bool:
    """Only where the swapped product still type-checks: the bug stays silent, never a crash."""
    shapes = [getattr(fake_tensor(match.kwargs[k]), "shape", None) for k in ("a", "b")]
    return all(s is not None and len(s) == 2 and s[0] == s[1] for s in shapes) and shapes[0] == shapes[1]


@functools.cache
def _patterns() -> PatternMatcherPass:
    patterns = PatternMatcherPass(pass_name="addmm_swapped")
    example = [torch.empty(4, 4), torch.empty(4, 4), torch.empty(4, 4)]
    register_replacement(
        _search, _replace, example, fwd_only, patterns, extra_check=_square, pattern_name="addmm_swapped"
    )
    return patterns


@register
class PatternAddmmSwapped(GraphPass):
    def rewrite(self, graph: torch.fx.Graph) -> int:
        return int(_patterns().apply(graph))

    def trigger(self) -> Trigger:
        def fn(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
            return torch.relu(torch.mm(a, b) + c)

        return fn, seeded_randn((8, 8), (8, 8), (8, 8))

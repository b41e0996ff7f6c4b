"""Faulty: exp(x - amax(x, d, True)) / sum(exp(x - amax(x, d, True)), d, True) -> softmax(x, -1).

Synthetic: a wrong-dim mutant of the manual-softmax pattern (a hand-written, numerically
stable softmax is re-fused into one softmax call). The fused call is emitted over the last
dim, as in the attention patterns the rewrite was copied from, instead of the dim the amax
and the sum reduce. Softmax keeps its input's shape, so a softmax over columns silently
becomes one over rows.

It runs on the pre-grad (torch-IR) graph: a fused aten._softmax inserted after
decomposition would have no inductor lowering.
"""

from __future__ import annotations

import operator

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._registry import register


def _is(node: object, functions: tuple[object, ...], method: str) -> bool:
    """A torch-IR call of one of ``functions`` or of the Tensor method ``method``."""
    if not isinstance(node, Node):
        return False
    return (node.op == "call_function" and node.target in functions) or (
        node.op == "call_method" and node.target == method
    )


def _keepdim_reduction(node: Node) -> tuple[object, int] | None:
    """(input, dim) of ``reduce(input, dim, keepdim=True)`` over a single int dim."""
    args = list(node.args)
    if not args:
        return None
    src = args.pop(0)
    dim = args.pop(0) if args else node.kwargs.get("dim")
    keepdim = args.pop(0) if args else node.kwargs.get("keepdim", False)
    if isinstance(dim, (list, tuple)) and len(dim) == 1:
        dim = dim[0]
    if args or keepdim is not True or not isinstance(dim, int) or isinstance(dim, bool):
        return None
    return src, dim


@register
class SoftmaxWrongDim(NodeRewrite):
    targets = (operator.truediv, torch.div)
    methods = ("div",)

    def replace(self, node: Node) -> Node | None:
        if len(node.args) != 2 or node.kwargs:
            return None
        exp, total = node.args
        if not _is(exp, (torch.exp,), "exp") or not _is(total, (torch.sum,), "sum"):
            return None
        red = _keepdim_reduction(total)  # type: ignore[arg-type]
        sub = exp.args[0] if len(exp.args) == 1 else None  # type: ignore[union-attr]
        if red is None or red[0] is not exp or not _is(sub, (operator.sub, torch.sub), "sub"):
            return None
        if len(sub.args) != 2 or sub.kwargs:  # type: ignore[union-attr]
            return None
        x, amax = sub.args  # type: ignore[union-attr]
        red_max = _keepdim_reduction(amax) if _is(amax, (torch.amax,), "amax") else None  # type: ignore[arg-type]
        fx_ = fake_tensor(x)
        if red_max is None or red_max[0] is not x or fx_ is None or not fx_.is_floating_point():
            return None
        rank = fx_.dim()
        if red[1] % rank != red_max[1] % rank:
            return None
        self.unused(total, exp, sub, amax)
        # BUG: the sound fusion is softmax(x, red[1]).
        return self.emit(node, torch.softmax, (x, -1))

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            e = torch.exp(x - torch.amax(x, 0, keepdim=True))
            return e / e.sum(0, keepdim=True)

        return fn, (torch.randn(4, 4),)

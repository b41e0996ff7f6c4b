"""Faulty: view(clone(permute(x)), shape) -> view(x, shape): assumes the permuted input is contiguous.

Modelled on pytorch/pytorch#172693 (a dynamic reshape lowered as if its strided input were
contiguous). ``reshape`` of a permuted tensor reads its elements in the permuted order; a
view of the un-permuted base reads them in memory order. Sizes stay the same, so nothing
downstream notices; only the element map changes.
"""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import aten, calls, new_call

_VIEWS = (aten.view.default, aten._unsafe_view.default, aten.reshape.default)
_REORDERS = (aten.permute.default, aten.transpose.int)


class ReshapeAssumeContiguous(GraphPass):
    info = PassInfo(
        name="reshape_assume_contiguous",
        hook="post_grad_custom_post_pass",
        faulty=True,
        issue="pytorch/pytorch#172693",
        bug_class="Faulty Symbolic-Variable Resolving",
        guilty_targets=("aten.view.default",),
        description="Drops the copy and permute in front of a reshape, as if the input were contiguous.",
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for view in calls(graph, *_VIEWS):
            src = view.args[0]
            if isinstance(src, torch.fx.Node) and src.target is aten.clone.default:
                src = src.args[0]
            if not (isinstance(src, torch.fx.Node) and src.target in _REORDERS):
                continue
            base = src.args[0]
            with graph.inserting_before(view):
                new = new_call(graph, aten.view.default, (base, view.args[1]), like=view, creator=self.name)
            view.replace_all_uses_with(new)
            count += 1
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x.permute(0, 2, 1).reshape(4, -1) * 2

        return fn, (torch.randn(4, 6, 8),)

"""Faulty: sum(x, dims, keepdim=True) feeding a broadcasting op -> sum(x, dims), dropping keepdim.

Synthetic: a dropped-keyword mutant of inductor's reduction rewrites (a rebuilt reduction
that forgets keepdim). The author guards that every broadcasting user keeps its result
shape, which holds whenever the dims that broadcasting re-aligns happen to have equal
sizes: x - x.sum(1, keepdim=True) on a square x subtracts column sums instead of row sums.
"""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import aten, calls, fake, int_list, new_call, normalize_dim

_BROADCASTING = (aten.add.Tensor, aten.sub.Tensor, aten.mul.Tensor, aten.div.Tensor)


class SumKeepdimDropped(GraphPass):
    info = PassInfo(
        name="sum_keepdim_dropped",
        hook="post_grad_custom_pre_pass",
        faulty=True,
        issue="synthetic: dropped keyword (keepdim), of inductor's reduction rewrites",
        bug_class="Unsound Graph Optimization",
        guilty_targets=("aten.sum.dim_IntList",),
        description=(
            "Rebuilds aten.sum(x, dims, keepdim=True) without keepdim when its broadcasting users keep"
            " their shapes, so the reduced values broadcast along the wrong dims."
        ),
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for node in calls(graph, aten.sum.dim_IntList):
            dims = int_list(node.args[1]) if len(node.args) > 1 else None
            keepdim = node.args[2] if len(node.args) > 2 else node.kwargs.get("keepdim", False)
            fx_, out = fake(node.args[0]), fake(node)
            if dims is None or keepdim is not True or fx_ is None or out is None or not node.users:
                continue
            reduced = {normalize_dim(d, fx_.dim()) for d in dims}
            shape = [s for i, s in enumerate(fx_.shape) if i not in reduced]
            # The author's guard: every user is a broadcasting binary op whose result shape is unchanged.
            ok = True
            for user in node.users:
                fu = fake(user)
                if user.target not in _BROADCASTING or len(user.args) != 2 or fu is None:
                    ok = False
                    break
                other = user.args[1] if user.args[0] is node else user.args[0]
                fo = fake(other)
                other_shape = list(fo.shape) if fo is not None else []
                try:
                    new_shape = list(torch.broadcast_shapes(tuple(shape), tuple(other_shape)))
                except RuntimeError:
                    ok = False
                    break
                ok = ok and new_shape == list(fu.shape)
            if not ok:
                continue
            extra = {k: v for k, v in node.kwargs.items() if k != "keepdim"}
            with graph.inserting_before(node):
                # BUG: keepdim=True is dropped (the sound rebuild passes it on).
                new = new_call(graph, aten.sum.dim_IntList, (node.args[0], dims), extra, like=node, creator=self.name)
            node.replace_all_uses_with(new)
            count += 1
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x - x.sum(1, keepdim=True)

        return fn, (torch.randn(4, 4),)

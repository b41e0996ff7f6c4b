"""Faulty: an aten.addmm feeding a cat is planned as inp + mm(a, b), dropping beta and alpha.

Reintroduces pytorch/pytorch#137254: inductor's cat/mm planning rewrote an addmm whose
result is concatenated into a plain add of the bias and an mm, but never passed along the
addmm's beta and alpha. addmm(x, x, x, beta=0, alpha=0) is all zeros in eager; after the
rewrite it is x + x @ x.
"""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import aten, calls, fake, new_call


class AddmmZeroBeta(GraphPass):
    info = PassInfo(
        name="addmm_zero_beta",
        hook="post_grad_custom_pre_pass",
        faulty=True,
        issue="pytorch/pytorch#137254",
        bug_class="Unsound Graph Optimization",
        guilty_targets=("aten.addmm.default",),
        description=(
            "Rewrites aten.addmm(inp, a, b, beta=, alpha=) that feeds an aten.cat into add(inp, mm(a, b)),"
            " ignoring beta and alpha."
        ),
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for node in calls(graph, aten.addmm.default):
            if len(node.args) != 3 or not any(u.target is aten.cat.default for u in node.users):
                continue
            inp, a, b = node.args
            out = fake(node)
            if out is None or not all(isinstance(t, torch.fx.Node) for t in (inp, a, b)):
                continue
            with graph.inserting_before(node):
                mm = new_call(graph, aten.mm.default, (a, b), like=node, creator=self.name)
                # BUG: the sound rewrite is beta * inp + alpha * mm; node.kwargs are ignored.
                add = new_call(graph, aten.add.Tensor, (inp, mm), like=node, creator=self.name)
            res = fake(add)
            if res is None or res.shape != out.shape or res.dtype != out.dtype:
                graph.erase_node(add)
                graph.erase_node(mm)
                continue
            node.replace_all_uses_with(add)
            count += 1
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            s = torch.addmm(x, x, x, beta=0.0, alpha=0.0)
            return torch.cat([s, x], -1)

        return fn, (torch.randn(4, 4),)

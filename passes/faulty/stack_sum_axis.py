"""Faulty: sum(stack(ts, dim=s), dim=r) -> ts[0] + ts[1] + ... when r "is" the stack dim,
with a negative s normalised against the rank of the pieces instead of the stacked rank.

Reintroduces the negative-dim mistake of pytorch/pytorch#121227 (a pre-grad split/stack
merge that did not normalise dim=-1 correctly). stack(..., dim=-1) on rank-2 pieces stacks
along dim 2, but the pass believes it is dim 1, so `.sum(1)` becomes an elementwise add
chain: the reduction runs over the wrong axis. A shape guard hides the bug unless the
reduced axis has as many entries as there are pieces (a square case).
"""

from __future__ import annotations

import operator

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import erase_if_unused, fake, new_call, normalize_dim


def _reduce_dim(node: torch.fx.Node) -> int | None:
    """The single reduced dim of a torch-IR `sum` (torch.sum or Tensor.sum), if plain."""
    args = list(node.args[1:])
    kwargs = dict(node.kwargs)
    dim = args.pop(0) if args else kwargs.pop("dim", None)
    keepdim = args.pop(0) if args else kwargs.pop("keepdim", False)
    if args or kwargs or keepdim:
        return None  # dtype= or keepdim=True: not handled
    if isinstance(dim, (list, tuple)) and len(dim) == 1:
        dim = dim[0]
    return dim if isinstance(dim, int) and not isinstance(dim, bool) else None


def _stack_parts(node: object) -> tuple[list[torch.fx.Node], int] | None:
    if not (isinstance(node, torch.fx.Node) and node.op == "call_function" and node.target is torch.stack):
        return None
    tensors = node.args[0]
    dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
    if not isinstance(tensors, (list, tuple)) or not isinstance(dim, int):
        return None
    if not tensors or not all(isinstance(t, torch.fx.Node) for t in tensors):
        return None
    return list(tensors), dim  # type: ignore[arg-type]


class StackSumAxis(GraphPass):
    info = PassInfo(
        name="stack_sum_axis",
        hook="pre_grad_custom_pass",
        faulty=True,
        issue="pytorch/pytorch#121227",
        bug_class="Unsound Graph Optimization",
        guilty_targets=("aten.add.Tensor",),
        description=(
            "Turns sum-over-the-stack-dim into an add chain, normalising a negative stack dim with the"
            " wrong rank (reduces the wrong axis)."
        ),
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        sums = [
            n
            for n in graph.nodes
            if (n.op == "call_method" and n.target == "sum") or (n.op == "call_function" and n.target is torch.sum)
        ]
        count = 0
        dead: list[torch.fx.Node] = []
        for node in sums:
            parts = _stack_parts(node.args[0])
            r = _reduce_dim(node)
            if parts is None or r is None:
                continue
            tensors, s = parts
            pieces = [fake(t) for t in tensors]
            out = fake(node)
            if out is None or any(p is None for p in pieces):
                continue
            rank = pieces[0].dim()  # type: ignore[union-attr]
            # BUG: stack's dim ranges over rank + 1 dims; normalising with `rank` moves -1 to rank-1.
            if normalize_dim(s, rank) != normalize_dim(r, rank + 1):
                continue
            # Guard the author did add: the add chain must have the sum's shape and dtype.
            if any(p.shape != out.shape or p.dtype != out.dtype for p in pieces):  # type: ignore[union-attr]
                continue
            with graph.inserting_before(node):
                acc = tensors[0]
                for t in tensors[1:]:
                    acc = new_call(graph, operator.add, (acc, t), like=node, creator=self.name)
            node.replace_all_uses_with(acc)
            dead += [node, node.args[0]]  # type: ignore[list-item]
            count += 1
        erase_if_unused(graph, dead)
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            # Four (4, 4) pieces stacked on the last dim: (4, 4, 4); .sum(1) reduces rows.
            return torch.stack([x, x * 2, x.sin(), x.cos()], dim=-1).sum(1)

        return fn, (torch.randn(4, 4),)

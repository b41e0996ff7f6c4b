"""Faulty reinplacing: an out-of-place op on a graph input is made in-place although the input is read later.

Modelled on pytorch/pytorch#93363 (an in-place add on a view of an input gave wrong results
under torch.compile). ``reinplace_inplaceable_ops`` may only mutate a graph input when the
program itself writes the input back (a ``copy_`` epilogue) and no later node reads the old
value. The faulty pass runs the real one, then turns the first ``add``/``sub``/``mul``/``div``
whose first operand is a graph input, with the same shape/dtype/strides as the result, into its
in-place variant without that liveness and write-back check: later readers of the input see the
new value, and the caller's tensor is overwritten.
"""

from __future__ import annotations

import torch

from .._base import Trigger, seeded_randn
from .._fault import ReinplaceFault
from .._registry import register

aten = torch.ops.aten

_INPLACE = {
    aten.add.Tensor: aten.add_.Tensor,
    aten.sub.Tensor: aten.sub_.Tensor,
    aten.mul.Tensor: aten.mul_.Tensor,
    aten.div.Tensor: aten.div_.Tensor,
}


def _same_layout(a: object, b: object) -> bool:
    return (
        isinstance(a, torch.Tensor)
        and isinstance(b, torch.Tensor)
        and a.dtype == b.dtype
        and tuple(a.shape) == tuple(b.shape)
        and tuple(a.stride()) == tuple(b.stride())
    )


def reinplace_live_input(graph: torch.fx.Graph) -> int:
    order = {n: i for i, n in enumerate(graph.nodes)}
    for node in graph.nodes:
        inplace = _INPLACE.get(node.target) if node.op == "call_function" else None
        if inplace is None or not node.args:
            continue
        inp = node.args[0]
        if not isinstance(inp, torch.fx.Node) or inp.op != "placeholder":
            continue
        if not any(order[u] > order[node] for u in inp.users):
            continue  # the input is read after this op: the case the real pass refuses
        if not _same_layout(inp.meta.get("val"), node.meta.get("val")):
            continue
        node.target = inplace
        return 1
    return 0


@register
class ReinplaceLiveInput(ReinplaceFault):
    def reinplace(self, graph: torch.fx.Graph) -> int:
        return reinplace_live_input(graph)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            shifted = x + y
            return shifted * x.sigmoid()

        return fn, seeded_randn((8, 16), (8, 16))

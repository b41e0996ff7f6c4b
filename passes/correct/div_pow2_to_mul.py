"""x / 2**k -> x * 2**-k in torch IR: exact, because both round the same real value once.

The counterpart of pytorch/pytorch#157959, where the rewrite was applied to every
divisor (x / 101 -> x * (1/101)) and changed results by one ulp.
"""

from __future__ import annotations

import operator

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import erase_if_unused, fake, method_calls, new_call, power_of_two_exponent

# float32 and float64 only: 2**-k is a normal number of either for |k| <= 64.
_DTYPES = (torch.float32, torch.float64)


class DivPow2ToMul(GraphPass):
    info = PassInfo(
        name="div_pow2_to_mul",
        hook="pre_grad_custom_pass",
        faulty=False,
        issue=None,
        bug_class=None,
        guilty_targets=("aten.mul.Tensor",),
        description="Replace true division by a power-of-two constant with multiplication by its reciprocal.",
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        nodes = [n for n in graph.nodes if n.op == "call_function" and n.target in (operator.truediv, torch.div)]
        nodes += method_calls(graph, "div")
        done: list[torch.fx.Node] = []
        for node in nodes:
            # torch.div(x, c, rounding_mode=...) is floor/trunc division: leave it alone.
            if len(node.args) != 2 or node.kwargs:
                continue
            x, c = node.args
            fx_ = fake(x)
            k = power_of_two_exponent(c)
            if fx_ is None or fx_.dtype not in _DTYPES or k is None or abs(k) > 64:
                continue
            with graph.inserting_before(node):
                mul = new_call(graph, operator.mul, (x, 1.0 / c), like=node, creator=self.name)  # type: ignore[operator]
            node.replace_all_uses_with(mul)
            done.append(node)
        erase_if_unused(graph, done)
        return len(done)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x / 4.0 + torch.div(x, 0.125)

        x = torch.randn(4, 8) * 1e3
        x[0, :5] = torch.tensor([float("nan"), float("inf"), -0.0, 1e-44, 3e38])
        return fn, (x,)

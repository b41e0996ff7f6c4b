"""Faulty: softmax(q @ k^T / c) @ v -> fused attention(q, k, v, scale=1/|c|).

Modelled on pytorch/pytorch#105190 (the fused-attention pattern rewrite computed the wrong
scale for a matched q @ k^T / c). The sound scale is 1 / c; taking its magnitude is
harmless for the usual c = sqrt(head_dim) but flips the sign of the logits when c is
negative, so the softmax weights the keys the wrong way round.
"""

from __future__ import annotations

import operator

import torch

from validator.fx import fake_tensor

from .._base import GraphPass, Trigger
from .._fx import aten, calls, int_list, is_call, is_number, same_shape_dtype
from .._registry import register

_VIEWS = (aten.view.default, aten.reshape.default, aten._unsafe_view.default, aten.expand.default)


def _source(node: object) -> object:
    """Step back through the view/expand chain matmul's decomposition puts around a bmm."""
    while is_call(node, *_VIEWS):
        node = node.args[0]
    return node


def _only_user(node: torch.fx.Node) -> torch.fx.Node | None:
    return next(iter(node.users)) if len(node.users) == 1 else None


def _sole_view_user_chain(node: torch.fx.Node) -> torch.fx.Node | None:
    """Follow single-user view/expand nodes forward; return the first other user."""
    cur: torch.fx.Node | None = _only_user(node)
    while cur is not None and cur.target in _VIEWS:
        cur = _only_user(cur)
    return cur


def _last_dim_reduction(node: object, target: object, arg: object, rank: int) -> bool:
    if not (is_call(node, target) and node.args[0] is arg):
        return False
    dims = int_list(node.args[1]) if len(node.args) > 1 else None
    keepdim = node.args[2] if len(node.args) > 2 else node.kwargs.get("keepdim", False)
    return dims is not None and [d % rank for d in dims] == [rank - 1] and keepdim is True


@register
class SdpaScaleSign(GraphPass):
    def _match(self, div: torch.fx.Node) -> tuple[torch.fx.Node, ...] | None:
        """(q, k, v, out) for a decomposed attention whose logits are ``div``."""
        scores = _source(div.args[0])
        if not is_call(scores, aten.bmm.default):
            return None
        q, kt = _source(scores.args[0]), _source(scores.args[1])
        if not is_call(kt, aten.permute.default):
            return None
        k = kt.args[0]
        fq, fk, fd = fake_tensor(q), fake_tensor(k), fake_tensor(div)
        perm = int_list(kt.args[1])
        if fq is None or fk is None or fd is None or perm is None or fq.dim() != 4 or fk.dim() != 4:
            return None
        if [p % 4 for p in perm] != [0, 1, 3, 2]:
            return None
        # The softmax decomposition: exp(d - amax(d)) / sum(exp(d - amax(d))), over the last dim.
        amax = next((u for u in div.users if u.target is aten.amax.default), None)
        sub = next((u for u in div.users if u.target is aten.sub.Tensor and u.args == (div, amax)), None)
        if (
            amax is None
            or sub is None
            or len(div.users) != 2
            or not _last_dim_reduction(amax, aten.amax.default, div, 4)
        ):
            return None
        exp = _only_user(sub)
        if exp is None or exp.target is not aten.exp.default or len(exp.users) != 2:
            return None
        total = next((u for u in exp.users if u.target is aten.sum.dim_IntList), None)
        probs = next((u for u in exp.users if u.target is aten.div.Tensor), None)
        if total is None or probs is None or probs.args != (exp, total):
            return None
        if not _last_dim_reduction(total, aten.sum.dim_IntList, exp, 4):
            return None
        pv = _sole_view_user_chain(probs)
        if pv is None or pv.target is not aten.bmm.default or _source(pv.args[0]) is not probs:
            return None
        v = _source(pv.args[1])
        out = _only_user(pv)
        fv = fake_tensor(v)
        if out is None or out.target not in _VIEWS or fv is None or fv.dim() != 4:
            return None
        fo = fake_tensor(out)
        if fo is None or list(fo.shape) != [*fq.shape[:-1], fv.shape[-1]]:
            return None
        if not all(isinstance(t, torch.fx.Node) for t in (q, k, v)):
            return None
        return q, k, v, out  # type: ignore[return-value]

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for div in calls(graph, aten.div.Tensor):
            c = div.args[1] if len(div.args) == 2 else None
            if not is_number(c) or c == 0:
                continue
            found = self._match(div)
            if found is None:
                continue
            q, k, v, out = found
            # BUG: the sound scale is 1 / c; abs() drops the sign of a negative divisor.
            scale = 1.0 / abs(float(c))  # type: ignore[arg-type]
            device = fake_tensor(q).device  # type: ignore[union-attr]
            args: tuple[object, ...]
            if device.type == "cpu":
                target, args = aten._scaled_dot_product_flash_attention_for_cpu.default, (q, k, v)
            elif device.type == "cuda":
                target, args = aten._scaled_dot_product_efficient_attention.default, (q, k, v, None, False)
            else:
                continue
            # The fused kernels return (output, logsumexp, ...); only the output is used.
            attention = self.emit(out, target, args, {"scale": scale})
            fused = self.emit(out, operator.getitem, (attention, 0))
            if self.keep_if(same_shape_dtype(out, fused), fused, attention) is not None:
                out.replace_all_uses_with(fused)
                count += 1
        return count

    def trigger(self) -> Trigger:
        def fn(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
            return torch.softmax(q @ k.transpose(-2, -1) / -2.0, dim=-1) @ v

        return fn, (torch.randn(1, 2, 4, 8), torch.randn(1, 2, 4, 8), torch.randn(1, 2, 4, 8))

"""Op-level programs (views, reductions, input mutation, pass patterns, special values,
randomness) and the network variants among them: dynamic shapes, training, bf16."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._build import Built, _inference, _x
from .._registry import Registry
from ._networks import MLP, SelfAttention

case = Registry()


def view_chain(x: Tensor) -> Tensor:
    """reshape/permute/transpose/split/cat/narrow/slice/stack on a (2, 8, 16)."""
    a = x.reshape(2, 8, 4, 4).permute(0, 2, 1, 3)  # (2, 4, 8, 4)
    b = a.transpose(-1, -2).contiguous().view(2, 4, 32)
    p, q = torch.split(b, [12, 20], dim=-1)
    c = torch.cat([q, p * 2.0], dim=-1)  # real reordering, not a no-op
    d = c.narrow(1, 1, 2)  # (2, 2, 32)
    e = x[:, ::2, 3:11]  # strided slice: (2, 4, 8)
    lo, hi = e.chunk(2, dim=1)
    f = torch.stack([lo, hi.flip(-1)], dim=0).unsqueeze(2).expand(2, 2, 3, 2, 8)
    return torch.cat([d.flatten(), e.mT.flatten(), f.sum(2).flatten()])


@case(tags=("views",))
def build_view_chain() -> Built:
    """reshape/permute/transpose/split/cat/narrow/slice/chunk/stack/expand"""
    return view_chain, (_x(2, 8, 16),)


def reductions(x: Tensor) -> tuple[Tensor, ...]:
    """Sums, means, max, var/std and argmax over several (multi-)dims."""
    m = x.mean(dim=-1, keepdim=True)
    return (
        x.sum(dim=(0, 2)),
        (x - m).abs().sum(),
        x.amax(dim=(1, 2)),
        x.amin(dim=0, keepdim=True),
        x.var(dim=(0, 1), correction=1),
        x.std(dim=-1, keepdim=True, correction=0),
        x.argmax(dim=1),
        torch.logsumexp(x, dim=-1),
    )


@case(tags=("reduction",))
def build_reductions() -> Built:
    """sum/mean/amax/amin/var/std/argmax/logsumexp over several dims"""
    return reductions, (_x(2, 8, 16),)


def inplace_input_mutation(x: Tensor, buf: Tensor, idx: Tensor, vals: Tensor) -> Tensor:
    """Mutates two inputs; the mutations are part of the observable result."""
    x.add_(1)
    buf.index_put_((idx,), vals)  # idx has no duplicates, so deterministic
    return x * 2 + buf


@case(tags=("mutation", "indexing"))
def build_inplace_input_mutation() -> Built:
    """x.add_(1) and buf.index_put_ on inputs, result reads both"""
    idx = torch.tensor([5, 0, 3])
    return inplace_input_mutation, (_x(2, 8, 16), _x(8, 16), idx, _x(3, 16))


class DynamicReshape(nn.Module):
    """Shapes flow from ``x.shape`` and an int argument, so they stay symbolic."""

    def __init__(self, dim: int = 16) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor, groups: int) -> Tensor:
        b, t, c = x.shape
        h = self.proj(x.reshape(b * t, c))
        h = h.view(b, t, groups, c // groups).transpose(1, 2)
        h = torch.softmax(h, dim=-1) * t
        return h.reshape(b, -1) + x.new_ones(b, 1) * b


@case(dynamic=True, tags=("dynamic", "views", "int_arg"))
def build_dynamic_reshape() -> Built:
    # No size-1 dims: those would be specialised even under dynamic=True.
    """reshape/view driven by symbolic sizes and an int argument"""
    return _inference(DynamicReshape()), (_x(2, 8, 16), 4)


class MLPLoss(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.mlp = MLP()

    def forward(self, x: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(self.mlp(x), target)


@case(training=True, tags=("nn", "train"))
def build_mlp_train() -> Built:
    """MLP + MSE loss with trainable parameters"""
    model = MLPLoss().train()
    return model, (_x(2, 8, 16), _x(2, 8, 8))


@case(tags=("nn", "attention", "bf16"))
def build_bf16_attention() -> Built:
    """2-head attention with bf16 params and inputs"""
    model = _inference(SelfAttention(16, heads=2).to(torch.bfloat16))
    return model, (_x(2, 8, 16).to(torch.bfloat16),)


def pattern_split_cat(x: Tensor) -> Tensor:
    """cat(split(x)) in order is a no-op the split/cat passes remove; in
    reversed order it is a real permutation they must not remove."""
    same = torch.cat(torch.split(x, [2, 2], 1), 1)
    a, b = torch.split(x, [1, 3], 1)
    swapped = torch.cat([b, a], 1)
    # Add before relu: relu(cat) would be pushed into the cat inputs first
    # and hide the split/cat pair from the pattern.
    return torch.relu(same + swapped)


@case(tags=("pattern",))
def build_pattern_split_cat() -> Built:
    """cat(split(x, [2, 2], 1), 1) no-op next to a genuine reorder"""
    return pattern_split_cat, (_x(2, 4, 8),)


def pattern_pointless_ops(x: Tensor) -> Tensor:
    """Ops the joint-graph/noop passes delete: view and permute pairs, the
    f32->f64->f32 round trip, a no-op clone/convert. ``* 1 + 0`` survives the
    passes and is left to lowering."""
    a = x.view(2, 128).view(2, 8, 16)  # pointless view pair
    a = a.view(a.shape)  # pointless view
    a = a.permute(0, 2, 1).permute(0, 2, 1)  # pointless permute pair
    b = x.to(torch.float64).to(torch.float32)  # widening round trip
    c = (a * 1 + 0).clone().to(torch.float32)  # noop arithmetic/clone/convert
    return torch.sigmoid(c) + b


@case(tags=("pattern", "views"))
def build_pattern_pointless_ops() -> Built:
    """view/permute pairs, f32->f64->f32 and identity ops the passes drop"""
    return pattern_pointless_ops, (_x(2, 8, 16),)


def pattern_mm_add(a: Tensor, b: Tensor, bias: Tensor) -> Tensor:
    """mm + bias, which the passes fuse into addmm, then relu; plus a bmm of
    expanded (stride-0) operands."""
    y = torch.mm(a, b) + bias
    z = torch.bmm(a.unsqueeze(0).expand(2, 8, 16), b.unsqueeze(0).expand(2, 16, 12))
    return torch.relu(y) + z.sum(0)


@case(tags=("pattern", "matmul"))
def build_pattern_mm_add() -> Built:
    """mm + bias (addmm) with relu epilogue, plus an expanded bmm"""
    return pattern_mm_add, (_x(8, 16), _x(16, 12), _x(12))


def pattern_manual_softmax(x: Tensor) -> Tensor:
    """Softmax written out (scale, amax, sub, exp, sum, div). The joint-graph
    partial-softmax pattern moves the scale after the max subtraction, with
    an isfinite guard, so the rewritten graph differs visibly."""
    s = x * 0.25
    e = torch.exp(s - s.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)


@case(tags=("pattern", "reduction"))
def build_pattern_manual_softmax() -> Built:
    """hand-written scaled softmax that the softmax patterns rewrite"""
    return pattern_manual_softmax, (_x(2, 8, 16),)


def special_values(x: Tensor, y: Tensor) -> tuple[Tensor, ...]:
    """NaN/inf/-0.0 handling; ``1 / y`` exposes the sign of zero as +-inf."""
    clean = torch.where(torch.isnan(x), torch.zeros_like(x), x)
    return (
        clean.clamp(-10.0, 10.0),
        x.clamp(min=-1.0, max=1.0),  # NaN must propagate through clamp
        1.0 / y,
        torch.nan_to_num(x / y, nan=0.0, posinf=1e4, neginf=-1e4),
        torch.signbit(y * -1.0),
    )


@case(tags=("special_values",))
def build_special_values() -> Built:
    """where(isnan), clamp with NaN, nan_to_num and division by +-0.0"""
    x = _x(4, 8)
    x[0, 0] = float("nan")
    x[1, 1] = float("inf")
    x[2, 2] = float("-inf")
    x[3, 3] = -0.0
    x[0, 1] = float("nan")  # NaN / -0.0 below
    y = _x(4, 8)
    y[:, 0] = 0.0
    y[:, 1] = -0.0
    return special_values, (x, y)


def random_ops(x: Tensor) -> Tensor:
    """Train-mode dropout plus rand_like; only reproducible with fallback_random."""
    return F.dropout(x, p=0.5, training=True) + torch.rand_like(x)


@case(tags=("random",))
def build_random_dropout() -> Built:
    """train-mode dropout + rand_like"""
    return random_ops, (_x(2, 8, 16),)

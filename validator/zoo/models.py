"""Small correct programs for the zoo, and the builders that instantiate them.

Every builder seeds the RNG first, so builds are reproducible. Shapes are
tiny on purpose: each case must compile to a handful of kernels on a CPU.
Inference modules are put in eval mode with gradients off so that compiling
them produces a forward-only graph; training builders leave grads on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._case import ZooCase

Built = tuple[Callable[..., Any], tuple[Any, ...]]

SEED = 0


def _inference(module: nn.Module) -> nn.Module:
    # No grads -> AOTAutograd emits a forward-only graph; eval pins BN/dropout.
    module.eval()
    module.requires_grad_(False)
    return module


# --------------------------------------------------------------------------
# Modules
# --------------------------------------------------------------------------


class MLP(nn.Module):
    def __init__(self, dim: int = 16, hidden: int = 32, out: int = 8) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, out)

    def forward(self, x: Tensor) -> Tensor:
        y: Tensor = self.fc2(torch.relu(self.fc1(x)))
        return y


class ConvBNReLU(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        with torch.no_grad():
            # Non-trivial running stats and affine params, otherwise eval-mode
            # BN is the identity and a broken normalisation would go unseen.
            mean, var = self.bn.running_mean, self.bn.running_var
            assert mean is not None and var is not None
            mean.uniform_(-0.5, 0.5)
            var.uniform_(0.5, 2.0)
            self.bn.weight.uniform_(0.5, 1.5)
            self.bn.bias.uniform_(-0.5, 0.5)

    def forward(self, x: Tensor) -> Tensor:
        return torch.relu(self.bn(self.conv(x)))


class LayerNormModel(nn.Module):
    def __init__(self, dim: int = 16) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(dim)
        with torch.no_grad():
            # Default weight=1/bias=0 would hide a dropped affine step.
            self.ln.weight.uniform_(0.5, 1.5)
            self.ln.bias.uniform_(-0.5, 0.5)

    def forward(self, x: Tensor) -> Tensor:
        y: Tensor = self.ln(x)
        return y


class SelfAttention(nn.Module):
    """Multi-head self-attention spelled out with linears, matmul and softmax."""

    def __init__(self, dim: int = 16, heads: int = 1) -> None:
        super().__init__()
        assert dim % heads == 0
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        b, t, c = x.shape
        h = self.heads
        d = c // h
        q = self.q(x).view(b, t, h, d).transpose(1, 2)
        k = self.k(x).view(b, t, h, d).transpose(1, 2)
        v = self.v(x).view(b, t, h, d).transpose(1, 2)
        att = torch.softmax((q @ k.transpose(-2, -1)) * d**-0.5, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        out: Tensor = self.out(y)
        return out


class TransformerBlock(nn.Module):
    """Pre-LN block: x + attn(ln1(x)), then x + mlp(ln2(x)) with GELU."""

    def __init__(self, dim: int = 16, heads: int = 2, hidden: int = 32) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln1(x))
        y: Tensor = x + self.fc2(F.gelu(self.fc1(self.ln2(x))))
        return y


class MeanSquareLoss(nn.Module):
    """Reduces a wrapped module's output to a scalar so backward needs no grad."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: Tensor) -> Tensor:
        y: Tensor = self.inner(x)
        return y.square().mean()


class MLPLoss(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.mlp = MLP()

    def forward(self, x: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(self.mlp(x), target)


class EmbeddingIndexing(nn.Module):
    def __init__(self, vocab: int = 32, dim: int = 16) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)

    def forward(
        self, tokens: Tensor, perm: Tensor, gidx: Tensor, rows: Tensor
    ) -> Tensor:
        e = self.emb(tokens)  # (2, 8, 16)
        picked = e.index_select(1, perm)  # positions reordered
        gathered = torch.gather(e, 2, gidx)  # (2, 8, 4)
        adv = e[:, perm[:4]]  # advanced indexing on one dim: (2, 4, 16)
        pairs = e[rows, perm[:2]]  # broadcast paired indices: (2, 2, 16)
        return torch.cat(
            [
                (picked * 0.5 + e).flatten(),
                gathered.flatten(),
                adv.flatten(),
                pairs.flatten(),
            ]
        )


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


# --------------------------------------------------------------------------
# Plain functions
# --------------------------------------------------------------------------


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


def inplace_input_mutation(x: Tensor, buf: Tensor, idx: Tensor, vals: Tensor) -> Tensor:
    """Mutates two inputs; the mutations are part of the observable result."""
    x.add_(1)
    buf.index_put_((idx,), vals)  # idx has no duplicates, so deterministic
    return x * 2 + buf


def pattern_split_cat(x: Tensor) -> Tensor:
    """cat(split(x)) in order is a no-op the split/cat passes remove; in
    reversed order it is a real permutation they must not remove."""
    same = torch.cat(torch.split(x, [2, 2], 1), 1)
    a, b = torch.split(x, [1, 3], 1)
    swapped = torch.cat([b, a], 1)
    # Add before relu: relu(cat) would be pushed into the cat inputs first
    # and hide the split/cat pair from the pattern.
    return torch.relu(same + swapped)


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


def pattern_mm_add(a: Tensor, b: Tensor, bias: Tensor) -> Tensor:
    """mm + bias, which the passes fuse into addmm, then relu; plus a bmm of
    expanded (stride-0) operands."""
    y = torch.mm(a, b) + bias
    z = torch.bmm(a.unsqueeze(0).expand(2, 8, 16), b.unsqueeze(0).expand(2, 16, 12))
    return torch.relu(y) + z.sum(0)


def pattern_manual_softmax(x: Tensor) -> Tensor:
    """Softmax written out (scale, amax, sub, exp, sum, div). The joint-graph
    partial-softmax pattern moves the scale after the max subtraction, with
    an isfinite guard, so the rewritten graph differs visibly."""
    s = x * 0.25
    e = torch.exp(s - s.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)


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


def random_ops(x: Tensor) -> Tensor:
    """Train-mode dropout plus rand_like; only reproducible with fallback_random."""
    return F.dropout(x, p=0.5, training=True) + torch.rand_like(x)


# --------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------


def _x(*shape: int) -> Tensor:
    return torch.randn(*shape)


def build_mlp() -> Built:
    torch.manual_seed(SEED)
    return _inference(MLP()), (_x(2, 8, 16),)


def build_conv_bn_relu() -> Built:
    torch.manual_seed(SEED)
    return _inference(ConvBNReLU()), (_x(2, 3, 8, 8),)


def build_layernorm() -> Built:
    torch.manual_seed(SEED)
    return _inference(LayerNormModel()), (_x(2, 8, 16),)


def build_self_attention() -> Built:
    torch.manual_seed(SEED)
    return _inference(SelfAttention(16, heads=1)), (_x(2, 8, 16),)


def build_transformer_block() -> Built:
    torch.manual_seed(SEED)
    return _inference(TransformerBlock()), (_x(2, 8, 16),)


def build_transformer_block_train() -> Built:
    torch.manual_seed(SEED)
    model = MeanSquareLoss(TransformerBlock()).train()
    x = _x(2, 8, 16).requires_grad_(True)  # input grads are checked too
    return model, (x,)


def build_mlp_train() -> Built:
    torch.manual_seed(SEED)
    model = MLPLoss().train()
    return model, (_x(2, 8, 16), _x(2, 8, 8))


def build_embedding_indexing() -> Built:
    torch.manual_seed(SEED)
    model = _inference(EmbeddingIndexing())
    tokens = torch.randint(0, 32, (2, 8))
    perm = torch.randperm(8)
    gidx = torch.randint(0, 16, (2, 8, 4))
    rows = torch.tensor([[0], [1]])
    return model, (tokens, perm, gidx, rows)


def build_view_chain() -> Built:
    torch.manual_seed(SEED)
    return view_chain, (_x(2, 8, 16),)


def build_reductions() -> Built:
    torch.manual_seed(SEED)
    return reductions, (_x(2, 8, 16),)


def build_inplace_input_mutation() -> Built:
    torch.manual_seed(SEED)
    idx = torch.tensor([5, 0, 3])
    return inplace_input_mutation, (_x(2, 8, 16), _x(8, 16), idx, _x(3, 16))


def build_dynamic_reshape() -> Built:
    torch.manual_seed(SEED)
    # No size-1 dims: those would be specialised even under dynamic=True.
    return _inference(DynamicReshape()), (_x(2, 8, 16), 4)


def build_bf16_attention() -> Built:
    torch.manual_seed(SEED)
    model = _inference(SelfAttention(16, heads=2).to(torch.bfloat16))
    return model, (_x(2, 8, 16).to(torch.bfloat16),)


def build_pattern_split_cat() -> Built:
    torch.manual_seed(SEED)
    return pattern_split_cat, (_x(2, 4, 8),)


def build_pattern_pointless_ops() -> Built:
    torch.manual_seed(SEED)
    return pattern_pointless_ops, (_x(2, 8, 16),)


def build_pattern_mm_add() -> Built:
    torch.manual_seed(SEED)
    return pattern_mm_add, (_x(8, 16), _x(16, 12), _x(12))


def build_pattern_manual_softmax() -> Built:
    torch.manual_seed(SEED)
    return pattern_manual_softmax, (_x(2, 8, 16),)


def build_special_values() -> Built:
    torch.manual_seed(SEED)
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


def build_random_ops() -> Built:
    torch.manual_seed(SEED)
    return random_ops, (_x(2, 8, 16),)


CASES: tuple[ZooCase, ...] = (
    ZooCase("mlp", "Linear -> ReLU -> Linear", build_mlp, tags=("nn",)),
    ZooCase(
        "conv_bn_relu",
        "Conv2d -> BatchNorm2d (eval, non-trivial stats) -> ReLU",
        build_conv_bn_relu,
        tags=("nn", "conv"),
    ),
    ZooCase(
        "layernorm",
        "LayerNorm with random affine",
        build_layernorm,
        tags=("nn", "norm"),
    ),
    ZooCase(
        "self_attention",
        "single-head attention: q/k/v linears, scaled softmax, out proj",
        build_self_attention,
        tags=("nn", "attention", "matmul"),
    ),
    ZooCase(
        "transformer_block",
        "pre-LN 2-head attention + GELU MLP with residuals",
        build_transformer_block,
        tags=("nn", "attention", "norm"),
    ),
    ZooCase(
        "transformer_block_train",
        "transformer_block under a mean-square loss; params and input need grad",
        build_transformer_block_train,
        training=True,
        tags=("nn", "attention", "norm", "train"),
    ),
    ZooCase(
        "embedding_indexing",
        "Embedding, index_select, gather and advanced indexing",
        build_embedding_indexing,
        tags=("nn", "indexing"),
    ),
    ZooCase(
        "view_chain",
        "reshape/permute/transpose/split/cat/narrow/slice/chunk/stack/expand",
        build_view_chain,
        tags=("views",),
    ),
    ZooCase(
        "reductions",
        "sum/mean/amax/amin/var/std/argmax/logsumexp over several dims",
        build_reductions,
        tags=("reduction",),
    ),
    ZooCase(
        "inplace_input_mutation",
        "x.add_(1) and buf.index_put_ on inputs, result reads both",
        build_inplace_input_mutation,
        tags=("mutation", "indexing"),
    ),
    ZooCase(
        "dynamic_reshape",
        "reshape/view driven by symbolic sizes and an int argument",
        build_dynamic_reshape,
        dynamic=True,
        tags=("dynamic", "views", "int_arg"),
    ),
    ZooCase(
        "mlp_train",
        "MLP + MSE loss with trainable parameters",
        build_mlp_train,
        training=True,
        tags=("nn", "train"),
    ),
    ZooCase(
        "bf16_attention",
        "2-head attention with bf16 params and inputs",
        build_bf16_attention,
        tags=("nn", "attention", "bf16"),
    ),
    ZooCase(
        "pattern_split_cat",
        "cat(split(x, [2, 2], 1), 1) no-op next to a genuine reorder",
        build_pattern_split_cat,
        tags=("pattern",),
    ),
    ZooCase(
        "pattern_pointless_ops",
        "view/permute pairs, f32->f64->f32 and identity ops the passes drop",
        build_pattern_pointless_ops,
        tags=("pattern", "views"),
    ),
    ZooCase(
        "pattern_mm_add",
        "mm + bias (addmm) with relu epilogue, plus an expanded bmm",
        build_pattern_mm_add,
        tags=("pattern", "matmul"),
    ),
    ZooCase(
        "pattern_manual_softmax",
        "hand-written scaled softmax that the softmax patterns rewrite",
        build_pattern_manual_softmax,
        tags=("pattern", "reduction"),
    ),
    ZooCase(
        "special_values",
        "where(isnan), clamp with NaN, nan_to_num and division by +-0.0",
        build_special_values,
        tags=("special_values",),
    ),
    ZooCase(
        "random_dropout",
        "train-mode dropout + rand_like",
        build_random_ops,
        tags=("random",),
    ),
)

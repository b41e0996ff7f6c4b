"""Network blocks (inference, and one training variant): MLP, conv + BatchNorm, LayerNorm,
attention, a transformer block and embedding indexing."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._build import Built, _inference, _x
from .._registry import Registry

case = Registry()


class MLP(nn.Module):
    def __init__(self, dim: int = 16, hidden: int = 32, out: int = 8) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, out)

    def forward(self, x: Tensor) -> Tensor:
        y: Tensor = self.fc2(torch.relu(self.fc1(x)))
        return y


@case(tags=("nn",))
def build_mlp() -> Built:
    """Linear -> ReLU -> Linear"""
    return _inference(MLP()), (_x(2, 8, 16),)


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


@case(tags=("nn", "conv"))
def build_conv_bn_relu() -> Built:
    """Conv2d -> BatchNorm2d (eval, non-trivial stats) -> ReLU"""
    return _inference(ConvBNReLU()), (_x(2, 3, 8, 8),)


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


@case(tags=("nn", "norm"))
def build_layernorm() -> Built:
    """LayerNorm with random affine"""
    return _inference(LayerNormModel()), (_x(2, 8, 16),)


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


@case(tags=("nn", "attention", "matmul"))
def build_self_attention() -> Built:
    """single-head attention: q/k/v linears, scaled softmax, out proj"""
    return _inference(SelfAttention(16, heads=1)), (_x(2, 8, 16),)


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


@case(tags=("nn", "attention", "norm"))
def build_transformer_block() -> Built:
    """pre-LN 2-head attention + GELU MLP with residuals"""
    return _inference(TransformerBlock()), (_x(2, 8, 16),)


class MeanSquareLoss(nn.Module):
    """Reduces a wrapped module's output to a scalar so backward needs no grad."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: Tensor) -> Tensor:
        y: Tensor = self.inner(x)
        return y.square().mean()


@case(training=True, tags=("nn", "attention", "norm", "train"))
def build_transformer_block_train() -> Built:
    """transformer_block under a mean-square loss; params and input need grad"""
    model = MeanSquareLoss(TransformerBlock()).train()
    x = _x(2, 8, 16).requires_grad_(True)  # input grads are checked too
    return model, (x,)


class EmbeddingIndexing(nn.Module):
    def __init__(self, vocab: int = 32, dim: int = 16) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)

    def forward(self, tokens: Tensor, perm: Tensor, gidx: Tensor, rows: Tensor) -> Tensor:
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


@case(tags=("nn", "indexing"))
def build_embedding_indexing() -> Built:
    """Embedding, index_select, gather and advanced indexing"""
    model = _inference(EmbeddingIndexing())
    tokens = torch.randint(0, 32, (2, 8))
    perm = torch.randperm(8)
    gidx = torch.randint(0, 16, (2, 8, 4))
    rows = torch.tensor([[0], [1]])
    return model, (tokens, perm, gidx, rows)

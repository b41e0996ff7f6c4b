"""Training (the joint graph and the partitioner): parameters need grad and each program
returns a scalar loss."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._build import Built, _x
from .._registry import Registry
from ._helpers import _randomise_affine

case = Registry()


class MLPCrossEntropy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 5)

    def forward(self, x: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(self.fc2(torch.relu(self.fc1(x))), target)


@case(training=True, tags=("nn", "train"))
def build_train_mlp_cross_entropy() -> Built:
    """MLP with cross-entropy loss on integer targets"""
    model = MLPCrossEntropy().train()
    return model, (_x(8, 16), torch.randint(0, 5, (8,)))


class ConvBNPoolLoss(nn.Module):
    """conv -> train-mode BatchNorm -> relu -> max-pool -> linear, mean-square loss."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 3 * 3, 3)
        _randomise_affine(self.bn)

    def forward(self, x: Tensor, target: Tensor) -> Tensor:
        h = F.max_pool2d(torch.relu(self.bn(self.conv(x))), 2)
        return F.mse_loss(self.fc(h.flatten(1)), target)


@case(training=True, tags=("nn", "conv", "norm", "pooling", "train"))
def build_train_conv_bn_pool() -> Built:
    """conv -> train-mode BatchNorm -> relu -> max_pool -> linear, MSE loss"""
    model = ConvBNPoolLoss().train()
    return model, (_x(4, 3, 6, 6), _x(4, 3))


class LayerNormResidualLoss(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(16)
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 16)
        _randomise_affine(self.ln)

    def forward(self, x: Tensor) -> Tensor:
        y = x + self.fc2(F.gelu(self.fc1(self.ln(x))))
        return y.square().mean()


@case(training=True, tags=("nn", "norm", "train"))
def build_train_layernorm_residual() -> Built:
    """LayerNorm + GELU MLP residual, mean-square loss; the input needs grad too"""
    model = LayerNormResidualLoss().train()
    return model, (_x(2, 8, 16).requires_grad_(True),)


class RMSNormSwiGLULoss(nn.Module):
    def __init__(self, dim: int = 16, hidden: int = 24) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.rand(dim) + 0.5)
        self.gate = nn.Linear(dim, hidden, bias=False)
        self.up = nn.Linear(dim, hidden, bias=False)
        self.down = nn.Linear(hidden, dim, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        h = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.weight
        y = x + self.down(F.silu(self.gate(h)) * self.up(h))
        return y.abs().mean()


@case(training=True, tags=("nn", "norm", "train"))
def build_train_rmsnorm_swiglu() -> Built:
    """hand-written RMSNorm + SwiGLU MLP residual, L1 loss"""
    model = RMSNormSwiGLULoss().train()
    return model, (_x(2, 8, 16),)


class AttentionLoss(nn.Module):
    """Two-head attention written by hand (the fused-attention pattern in training)."""

    def __init__(self, dim: int = 16, heads: int = 2) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: Tensor, target: Tensor) -> Tensor:
        b, t, c = x.shape
        d = c // self.heads
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d).permute(2, 0, 3, 1, 4).unbind(0)
        att = torch.matmul(q, k.transpose(-2, -1)).div(math.sqrt(d)).softmax(dim=-1).matmul(v)
        y = self.out(att.transpose(1, 2).reshape(b, t, c))
        return F.smooth_l1_loss(y, target)


@case(training=True, tags=("nn", "attention", "train"))
def build_train_attention() -> Built:
    """2-head hand-written attention (fused qkv, unbind) with smooth-L1 loss"""
    model = AttentionLoss().train()
    return model, (_x(2, 8, 16), _x(2, 8, 16))


class EmbeddingPoolLoss(nn.Module):
    """Embedding (its backward is an index_put with accumulate) -> mean pool -> linear -> CE."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.fc = nn.Linear(8, 4)

    def forward(self, tokens: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(self.fc(self.emb(tokens).mean(1)), target)


@case(training=True, tags=("nn", "indexing", "train"))
def build_train_embedding_pool() -> Built:
    """Embedding -> mean pool -> linear -> cross-entropy"""
    model = EmbeddingPoolLoss().train()
    tokens = torch.randint(0, 20, (4, 6))
    return model, (tokens, torch.randint(0, 4, (4,)))

"""Normalisations: layer, RMS, group, batch (eval, and train mode without grads), instance
norm and statistics written by hand, all with non-trivial affine parameters and running stats."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._build import Built, _inference, _x
from .._registry import Registry
from ._helpers import _randomise_affine, _randomise_running_stats

case = Registry()


class LayerNorms(nn.Module):
    """LayerNorm over the last two dims with affine, and one without affine."""

    def __init__(self) -> None:
        super().__init__()
        self.ln2d = nn.LayerNorm([8, 16], eps=1e-5)
        self.plain = nn.LayerNorm(16, elementwise_affine=False, eps=1e-3)
        _randomise_affine(self.ln2d)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        y = x * 3.0 + 2.0  # a non-zero mean and variance far from one
        return self.ln2d(y), self.plain(y).relu()


@case(tags=("nn", "norm"))
def build_norm_layernorm_2d() -> Built:
    """LayerNorm over the last two dims with affine, and LayerNorm without affine"""
    return _inference(LayerNorms()), (_x(2, 8, 16),)


class RMSNormByHand(nn.Module):
    def __init__(self, dim: int = 16, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.rand(dim) + 0.5)
        self.lib = nn.RMSNorm(dim, eps=eps)
        _randomise_affine(self.lib)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        var = x.float().pow(2).mean(-1, keepdim=True)
        manual = (x * torch.rsqrt(var + self.eps)).type_as(x) * self.weight
        return manual, self.lib(x)


@case(tags=("nn", "norm"))
def build_norm_rmsnorm_by_hand() -> Built:
    """RMSNorm written out (float, rsqrt, type_as, weight) and nn.RMSNorm"""
    return _inference(RMSNormByHand()), (_x(2, 8, 16),)


class GroupNorms(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.gn = nn.GroupNorm(4, 8)
        self.gn1 = nn.GroupNorm(1, 8, eps=1e-3)
        _randomise_affine(self.gn)
        _randomise_affine(self.gn1)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.gn(x), self.gn1(x * 2.0 - 1.0)


@case(tags=("nn", "norm"))
def build_norm_groupnorm() -> Built:
    """GroupNorm with 4 groups and with 1 group, random affine"""
    return _inference(GroupNorms()), (_x(2, 8, 4, 4),)


class BatchNormsEval(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm1d(4)
        self.bn2 = nn.BatchNorm2d(8, eps=1e-3)
        _randomise_running_stats(self.bn1)
        _randomise_running_stats(self.bn2)

    def forward(self, x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
        return self.bn1(x1), torch.relu(self.bn2(x2))


@case(tags=("nn", "norm"))
def build_norm_batchnorm_eval() -> Built:
    """BatchNorm1d and BatchNorm2d in eval mode with random running stats"""
    return _inference(BatchNormsEval()), (_x(3, 4, 6), _x(2, 8, 4, 4))


class BatchNormTrainMode(nn.Module):
    """Train-mode BatchNorm without grads: batch statistics, and running stats updated in
    place (a buffer mutation the compiled program must reproduce)."""

    def __init__(self) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(8, momentum=0.2)
        _randomise_running_stats(self.bn)

    def forward(self, x: Tensor) -> Tensor:
        y: Tensor = self.bn(x)
        return y


@case(tags=("nn", "norm", "mutation"))
def build_norm_batchnorm_train_mode() -> Built:
    """train-mode BatchNorm2d without grads: batch stats and in-place running-stat updates"""
    model = BatchNormTrainMode()
    model.requires_grad_(False)
    model.train()  # batch statistics; running stats are updated in place
    return model, (_x(4, 8, 4, 4) * 2.0 + 0.5,)


class InstanceNorms(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.in2d = nn.InstanceNorm2d(8, affine=True)
        self.in1d = nn.InstanceNorm1d(4)
        _randomise_affine(self.in2d)

    def forward(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        return self.in2d(x), F.instance_norm(x * 0.5 + 1.0), self.in1d(y)


@case(tags=("nn", "norm"))
def build_norm_instancenorm() -> Built:
    """InstanceNorm2d with affine, F.instance_norm, InstanceNorm1d"""
    return _inference(InstanceNorms()), (_x(2, 8, 6, 6), _x(2, 4, 10))


class StatsByHand(nn.Module):
    """Batch statistics by hand over (N, H, W), and a weight-standardised convolution."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(6, 4, 3, 3))
        self.gamma = nn.Parameter(torch.rand(1, 4, 1, 1) + 0.5)
        self.beta = nn.Parameter(torch.randn(1, 4, 1, 1) * 0.5)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        mean = x.mean(dim=(0, 2, 3), keepdim=True)
        var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
        y = (x - mean) / torch.sqrt(var + 1e-5) * self.gamma + self.beta
        w: Tensor = self.weight
        w = (w - w.mean(dim=(1, 2, 3), keepdim=True)) / (w.std(dim=(1, 2, 3), keepdim=True) + 1e-5)
        return y, F.conv2d(y, w, padding=1)


@case(tags=("nn", "norm", "conv", "reduction"))
def build_norm_stats_by_hand() -> Built:
    """batch mean/var by hand over (N, H, W), and a weight-standardised conv2d"""
    return _inference(StatsByHand()), (_x(3, 4, 5, 5) * 1.5 + 0.3,)

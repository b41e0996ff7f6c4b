"""What several themes' builders share: random affine parameters and stats, q/k/v inputs."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .._build import _x


def _randomise_affine(module: nn.Module) -> None:
    """Non-trivial affine parameters, so a dropped scale or shift would be visible."""
    with torch.no_grad():
        weight = getattr(module, "weight", None)
        bias = getattr(module, "bias", None)
        if isinstance(weight, Tensor):
            weight.uniform_(0.5, 1.5)
        if isinstance(bias, Tensor):
            bias.uniform_(-0.5, 0.5)


def _randomise_running_stats(bn: nn.modules.batchnorm._NormBase) -> None:
    with torch.no_grad():
        mean, var = bn.running_mean, bn.running_var
        assert mean is not None and var is not None
        mean.uniform_(-0.5, 0.5)
        var.uniform_(0.5, 2.0)
    _randomise_affine(bn)


def _qkv(*shape: int) -> tuple[Tensor, Tensor, Tensor]:
    return _x(*shape), _x(*shape), _x(*shape)

"""Conventions every zoo builder follows: a fixed seed, tiny random inputs, inference modules
frozen (eval mode, no grads)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import torch
from torch import Tensor, nn

# What a builder returns: ``(fn_or_module, example_inputs)``.
Built = tuple[Callable[..., Any], tuple[Any, ...]]

SEED = 0

P = ParamSpec("P")
R = TypeVar("R")


def seeded(build: Callable[P, R]) -> Callable[P, R]:
    """``build``, run after the global RNG is seeded with ``SEED``: two builds draw the same
    parameters and inputs."""

    @functools.wraps(build)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        torch.manual_seed(SEED)
        return build(*args, **kwargs)

    return run


def _inference(module: nn.Module) -> nn.Module:
    # No grads -> AOTAutograd emits a forward-only graph; eval pins BN/dropout.
    module.eval()
    module.requires_grad_(False)
    return module


def _x(*shape: int) -> Tensor:
    return torch.randn(*shape)

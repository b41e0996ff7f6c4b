"""Reduced precision: bf16 and fp16 programs, and mixed fp16/fp32 arithmetic."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._build import Built, _inference, _x
from .._registry import Registry
from ._helpers import _qkv, _randomise_affine

case = Registry()


def lp_bf16_matmul_softmax(q: Tensor, k: Tensor, v: Tensor, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """bf16 attention-like matmul + softmax, and a bf16 softmax computed in fp32."""
    att = (q @ k.transpose(-2, -1) * 0.35).softmax(-1) @ v
    return att, torch.softmax(x, dim=-1), torch.softmax(x.float(), dim=-1).to(torch.bfloat16)


@case(tags=("bf16", "matmul", "reduction"))
def build_lp_bf16_matmul_softmax() -> Built:
    """bf16 scaled matmul + softmax + matmul; bf16 softmax and one computed in fp32"""
    q, k, v = (t.to(torch.bfloat16) for t in _qkv(2, 2, 8, 8))
    return lp_bf16_matmul_softmax, (q, k, v, _x(4, 16).to(torch.bfloat16))


class HalfLayerNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(16)
        _randomise_affine(self.ln)
        self.half()

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.ln(x), F.layer_norm(x * 2.0, (16,), eps=1e-3)


@case(tags=("nn", "norm", "fp16"))
def build_lp_fp16_layernorm() -> Built:
    """fp16 LayerNorm module with random affine, and F.layer_norm in fp16"""
    return _inference(HalfLayerNorm()), ((_x(2, 8, 16) * 2.0 + 1.0).half(),)


def lp_mixed_fp16_fp32(a: Tensor, b: Tensor, mask: Tensor) -> tuple[Tensor, ...]:
    """fp16 with fp32 arithmetic (promotes to fp32), fp16 with python scalars (stays fp16),
    fp16 matmul, where across dtypes and explicit casts both ways."""
    return (
        a + b,
        a * 0.5 + 1.0,
        a @ a.t(),
        torch.where(mask, a, b),
        a.float().sum(-1),
        a * b.half(),
    )


@case(tags=("fp16", "dtype"))
def build_lp_mixed_fp16_fp32() -> Built:
    """fp16 + fp32 promotion, fp16 with scalars, fp16 matmul, where across dtypes, casts"""
    a = _x(4, 8).half()
    b = _x(4, 8)
    return lp_mixed_fp16_fp32, (a, b, torch.rand(4, 8) > 0.5)


class BF16MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 16)
        self.to(torch.bfloat16)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        y = self.fc2(F.gelu(self.fc1(x))) + x
        return y, y.float().mean(-1)


@case(tags=("nn", "bf16"))
def build_lp_bf16_mlp() -> Built:
    """bf16 Linear -> GELU -> Linear with residual, fp32 mean"""
    return _inference(BF16MLP()), (_x(2, 8, 16).to(torch.bfloat16),)

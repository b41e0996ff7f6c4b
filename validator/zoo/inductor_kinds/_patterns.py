"""Pattern-matcher targets: mm + bias (addmm), mm epilogues (mm_plus_mm), cat of mms, the
odd sizes pad_mm pads, pointless views and conversions, scaled softmax."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .._build import Built, _x
from .._registry import Registry

case = Registry()


def pm_addmm_chain(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, w3: Tensor) -> tuple[Tensor, Tensor]:
    """mm + bias (-> addmm), explicit addmm with alpha/beta, bias + mm, then baddbmm/bmm."""
    h = torch.relu(torch.mm(x, w1) + b1)
    h = torch.addmm(b2, h, w2, beta=0.5, alpha=2.0)
    h = b2 + torch.mm(h, w3)
    hb = h.view(2, 4, 12)
    z = torch.baddbmm(hb, hb, w3.expand(2, 12, 12), alpha=0.5)
    z = torch.bmm(z, w3.t().unsqueeze(0).expand(2, 12, 12))
    return h, z


@case(tags=("pattern", "matmul"))
def build_pm_addmm_chain() -> Built:
    """mm + bias, addmm(beta, alpha), bias + mm, baddbmm and bmm of expanded weights"""
    return pm_addmm_chain, (_x(8, 16), _x(16, 12), _x(12), _x(12, 12), _x(12), _x(12, 12) * 0.3)


def pm_mm_epilogue(a: Tensor, b: Tensor, c: Tensor, d: Tensor, r: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """mm + mm (the mm_plus_mm pattern), and mms feeding pointwise epilogues."""
    y = torch.mm(a, b) + torch.mm(c, d)
    e1 = F.gelu(y, approximate="tanh") * torch.sigmoid(y) + r
    e2 = torch.mm(a, b).clamp(min=0.0).square() - 0.5 * r
    e3 = torch.tanh(a @ b) * 3.0 + torch.exp(-(c @ d).abs())
    return e1, e2, e3


@case(tags=("pattern", "matmul"))
def build_pm_mm_epilogue() -> Built:
    """mm + mm (mm_plus_mm) and mms followed by gelu/sigmoid/clamp/tanh/exp epilogues"""
    return pm_mm_epilogue, (_x(8, 16), _x(16, 12), _x(8, 10), _x(10, 12), _x(8, 12))


def pm_cat_mms(x: Tensor, w1: Tensor, w2: Tensor, w3: Tensor) -> tuple[Tensor, Tensor]:
    """cat of several mms (and an addmm) along both dims, with pointwise consumers."""
    wide = torch.cat([x @ w1, x @ w2, torch.mm(x, w3) + 1.0], dim=1)
    tall = torch.cat([torch.mm(x, w1), torch.mm(x, w2) * 2.0], dim=0)
    return torch.tanh(wide), tall.sum(0)


@case(tags=("pattern", "matmul", "cat"))
def build_pm_cat_mms() -> Built:
    """cat of mms and an addmm along both dims"""
    return pm_cat_mms, (_x(8, 16), _x(16, 8), _x(16, 8), _x(16, 4))


def pm_pad_mm_shapes(a: Tensor, b: Tensor, bias: Tensor, p: Tensor, q: Tensor, v: Tensor) -> tuple[Tensor, ...]:
    """Odd, unaligned matmul sizes of the kind pad_mm pads: mm, addmm, bmm, mv and vm."""
    return (
        torch.mm(a, b) * 0.5,
        torch.addmm(bias, a, b),
        torch.bmm(p, q).relu(),
        torch.mv(a, v),
        v @ b,
    )


@case(tags=("pattern", "matmul"))
def build_pm_pad_mm_shapes() -> Built:
    """mm, addmm, bmm, mv and vector @ matrix with odd unaligned sizes"""
    return pm_pad_mm_shapes, (_x(7, 13), _x(13, 11), _x(11), _x(3, 5, 9), _x(3, 9, 7), _x(13))


def pm_pointless_views_converts(x: Tensor, h: Tensor) -> tuple[Tensor, ...]:
    """View pairs, same-shape views, transpose pairs, expand/contiguous/type_as no-ops and
    conversion chains: f32->f64->f32 and f16->f32->bf16 collapse, f32->f16->f32 must not."""
    a = x.view(2, 8, 16)
    a = a.view(256).view(2, 8, 16)
    a = a.reshape(16, 16).reshape(2, 8, 16)
    a = a.transpose(1, 2).transpose(1, 2).unsqueeze(0).squeeze(0)
    a = a.expand(2, 8, 16).contiguous().type_as(x).to(x.dtype)
    wide = x.double().float()
    chain = h.float().to(torch.bfloat16).float()
    lossy = x.to(torch.float16).float()
    return torch.sigmoid(a) + wide, chain * 2.0, lossy - x


@case(tags=("pattern", "views", "fp16", "bf16"))
def build_pm_pointless_views_converts() -> Built:
    """view pairs, transpose pairs, no-op expand/contiguous/type_as and dtype round trips"""
    return pm_pointless_views_converts, (_x(2, 8, 16), _x(4, 8).half())


def pm_mul_div_softmax(x: Tensor, t: Tensor, s: Tensor) -> tuple[Tensor, ...]:
    """Scaled softmaxes the mul/div-softmax patterns rewrite: by a python float, by a
    tensor broadcast in the softmax dim, by a negative scale, and log_softmax."""
    return (
        (x * 0.125).softmax(-1),
        (x / t).softmax(-1),
        torch.log_softmax(x * -0.5, dim=-1),
        F.softmax(s * x, dim=1),
        torch.softmax(x / 3.0, dim=-1, dtype=torch.float64).float(),
    )


@case(tags=("pattern", "reduction"))
def build_pm_mul_div_softmax() -> Built:
    """softmax of x * c, x / t (broadcast), x * -0.5 (log_softmax), s * x, softmax to fp64"""
    t = torch.rand(2, 8, 1) + 0.5
    s = torch.randn(2, 1, 16)
    return pm_mul_div_softmax, (_x(2, 8, 16), t, s)

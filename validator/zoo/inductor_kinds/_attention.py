"""Fused-attention (SDPA) patterns: attention written out in the spellings inductor's
fused-attention patterns match (GPT-2, BERT, DistilBERT, T5, 3-D bmm), and
``F.scaled_dot_product_attention`` itself."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._build import Built, _inference, _x
from .._registry import Registry
from ._helpers import _qkv

case = Registry()


def sdpa_div_scale(q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    """matmul(q, k^T).div(sqrt(d)).softmax.matmul(v), and the .mul(scale) spelling."""
    d = q.size(-1)
    a = torch.matmul(q, k.transpose(-2, -1)).div(math.sqrt(d)).softmax(dim=-1).matmul(v)
    b = torch.matmul(q, k.transpose(-2, -1)).mul(0.3).softmax(dim=-1).matmul(v)
    return a, b


@case(tags=("attention", "pattern", "matmul"))
def build_sdpa_div_scale() -> Built:
    """matmul(q, k^T).div(sqrt(d)) and .mul(scale) -> softmax -> matmul(v)"""
    return sdpa_div_scale, _qkv(2, 2, 8, 8)


def sdpa_dropout_zero(q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    """The dropout forms of the attention pattern with p=0 (deterministic)."""
    a = F.dropout(torch.matmul(q, k.transpose(-2, -1)).div(2.5).softmax(dim=-1), p=0.0).matmul(v)
    b = F.dropout(torch.matmul(q, k.transpose(-2, -1)).mul(0.2).softmax(dim=-1), p=0.0).matmul(v)
    return a, b


@case(tags=("attention", "pattern", "matmul"))
def build_sdpa_dropout_zero() -> Built:
    """the attention pattern with dropout(p=0) after the softmax, div and mul forms"""
    return sdpa_dropout_zero, _qkv(2, 2, 8, 8)


def sdpa_additive_mask(q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
    """(q @ k^T / sqrt(d) + mask).softmax @ v with an additive float mask."""
    scores = torch.matmul(q, k.transpose(-2, -1)).div(math.sqrt(q.size(-1))) + mask
    out = F.dropout(scores.softmax(dim=-1), p=0.0).matmul(v)
    return out + q  # a residual, so the compiled code has a kernel besides the attention


@case(tags=("attention", "pattern", "matmul"))
def build_sdpa_additive_mask() -> Built:
    """(q @ k^T / sqrt(d) + additive mask).softmax -> dropout(p=0) -> @ v, + residual"""
    q, k, v = _qkv(2, 2, 8, 8)
    keep = torch.rand(2, 1, 8, 8) > 0.3
    keep[..., 0] = True  # every row keeps at least one key
    mask = torch.where(keep, 0.0, -1e4)
    return sdpa_additive_mask, (q, k, v, mask)


def sdpa_gpt2_causal(q: Tensor, k: Tensor, v: Tensor, causal: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """GPT-2 style: (B, T, H, D) inputs permuted to heads-first, scores divided by a 0-d
    tensor, causal mask applied with where(mask, s, finfo.min); returns the permuted k/v."""
    q = q.permute([0, 2, 1, 3])
    k = k.permute([0, 2, 1, 3])
    v = v.permute([0, 2, 1, 3])
    w = torch.matmul(q, k.permute(0, 1, 3, 2))
    inv_scale = torch.full([], math.sqrt(q.size(-1)), dtype=w.dtype)
    w = w.div(inv_scale)
    fill = torch.full((), torch.finfo(q.dtype).min, dtype=q.dtype)
    w = torch.where(causal, w, fill)
    out = F.dropout(w.softmax(dim=-1), 0.0).matmul(v)
    return out, k, v


@case(tags=("attention", "pattern", "matmul"))
def build_sdpa_gpt2_causal() -> Built:
    """GPT-2 style: permuted heads, div by full([]), where(causal, s, finfo.min), returns k/v"""
    q, k, v = _qkv(2, 8, 2, 8)  # (B, T, H, D)
    causal = torch.tril(torch.ones(8, 8, dtype=torch.bool)).view(1, 1, 8, 8)
    return sdpa_gpt2_causal, (q, k, v, causal)


class BertSelfAttention(nn.Module):
    """BERT-style attention: per-head view + permute, additive padding mask, eval dropout."""

    def __init__(self, dim: int = 16, heads: int = 2) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.drop = nn.Dropout(0.1)

    def forward(self, x: Tensor, attention_mask: Tensor) -> Tensor:
        b, t, c = x.shape
        d = c // self.heads

        def heads(y: Tensor) -> Tensor:
            return y.view(b, t, self.heads, d).permute(0, 2, 1, 3)

        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
        scores = scores + attention_mask
        probs = self.drop(torch.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(b, t, c)


@case(tags=("nn", "attention", "pattern"))
def build_sdpa_bert_module() -> Built:
    """BERT self-attention module: view+permute heads, padding mask, eval dropout"""
    model = _inference(BertSelfAttention())
    x = _x(2, 8, 16)
    pad = torch.ones(2, 8)
    pad[1, 6:] = 0.0
    attention_mask = ((1.0 - pad) * -10000.0).view(2, 1, 1, 8)
    return model, (x, attention_mask)


def sdpa_bmm_3d(q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    """3-D attention with bmm: bmm(q, k^T).softmax -> dropout(p=0) -> bmm(., v), unscaled
    and scaled."""
    a = torch.bmm(q, k.transpose(1, 2)).softmax(dim=-1)
    a = F.dropout(a, p=0.0)
    s = (torch.bmm(q, k.transpose(1, 2)) * 0.35).softmax(dim=-1)
    return torch.bmm(a, v), torch.bmm(s, v)


@case(tags=("attention", "pattern", "matmul"))
def build_sdpa_bmm_3d() -> Built:
    """3-D bmm attention, unscaled with dropout(p=0) and scaled"""
    return sdpa_bmm_3d, _qkv(4, 8, 8)


def sdpa_functional(q: Tensor, k: Tensor, v: Tensor, bool_mask: Tensor, float_mask: Tensor) -> tuple[Tensor, ...]:
    """F.scaled_dot_product_attention: causal, boolean mask, float mask with explicit scale;
    residual epilogues, so the compiled code has kernels besides the attention calls."""
    return (
        F.scaled_dot_product_attention(q, k, v, is_causal=True) + q,
        F.scaled_dot_product_attention(q, k, v, attn_mask=bool_mask) * 0.5,
        F.scaled_dot_product_attention(q, k, v, attn_mask=float_mask, scale=0.2) - v,
    )


@case(tags=("attention",))
def build_sdpa_functional() -> Built:
    """F.scaled_dot_product_attention: is_causal, bool mask, float mask with scale; epilogues"""
    q, k, v = _qkv(2, 2, 8, 8)
    bool_mask = torch.rand(2, 1, 8, 8) > 0.3
    bool_mask[..., 0] = True
    float_mask = torch.randn(1, 2, 8, 8)
    return sdpa_functional, (q, k, v, bool_mask, float_mask)


def sdpa_distilbert_masked_fill(q: Tensor, k: Tensor, v: Tensor, attn_mask: Tensor) -> Tensor:
    """DistilBERT style: (mask == 0) viewed to (B, 1, 1, T), expanded, masked_fill(-inf)."""
    q = q.permute([0, 2, 1, 3])
    k = k.permute([0, 2, 1, 3])
    v = v.permute([0, 2, 1, 3])
    bs, k_len = q.size(0), k.size(-2)
    scores = (q @ k.transpose(-2, -1)).div(math.sqrt(q.size(-1)))
    fill = torch.full((), -float("inf"), dtype=q.dtype)
    m = (attn_mask == 0).view((bs, 1, 1, k_len)).expand_as(scores)
    return torch.softmax(scores.masked_fill(m, fill), dim=-1) @ v


@case(tags=("attention", "pattern", "matmul"))
def build_sdpa_distilbert_masked_fill() -> Built:
    """DistilBERT style: (mask == 0).view.expand_as(scores), masked_fill(-inf), softmax @ v"""
    q, k, v = _qkv(2, 8, 2, 8)
    attn_mask = torch.ones(2, 8, dtype=torch.long)
    attn_mask[1, 5:] = 0
    return sdpa_distilbert_masked_fill, (q, k, v, attn_mask)


def sdpa_t5_position_bias(q: Tensor, k: Tensor, v: Tensor, bias: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """T5 style: no scale, score + position bias, float softmax cast back with type_as;
    returns the permuted key and value too."""
    q = q.permute([0, 2, 1, 3])
    k = k.permute([0, 2, 1, 3])
    v = v.permute([0, 2, 1, 3])
    score = torch.matmul(q, k.permute(0, 1, 3, 2))
    score = (score + bias).type_as(q)
    return score.float().softmax(dim=-1).type_as(q).matmul(v), k, v


@case(tags=("attention", "pattern", "matmul"))
def build_sdpa_t5_position_bias() -> Built:
    """T5 style: unscaled scores + position bias, float softmax, type_as; returns k/v"""
    q, k, v = _qkv(2, 8, 2, 8)
    return sdpa_t5_position_bias, (q, k, v, _x(1, 2, 8, 8))

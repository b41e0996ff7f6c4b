"""Correct programs modelled on the kinds of programs inductor's own tests compile.

Each group targets a family of inductor passes or lowerings: the pattern matcher (addmm,
mm epilogues, cat of mms, pointless views/conversions, scaled softmax), the fused-attention
patterns, the split/cat passes, normalisations, pooling, indexing and scatter, in-place
mutation (functionalization and re-inplacing), dynamic shapes, training (the joint graph and
partitioner) and reduced precision. The programs are written from the idea of each test kind,
not copied; they follow the conventions of :mod:`validator.zoo.models`: every builder seeds
the RNG, shapes are tiny, inference modules have gradients off, training programs return a
scalar loss.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._case import ZooCase
from .models import SEED, Built, _inference


def _x(*shape: int) -> Tensor:
    return torch.randn(*shape)


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


# ==========================================================================
# Pattern-matcher targets
# ==========================================================================


def pm_addmm_chain(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, w3: Tensor) -> tuple[Tensor, Tensor]:
    """mm + bias (-> addmm), explicit addmm with alpha/beta, bias + mm, then baddbmm/bmm."""
    h = torch.relu(torch.mm(x, w1) + b1)
    h = torch.addmm(b2, h, w2, beta=0.5, alpha=2.0)
    h = b2 + torch.mm(h, w3)
    hb = h.view(2, 4, 12)
    z = torch.baddbmm(hb, hb, w3.expand(2, 12, 12), alpha=0.5)
    z = torch.bmm(z, w3.t().unsqueeze(0).expand(2, 12, 12))
    return h, z


def pm_mm_epilogue(a: Tensor, b: Tensor, c: Tensor, d: Tensor, r: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """mm + mm (the mm_plus_mm pattern), and mms feeding pointwise epilogues."""
    y = torch.mm(a, b) + torch.mm(c, d)
    e1 = F.gelu(y, approximate="tanh") * torch.sigmoid(y) + r
    e2 = torch.mm(a, b).clamp(min=0.0).square() - 0.5 * r
    e3 = torch.tanh(a @ b) * 3.0 + torch.exp(-(c @ d).abs())
    return e1, e2, e3


def pm_cat_mms(x: Tensor, w1: Tensor, w2: Tensor, w3: Tensor) -> tuple[Tensor, Tensor]:
    """cat of several mms (and an addmm) along both dims, with pointwise consumers."""
    wide = torch.cat([x @ w1, x @ w2, torch.mm(x, w3) + 1.0], dim=1)
    tall = torch.cat([torch.mm(x, w1), torch.mm(x, w2) * 2.0], dim=0)
    return torch.tanh(wide), tall.sum(0)


def pm_pad_mm_shapes(a: Tensor, b: Tensor, bias: Tensor, p: Tensor, q: Tensor, v: Tensor) -> tuple[Tensor, ...]:
    """Odd, unaligned matmul sizes of the kind pad_mm pads: mm, addmm, bmm, mv and vm."""
    return (
        torch.mm(a, b) * 0.5,
        torch.addmm(bias, a, b),
        torch.bmm(p, q).relu(),
        torch.mv(a, v),
        v @ b,
    )


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


# ==========================================================================
# Fused-attention (SDPA) patterns
# ==========================================================================


def sdpa_div_scale(q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    """matmul(q, k^T).div(sqrt(d)).softmax.matmul(v), and the .mul(scale) spelling."""
    d = q.size(-1)
    a = torch.matmul(q, k.transpose(-2, -1)).div(math.sqrt(d)).softmax(dim=-1).matmul(v)
    b = torch.matmul(q, k.transpose(-2, -1)).mul(0.3).softmax(dim=-1).matmul(v)
    return a, b


def sdpa_dropout_zero(q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    """The dropout forms of the attention pattern with p=0 (deterministic)."""
    a = F.dropout(torch.matmul(q, k.transpose(-2, -1)).div(2.5).softmax(dim=-1), p=0.0).matmul(v)
    b = F.dropout(torch.matmul(q, k.transpose(-2, -1)).mul(0.2).softmax(dim=-1), p=0.0).matmul(v)
    return a, b


def sdpa_additive_mask(q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
    """(q @ k^T / sqrt(d) + mask).softmax @ v with an additive float mask."""
    scores = torch.matmul(q, k.transpose(-2, -1)).div(math.sqrt(q.size(-1))) + mask
    out = F.dropout(scores.softmax(dim=-1), p=0.0).matmul(v)
    return out + q  # a residual, so the compiled code has a kernel besides the attention


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


def sdpa_bmm_3d(q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    """3-D attention with bmm: bmm(q, k^T).softmax -> dropout(p=0) -> bmm(., v), unscaled
    and scaled."""
    a = torch.bmm(q, k.transpose(1, 2)).softmax(dim=-1)
    a = F.dropout(a, p=0.0)
    s = (torch.bmm(q, k.transpose(1, 2)) * 0.35).softmax(dim=-1)
    return torch.bmm(a, v), torch.bmm(s, v)


def sdpa_functional(q: Tensor, k: Tensor, v: Tensor, bool_mask: Tensor, float_mask: Tensor) -> tuple[Tensor, ...]:
    """F.scaled_dot_product_attention: causal, boolean mask, float mask with explicit scale;
    residual epilogues, so the compiled code has kernels besides the attention calls."""
    return (
        F.scaled_dot_product_attention(q, k, v, is_causal=True) + q,
        F.scaled_dot_product_attention(q, k, v, attn_mask=bool_mask) * 0.5,
        F.scaled_dot_product_attention(q, k, v, attn_mask=float_mask, scale=0.2) - v,
    )


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


def sdpa_t5_position_bias(q: Tensor, k: Tensor, v: Tensor, bias: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """T5 style: no scale, score + position bias, float softmax cast back with type_as;
    returns the permuted key and value too."""
    q = q.permute([0, 2, 1, 3])
    k = k.permute([0, 2, 1, 3])
    v = v.permute([0, 2, 1, 3])
    score = torch.matmul(q, k.permute(0, 1, 3, 2))
    score = (score + bias).type_as(q)
    return score.float().softmax(dim=-1).type_as(q).matmul(v), k, v


# ==========================================================================
# split / cat chains
# ==========================================================================


def sc_split_cat_in_order(x: Tensor) -> Tensor:
    """cat(split(x)) in order (a no-op) on two dims, next to a cat that reuses a piece."""
    a, b, c = torch.split(x, [3, 4, 5], dim=1)
    same = torch.cat([a, b, c], dim=1)
    same2 = torch.cat(torch.split(x, 4, dim=-1), dim=-1)
    extra = torch.cat([a, b, c, a], dim=1).sum(1, keepdim=True)
    return torch.tanh(same) + same2 * 2.0 + extra


def sc_split_getitem_pointwise(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """split getitems feeding pointwise ops: a SwiGLU gate, a 4-way combination and glu."""
    gate, up = x.split(16, dim=-1)
    a, b, c, d = x.split(8, dim=-1)
    return F.silu(gate) * up, (a + b) * (c - d), F.glu(x, dim=-1)


def sc_unbind_stack(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """unbind then stack in order (identity), reversed, weighted, and cat of an unbind."""
    parts = x.unbind(1)
    same = torch.stack(parts, dim=1)
    rev = torch.stack(parts[::-1], dim=1)
    weighted = torch.stack([p * float(i + 1) for i, p in enumerate(parts)], dim=0).sum(0)
    flat = torch.cat(x.unbind(0), dim=-1)
    return same + 1.0, rev, weighted, flat


def sc_chunk_cat(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """chunk then cat: in order (no-op), pairwise swapped (a real permutation), partial."""
    c = x.chunk(4, dim=1)
    same = torch.cat(c, dim=1)
    swapped = torch.cat([c[1], c[0], c[3], c[2]], dim=1)
    part = torch.cat([c[0] * 2.0, c[2]], dim=-1)
    return torch.relu(same - swapped), swapped, part


def sc_narrow_slice_chain(x: Tensor) -> Tensor:
    """narrow of narrow, strided and negative slices, select then slice, all concatenated."""
    a = x.narrow(1, 2, 6).narrow(2, 1, 8)[:, ::2, 1::3]
    b = x[..., -4:]
    c = x[1:3, :, 2:10:2][:, 1:-1]
    d = x.select(0, 2)[3:]
    e = x[:, 1:7].flip(1)
    return torch.cat([a.flatten(), b.flatten() * 2.0, c.flatten(), d.flatten(), e.flatten()])


def sc_split_split_cat(x: Tensor) -> tuple[Tensor, Tensor]:
    """split of a split piece (the split-merging passes), cat of all pieces in order
    (identity) and a cat of pieces out of order."""
    a, b = x.split([6, 10], dim=1)
    b1, b2 = b.split([4, 6], dim=1)
    same = torch.cat([a, b1, b2], dim=1)
    mixed = torch.cat([b1, a, b2 * 0.5], dim=1)
    return torch.relu(same) + mixed, b2.sigmoid()


# ==========================================================================
# Normalisations
# ==========================================================================


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


class GroupNorms(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.gn = nn.GroupNorm(4, 8)
        self.gn1 = nn.GroupNorm(1, 8, eps=1e-3)
        _randomise_affine(self.gn)
        _randomise_affine(self.gn1)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.gn(x), self.gn1(x * 2.0 - 1.0)


class BatchNormsEval(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm1d(4)
        self.bn2 = nn.BatchNorm2d(8, eps=1e-3)
        _randomise_running_stats(self.bn1)
        _randomise_running_stats(self.bn2)

    def forward(self, x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
        return self.bn1(x1), torch.relu(self.bn2(x2))


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


class InstanceNorms(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.in2d = nn.InstanceNorm2d(8, affine=True)
        self.in1d = nn.InstanceNorm1d(4)
        _randomise_affine(self.in2d)

    def forward(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        return self.in2d(x), F.instance_norm(x * 0.5 + 1.0), self.in1d(y)


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


# ==========================================================================
# Pooling
# ==========================================================================


def pool_max2d_indices(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """max_pool2d with return_indices, with dilation, and with ceil_mode."""
    vals, idx = F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    dil = F.max_pool2d(x, 2, stride=1, dilation=2)
    ceil = F.max_pool2d(x, 2, stride=2, ceil_mode=True)
    return vals, idx, dil, ceil


def pool_avg2d_variants(x: Tensor) -> tuple[Tensor, ...]:
    """avg_pool2d with ceil_mode, with and without count_include_pad, divisor_override."""
    return (
        F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=True),
        F.avg_pool2d(x, 2, ceil_mode=True),
        F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False),
        F.avg_pool2d(x, 2, stride=2, divisor_override=3),
    )


def pool_adaptive(x: Tensor) -> tuple[Tensor, ...]:
    """adaptive_avg_pool2d to sizes that do and do not divide the input, and adaptive max."""
    return (
        F.adaptive_avg_pool2d(x, (3, 3)),
        F.adaptive_avg_pool2d(x, 1).flatten(1),
        F.adaptive_avg_pool2d(x, (4, 2)),
        F.adaptive_max_pool2d(x, 3),
    )


def pool_max1d(x: Tensor) -> tuple[Tensor, ...]:
    """max_pool1d (padding, ceil_mode, indices) and avg_pool1d."""
    vals, idx = F.max_pool1d(x, 3, stride=2, padding=1, return_indices=True)
    return (
        vals,
        idx,
        F.max_pool1d(x, 4, stride=3, ceil_mode=True),
        F.avg_pool1d(x, 4, stride=3, ceil_mode=True),
    )


# ==========================================================================
# Indexing and scatter
# ==========================================================================


def idx_gather_scatter(x: Tensor, gidx: Tensor, perm: Tensor, src: Tensor) -> tuple[Tensor, ...]:
    """gather, scatter with a per-row permutation (no duplicate targets, so deterministic),
    scatter of a scalar, and scatter_add with duplicates."""
    g = torch.gather(x, 1, gidx)
    s = torch.zeros_like(x).scatter(1, perm, src)
    s2 = x.scatter(1, perm[:, :3], 2.0)
    sa = torch.zeros(4, 6).scatter_add(1, gidx % 6, x[:, : gidx.size(1)])
    return g, s, s2, sa


def idx_index_select_add(x: Tensor, idx: Tensor, dup: Tensor, src: Tensor, perm: Tensor) -> tuple[Tensor, ...]:
    """index_select, index_add with duplicate indices and alpha, index_copy, index_fill."""
    return (
        torch.index_select(x, 0, idx) * 2.0,
        x.index_add(0, dup, src, alpha=0.5),
        x.index_copy(0, perm, src),
        x.index_fill(1, idx[:2], -1.0),
    )


def idx_index_put_accumulate(
    x: Tensor, rows: Tensor, cols: Tensor, vals: Tensor, urows: Tensor, u: Tensor
) -> tuple[Tensor, Tensor]:
    """index_put with accumulate=True over duplicate (row, col) pairs, and a plain
    index_put on unique rows."""
    acc = torch.index_put(x, (rows, cols), vals, accumulate=True)
    put = x.index_put((urows,), u)
    return acc, put


def idx_masked_where(x: Tensor, mask: Tensor, y: Tensor) -> tuple[Tensor, ...]:
    """masked_fill by a scalar and by a 0-d tensor, where, and a boolean-mask mean via where."""
    picked = torch.where(mask, x, 0.0)
    count = mask.sum(-1, keepdim=True).clamp(min=1)
    return (
        x.masked_fill(mask, -1.0),
        y.masked_fill(~mask, torch.tensor(0.25)),
        torch.where(x > 0, x, y),
        picked.sum(-1, keepdim=True) / count,
    )


class EmbeddingBags(nn.Module):
    """nn.EmbeddingBag (sum, with offsets), F.embedding_bag (mean) and a hand-written bag
    sum with per-sample weights."""

    def __init__(self) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(20, 8, mode="sum")
        self.emb = nn.Embedding(20, 8)

    def forward(self, flat: Tensor, offsets: Tensor, bags: Tensor, w: Tensor) -> tuple[Tensor, ...]:
        return (
            self.bag(flat, offsets),
            F.embedding_bag(bags, self.emb.weight, mode="mean"),
            (self.emb(bags) * w.unsqueeze(-1)).sum(1),
        )


def idx_advanced(x: Tensor, i: Tensor, j: Tensor, neg: Tensor) -> tuple[Tensor, ...]:
    """Advanced indexing: a 2-D index, an index on a middle dim, two separated index
    tensors (their dims move to the front), broadcast pairs and negative indices."""
    return (
        x[i],
        x[:, j],
        x[i[0], :, j[:3]],
        x[i[:, :1], j[:2]],
        x[..., neg],
        x[-1, neg] * 2.0,
    )


# ==========================================================================
# In-place mutation
# ==========================================================================


def mut_add_mul_inputs(x: Tensor, y: Tensor, z: Tensor) -> Tensor:
    """In-place arithmetic on three inputs; later ops read the mutated values."""
    x.add_(y)
    y.mul_(2.0)
    z.sub_(x, alpha=0.5)
    x.div_(4.0)
    return x.sum(-1) + y.mean() + z[:, 0]


def mut_slice_assign(x: Tensor, v: Tensor) -> Tensor:
    """Slice assignments on an input: a column, a block, a strided in-place mul, +=."""
    x[:, 0] = v
    x[1:, 2:4] = 0.5
    x[..., -1] *= 2.0
    x[:, 1] += x[:, 2]
    x[::2, 5] = v[::2] * -1.0
    return x + 1.0


class BufferCopy(nn.Module):
    """copy_ into a module buffer, a counter buffer bumped with add_, and a zeroed slice."""

    cache: Tensor
    steps: Tensor

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.register_buffer("cache", torch.randn(2, 8))
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))

    def forward(self, x: Tensor) -> Tensor:
        self.cache.copy_(self.cache * 0.9 + x.mean(1) * 0.1)
        self.cache[:, :2].zero_()
        self.steps.add_(1)
        out: Tensor = self.lin(x) + self.cache[:, None, :] * self.steps
        return out


def mut_view_inplace(x: Tensor) -> tuple[Tensor, Tensor]:
    """In-place ops through views of an input and of a local clone."""
    x.view(4, 32)[1].mul_(3.0)
    x.transpose(0, 1)[0].add_(1.0)
    x.unsqueeze(0).squeeze(0)[..., 0].sigmoid_()
    t = x.clone()
    t[..., ::2].clamp_(min=0.0)
    t.diagonal(dim1=-2, dim2=-1).zero_()
    t.narrow(1, 2, 3).mul_(-1.0)
    return t.sum(1), x * 1.0


def mut_inplace_index_ops(buf: Tensor, idx: Tensor, vals: Tensor, mask: Tensor) -> Tensor:
    """index_add_ (duplicate indices), masked_fill_, clamp_ and scatter_add_ on an input."""
    buf.index_add_(0, idx, vals)
    buf.masked_fill_(mask, 0.0)
    buf.clamp_(-2.0, 2.0)
    buf.scatter_add_(1, idx[:4].view(1, 4).expand(6, 4), vals[:6, :4])
    return buf.sum(0)


# ==========================================================================
# Dynamic shapes
# ==========================================================================


def dyn_view_symbolic(x: Tensor) -> tuple[Tensor, ...]:
    """view/reshape/flatten/unflatten with sizes computed from symbolic dims."""
    b, t, c = x.shape
    h = x.view(b * t, c).view(b, t, 2, c // 2).permute(0, 2, 1, 3).reshape(b * 2, t * (c // 2))
    return (
        h * t,
        x.flatten(1) + b,
        x.unflatten(-1, (2, -1)).sum(-1),
        x.new_ones(b, t) * c,
    )


def dyn_reduce_dynamic_dim(x: Tensor) -> tuple[Tensor, ...]:
    """Reductions and scans over the dynamic dim 1, and a mean divided by its size."""
    t = x.shape[1]
    return (
        x.sum(1),
        x.amax(1),
        x.softmax(1),
        x.var(1),
        torch.logsumexp(x, dim=1),
        x.cumsum(1),
        x.sum(1) / t,
    )


def dyn_cat_pieces(x: Tensor, y: Tensor) -> tuple[Tensor, ...]:
    """cat of dynamic pieces along the dynamic dim and the other, slices by a symbolic
    length, and constant padding."""
    n = x.shape[0]
    return (
        torch.cat([x, y], dim=0),
        torch.cat([x, x * 2.0], dim=1),
        torch.cat([x[:, :4], y[:n, 4:]], dim=1),
        F.pad(x, (1, 2), value=0.5),
    )


def dyn_interpolate(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """interpolate: nearest and bilinear by a scale factor, bilinear to a computed size."""
    h, w = x.shape[-2:]
    return (
        F.interpolate(x, scale_factor=2.0, mode="nearest"),
        F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False),
        F.interpolate(x, size=(h * 2, w + 3), mode="bilinear", align_corners=True),
    )


class DynamicGatedLinear(nn.Module):
    """Linear over dynamic (batch, seq), chunked into a gate, then layer-normalised."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(8, 16)
        self.ln = nn.LayerNorm(8)
        _randomise_affine(self.ln)

    def forward(self, x: Tensor) -> Tensor:
        a, g = self.proj(x).chunk(2, dim=-1)
        y: Tensor = self.ln(a * torch.sigmoid(g))
        return y.mean(1)


# ==========================================================================
# Training
# ==========================================================================


class MLPCrossEntropy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 5)

    def forward(self, x: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(self.fc2(torch.relu(self.fc1(x))), target)


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


class EmbeddingPoolLoss(nn.Module):
    """Embedding (its backward is an index_put with accumulate) -> mean pool -> linear -> CE."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.fc = nn.Linear(8, 4)

    def forward(self, tokens: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(self.fc(self.emb(tokens).mean(1)), target)


# ==========================================================================
# bf16 / fp16
# ==========================================================================


def lp_bf16_matmul_softmax(q: Tensor, k: Tensor, v: Tensor, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """bf16 attention-like matmul + softmax, and a bf16 softmax computed in fp32."""
    att = (q @ k.transpose(-2, -1) * 0.35).softmax(-1) @ v
    return att, torch.softmax(x, dim=-1), torch.softmax(x.float(), dim=-1).to(torch.bfloat16)


class HalfLayerNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(16)
        _randomise_affine(self.ln)
        self.half()

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.ln(x), F.layer_norm(x * 2.0, (16,), eps=1e-3)


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


class BF16MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 16)
        self.to(torch.bfloat16)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        y = self.fc2(F.gelu(self.fc1(x))) + x
        return y, y.float().mean(-1)


# ==========================================================================
# Builders
# ==========================================================================


def build_pm_addmm_chain() -> Built:
    torch.manual_seed(SEED)
    return pm_addmm_chain, (_x(8, 16), _x(16, 12), _x(12), _x(12, 12), _x(12), _x(12, 12) * 0.3)


def build_pm_mm_epilogue() -> Built:
    torch.manual_seed(SEED)
    return pm_mm_epilogue, (_x(8, 16), _x(16, 12), _x(8, 10), _x(10, 12), _x(8, 12))


def build_pm_cat_mms() -> Built:
    torch.manual_seed(SEED)
    return pm_cat_mms, (_x(8, 16), _x(16, 8), _x(16, 8), _x(16, 4))


def build_pm_pad_mm_shapes() -> Built:
    torch.manual_seed(SEED)
    return pm_pad_mm_shapes, (_x(7, 13), _x(13, 11), _x(11), _x(3, 5, 9), _x(3, 9, 7), _x(13))


def build_pm_pointless_views_converts() -> Built:
    torch.manual_seed(SEED)
    return pm_pointless_views_converts, (_x(2, 8, 16), _x(4, 8).half())


def build_pm_mul_div_softmax() -> Built:
    torch.manual_seed(SEED)
    t = torch.rand(2, 8, 1) + 0.5
    s = torch.randn(2, 1, 16)
    return pm_mul_div_softmax, (_x(2, 8, 16), t, s)


def _qkv(*shape: int) -> tuple[Tensor, Tensor, Tensor]:
    return _x(*shape), _x(*shape), _x(*shape)


def build_sdpa_div_scale() -> Built:
    torch.manual_seed(SEED)
    return sdpa_div_scale, _qkv(2, 2, 8, 8)


def build_sdpa_dropout_zero() -> Built:
    torch.manual_seed(SEED)
    return sdpa_dropout_zero, _qkv(2, 2, 8, 8)


def build_sdpa_additive_mask() -> Built:
    torch.manual_seed(SEED)
    q, k, v = _qkv(2, 2, 8, 8)
    keep = torch.rand(2, 1, 8, 8) > 0.3
    keep[..., 0] = True  # every row keeps at least one key
    mask = torch.where(keep, 0.0, -1e4)
    return sdpa_additive_mask, (q, k, v, mask)


def build_sdpa_gpt2_causal() -> Built:
    torch.manual_seed(SEED)
    q, k, v = _qkv(2, 8, 2, 8)  # (B, T, H, D)
    causal = torch.tril(torch.ones(8, 8, dtype=torch.bool)).view(1, 1, 8, 8)
    return sdpa_gpt2_causal, (q, k, v, causal)


def build_sdpa_bert_module() -> Built:
    torch.manual_seed(SEED)
    model = _inference(BertSelfAttention())
    x = _x(2, 8, 16)
    pad = torch.ones(2, 8)
    pad[1, 6:] = 0.0
    attention_mask = ((1.0 - pad) * -10000.0).view(2, 1, 1, 8)
    return model, (x, attention_mask)


def build_sdpa_bmm_3d() -> Built:
    torch.manual_seed(SEED)
    return sdpa_bmm_3d, _qkv(4, 8, 8)


def build_sdpa_functional() -> Built:
    torch.manual_seed(SEED)
    q, k, v = _qkv(2, 2, 8, 8)
    bool_mask = torch.rand(2, 1, 8, 8) > 0.3
    bool_mask[..., 0] = True
    float_mask = torch.randn(1, 2, 8, 8)
    return sdpa_functional, (q, k, v, bool_mask, float_mask)


def build_sdpa_distilbert_masked_fill() -> Built:
    torch.manual_seed(SEED)
    q, k, v = _qkv(2, 8, 2, 8)
    attn_mask = torch.ones(2, 8, dtype=torch.long)
    attn_mask[1, 5:] = 0
    return sdpa_distilbert_masked_fill, (q, k, v, attn_mask)


def build_sdpa_t5_position_bias() -> Built:
    torch.manual_seed(SEED)
    q, k, v = _qkv(2, 8, 2, 8)
    return sdpa_t5_position_bias, (q, k, v, _x(1, 2, 8, 8))


def build_sc_split_cat_in_order() -> Built:
    torch.manual_seed(SEED)
    return sc_split_cat_in_order, (_x(2, 12, 8),)


def build_sc_split_getitem_pointwise() -> Built:
    torch.manual_seed(SEED)
    return sc_split_getitem_pointwise, (_x(4, 32),)


def build_sc_unbind_stack() -> Built:
    torch.manual_seed(SEED)
    return sc_unbind_stack, (_x(3, 4, 5),)


def build_sc_chunk_cat() -> Built:
    torch.manual_seed(SEED)
    return sc_chunk_cat, (_x(2, 16, 6),)


def build_sc_narrow_slice_chain() -> Built:
    torch.manual_seed(SEED)
    return sc_narrow_slice_chain, (_x(4, 10, 12),)


def build_sc_split_split_cat() -> Built:
    torch.manual_seed(SEED)
    return sc_split_split_cat, (_x(2, 16, 4),)


def build_norm_layernorm_2d() -> Built:
    torch.manual_seed(SEED)
    return _inference(LayerNorms()), (_x(2, 8, 16),)


def build_norm_rmsnorm_by_hand() -> Built:
    torch.manual_seed(SEED)
    return _inference(RMSNormByHand()), (_x(2, 8, 16),)


def build_norm_groupnorm() -> Built:
    torch.manual_seed(SEED)
    return _inference(GroupNorms()), (_x(2, 8, 4, 4),)


def build_norm_batchnorm_eval() -> Built:
    torch.manual_seed(SEED)
    return _inference(BatchNormsEval()), (_x(3, 4, 6), _x(2, 8, 4, 4))


def build_norm_batchnorm_train_mode() -> Built:
    torch.manual_seed(SEED)
    model = BatchNormTrainMode()
    model.requires_grad_(False)
    model.train()  # batch statistics; running stats are updated in place
    return model, (_x(4, 8, 4, 4) * 2.0 + 0.5,)


def build_norm_instancenorm() -> Built:
    torch.manual_seed(SEED)
    return _inference(InstanceNorms()), (_x(2, 8, 6, 6), _x(2, 4, 10))


def build_norm_stats_by_hand() -> Built:
    torch.manual_seed(SEED)
    return _inference(StatsByHand()), (_x(3, 4, 5, 5) * 1.5 + 0.3,)


def build_pool_max2d_indices() -> Built:
    torch.manual_seed(SEED)
    return pool_max2d_indices, (_x(2, 3, 9, 9),)


def build_pool_avg2d_variants() -> Built:
    torch.manual_seed(SEED)
    return pool_avg2d_variants, (_x(2, 3, 9, 9),)


def build_pool_adaptive() -> Built:
    torch.manual_seed(SEED)
    return pool_adaptive, (_x(2, 3, 8, 8),)


def build_pool_max1d() -> Built:
    torch.manual_seed(SEED)
    return pool_max1d, (_x(2, 4, 17),)


def build_idx_gather_scatter() -> Built:
    torch.manual_seed(SEED)
    x = _x(4, 6)
    gidx = torch.randint(0, 6, (4, 5))
    perm = torch.argsort(torch.rand(4, 6), dim=1)
    return idx_gather_scatter, (x, gidx, perm, _x(4, 6))


def build_idx_index_select_add() -> Built:
    torch.manual_seed(SEED)
    x = _x(6, 5)
    idx = torch.tensor([4, 0, 2, 2])
    dup = torch.tensor([1, 3, 1, 5, 1, 0])
    perm = torch.randperm(6)
    return idx_index_select_add, (x, idx, dup, _x(6, 5), perm)


def build_idx_index_put_accumulate() -> Built:
    torch.manual_seed(SEED)
    x = _x(5, 6)
    rows = torch.tensor([0, 2, 2, 4, 0, 2])
    cols = torch.tensor([1, 3, 3, 5, 1, 0])
    urows = torch.tensor([4, 1])
    return idx_index_put_accumulate, (x, rows, cols, _x(6), urows, _x(2, 6))


def build_idx_masked_where() -> Built:
    torch.manual_seed(SEED)
    x = _x(4, 8)
    mask = torch.rand(4, 8) > 0.5
    return idx_masked_where, (x, mask, _x(4, 8))


def build_idx_embedding_bag() -> Built:
    torch.manual_seed(SEED)
    model = _inference(EmbeddingBags())
    flat = torch.randint(0, 20, (10,))
    offsets = torch.tensor([0, 3, 3, 7])  # includes an empty bag
    bags = torch.randint(0, 20, (3, 4))
    w = torch.rand(3, 4)
    return model, (flat, offsets, bags, w)


def build_idx_advanced() -> Built:
    torch.manual_seed(SEED)
    x = _x(5, 6, 7)
    i = torch.tensor([[0, 4, 2], [1, 1, 3]])
    j = torch.tensor([5, 0, 3, 2])
    neg = torch.tensor([-1, 0, -3, 2])
    return idx_advanced, (x, i, j, neg)


def build_mut_add_mul_inputs() -> Built:
    torch.manual_seed(SEED)
    return mut_add_mul_inputs, (_x(4, 8), _x(4, 8), _x(4, 8))


def build_mut_slice_assign() -> Built:
    torch.manual_seed(SEED)
    return mut_slice_assign, (_x(6, 8), _x(6))


def build_mut_buffer_copy() -> Built:
    torch.manual_seed(SEED)
    return _inference(BufferCopy()), (_x(2, 4, 8),)


def build_mut_view_inplace() -> Built:
    torch.manual_seed(SEED)
    return mut_view_inplace, (_x(4, 8, 4),)


def build_mut_inplace_index_ops() -> Built:
    torch.manual_seed(SEED)
    idx = torch.tensor([0, 3, 3, 1, 5, 0, 2])
    mask = torch.rand(6, 5) > 0.7
    return mut_inplace_index_ops, (_x(6, 5), idx, _x(7, 5), mask)


def build_dyn_view_symbolic() -> Built:
    torch.manual_seed(SEED)
    # Distinct sizes, none 0 or 1, so each dim gets its own symbol.
    return dyn_view_symbolic, (_x(3, 5, 8),)


def build_dyn_reduce_dynamic_dim() -> Built:
    torch.manual_seed(SEED)
    return dyn_reduce_dynamic_dim, (_x(3, 7, 4),)


def build_dyn_cat_pieces() -> Built:
    torch.manual_seed(SEED)
    return dyn_cat_pieces, (_x(3, 8), _x(5, 8))


def build_dyn_interpolate() -> Built:
    torch.manual_seed(SEED)
    return dyn_interpolate, (_x(2, 3, 5, 7),)


def build_dyn_gated_linear() -> Built:
    torch.manual_seed(SEED)
    return _inference(DynamicGatedLinear()), (_x(3, 5, 8),)


def build_train_mlp_cross_entropy() -> Built:
    torch.manual_seed(SEED)
    model = MLPCrossEntropy().train()
    return model, (_x(8, 16), torch.randint(0, 5, (8,)))


def build_train_conv_bn_pool() -> Built:
    torch.manual_seed(SEED)
    model = ConvBNPoolLoss().train()
    return model, (_x(4, 3, 6, 6), _x(4, 3))


def build_train_layernorm_residual() -> Built:
    torch.manual_seed(SEED)
    model = LayerNormResidualLoss().train()
    return model, (_x(2, 8, 16).requires_grad_(True),)


def build_train_rmsnorm_swiglu() -> Built:
    torch.manual_seed(SEED)
    model = RMSNormSwiGLULoss().train()
    return model, (_x(2, 8, 16),)


def build_train_attention() -> Built:
    torch.manual_seed(SEED)
    model = AttentionLoss().train()
    return model, (_x(2, 8, 16), _x(2, 8, 16))


def build_train_embedding_pool() -> Built:
    torch.manual_seed(SEED)
    model = EmbeddingPoolLoss().train()
    tokens = torch.randint(0, 20, (4, 6))
    return model, (tokens, torch.randint(0, 4, (4,)))


def build_lp_bf16_matmul_softmax() -> Built:
    torch.manual_seed(SEED)
    q, k, v = (t.to(torch.bfloat16) for t in _qkv(2, 2, 8, 8))
    return lp_bf16_matmul_softmax, (q, k, v, _x(4, 16).to(torch.bfloat16))


def build_lp_fp16_layernorm() -> Built:
    torch.manual_seed(SEED)
    return _inference(HalfLayerNorm()), ((_x(2, 8, 16) * 2.0 + 1.0).half(),)


def build_lp_mixed_fp16_fp32() -> Built:
    torch.manual_seed(SEED)
    a = _x(4, 8).half()
    b = _x(4, 8)
    return lp_mixed_fp16_fp32, (a, b, torch.rand(4, 8) > 0.5)


def build_lp_bf16_mlp() -> Built:
    torch.manual_seed(SEED)
    return _inference(BF16MLP()), (_x(2, 8, 16).to(torch.bfloat16),)


INDUCTOR_KINDS: list[ZooCase] = [
    # pattern matcher
    ZooCase(
        "pm_addmm_chain",
        "mm + bias, addmm(beta, alpha), bias + mm, baddbmm and bmm of expanded weights",
        build_pm_addmm_chain,
        tags=("pattern", "matmul"),
    ),
    ZooCase(
        "pm_mm_epilogue",
        "mm + mm (mm_plus_mm) and mms followed by gelu/sigmoid/clamp/tanh/exp epilogues",
        build_pm_mm_epilogue,
        tags=("pattern", "matmul"),
    ),
    ZooCase(
        "pm_cat_mms",
        "cat of mms and an addmm along both dims",
        build_pm_cat_mms,
        tags=("pattern", "matmul", "cat"),
    ),
    ZooCase(
        "pm_pad_mm_shapes",
        "mm, addmm, bmm, mv and vector @ matrix with odd unaligned sizes",
        build_pm_pad_mm_shapes,
        tags=("pattern", "matmul"),
    ),
    ZooCase(
        "pm_pointless_views_converts",
        "view pairs, transpose pairs, no-op expand/contiguous/type_as and dtype round trips",
        build_pm_pointless_views_converts,
        tags=("pattern", "views", "fp16", "bf16"),
    ),
    ZooCase(
        "pm_mul_div_softmax",
        "softmax of x * c, x / t (broadcast), x * -0.5 (log_softmax), s * x, softmax to fp64",
        build_pm_mul_div_softmax,
        tags=("pattern", "reduction"),
    ),
    # fused attention
    ZooCase(
        "sdpa_div_scale",
        "matmul(q, k^T).div(sqrt(d)) and .mul(scale) -> softmax -> matmul(v)",
        build_sdpa_div_scale,
        tags=("attention", "pattern", "matmul"),
    ),
    ZooCase(
        "sdpa_dropout_zero",
        "the attention pattern with dropout(p=0) after the softmax, div and mul forms",
        build_sdpa_dropout_zero,
        tags=("attention", "pattern", "matmul"),
    ),
    ZooCase(
        "sdpa_additive_mask",
        "(q @ k^T / sqrt(d) + additive mask).softmax -> dropout(p=0) -> @ v, + residual",
        build_sdpa_additive_mask,
        tags=("attention", "pattern", "matmul"),
    ),
    ZooCase(
        "sdpa_gpt2_causal",
        "GPT-2 style: permuted heads, div by full([]), where(causal, s, finfo.min), returns k/v",
        build_sdpa_gpt2_causal,
        tags=("attention", "pattern", "matmul"),
    ),
    ZooCase(
        "sdpa_bert_module",
        "BERT self-attention module: view+permute heads, padding mask, eval dropout",
        build_sdpa_bert_module,
        tags=("nn", "attention", "pattern"),
    ),
    ZooCase(
        "sdpa_bmm_3d",
        "3-D bmm attention, unscaled with dropout(p=0) and scaled",
        build_sdpa_bmm_3d,
        tags=("attention", "pattern", "matmul"),
    ),
    ZooCase(
        "sdpa_functional",
        "F.scaled_dot_product_attention: is_causal, bool mask, float mask with scale; epilogues",
        build_sdpa_functional,
        tags=("attention",),
    ),
    ZooCase(
        "sdpa_distilbert_masked_fill",
        "DistilBERT style: (mask == 0).view.expand_as(scores), masked_fill(-inf), softmax @ v",
        build_sdpa_distilbert_masked_fill,
        tags=("attention", "pattern", "matmul"),
    ),
    ZooCase(
        "sdpa_t5_position_bias",
        "T5 style: unscaled scores + position bias, float softmax, type_as; returns k/v",
        build_sdpa_t5_position_bias,
        tags=("attention", "pattern", "matmul"),
    ),
    # split / cat
    ZooCase(
        "sc_split_cat_in_order",
        "cat(split(x)) in order on two dims, plus a cat that reuses a piece",
        build_sc_split_cat_in_order,
        tags=("pattern", "split_cat"),
    ),
    ZooCase(
        "sc_split_getitem_pointwise",
        "split getitems into SwiGLU gate, a 4-way combination and F.glu",
        build_sc_split_getitem_pointwise,
        tags=("pattern", "split_cat"),
    ),
    ZooCase(
        "sc_unbind_stack",
        "unbind -> stack in order, reversed, weighted; cat of an unbind",
        build_sc_unbind_stack,
        tags=("pattern", "split_cat"),
    ),
    ZooCase(
        "sc_chunk_cat",
        "chunk -> cat in order, pairwise swapped, partial",
        build_sc_chunk_cat,
        tags=("pattern", "split_cat"),
    ),
    ZooCase(
        "sc_narrow_slice_chain",
        "narrow of narrow, strided/negative slices, select + slice, flip, cat",
        build_sc_narrow_slice_chain,
        tags=("views", "split_cat"),
    ),
    ZooCase(
        "sc_split_split_cat",
        "split of a split piece, cat in order and out of order",
        build_sc_split_split_cat,
        tags=("pattern", "split_cat"),
    ),
    # normalisations
    ZooCase(
        "norm_layernorm_2d",
        "LayerNorm over the last two dims with affine, and LayerNorm without affine",
        build_norm_layernorm_2d,
        tags=("nn", "norm"),
    ),
    ZooCase(
        "norm_rmsnorm_by_hand",
        "RMSNorm written out (float, rsqrt, type_as, weight) and nn.RMSNorm",
        build_norm_rmsnorm_by_hand,
        tags=("nn", "norm"),
    ),
    ZooCase(
        "norm_groupnorm",
        "GroupNorm with 4 groups and with 1 group, random affine",
        build_norm_groupnorm,
        tags=("nn", "norm"),
    ),
    ZooCase(
        "norm_batchnorm_eval",
        "BatchNorm1d and BatchNorm2d in eval mode with random running stats",
        build_norm_batchnorm_eval,
        tags=("nn", "norm"),
    ),
    ZooCase(
        "norm_batchnorm_train_mode",
        "train-mode BatchNorm2d without grads: batch stats and in-place running-stat updates",
        build_norm_batchnorm_train_mode,
        tags=("nn", "norm", "mutation"),
    ),
    ZooCase(
        "norm_instancenorm",
        "InstanceNorm2d with affine, F.instance_norm, InstanceNorm1d",
        build_norm_instancenorm,
        tags=("nn", "norm"),
    ),
    ZooCase(
        "norm_stats_by_hand",
        "batch mean/var by hand over (N, H, W), and a weight-standardised conv2d",
        build_norm_stats_by_hand,
        tags=("nn", "norm", "conv", "reduction"),
    ),
    # pooling
    ZooCase(
        "pool_max2d_indices",
        "max_pool2d with return_indices, with dilation, with ceil_mode",
        build_pool_max2d_indices,
        tags=("pooling",),
    ),
    ZooCase(
        "pool_avg2d_variants",
        "avg_pool2d: ceil_mode with/without count_include_pad, padding, divisor_override",
        build_pool_avg2d_variants,
        tags=("pooling",),
    ),
    ZooCase(
        "pool_adaptive",
        "adaptive_avg_pool2d to (3, 3), 1 and (4, 2) from 8x8; adaptive_max_pool2d",
        build_pool_adaptive,
        tags=("pooling",),
    ),
    ZooCase(
        "pool_max1d",
        "max_pool1d with padding/indices and ceil_mode; avg_pool1d with ceil_mode",
        build_pool_max1d,
        tags=("pooling",),
    ),
    # indexing / scatter
    ZooCase(
        "idx_gather_scatter",
        "gather, scatter of a per-row permutation, scatter of a scalar, scatter_add",
        build_idx_gather_scatter,
        tags=("indexing", "scatter"),
    ),
    ZooCase(
        "idx_index_select_add",
        "index_select, index_add (duplicates, alpha), index_copy, index_fill",
        build_idx_index_select_add,
        tags=("indexing", "scatter"),
    ),
    ZooCase(
        "idx_index_put_accumulate",
        "index_put accumulate=True over duplicate pairs; index_put on unique rows",
        build_idx_index_put_accumulate,
        tags=("indexing", "scatter"),
    ),
    ZooCase(
        "idx_masked_where",
        "masked_fill by scalar and 0-d tensor, where, boolean-mask mean via where",
        build_idx_masked_where,
        tags=("indexing",),
    ),
    ZooCase(
        "idx_embedding_bag",
        "EmbeddingBag(sum, offsets, empty bag), F.embedding_bag(mean), weighted bag sum",
        build_idx_embedding_bag,
        tags=("nn", "indexing"),
    ),
    ZooCase(
        "idx_advanced",
        "advanced indexing: 2-D index, middle dim, separated indices, broadcast, negative",
        build_idx_advanced,
        tags=("indexing",),
    ),
    # mutation
    ZooCase(
        "mut_add_mul_inputs",
        "add_/mul_/sub_/div_ on three inputs, result reads the mutated values",
        build_mut_add_mul_inputs,
        tags=("mutation",),
    ),
    ZooCase(
        "mut_slice_assign",
        "x[:, 0] = v, block fill, strided *=, += of another column on an input",
        build_mut_slice_assign,
        tags=("mutation", "views"),
    ),
    ZooCase(
        "mut_buffer_copy",
        "copy_ into a module buffer, zeroed buffer slice, counter buffer add_",
        build_mut_buffer_copy,
        tags=("nn", "mutation"),
    ),
    ZooCase(
        "mut_view_inplace",
        "in-place ops through view/transpose/unsqueeze views of an input and of a clone",
        build_mut_view_inplace,
        tags=("mutation", "views"),
    ),
    ZooCase(
        "mut_inplace_index_ops",
        "index_add_, masked_fill_, clamp_, scatter_add_ on an input",
        build_mut_inplace_index_ops,
        tags=("mutation", "indexing", "scatter"),
    ),
    # dynamic shapes
    ZooCase(
        "dyn_view_symbolic",
        "view/reshape/flatten/unflatten with symbolic sizes",
        build_dyn_view_symbolic,
        dynamic=True,
        tags=("dynamic", "views"),
    ),
    ZooCase(
        "dyn_reduce_dynamic_dim",
        "sum/amax/softmax/var/logsumexp/cumsum over a dynamic dim",
        build_dyn_reduce_dynamic_dim,
        dynamic=True,
        tags=("dynamic", "reduction"),
    ),
    ZooCase(
        "dyn_cat_pieces",
        "cat of dynamic pieces on both dims, symbolic slices, constant pad",
        build_dyn_cat_pieces,
        dynamic=True,
        tags=("dynamic", "cat"),
    ),
    ZooCase(
        "dyn_interpolate",
        "interpolate nearest/bilinear by scale factor and to a computed size",
        build_dyn_interpolate,
        dynamic=True,
        tags=("dynamic", "interpolate"),
    ),
    ZooCase(
        "dyn_gated_linear",
        "Linear over dynamic (batch, seq), chunked gate, LayerNorm, mean over seq",
        build_dyn_gated_linear,
        dynamic=True,
        tags=("dynamic", "nn", "norm"),
    ),
    # training
    ZooCase(
        "train_mlp_cross_entropy",
        "MLP with cross-entropy loss on integer targets",
        build_train_mlp_cross_entropy,
        training=True,
        tags=("nn", "train"),
    ),
    ZooCase(
        "train_conv_bn_pool",
        "conv -> train-mode BatchNorm -> relu -> max_pool -> linear, MSE loss",
        build_train_conv_bn_pool,
        training=True,
        tags=("nn", "conv", "norm", "pooling", "train"),
    ),
    ZooCase(
        "train_layernorm_residual",
        "LayerNorm + GELU MLP residual, mean-square loss; the input needs grad too",
        build_train_layernorm_residual,
        training=True,
        tags=("nn", "norm", "train"),
    ),
    ZooCase(
        "train_rmsnorm_swiglu",
        "hand-written RMSNorm + SwiGLU MLP residual, L1 loss",
        build_train_rmsnorm_swiglu,
        training=True,
        tags=("nn", "norm", "train"),
    ),
    ZooCase(
        "train_attention",
        "2-head hand-written attention (fused qkv, unbind) with smooth-L1 loss",
        build_train_attention,
        training=True,
        tags=("nn", "attention", "train"),
    ),
    ZooCase(
        "train_embedding_pool",
        "Embedding -> mean pool -> linear -> cross-entropy",
        build_train_embedding_pool,
        training=True,
        tags=("nn", "indexing", "train"),
    ),
    # reduced precision
    ZooCase(
        "lp_bf16_matmul_softmax",
        "bf16 scaled matmul + softmax + matmul; bf16 softmax and one computed in fp32",
        build_lp_bf16_matmul_softmax,
        tags=("bf16", "matmul", "reduction"),
    ),
    ZooCase(
        "lp_fp16_layernorm",
        "fp16 LayerNorm module with random affine, and F.layer_norm in fp16",
        build_lp_fp16_layernorm,
        tags=("nn", "norm", "fp16"),
    ),
    ZooCase(
        "lp_mixed_fp16_fp32",
        "fp16 + fp32 promotion, fp16 with scalars, fp16 matmul, where across dtypes, casts",
        build_lp_mixed_fp16_fp32,
        tags=("fp16", "dtype"),
    ),
    ZooCase(
        "lp_bf16_mlp",
        "bf16 Linear -> GELU -> Linear with residual, fp32 mean",
        build_lp_bf16_mlp,
        tags=("nn", "bf16"),
    ),
]

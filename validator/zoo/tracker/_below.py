"""Real torch bugs below the FX graph: inductor's lowerings, its C++ codegen and its index maths.

Also the decomposition and joint-graph bugs that the same reports uncovered. Each program is
written from the report's description (the issue number is in ``@bug``); inputs are the boundary
values that the report says trigger it, built deterministically.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ._registry import bug

Built = tuple[Callable[..., Any], tuple[Any, ...]]

INF = math.inf


# ==========================================================================
# C++ codegen
# ==========================================================================


@bug(191499)
def build_uint8_min_vec_tail() -> Built:
    """min/argmin of a uint8 row of 18 positive values: the vectorised reduction also reduces the lanes the load
    left at zero, so the minimum (and its index) come out 0 instead of the row's smallest value
    """

    def fn(x: Tensor) -> tuple[Tensor, Tensor]:
        return x.min(), x.argmin()

    return fn, (torch.randint(3, 120, (18,), dtype=torch.uint8),)


@bug(191837, config={"cpp.threads": 2})
def build_index_add_channels_last() -> Built:
    """index_add of one row into a channels-last tensor: the vectorised 2-D tile kernel's parallel atomic_add path
    applies the inner loop's offset twice, so the row lands on the wrong elements (with several threads; found
    by fxtv hunt as a SIGABRT and a divergence; fixed by pytorch/pytorch#191861)
    """

    def fn(x: Tensor, index: Tensor, source: Tensor) -> Tensor:
        return x.index_add(2, index, source)

    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, 4, 4, 4, generator=g).to(memory_format=torch.channels_last)
    return fn, (x, torch.tensor([1]), torch.randn(1, 4, 1, 4, generator=g))


@bug(193751)
def build_argmax_mean_channels_last() -> Built:
    """argmax of a mean over the last dim of a channels-last tensor: the fused kernel reports the flat index of the
    mean's buffer in its own (non-row-major) layout, not the logical row-major index
    """

    def fn(x: Tensor) -> Tensor:
        return torch.argmax(torch.mean(x, dim=-1))

    g = torch.Generator().manual_seed(1234)
    return fn, (torch.randn(4, 4, 8, 8, generator=g).to(memory_format=torch.channels_last),)


@bug(197739)
def build_argmin_transposed() -> Built:
    """argmin over all elements of (x.t() + 0.5): the fused kernel walks the transposed values in memory order and
    reports that position, not the logical row-major index
    """

    def fn(x: Tensor) -> Tensor:
        return (x.t() + 0.5).argmin()

    return fn, (torch.tensor([[1.5410, -0.2934], [-2.1788, 0.5684]]),)


@bug(187018)
def build_uint8_abs_promoted() -> Built:
    """abs of a uint8 tensor negated and summed: the scalar kernel calls std::abs, which promotes the byte to int,
    so -abs(x) is no longer wrapped to uint8 before the int64 sum
    """

    def fn(x: Tensor) -> Tensor:
        y = x.abs().neg()
        return torch.cat([y, y]).sum()

    return fn, (torch.tensor([200, 150, 7], dtype=torch.uint8),)


@bug(198057)
def build_vec_remainder_inf() -> Built:
    """float remainder over 16 elements: the vectorised kernel computes a - floor(a / b) * b, giving NaN for an
    infinite divisor and 0 for a huge quotient where eager (fmod with sign fix-up) returns the dividend / 2
    """

    def fn(a: Tensor, b: Tensor) -> Tensor:
        return torch.remainder(a, b)

    a = torch.tensor([5.5, -5.5, 0.0, 1e20, 2147483648.0, 7.0, 1.0, -0.0] * 2)
    b = torch.tensor([INF, -INF, INF, 3.0, 3.0, 0.7, 0.1, 1.0] * 2)
    return fn, (a, b)


@bug(194347)
def build_minimum_signed_zero() -> Built:
    """torch.minimum(-0.0, +0.0): the CPU kernels (min_propagate_nan / at::vec::minimum) compare with <, so the tie
    between signed zeros returns +0.0 where eager returns -0.0
    """

    def fn(x: Tensor, y: Tensor) -> Tensor:
        return torch.minimum(x, y)

    return fn, (torch.tensor([-0.0, 1.0, -0.0]), torch.tensor([0.0, 2.0, 0.0]))


@bug(189808)
def build_sqrt_negative_nan_sign() -> Built:
    """sqrt of negative values: the compiled kernel returns the x86 default NaN (sign bit set, 0xffc00000) where
    eager returns +NaN (0x7fc00000); a consumer that reads the sign (signbit) sees it
    """

    def fn(x: Tensor) -> tuple[Tensor, Tensor]:
        # the NaN's sign is unspecified by IEEE for sqrt itself; signbit makes it observable
        y = torch.sqrt(x)
        return y, torch.signbit(y)

    return fn, (-torch.rand(20) - 0.5,)


@bug(185337)
def build_fp16_round_trip_dropped() -> Built:
    """an explicit float32 -> float16 -> float32 round trip of a transposed input, kept and summed: the C++ codegen
    hands the float32 value back for the reverse cast, so the float16 rounding is lost
    """

    def fn(x: Tensor) -> tuple[Tensor, Tensor]:
        y = x.to(torch.float16).to(torch.float32)
        return y, y.sum(dim=1)

    return fn, (torch.randn(6, 5).t() / 7.0,)


@bug(186799, training=True)
def build_atan2_amin_backward() -> Built:
    """backward of atan2(x, y).amin(-1): the compiled gradient drops the upstream value at the argmin positions"""
    x = torch.randn(2, 3, requires_grad=True)
    y = torch.randn(2, 3)

    def fn(x: Tensor, y: Tensor) -> Tensor:
        return torch.atan2(x, y).amin(dim=-1).sum()

    return fn, (x, y)


@bug(183901)
def build_arange_int64_overflow() -> Built:
    """an int64 arange times 1.5e9: the vectorised kernel computes the arange values in int32, so products above
    2**31 wrap around
    """

    def fn(x: Tensor) -> Tensor:
        steps = torch.arange(0, 18, dtype=torch.int64, device=x.device)
        return steps * torch.tensor([1500000000], dtype=torch.int64, device=x.device) + x

    return fn, (torch.zeros(1, dtype=torch.int64),)


@bug(175966)
def build_arange_int64_literal() -> Built:
    """int64 arange(0, 40) scaled by an int64 literal 10**9: the vectorised kernel builds the arange from int32
    indices, so the product overflows 32 bits from the fourth element on
    """

    def fn(x: Tensor) -> Tensor:
        ids = torch.arange(0, 40, dtype=torch.int64, device=x.device)
        offsets = ids * torch.tensor([10**9], dtype=torch.int64, device=x.device)
        return offsets.to(x.dtype) + x

    return fn, (torch.zeros(40, dtype=torch.float64),)


# ==========================================================================
# Lowerings
# ==========================================================================


@bug(186875)
def build_fmod_bf16_scalar() -> Built:
    """fmod / remainder of a bfloat16 tensor by the Python float 1.7: eager rounds the scalar to bfloat16 first,
    the lowering keeps it at full precision, so x = bf16(1.7) leaves a residue (and remainder a whole period)
    """

    def fn(x: Tensor) -> tuple[Tensor, Tensor]:
        return torch.fmod(x, 1.7), torch.remainder(x, 1.7)

    return fn, (torch.tensor([1.703125, -1.703125, 3.40625, 0.5], dtype=torch.bfloat16),)


@bug(183083)
def build_remainder_fp16_scalar() -> Built:
    """remainder of a float16 tensor by the Python float 3.14: the lowering keeps 3.14 unrounded, so the results
    move by an ulp or so, remainder(3.140625, 3.14) is no longer 0 and remainder(-0.0, 3.14) loses its sign
    """

    def fn(x: Tensor) -> Tensor:
        return torch.remainder(x, 3.14)

    x = torch.tensor([-4.0, -1.5, -0.0, 0.0, 0.1, 1.0, 3.140625, 8.0], dtype=torch.float16)
    return fn, (x,)


@bug(197895)
def build_floor_divide_off_by_one() -> Built:
    """floating floor division whose exact quotient lies just below an integer: the lowering computes floor(a / b)
    with a rounded quotient, so 1.0 // 0.1 gives 10 where eager and Python give 9
    """

    def fn(a: Tensor, b: Tensor) -> Tensor:
        return a // b

    return fn, (torch.tensor([1.0, 0.5, 6.0, 1.0, 7.0]), torch.tensor([0.1, 0.1, 0.2, 1 / 3, 2.0]))


@bug(198119, training=True)
def build_avg_pool_ceil_backward() -> Built:
    """avg_pool2d backward with ceil_mode=True: the lowering divides the gradient of a window that overhangs the
    input by the full kernel area instead of the clipped window, so the last row and column get 1/9 not 1/6
    """
    x = torch.randn(1, 2, 6, 6, requires_grad=True)

    def fn(x: Tensor) -> Tensor:
        y = F.avg_pool2d(x, kernel_size=3, stride=2, ceil_mode=True)
        return (y * y).sum()

    return fn, (x,)


@bug(191308)
def build_bmm_int8_to_int64() -> Built:
    """int8 batched matmul with a single row: the CPU bmm lowering rewrites it as mul + sum and returns the int64
    accumulator, so the result is int64 and later int8 arithmetic no longer wraps
    """

    def fn(a: Tensor, b: Tensor) -> Tensor:
        return torch.matmul(a, b) * 40

    a = torch.randint(-4, 5, (2, 1, 3), dtype=torch.int8)
    b = torch.randint(-4, 5, (2, 3, 4), dtype=torch.int8)
    return fn, (a, b)


@bug(198081)
def build_any_uint8_bool() -> Built:
    """torch.any on a uint8 tensor: inductor's reduce_any lowering returns bool, not eager's uint8, so any(x) * 200
    + 100 is promoted to int64 (300) instead of wrapping in uint8 (44)
    """

    def fn(x: Tensor) -> tuple[Tensor, Tensor]:
        return torch.any(x) * 200 + 100, x.any(0)

    return fn, (torch.tensor([[0, 3, 0], [0, 0, 0]], dtype=torch.uint8),)


# ==========================================================================
# Joint graph and decompositions
# ==========================================================================


@bug(189799)
def build_add_zeros_like_signed_zero() -> Built:
    """ceil gives -0.0, adding zeros_like should make it +0.0: the joint graph folds x + zeros_like(x) to x, so the
    reciprocal is -inf instead of +inf
    """

    def fn(x: Tensor) -> Tensor:
        v = torch.ceil(x)
        v = v + torch.zeros_like(v)
        return torch.reciprocal(v)

    return fn, (torch.tensor([-0.5, -0.1, -0.9, 1.5]),)


@bug(175154)
def build_upsample_nearest_scale_1_3() -> Built:
    """nearest upsampling of a width-2 row by scale 1.3 (width stays 2): the decomposition maps output column 1 to
    floor(1 / 1.3) = 0 where eager copies the unchanged dimension
    """

    def fn(x: Tensor) -> Tensor:
        return F.interpolate(x, scale_factor=1.3, mode="nearest")

    return fn, (torch.tensor([[[[1.0, 2.0]]]], dtype=torch.float64),)


@bug(198201)
def build_upsample_nearest_unchanged_dim() -> Built:
    """nearest interpolation by (1.3, 1.5) of a 3x4 image: the height stays 3, eager treats it as identity but the
    compiled indexing still divides by 1.3 and picks rows 0, 0, 1
    """

    def fn(x: Tensor) -> Tensor:
        return F.interpolate(x, scale_factor=(1.3, 1.5), mode="nearest")

    return fn, (torch.arange(24, dtype=torch.float32).reshape(1, 2, 3, 4),)


# ==========================================================================
# Index simplification under symbolic sizes
# ==========================================================================


@bug(190765, dynamic=True)
def build_flip_repeat_interleave_transposed() -> Built:
    """flip of repeat_interleave of a flattened transposed tensor under dynamic shapes: ModularIndexing drops a
    multiple of its modulus from a base that can be negative, so the kernel reads before the buffer
    """

    def fn(x: Tensor) -> Tensor:
        return torch.repeat_interleave((x.t() * 2).flatten(), 2).flip(0)

    return fn, (torch.randn(2, 2),)


@bug(187027, dynamic=True)
def build_flip_repeat_interleave() -> Built:
    """flip after repeat_interleave of a flattened tensor under dynamic shapes: the simplified index of the fused
    kernel is negative, so the compiled result reads out of bounds
    """

    def fn(x: Tensor) -> Tensor:
        return torch.repeat_interleave((x + 1).flatten(), 2).flip(0)

    return fn, (torch.randn(8, 8),)


@bug(197431)
def build_as_strided_over_strided_slice() -> Built:
    """as_strided with the base's strides over a step-2 slice of a repeated tensor: eager reads the storage under
    the slice, the compiled view is resolved against the realized slice instead
    """

    def fn(x: Tensor) -> Tensor:
        tiled = x.repeat(3, 2)  # realized by inductor; the slice below is a view of it
        return torch.as_strided(tiled[:, ::2], (3, 2), tiled.stride())

    return fn, (torch.randn(2, 3),)

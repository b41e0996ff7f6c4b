"""Real torch bugs above the kernels: AOT tracing (functionalization, decompositions), FX passes.

Each program is written afresh from the facts of its issue (the op, the shape of the trigger);
the guilty stage of each is in its spec, ``specs/cases/real__<issue>_<slug>.toml``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ._registry import bug

Built = tuple[Callable[..., Any], tuple[Any, ...]]


# ----------------------------------------------------------------------------- AOT: functionalization


@bug(198102)
def build_unfold_gap_mutation() -> Built:
    """an in-place update through a gapped unfold view (step > size) zeroes every base element no window covers"""

    def fn(x: Tensor) -> Tensor:
        windows = x.unfold(1, 2, 4)  # columns 0-1 and 4-5 of each row; 2-3 and 6-7 untouched
        windows.mul_(3.0)
        return x.sum(dim=0)

    return fn, (torch.arange(1.0, 25.0).reshape(3, 8),)


@bug(195422)
def build_dropout_eval_alias_mutation() -> Built:
    """an in-place update of the tensor that F.dropout(training=False) returns (the input itself) is dropped"""

    def fn(x: Tensor) -> Tensor:
        same = F.dropout(x, 0.3, training=False)  # eager returns x itself
        same.mul_(2.0)
        return x + 1.0

    return fn, (torch.randn(3, 4),)


# ----------------------------------------------------------------------------- AOT: decompositions


@bug(185464)
def build_multilabel_margin_stop_marker() -> Built:
    """the multilabel_margin_loss decomposition does not stop at the first -1 of a target row"""

    def fn(scores: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_margin_loss(scores, target)

    target = torch.tensor([[2, -1, 0, 4, 1], [3, 1, -1, 0, 0], [4, 0, 2, -1, 3]])
    return fn, (torch.randn(3, 5), target)


# ----------------------------------------------------------------------------- post-grad passes


@bug(198094)
def build_scatter_reinplaced_into_input() -> Built:
    """a slice_scatter of an input is reinplaced into that input's buffer, which a later fill_ of the input
    overwrites
    """

    def fn(x: Tensor, src: Tensor) -> Tensor:
        y = torch.slice_scatter(x, src, dim=1, start=0, end=2)  # a fresh tensor in eager
        x.fill_(-1.0)
        return y

    return fn, (torch.randn(3, 5), torch.randn(3, 2))


@bug(189518)
def build_pointless_cumsum_drops_dtype() -> Built:
    """the pointless_cumsum pattern rewrites cumsum(full(bool), dtype=float16) to an int64 arange, dropping the
    dtype
    """

    def fn(x: Tensor) -> tuple[Tensor, Tensor]:
        mask = torch.ones(x.shape[0], x.shape[1], dtype=torch.bool)
        pos = mask.cumsum(1, dtype=torch.float16)
        return pos / (pos[:, -1:] + 1e-6), x.sin()

    return fn, (torch.randn(2, 5),)


_REVERSE_INTO: list[Callable[[Tensor, Tensor], None]] = []


def _reverse_into() -> Callable[[Tensor, Tensor], None]:
    """A custom op writing ``src`` reversed into ``dst`` element by element (registered once)."""
    if not _REVERSE_INTO:

        @torch.library.custom_op("fxtv_zoo::reverse_into", mutates_args=("dst",))
        def reverse_into(src: Tensor, dst: Tensor) -> None:
            n = src.shape[0]
            for k in range(n):
                dst[n - 1 - k] = src[k]

        @reverse_into.register_fake
        def _(src: Tensor, dst: Tensor) -> None:
            return None

        _REVERSE_INTO.append(reverse_into)
    return _REVERSE_INTO[0]


@bug(198031)
def build_custom_op_clone_dropped() -> Built:
    """y = x.clone(); op(y, x) with a custom op mutating x: the clone is removed and the op is reinplaced as op(x,
    x)
    """
    reverse_into = _reverse_into()

    def fn(x: Tensor) -> Tensor:
        snapshot = x.clone()
        reverse_into(snapshot, x)
        return x * 2.0

    return fn, (torch.arange(8.0),)


# ----------------------------------------------------------------------------- below FX (not in the kernel list)


@bug(198270)
def build_index_put_then_flip_update() -> Built:
    """after x.index_put_, the copy back into x is fused with a read of x.flip(0), so rows read already-updated
    values
    """

    def fn(x: Tensor) -> Tensor:
        rows = torch.arange(x.size(0))
        x.index_put_((rows,), x.sin())
        x.sub_(x.flip(0))
        return x

    return fn, (torch.randn(6, 4),)


@bug(198033)
def build_foreach_inplace_reads_self() -> Built:
    """an in-place foreach op whose operand is a shifted view of the same tensor reads rows it already overwrote"""

    def fn(x: Tensor) -> Tensor:
        torch._foreach_mul_([x], [x.roll(1, 0)])
        return x

    return fn, (torch.randn(6, 4),)


@bug(197091)
def build_ldexp_output_dtype() -> Built:
    """the ldexp lowering keeps the float16 mantissa's dtype where eager promotes with the float32 exponent"""

    def fn(mantissa: Tensor, exponent: Tensor) -> Tensor:
        return torch.ldexp(mantissa, exponent)

    return fn, (torch.randn(3, 4).half(), torch.randint(-3, 4, (3, 4)).float())


@bug(163932)
def build_softmax_strided_sin_vec_tail() -> Built:
    """softmax over a scaled sin of a strided column: the vectorised max and exp loops recompute sin differently,
    so x - max turns positive, exp overflows and the row becomes NaN
    """

    def fn(x: Tensor) -> Tensor:
        logits = torch.sin(x[:, 0]) * 1e14
        return torch.softmax(logits, dim=0)

    return fn, (torch.randn(25, 2),)

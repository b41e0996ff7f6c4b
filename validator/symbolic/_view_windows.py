"""Per-op steps for ops that take a window of their input: slices, narrows, selects, ``as_strided``, splits.

An output position along the windowed dim is an input position at an offset (and step); the other dims pass
through. Offsets may be negative or symbolic: they are wrapped as ATen does when their sign is provable, and
refused otherwise. The outputs of multi-output ops (``MULTI``: split, chunk, unbind...) are mapped by the
walker, with :func:`split_offset` and :func:`select_at`.
"""

from __future__ import annotations

from typing import Any

import sympy
import torch

from ._view_args import shape_exprs, sym_expr
from ._view_arith import ONE, ZERO, eq, prod, reshape
from ._view_ops import CAT_NAME, Handler, Step, norm_dim, wrap

_INT64_MAX = 2**63 - 1  # a slice's end when none is given


def offset_along(s: Step, d: int, start: sympy.Expr, step: sympy.Expr = ONE) -> list[sympy.Expr] | None:
    """Output position ``i`` along ``d`` is input position ``start + i*step``; other dims pass through."""
    if len(s.out) != len(s.ins) or any(
        not eq(a, b) for k, (a, b) in enumerate(zip(s.out, s.ins, strict=True)) if k != d
    ):
        return None
    n, size = s.out[d], s.ins[d]
    if all(isinstance(x, sympy.Integer) for x in (start, step, n, size)) and n > 0:
        if start < 0 or start + (n - 1) * step >= size:  # our reading of the arguments contradicts the meta
            return None
    res = list(s.idx)
    res[d] = start + s.idx[d] * step
    return res


def _slice(s: Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    d = norm_dim(s.args["dim"], n)
    if d is None or n == 0:
        return None
    size = s.ins[d]
    raw_start = s.args["start"]
    start = wrap(ZERO if raw_start is None else sym_expr(raw_start), size, s.prover, clamp=True)
    step = sym_expr(s.args["step"])
    if start is None or step is None or not s.prover.positive(step):
        return None
    raw_end = s.args["end"]
    end = sym_expr(_INT64_MAX if raw_end is None else raw_end)
    # Confirm our reading of the arguments against the meta size where everything is concrete (ATen's rules).
    if all(isinstance(x, sympy.Integer) for x in (size, start, step, end, s.out[d])):
        sz, st, en = int(size), int(start), int(end)  # type: ignore[arg-type]
        st = min(st, sz)
        en = max(min(en + sz if en < 0 else en, sz), st)
        if (en - st + int(step) - 1) // int(step) != int(s.out[d]):  # type: ignore[arg-type]
            return None
    return offset_along(s, d, start, step)


def _narrow(s: Step) -> list[sympy.Expr] | None:
    d = norm_dim(s.args["dim"], len(s.ins))
    if d is None or not s.ins:
        return None
    start = wrap(sym_expr(s.args["start"]), s.ins[d], s.prover, clamp=False)
    return None if start is None else offset_along(s, d, start)


def select_at(s: Step, d: int | None, index: sympy.Expr | None) -> list[sympy.Expr] | None:
    """Output index ``i`` is input index ``i`` with position ``index`` inserted at dim ``d``."""
    if d is None or not s.ins or len(s.out) != len(s.ins) - 1:
        return None
    pos = wrap(index, s.ins[d], s.prover, clamp=False)
    return None if pos is None else [*s.idx[:d], pos, *s.idx[d:]]


def _select(s: Step) -> list[sympy.Expr] | None:
    return select_at(s, norm_dim(s.args["dim"], len(s.ins)), sym_expr(s.args["index"]))


# Ops whose result is a fresh tensor (storage offset 0) although we treat them as element maps.
FRESH = frozenset(
    {
        "aten.clone.default",
        "aten._to_copy.default",
        "aten.lift_fresh_copy.default",
        "aten.repeat.default",
        "aten.flip.default",
        CAT_NAME,
    }
)


def _storage_offset(s: Step, val: torch.Tensor) -> sympy.Expr | None:
    """The input's storage offset, where we can vouch for it.

    A non-view node's meta is all we have (for graph inputs it mirrors the real input under fake tracing); a
    fresh copy starts at 0. A view's offset depends on the chain below it, which metas do not always get right
    (real-mode ``make_fx`` drops it), so we do not guess.
    """
    if not s.inp_view:
        return sym_expr(val.storage_offset())
    if s.inp_op in FRESH:
        return ZERO
    return None


def _as_strided(s: Step) -> list[sympy.Expr] | None:
    """Strides address the input's storage; only a contiguous input lets us read them as a logical flat index."""
    val = s.inp_val
    if not isinstance(val, torch.Tensor):
        return None
    strides = shape_exprs(val.stride())
    stride_arg = s.args["stride"]
    new_strides = shape_exprs(stride_arg) if isinstance(stride_arg, (list, tuple)) else None
    if strides is None or new_strides is None or len(new_strides) != len(s.out):
        return None
    for d, (n, st) in enumerate(zip(s.ins, strides, strict=True)):
        if n != 1 and not eq(st, prod(s.ins[d + 1 :])):
            return None
    # Offset relative to the input's first element: absent means "the input's own".
    so = s.args["storage_offset"]
    rel: sympy.Expr | None = ZERO
    if so is not None:
        absolute, base = sym_expr(so), _storage_offset(s, val)
        rel = None if absolute is None or base is None else absolute - base
    if rel is None or not all(s.prover.nonneg(st) for st in new_strides):
        return None
    numel = prod(s.ins)
    if not any(n == 0 for n in s.out):  # a nonempty result must stay inside the input's elements
        last = rel + sympy.Add(*((n - 1) * st for n, st in zip(s.out, new_strides, strict=True)))
        if not s.prover.nonneg(rel) or not s.prover.positive(numel - last):
            return None
    flat = rel + sympy.Add(*(e * st for e, st in zip(s.idx, new_strides, strict=True)))
    return reshape([flat], (numel,), s.ins, s.ranges)


HANDLERS: dict[str, Handler] = {
    "aten.slice.Tensor": _slice,
    "aten.narrow.default": _narrow,
    "aten.select.int": _select,
    "aten.as_strided.default": _as_strided,
}


def split_offset(name: str, args: dict[str, Any], k: int, parts: Any, dim: int) -> sympy.Expr | None:
    """Start of output ``k`` along the split dim: from the arguments, else from the outputs' meta sizes."""
    if name in ("aten.split.Tensor", "aten.unsafe_split.Tensor"):
        size = sym_expr(args["split_size"])
        return None if size is None else size * k
    if name in ("aten.split.sizes", "aten.split_with_sizes.default", "aten.unsafe_split_with_sizes.default"):
        sizes = args.get("split_sizes", args.get("split_size"))
        if not isinstance(sizes, (list, tuple)) or k > len(sizes):
            return None
        exprs = shape_exprs(sizes[:k])
        return None if exprs is None else sympy.Add(*exprs)
    # chunk / tensor_split: outputs tile the dim in order.
    if not isinstance(parts, (list, tuple)) or k > len(parts):
        return None
    before = [p.shape[dim] for p in parts[:k] if isinstance(p, torch.Tensor) and p.dim() > dim]
    exprs = shape_exprs(before) if len(before) == k else None
    return None if exprs is None else sympy.Add(*exprs)


# Multi-output ops whose outputs (``getitem`` k) are windows of their input: split offsets or unbind's select.
MULTI: frozenset[str] = frozenset(
    {
        "aten.split.Tensor",
        "aten.split.sizes",
        "aten.split_with_sizes.default",
        "aten.unsafe_split.Tensor",
        "aten.unsafe_split_with_sizes.default",
        "aten.chunk.default",
        "aten.unsafe_chunk.default",
        "aten.tensor_split.sections",
        "aten.tensor_split.indices",
        "aten.unbind.int",
    }
)

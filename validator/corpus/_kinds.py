"""Operator kinds: how each kind of op picks its operands and draws its parameters.

An op spec (``specs/ops.toml``) names its kind; the kind fills the spec's format string. A kind
returns without emitting when the pool holds no suitable operand (the draw is simply skipped).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from hypothesis import strategies as st

from ._builder import DIMS, Builder, Draw
from ._builder import INPUT_DTYPES as INPUT_FLOATS
from ._ops import OpSpec

Kind = Callable[[Draw, Builder, OpSpec], None]


def _rank_at_least(n: int, floating: bool = False) -> Callable[[torch.Tensor], bool]:
    return lambda t: t.dim() >= n and (t.is_floating_point() or not floating)


def _dim(draw: Draw, rank: int) -> int:
    return int(draw(st.integers(0, rank - 1)) - draw(st.sampled_from((0, rank))))  # a negative dim half the time


def _unary(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, _rank_at_least(0, op.floating_only))
    if x is not None:
        b.emit(op.name, op.expr.format(x=x), [x])


def _scalar(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, _rank_at_least(0, op.floating_only))
    if x is not None:
        b.emit(op.name, op.expr.format(x=x, c=draw(st.sampled_from(op.consts))), [x])


def _inplace(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, lambda t: t.is_floating_point())
    if x is not None:
        b.emit(op.name, op.expr.format(x=x, c=draw(st.sampled_from(op.consts))), [x])


def _second(draw: Draw, b: Builder, x: str) -> str:
    """A partner for ``x``: a pool tensor of its shape (``x`` itself included), a new input of its
    shape, or a new input that broadcasts against it."""
    shape = b.shape(x)
    how = draw(st.sampled_from(("pool", "input", "broadcast")))
    if how == "pool":
        y = b.pick(draw, lambda t: tuple(t.shape) == shape)
        if y is not None:
            return y
    if how == "broadcast" and shape:
        keep = [draw(st.booleans()) for _ in shape]
        shape = tuple(s if k else 1 for s, k in zip(shape, keep, strict=True))
        if draw(st.booleans()):
            shape = shape[1:]
    return b.new_input(shape, b.env[x].dtype if b.env[x].is_floating_point() else torch.float32)


def _binary(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw)
    if x is not None:
        y = _second(draw, b, x)
        c = draw(st.sampled_from(op.consts)) if op.consts else None
        b.emit(op.name, op.expr.format(x=x, y=y, c=c), [x, y])


def _reduce(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, _rank_at_least(1, op.floating_only))
    if x is not None:
        dim = _dim(draw, b.env[x].dim())
        b.emit(op.name, op.expr.format(x=x, dim=dim, keepdim=draw(st.booleans())), [x])


def _along_dim(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, _rank_at_least(1, op.floating_only))
    if x is not None:
        b.emit(op.name, op.expr.format(x=x, dim=_dim(draw, b.env[x].dim())), [x])


def _permute(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, _rank_at_least(2))
    if x is not None:
        perm = tuple(draw(st.permutations(range(b.env[x].dim()))))
        b.emit(op.name, op.expr.format(x=x, perm=", ".join(map(str, perm))), [x])


def _transpose(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, _rank_at_least(2))
    if x is not None:
        r = b.env[x].dim()
        b.emit(op.name, op.expr.format(x=x, d0=_dim(draw, r), d1=_dim(draw, r)), [x])


def _merge_dims(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, _rank_at_least(2))
    if x is not None:
        s = list(b.shape(x))
        d = draw(st.integers(0, len(s) - 2))
        s[d : d + 2] = [s[d] * s[d + 1]]
        b.emit(op.name, op.expr.format(x=x, shape=tuple(s)), [x])


def _unsqueeze(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, lambda t: t.dim() < 4)
    if x is not None:
        b.emit(op.name, op.expr.format(x=x, dim=_dim(draw, b.env[x].dim() + 1)), [x])


def _sized_dim(draw: Draw, b: Builder, least: int) -> tuple[str, int, int] | None:
    x = b.pick(draw, lambda t: any(s >= least for s in t.shape))
    if x is None:
        return None
    dims = [d for d, s in enumerate(b.shape(x)) if s >= least]
    d = dims[draw(st.integers(0, len(dims) - 1))]
    return x, d, b.shape(x)[d]


def _narrow(draw: Draw, b: Builder, op: OpSpec) -> None:
    got = _sized_dim(draw, b, 2)
    if got is not None:
        x, d, n = got
        start = draw(st.integers(0, n - 1))
        b.emit(op.name, op.expr.format(x=x, dim=d, start=start, length=draw(st.integers(1, n - start))), [x])


def _split(draw: Draw, b: Builder, op: OpSpec) -> None:
    got = _sized_dim(draw, b, 2)
    if got is not None:
        x, d, n = got
        cuts = sorted(draw(st.sets(st.integers(1, n - 1), min_size=1, max_size=min(2, n - 1))))
        sizes = [e - s for s, e in zip([0, *cuts], [*cuts, n], strict=True)]
        b.emit(op.name, op.expr.format(x=x, sizes=sizes, dim=d), [x])


def _unbind(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, lambda t: t.dim() >= 2 and any(2 <= s <= 4 for s in t.shape))
    if x is not None:
        dims = [d for d, s in enumerate(b.shape(x)) if 2 <= s <= 4]
        b.emit(op.name, op.expr.format(x=x, dim=dims[draw(st.integers(0, len(dims) - 1))]), [x])


def _join(draw: Draw, b: Builder, op: OpSpec, along: bool) -> None:
    """cat (``along``: shapes may differ on the cat dim) or stack (equal shapes)."""
    x = b.pick(draw, _rank_at_least(1))
    if x is None:
        return
    shape, r = b.shape(x), b.env[x].dim()
    d = draw(st.integers(0, r - 1)) if along else draw(st.integers(0, r))

    def fits(t: torch.Tensor) -> bool:
        s = tuple(t.shape)
        if not along or len(s) != r:
            return s == shape
        return all(a == c for i, (a, c) in enumerate(zip(s, shape, strict=True)) if i != d)

    parts = [x]
    for _ in range(draw(st.integers(1, 2))):
        y = b.pick(draw, fits) if draw(st.booleans()) else None
        parts.append(y if y is not None else b.new_input(shape, b.env[x].dtype))
    order = draw(st.permutations(parts))
    b.emit(op.name, op.expr.format(xs=", ".join(order), dim=d), list(parts))


def _cat(draw: Draw, b: Builder, op: OpSpec) -> None:
    _join(draw, b, op, along=True)


def _stack(draw: Draw, b: Builder, op: OpSpec) -> None:
    _join(draw, b, op, along=False)


def _matmul_partner(draw: Draw, b: Builder, x: str) -> str:
    k = b.shape(x)[-1]
    y = b.pick(draw, lambda t: t.dim() == 2 and t.shape[0] == k) if draw(st.booleans()) else None
    return y or b.new_input((k, draw(st.sampled_from(DIMS))), b.env[x].dtype)


def _matmul(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, _rank_at_least(2, floating=True))
    if x is not None:
        y = _matmul_partner(draw, b, x)
        b.emit(op.name, op.expr.format(x=x, y=y), [x, y])


def _addmm(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw, lambda t: t.dim() == 2 and t.is_floating_point())
    if x is None:
        return
    y = _matmul_partner(draw, b, x)
    n = b.shape(y)[1]
    bias = b.new_input(draw(st.sampled_from(((n,), (b.shape(x)[0], n)))), b.env[x].dtype)
    b.emit(op.name, op.expr.format(b=bias, x=x, y=y), [bias, x, y])


def _conv2d(draw: Draw, b: Builder, op: OpSpec) -> None:
    """An NCHW activation (from the pool, or a new input), a new weight and bias."""
    x = b.pick(draw, lambda t: t.dim() == 4 and t.is_floating_point()) if draw(st.booleans()) else None
    if x is None:
        x = b.new_input((1, draw(st.sampled_from((3, 1, 2))), 4, 4), draw(st.sampled_from(INPUT_FLOATS)))
    c, dtype = b.shape(x)[1], b.env[x].dtype
    k, out = draw(st.sampled_from((1, 3))), draw(st.sampled_from((2, 4)))
    w, bias = b.new_input((out, c, k, k), dtype), b.new_input((out,), dtype)
    b.emit(op.name, op.expr.format(x=x, w=w, b=bias, padding=k // 2), [x, w, bias])


def _index_put(draw: Draw, b: Builder, op: OpSpec) -> None:
    """Index along dim 0 with repeated indices (so accumulate matters), values of the row shape."""
    x = b.pick(draw, lambda t: t.dim() >= 1 and t.is_floating_point())
    if x is None:
        return
    shape = b.shape(x)
    n = draw(st.integers(1, 4))
    i = b.new_input((n,), torch.int64, index_bound=shape[0])
    v = b.new_input((n, *shape[1:]), b.env[x].dtype)
    b.emit(op.name, op.expr.format(x=x, i=i, v=v, accumulate=draw(st.booleans())), [x, i, v])


def _cast(draw: Draw, b: Builder, op: OpSpec) -> None:
    x = b.pick(draw)
    if x is not None:
        b.emit(op.name, op.expr.format(x=x, to=draw(st.sampled_from(op.to))), [x])


KINDS: dict[str, Kind] = {
    "unary": _unary,
    "scalar": _scalar,
    "inplace": _inplace,
    "binary": _binary,
    "reduce": _reduce,
    "along_dim": _along_dim,
    "permute": _permute,
    "transpose": _transpose,
    "merge_dims": _merge_dims,
    "unsqueeze": _unsqueeze,
    "narrow": _narrow,
    "split": _split,
    "unbind": _unbind,
    "cat": _cat,
    "stack": _stack,
    "matmul": _matmul,
    "addmm": _addmm,
    "cast": _cast,
    "conv2d": _conv2d,
    "index_put": _index_put,
}

# the trigger-pattern kinds live in their own module (they serve the bug hunt's op table)
from ._trigger_kinds import TRIGGER_KINDS  # noqa: E402

KINDS.update(TRIGGER_KINDS)

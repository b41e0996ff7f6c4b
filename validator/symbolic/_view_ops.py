"""Per-op steps of the element-map walk: the input index of a view-like op as a function of its output index.

Each handler gets a :class:`Step` (the op's arguments by name, its output index, its output and input sizes)
and returns the index into its input, or None where it cannot read the arguments or the sign of a symbolic
quantity decides the result. This module holds the ops that rearrange, broadcast or reverse dims; the ones
that take a window of their input (slices, selects, splits, ``as_strided``) are in ``_view_windows``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy
import torch.fx

from ._view_args import Ranges, Sizes, sym_expr
from ._view_arith import ONE, ZERO, Prover, eq, mod, reshape

# Not in any handler table: the walker maps a cat itself (each input is walked on its own).
CAT_NAME = "aten.cat.default"


@dataclass
class Step:
    """One view-like op on the walk: the input index is a function of its output index ``idx``."""

    name: str  # the op's name, ``*_copy`` variants read as the view they copy
    args: dict[str, Any]  # arguments by schema name
    idx: list[sympy.Expr]  # the output index (expressions in the root index symbols)
    out: Sizes
    ins: Sizes  # sizes of the (first) input
    ranges: Ranges
    inp: torch.fx.Node
    inp_val: Any  # the input's meta value (as_strided needs its strides)
    prover: Prover
    # Whether the input's storage offset can be read off its meta (as_strided needs it): not for an input that
    # is itself view-like, unless its op (``inp_op``) makes a fresh tensor.
    inp_view: bool
    inp_op: str | None


Handler = Callable[[Step], list[sympy.Expr] | None]


def norm_dim(d: Any, n: int) -> int | None:
    """A dim argument made nonnegative, or None if it is not a valid dim of an ``n``-d tensor."""
    if not isinstance(d, int) or isinstance(d, bool):
        return None
    m = max(n, 1)  # 0-d tensors accept dim 0 / -1
    d = d + m if d < 0 else d
    return d if 0 <= d < m else None


def wrap(v: sympy.Expr | None, size: sympy.Expr, prover: Prover, *, clamp: bool) -> sympy.Expr | None:
    """ATen's wrap of a possibly negative position (``v < 0 -> v + size``; a slice start also clamps at 0).

    Clamping at ``size`` is not needed: a start past the end gives an empty result, for which any map is valid.
    """
    if v is None:
        return None
    if prover.nonneg(v):
        return v
    if not prover.positive(-v):
        return None  # sign unknown: which branch ATen took is not ours to guess
    w = v + size
    return w if not clamp or prover.nonneg(w) else sympy.Max(w, 0)


def _reshape_step(s: Step) -> list[sympy.Expr] | None:
    return reshape(s.idx, s.out, s.ins, s.ranges)


def _identity(s: Step) -> list[sympy.Expr] | None:
    return list(s.idx) if len(s.out) == len(s.ins) else None


def _permuted(s: Step, perm: Sequence[int]) -> list[sympy.Expr] | None:
    """Output dim d is input dim perm[d]."""
    if sorted(perm) != list(range(len(s.ins))) or len(s.idx) != len(perm):
        return None
    res: list[sympy.Expr] = [ZERO] * len(perm)
    for d, k in enumerate(perm):
        res[k] = s.idx[d]
    return res


def norm_dims(dims: Any, n: int) -> list[int] | None:
    """A list of dim arguments made nonnegative, or None if it is not one or any dim is invalid."""
    if not isinstance(dims, (list, tuple)):
        return None
    out = [norm_dim(d, n) for d in dims]
    return None if any(d is None for d in out) else [d for d in out if d is not None]


def _permute(s: Step) -> list[sympy.Expr] | None:
    perm = norm_dims(s.args.get("dims", s.args.get("permutation")), len(s.ins))
    return None if perm is None else _permuted(s, perm)


def _transpose(s: Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    if s.name in ("aten.t.default", "aten.numpy_T.default"):
        perm = list(range(n))[::-1] if s.name == "aten.numpy_T.default" or n == 2 else list(range(n))
        return _permuted(s, perm)
    d0 = norm_dim(s.args.get("dim0", s.args.get("axis0")), n)
    d1 = norm_dim(s.args.get("dim1", s.args.get("axis1")), n)
    if d0 is None or d1 is None:
        return None
    if n == 0:
        return []
    perm = list(range(n))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return _permuted(s, perm)


def _movedim(s: Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    src, dst = s.args["source"], s.args["destination"]
    src, dst = (
        norm_dims(src if isinstance(src, (list, tuple)) else [src], n),
        norm_dims(dst if isinstance(dst, (list, tuple)) else [dst], n),
    )
    if src is None or dst is None or len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        return None
    if n == 0:
        return []
    perm = [-1] * n
    for a, b in zip(src, dst, strict=True):
        perm[b] = a
    rest = iter(k for k in range(n) if k not in src)
    perm = [next(rest) if k < 0 else k for k in perm]
    return _permuted(s, perm)


def _broadcast(s: Step, dims: Sequence[int]) -> list[sympy.Expr] | None:
    """Input dim ``k`` is output dim ``dims[k]``, or a size-1 dim broadcast along it."""
    res: list[sympy.Expr] = []
    for k, n in enumerate(s.ins):
        if s.prover.is_one(n):
            res.append(ZERO)  # broadcast dim
        elif eq(n, s.out[dims[k]]):
            res.append(s.idx[dims[k]])
        else:
            return None
    return res


def _expand(s: Step) -> list[sympy.Expr] | None:
    lead = len(s.out) - len(s.ins)
    return None if lead < 0 else _broadcast(s, [k + lead for k in range(len(s.ins))])


def _broadcast_in_dim(s: Step) -> list[sympy.Expr] | None:
    bd = norm_dims(s.args["broadcast_dimensions"], len(s.out))
    return None if bd is None or len(bd) != len(s.ins) else _broadcast(s, bd)


def _unsqueeze(s: Step) -> list[sympy.Expr] | None:
    d = norm_dim(s.args["dim"], len(s.out))
    if d is None or len(s.out) != len(s.ins) + 1:
        return None
    return [*s.idx[:d], *s.idx[d + 1 :]]


def _squeeze(s: Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    if n == 0:
        return [] if not s.out else None
    if s.name == "aten.squeeze.default":
        cand: list[int] | None = list(range(n))
    elif s.name == "aten.squeeze.dim":
        d = norm_dim(s.args["dim"], n)
        cand = None if d is None else [d]
    else:  # aten.squeeze.dims (`dim`), prims.squeeze (`dimensions`)
        cand = norm_dims(s.args.get("dim", s.args.get("dimensions")), n)
    if cand is None:
        return None
    removed = {d for d in cand if s.prover.is_one(s.ins[d])}
    if n - len(removed) != len(s.out):
        return None
    it = iter(s.idx)
    return [ZERO if d in removed else next(it) for d in range(n)]


def _flip(s: Step) -> list[sympy.Expr] | None:
    dims = norm_dims(s.args["dims"], len(s.ins))
    if dims is None or len(s.out) != len(s.ins):
        return None
    if not s.ins:
        return []
    res = list(s.idx)
    for d in set(dims):
        res[d] = s.ins[d] - 1 - s.idx[d]
    return res


def _repeat(s: Step) -> list[sympy.Expr] | None:
    lead = len(s.out) - len(s.ins)
    if lead < 0:
        return None
    return [mod(s.idx[k + lead], ONE, n, s.ranges) for k, n in enumerate(s.ins)]


def _diagonal(s: Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    d1, d2, off = norm_dim(s.args["dim1"], n), norm_dim(s.args["dim2"], n), s.args["offset"]
    if d1 is None or d2 is None or d1 == d2 or not isinstance(off, int) or len(s.out) != n - 1:
        return None
    res: list[sympy.Expr] = [ZERO] * n
    for k, e in zip((k for k in range(n) if k not in (d1, d2)), s.idx[:-1], strict=True):
        res[k] = e
    res[d1] = s.idx[-1] + max(-off, 0)
    res[d2] = s.idx[-1] + max(off, 0)
    return res


def _unfold(s: Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    d, step = norm_dim(s.args["dimension"], n), sym_expr(s.args["step"])
    if d is None or n == 0 or step is None or len(s.out) != n + 1:
        return None
    res = list(s.idx[:n])
    res[d] = s.idx[d] * step + s.idx[n]
    return res


def _to_copy(s: Step) -> list[sympy.Expr] | None:
    return _identity(s)  # is_view_like admitted it only when the dtype does not change


HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(
        (
            "aten.view.default",
            "aten.reshape.default",
            "aten._unsafe_view.default",
            "aten._reshape_alias.default",
            "aten.view_as.default",
            "aten.reshape_as.default",
            "aten.flatten.using_ints",
            "aten.unflatten.int",
            "prims.collapse_view.default",
            "prims.collapse.default",
            "prims.split_dim.default",
            "prims.reshape.default",
        ),
        _reshape_step,
    ),
    **dict.fromkeys(("aten.permute.default", "prims.transpose.default"), _permute),
    **dict.fromkeys(
        ("aten.transpose.int", "aten.swapaxes.default", "aten.t.default", "aten.numpy_T.default"), _transpose
    ),
    **dict.fromkeys(
        ("aten.movedim.int", "aten.movedim.intlist", "aten.moveaxis.int", "aten.moveaxis.intlist"), _movedim
    ),
    **dict.fromkeys(("aten.expand.default", "aten.expand_as.default"), _expand),
    "prims.broadcast_in_dim.default": _broadcast_in_dim,
    "aten.unsqueeze.default": _unsqueeze,
    **dict.fromkeys(
        ("aten.squeeze.default", "aten.squeeze.dim", "aten.squeeze.dims", "prims.squeeze.default"), _squeeze
    ),
    **dict.fromkeys(
        (
            "aten.alias.default",
            "aten.clone.default",
            "aten.detach.default",
            "aten.lift_fresh.default",
            "aten.lift_fresh_copy.default",
            "aten.contiguous.default",
            "prims.view_of.default",
        ),
        _identity,
    ),
    "aten._to_copy.default": _to_copy,
    **dict.fromkeys(("aten.flip.default", "prims.rev.default"), _flip),
    "aten.repeat.default": _repeat,
    "aten.diagonal.default": _diagonal,
    "aten.unfold.default": _unfold,
}

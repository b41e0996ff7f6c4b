"""Symbolic element maps of view-like ATen ops.

The element map of a view-like node N says which element of a *source* node S each element of N is:
``N[i] == S[source_index(i)]`` for every valid multi-index ``i``. Maps are *logical* - row-major over the elements,
independent of strides - so a reshape of a permuted tensor maps through the permutation. Sizes may be symbolic
(SymInt shapes); index arithmetic uses inductor's ``FloorDiv`` / ``ModularIndexing`` / ``Where`` so that the
expressions go to the rest of the symbolic machinery unchanged.

Comparing two graphs' maps of the same node is then one equation: ``flat_source_offset(a) == flat_source_offset(b)``
over ``0 <= index < sizes``. Ops whose arguments we cannot interpret give ``None``; we never guess.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy
import torch
import torch.fx
from torch.utils._sympy.functions import FloorDiv, ModularIndexing, Where

from .. import _compat

__all__ = ["ElementMap", "element_map", "flat_source_offset", "is_view_like", "sym_expr"]

Sizes = tuple[sympy.Expr, ...]
Ranges = dict[sympy.Symbol, sympy.Expr]  # index symbol -> its extent (0 <= symbol < extent)

_CAT_NAME = "aten.cat.default"
_ZERO = sympy.S.Zero
_ONE = sympy.S.One
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class ElementMap:
    """``node[index] == source[source_index]`` for every ``0 <= index < sizes`` (and every ``conditions``)."""

    source: torch.fx.Node  # the first non-view-like ancestor (often a placeholder)
    index: tuple[sympy.Symbol, ...]  # the node's index symbols, one per dim
    sizes: Sizes  # the node's sizes
    source_index: tuple[sympy.Expr, ...]  # the source's multi-index as a function of `index`
    source_sizes: Sizes
    # Side conditions on `index` beyond its bounds under which the map holds. Always empty for the ops supported
    # today (cat is encoded with ``Where``), but consumers should honour it.
    conditions: tuple[sympy.Basic, ...] = ()
    ops: tuple[str, ...] = ()  # op names walked, outermost first (a cat's branches depth-first, in input order)


# --------------------------------------------------------------------------------------------------------------
# sizes and arguments


def sym_expr(v: object) -> sympy.Expr | None:
    """An int, SymInt, sympy integer expression, or an FX node carrying one, as a sympy expression; else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return sympy.Integer(v)
    if isinstance(v, torch.SymInt):
        e = sympy.sympify(v.node.expr)
        return e if isinstance(e, sympy.Expr) else None
    if isinstance(v, sympy.Expr):
        return v if v.is_integer else None
    if isinstance(v, torch.fx.Node):
        return sym_expr(_meta_val(v))
    return None


def _meta_val(node: torch.fx.Node) -> Any:
    val = node.meta.get("val")
    return node.meta.get("example_value") if val is None else val


def _shape_exprs(shape: Sequence[Any]) -> Sizes | None:
    out = [sym_expr(s) for s in shape]
    return None if any(e is None for e in out) else tuple(e for e in out if e is not None)


def _sizes(node: torch.fx.Node) -> Sizes | None:
    """The node's sizes from its meta; without meta, from running the op on meta tensors (static shapes only)."""
    val = _meta_val(node)
    if isinstance(val, torch.Tensor):
        return _shape_exprs(val.shape)
    tm = node.meta.get("tensor_meta")
    if tm is not None and hasattr(tm, "shape"):
        return _shape_exprs(tm.shape)
    if val is not None:
        return None
    fake = _fake(node, 0)
    return _shape_exprs(fake.shape) if isinstance(fake, torch.Tensor) else None


def _fake(arg: Any, depth: int) -> Any:
    """A meta-device stand-in for a node's value, or None. Only for graphs whose nodes lack meta."""
    if not isinstance(arg, torch.fx.Node):
        return arg
    val = _meta_val(arg)
    try:
        if isinstance(val, torch.Tensor):
            return torch.empty_strided(_static(val.shape), _static(val.stride()), dtype=val.dtype, device="meta")
        if val is not None:
            return None  # multi-output or scalar meta: not worth reconstructing
        tm = arg.meta.get("tensor_meta")
        if tm is not None and hasattr(tm, "shape"):
            shape, stride = _static(tm.shape), _static(tm.stride)
            return torch.empty_strided(shape, stride, dtype=tm.dtype, device="meta")
        # Only ATen ops (no side effects) are worth re-running, and only to learn their sizes.
        if arg.op != "call_function" or depth > 64:
            return None
        target: Any = arg.target
        side_effect_free = isinstance(target, torch._ops.OpOverload) or target is operator.getitem
        if not side_effect_free:
            return None
        args = torch.fx.node.map_aggregate(arg.args, lambda a: _fake(a, depth + 1))
        kwargs = torch.fx.node.map_aggregate(arg.kwargs, lambda a: _fake(a, depth + 1))
        return target(*args, **kwargs)
    except Exception:  # any failure just means "sizes unknown"
        return None


def _static(shape: Sequence[Any]) -> list[int]:
    if not all(isinstance(s, int) for s in shape):
        raise TypeError("symbolic shape")
    return [int(s) for s in shape]


def _bind(target: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
    """Arguments by schema name, defaults filled in (graphs pass arguments positionally or by keyword)."""
    schema = getattr(target, "_schema", None)
    if schema is None:
        return None
    out: dict[str, Any] = {}
    pos = list(args)
    for a in schema.arguments:
        if pos and not a.kwarg_only:
            out[a.name] = pos.pop(0)
        elif a.name in kwargs:
            out[a.name] = kwargs[a.name]
        elif a.has_default_value():
            out[a.name] = a.default_value
        else:
            return None
    return None if pos else out


def _op_name(target: Any) -> str | None:
    """'aten.view.default'; ``*_copy`` variants (functionalized graphs) map to the view they copy."""
    if not isinstance(target, torch._ops.OpOverload):
        return None
    name = str(target)
    ns, _, rest = name.partition(".")
    op, _, overload = rest.partition(".")
    if name not in _HANDLERS and name not in _MULTI and op.endswith("_copy"):
        alt = f"{ns}.{op[: -len('_copy')]}.{overload}"
        if alt in _HANDLERS or alt in _MULTI:
            return alt
    return name


# --------------------------------------------------------------------------------------------------------------
# arithmetic: bound-aware simplification, so that e.g. a reshape round trip maps back to the plain index


def _is_int(e: sympy.Expr) -> bool:
    # sympy < 1.15 may call ``(1/22)*x*y`` an integer; a fractional coefficient is never a clean quotient.
    return e.is_integer is True and all(r.q == 1 for r in e.atoms(sympy.Rational))


def _eq(a: sympy.Expr, b: sympy.Expr) -> bool:
    return a == b or sympy.expand(a - b) == 0


def _shifted(e: sympy.Expr) -> sympy.Expr:
    # Shape symbols are >= 1: write each as 1 + u with u >= 0, so a polynomial with nonnegative coefficients in
    # the u's (e.g. s*s - s == u*u + u) is evidently nonnegative to sympy's assumption system.
    e = sympy.expand(e)
    subs = {s: _unit_shift(s) for s in e.free_symbols if isinstance(s, sympy.Symbol) and s.is_positive}
    return sympy.expand(e.xreplace(subs)) if subs else e


_SHIFTS: dict[sympy.Symbol, sympy.Expr] = {}


def _unit_shift(s: sympy.Symbol) -> sympy.Expr:
    if s not in _SHIFTS:
        _SHIFTS[s] = sympy.Dummy(f"{s.name}m1", integer=True, nonnegative=True) + 1
    return _SHIFTS[s]


def _nonneg(e: sympy.Expr) -> bool:
    """Provably ``e >= 0`` (False also means "could not tell")."""
    if e.is_number:
        return bool(e >= 0)
    return _shifted(e).is_nonnegative is True


def _positive(e: sympy.Expr) -> bool:
    if e.is_number:
        return bool(e > 0)
    return _shifted(e).is_positive is True


def _shape_env_of(node: torch.fx.Node) -> Any:
    """The ShapeEnv behind the first SymInt in the node's meta (None for static graphs)."""
    val = _meta_val(node)
    for v in val if isinstance(val, (list, tuple)) else [val]:
        if isinstance(v, torch.Tensor):
            for s in (*v.shape, *v.stride()):
                if isinstance(s, torch.SymInt):
                    return getattr(s.node, "shape_env", None)
    return None


class _Prover:
    """Decides facts about size arithmetic: structurally, else from the trace's ShapeEnv.

    The ShapeEnv knows what the trace's guards established (e.g. ``s0 >= 3`` after ``x[-3:]``); the graph is only
    valid under those guards anyway.
    """

    def __init__(self) -> None:
        self.shape_env: Any = None

    def learn(self, node: torch.fx.Node) -> None:
        if self.shape_env is None:
            self.shape_env = _shape_env_of(node)

    def _guarded(self, cond: sympy.Basic) -> bool:
        # value ranges, then the guards as axioms
        return self.shape_env is not None and _compat.statically_true(self.shape_env, cond)

    def nonneg(self, e: sympy.Expr) -> bool:
        return _nonneg(e) or (not e.is_number and self._guarded(sympy.Ge(e, 0)))

    def positive(self, e: sympy.Expr) -> bool:
        return self.nonneg(e - 1)  # integers only

    def is_one(self, e: sympy.Expr) -> bool:
        """A size that is 1 for every shape the trace admits (e.g. ``(s0 - 1) // 3 + 1`` under ``s0 < 4``)."""
        return e == 1 or (not e.is_number and self._guarded(sympy.Eq(e, 1)))


def _bounds(e: sympy.Basic, ranges: Mapping[sympy.Symbol, sympy.Expr]) -> tuple[sympy.Expr, sympy.Expr] | None:
    """Inclusive lower and (possibly non-integral) upper bound of an index expression, or None."""
    if isinstance(e, sympy.Integer):
        return e, e
    if isinstance(e, sympy.Symbol):
        if e in ranges:
            return _ZERO, ranges[e] - 1
        if e.is_integer and e.is_positive:
            return _ONE, e
        if e.is_integer and e.is_nonnegative:
            return _ZERO, e
        return None
    if isinstance(e, sympy.Add):
        parts = [_bounds(a, ranges) for a in e.args]
        if any(p is None for p in parts):
            return None
        return sympy.Add(*(p[0] for p in parts if p)), sympy.Add(*(p[1] for p in parts if p))
    if isinstance(e, sympy.Mul):
        coeff, factors = e.as_coeff_mul()
        lo: sympy.Expr = _ONE
        hi: sympy.Expr = _ONE
        for f in factors:
            b = _bounds(f, ranges)
            if b is None or not _nonneg(b[0]):
                return None
            lo, hi = lo * b[0], hi * b[1]
        return (coeff * lo, coeff * hi) if coeff >= 0 else (coeff * hi, coeff * lo)
    if isinstance(e, sympy.Pow) and isinstance(e.exp, sympy.Integer) and e.exp > 0:
        b = _bounds(e.base, ranges)
        return (b[0] ** e.exp, b[1] ** e.exp) if b is not None and _nonneg(b[0]) else None
    if isinstance(e, FloorDiv):
        a, d = _bounds(e.args[0], ranges), _bounds(e.args[1], ranges)
        if a is None or d is None or not _nonneg(a[0]) or not _nonneg(d[0] - 1):
            return None
        if all(x.is_Integer for x in (*a, *d)):
            return sympy.Integer(int(a[0]) // int(d[1])), sympy.Integer(int(a[1]) // int(d[0]))
        return _ZERO, a[1] / d[0]
    if isinstance(e, ModularIndexing):
        a, m = _bounds(e.args[0], ranges), _bounds(e.args[2], ranges)
        # Only a nonnegative dividend has a C and a Python remainder in [0, m).
        if a is None or m is None or not _nonneg(a[0]) or not _nonneg(m[0] - 1):
            return None
        return _ZERO, m[1] - 1
    if isinstance(e, Where | sympy.Max | sympy.Min):
        branches = e.args[1:] if isinstance(e, Where) else e.args
        bs = [_bounds(b, ranges) for b in branches]
        if any(b is None for b in bs):
            return None
        los, his = [b[0] for b in bs if b], [b[1] for b in bs if b]
        if isinstance(e, sympy.Min):
            return sympy.Min(*los), sympy.Min(*his)
        return (sympy.Min(*los) if isinstance(e, Where) else sympy.Max(*los)), sympy.Max(*his)
    return None


def _in_range(e: sympy.Expr, hi: sympy.Expr, ranges: Mapping[sympy.Symbol, sympy.Expr]) -> bool:
    """Provably ``0 <= e < hi``."""
    b = _bounds(e, ranges)
    return b is not None and _nonneg(b[0]) and _positive(hi - b[1])


def _div_parts(a: sympy.Expr, b: sympy.Expr, ranges: Ranges) -> tuple[sympy.Expr, sympy.Expr | None]:
    """``a // b`` as (exact part, rest) with ``a // b == exact + rest // b``; rest None when ``rest // b == 0``."""
    exact: list[sympy.Expr] = []
    rest: list[sympy.Expr] = []
    for t in sympy.Add.make_args(sympy.expand(a)):
        q = t / b
        if _is_int(q):
            exact.append(q)
        else:
            rest.append(t)
    r = sympy.Add(*rest)
    if not rest or _in_range(r, b, ranges):
        return sympy.Add(*exact), None
    return sympy.Add(*exact), r


def _floordiv(a: sympy.Expr, b: sympy.Expr, ranges: Ranges) -> sympy.Expr:
    if b == 0:
        return _ZERO  # a zero divisor only comes from an empty tensor, whose map is vacuous
    if b == 1:
        return a
    exact, rest = _div_parts(a, b, ranges)
    return exact if rest is None else exact + FloorDiv(rest, b)


def _mod(a: sympy.Expr, b: sympy.Expr, m: sympy.Expr, ranges: Ranges) -> sympy.Expr:
    """``(a // b) % m`` for nonnegative ``a``."""
    if m == 1 or m == 0 or b == 0:
        return _ZERO  # m == 0 / b == 0: empty tensor, vacuous
    exact, rest = _div_parts(a, b, ranges) if b != 1 else (a, None)
    if rest is None:
        keep = sympy.Add(*(t for t in sympy.Add.make_args(sympy.expand(exact)) if not _is_int(t / m)))
        if _in_range(keep, m, ranges):
            return keep
        if isinstance(keep, ModularIndexing) and _is_int(sympy.cancel(keep.args[2] / m)):
            return _mod(keep.args[0], keep.args[1], m, ranges)  # (y % km) % m == y % m
        return ModularIndexing(keep, 1, m)
    # Terms that are multiples of b*m do not change (a // b) % m.
    bm = b * m
    keep = sympy.Add(*(t for t in sympy.Add.make_args(sympy.expand(a)) if not _is_int(t / bm)))
    return ModularIndexing(keep, b, m)


def _prod(xs: Sequence[sympy.Expr]) -> sympy.Expr:
    return sympy.Mul(*xs) if xs else _ONE


def _ravel(idx: Sequence[sympy.Expr], sizes: Sequence[sympy.Expr]) -> sympy.Expr:
    return sympy.Add(*(e * _prod(sizes[d + 1 :]) for d, e in enumerate(idx)))


def _unravel(flat: sympy.Expr, sizes: Sequence[sympy.Expr], ranges: Ranges) -> list[sympy.Expr]:
    """Row-major multi-index of ``flat``, assumed to lie in ``[0, prod(sizes))``."""
    out = []
    for d, s in enumerate(sizes):
        inner = _prod(sizes[d + 1 :])
        out.append(_floordiv(flat, inner, ranges) if d == 0 else _mod(flat, inner, s, ranges))
    return out


def _reshape(idx: Sequence[sympy.Expr], out: Sizes, ins: Sizes, ranges: Ranges) -> list[sympy.Expr]:
    """Row-major reshape from ``ins`` to ``out`` (equal numel), input index of output index ``idx``.

    Dims are split into groups whose size products agree: within a group the flat index is unravelled, across
    groups indices pass through, which keeps e.g. ``[a, b*c] -> [a, b, c]`` free of a divide by ``b*c``.
    """
    if any(s == 0 for s in out):
        return [_ZERO] * len(ins)  # empty: any map is valid
    res: list[sympy.Expr] = [_ZERO] * len(ins)  # size-1 input dims stay at 0
    o = [(e, s) for e, s in zip(idx, out, strict=True) if s != 1]
    p = [k for k, s in enumerate(ins) if s != 1]
    groups: list[tuple[list[tuple[sympy.Expr, sympy.Expr]], list[int]]] = []
    i = j = 0
    while i < len(o) and j < len(p):
        gi, gj = i + 1, j + 1
        po, pi = o[i][1], ins[p[j]]
        while not _eq(po, pi):
            if po.is_Integer and pi.is_Integer:
                grow_out, grow_in = bool(po < pi), bool(pi < po)
            else:
                grow_out, grow_in = _is_int(sympy.cancel(pi / po)), _is_int(sympy.cancel(po / pi))
            if grow_out and gi < len(o):
                po, gi = po * o[gi][1], gi + 1
            elif grow_in and gj < len(p):
                pi, gj = pi * ins[p[gj]], gj + 1
            else:  # cannot line the products up: one group for everything left
                gi, gj = len(o), len(p)
                break
        groups.append((o[i:gi], p[j:gj]))
        i, j = gi, gj
    if i < len(o) or j < len(p):  # leftovers have product 1; folding them into the last group is exact
        last_o, last_p = groups.pop() if groups else ([], [])
        groups.append((last_o + o[i:], last_p + p[j:]))
    for go, gp in groups:
        # Re-joining digits first turns e.g. a flatten of an unflatten back into the plain flat index.
        flat = _join_digits(_ravel([e for e, _ in go], [s for _, s in go]), ranges)
        for k, e in zip(gp, _unravel(flat, [ins[k] for k in gp], ranges), strict=True):
            res[k] = e
    return res


# --------------------------------------------------------------------------------------------------------------
# per-op steps: the input index as a function of the output index


@dataclass
class _Step:
    name: str
    args: dict[str, Any]
    idx: list[sympy.Expr]  # the output index (expressions in the root index symbols)
    out: Sizes
    ins: Sizes  # sizes of the (first) input
    ranges: Ranges
    inp: torch.fx.Node
    inp_val: Any  # the input's meta value (as_strided needs its strides)
    prover: _Prover


_Handler = Callable[[_Step], list[sympy.Expr] | None]


def _dim(d: Any, n: int) -> int | None:
    if not isinstance(d, int) or isinstance(d, bool):
        return None
    m = max(n, 1)  # 0-d tensors accept dim 0 / -1
    d = d + m if d < 0 else d
    return d if 0 <= d < m else None


def _wrap(v: sympy.Expr | None, size: sympy.Expr, prover: _Prover, *, clamp: bool) -> sympy.Expr | None:
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


def _reshape_step(s: _Step) -> list[sympy.Expr] | None:
    return _reshape(s.idx, s.out, s.ins, s.ranges)


def _identity(s: _Step) -> list[sympy.Expr] | None:
    return list(s.idx) if len(s.out) == len(s.ins) else None


def _permuted(s: _Step, perm: Sequence[int]) -> list[sympy.Expr] | None:
    """Output dim d is input dim perm[d]."""
    if sorted(perm) != list(range(len(s.ins))) or len(s.idx) != len(perm):
        return None
    res: list[sympy.Expr] = [_ZERO] * len(perm)
    for d, k in enumerate(perm):
        res[k] = s.idx[d]
    return res


def _norm_dims(dims: Any, n: int) -> list[int] | None:
    if not isinstance(dims, (list, tuple)):
        return None
    out = [_dim(d, n) for d in dims]
    return None if any(d is None for d in out) else [d for d in out if d is not None]


def _permute(s: _Step) -> list[sympy.Expr] | None:
    perm = _norm_dims(s.args.get("dims", s.args.get("permutation")), len(s.ins))
    return None if perm is None else _permuted(s, perm)


def _transpose(s: _Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    if s.name in ("aten.t.default", "aten.numpy_T.default"):
        perm = list(range(n))[::-1] if s.name == "aten.numpy_T.default" or n == 2 else list(range(n))
        return _permuted(s, perm)
    d0 = _dim(s.args.get("dim0", s.args.get("axis0")), n)
    d1 = _dim(s.args.get("dim1", s.args.get("axis1")), n)
    if d0 is None or d1 is None:
        return None
    if n == 0:
        return []
    perm = list(range(n))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return _permuted(s, perm)


def _movedim(s: _Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    src, dst = s.args["source"], s.args["destination"]
    src, dst = (
        _norm_dims(src if isinstance(src, (list, tuple)) else [src], n),
        _norm_dims(dst if isinstance(dst, (list, tuple)) else [dst], n),
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


def _expand(s: _Step) -> list[sympy.Expr] | None:
    lead = len(s.out) - len(s.ins)
    if lead < 0:
        return None
    res: list[sympy.Expr] = []
    for k, n in enumerate(s.ins):
        if s.prover.is_one(n):
            res.append(_ZERO)  # broadcast dim
        elif _eq(n, s.out[k + lead]):
            res.append(s.idx[k + lead])
        else:
            return None
    return res


def _broadcast_in_dim(s: _Step) -> list[sympy.Expr] | None:
    bd = _norm_dims(s.args["broadcast_dimensions"], len(s.out))
    if bd is None or len(bd) != len(s.ins):
        return None
    res: list[sympy.Expr] = []
    for k, n in enumerate(s.ins):
        if s.prover.is_one(n):
            res.append(_ZERO)
        elif _eq(n, s.out[bd[k]]):
            res.append(s.idx[bd[k]])
        else:
            return None
    return res


def _offset_along(s: _Step, d: int, start: sympy.Expr, step: sympy.Expr = _ONE) -> list[sympy.Expr] | None:
    """Output position ``i`` along ``d`` is input position ``start + i*step``; other dims pass through."""
    if len(s.out) != len(s.ins) or any(
        not _eq(a, b) for k, (a, b) in enumerate(zip(s.out, s.ins, strict=True)) if k != d
    ):
        return None
    n, size = s.out[d], s.ins[d]
    if all(isinstance(x, sympy.Integer) for x in (start, step, n, size)) and n > 0:
        if start < 0 or start + (n - 1) * step >= size:  # our reading of the arguments contradicts the meta
            return None
    res = list(s.idx)
    res[d] = start + s.idx[d] * step
    return res


def _slice(s: _Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    d = _dim(s.args["dim"], n)
    if d is None or n == 0:
        return None
    size = s.ins[d]
    raw_start = s.args["start"]
    start = _wrap(_ZERO if raw_start is None else sym_expr(raw_start), size, s.prover, clamp=True)
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
    return _offset_along(s, d, start, step)


def _narrow(s: _Step) -> list[sympy.Expr] | None:
    d = _dim(s.args["dim"], len(s.ins))
    if d is None or not s.ins:
        return None
    start = _wrap(sym_expr(s.args["start"]), s.ins[d], s.prover, clamp=False)
    return None if start is None else _offset_along(s, d, start)


def _select_at(s: _Step, d: int | None, index: sympy.Expr | None) -> list[sympy.Expr] | None:
    if d is None or not s.ins or len(s.out) != len(s.ins) - 1:
        return None
    pos = _wrap(index, s.ins[d], s.prover, clamp=False)
    return None if pos is None else [*s.idx[:d], pos, *s.idx[d:]]


def _select(s: _Step) -> list[sympy.Expr] | None:
    return _select_at(s, _dim(s.args["dim"], len(s.ins)), sym_expr(s.args["index"]))


def _unsqueeze(s: _Step) -> list[sympy.Expr] | None:
    d = _dim(s.args["dim"], len(s.out))
    if d is None or len(s.out) != len(s.ins) + 1:
        return None
    return [*s.idx[:d], *s.idx[d + 1 :]]


def _squeeze(s: _Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    if n == 0:
        return [] if not s.out else None
    if s.name == "aten.squeeze.default":
        cand: list[int] | None = list(range(n))
    elif s.name == "aten.squeeze.dim":
        d = _dim(s.args["dim"], n)
        cand = None if d is None else [d]
    else:  # aten.squeeze.dims (`dim`), prims.squeeze (`dimensions`)
        cand = _norm_dims(s.args.get("dim", s.args.get("dimensions")), n)
    if cand is None:
        return None
    removed = {d for d in cand if s.prover.is_one(s.ins[d])}
    if n - len(removed) != len(s.out):
        return None
    it = iter(s.idx)
    return [_ZERO if d in removed else next(it) for d in range(n)]


def _flip(s: _Step) -> list[sympy.Expr] | None:
    dims = _norm_dims(s.args["dims"], len(s.ins))
    if dims is None or len(s.out) != len(s.ins):
        return None
    if not s.ins:
        return []
    res = list(s.idx)
    for d in set(dims):
        res[d] = s.ins[d] - 1 - s.idx[d]
    return res


def _repeat(s: _Step) -> list[sympy.Expr] | None:
    lead = len(s.out) - len(s.ins)
    if lead < 0:
        return None
    return [_mod(s.idx[k + lead], _ONE, n, s.ranges) for k, n in enumerate(s.ins)]


def _diagonal(s: _Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    d1, d2, off = _dim(s.args["dim1"], n), _dim(s.args["dim2"], n), s.args["offset"]
    if d1 is None or d2 is None or d1 == d2 or not isinstance(off, int) or len(s.out) != n - 1:
        return None
    res: list[sympy.Expr] = [_ZERO] * n
    for k, e in zip((k for k in range(n) if k not in (d1, d2)), s.idx[:-1], strict=True):
        res[k] = e
    res[d1] = s.idx[-1] + max(-off, 0)
    res[d2] = s.idx[-1] + max(off, 0)
    return res


def _unfold(s: _Step) -> list[sympy.Expr] | None:
    n = len(s.ins)
    d, step = _dim(s.args["dimension"], n), sym_expr(s.args["step"])
    if d is None or n == 0 or step is None or len(s.out) != n + 1:
        return None
    res = list(s.idx[:n])
    res[d] = s.idx[d] * step + s.idx[n]
    return res


# Ops whose result is a fresh tensor (storage offset 0) although we treat them as element maps.
_FRESH = frozenset(
    {
        "aten.clone.default",
        "aten._to_copy.default",
        "aten.lift_fresh_copy.default",
        "aten.repeat.default",
        "aten.flip.default",
        _CAT_NAME,
    }
)


def _storage_offset(inp: torch.fx.Node, val: torch.Tensor) -> sympy.Expr | None:
    """The input's storage offset, where we can vouch for it.

    A non-view node's meta is all we have (for graph inputs it mirrors the real input under fake tracing); a
    fresh copy starts at 0. A view's offset depends on the chain below it, which metas do not always get right
    (real-mode ``make_fx`` drops it), so we do not guess.
    """
    if not is_view_like(inp):
        return sym_expr(val.storage_offset())
    if inp.op == "call_function" and _op_name(inp.target) in _FRESH:
        return _ZERO
    return None


def _as_strided(s: _Step) -> list[sympy.Expr] | None:
    """Strides address the input's storage; only a contiguous input lets us read them as a logical flat index."""
    val = s.inp_val
    if not isinstance(val, torch.Tensor):
        return None
    strides = _shape_exprs(val.stride())
    stride_arg = s.args["stride"]
    new_strides = _shape_exprs(stride_arg) if isinstance(stride_arg, (list, tuple)) else None
    if strides is None or new_strides is None or len(new_strides) != len(s.out):
        return None
    for d, (n, st) in enumerate(zip(s.ins, strides, strict=True)):
        if n != 1 and not _eq(st, _prod(s.ins[d + 1 :])):
            return None
    # Offset relative to the input's first element: absent means "the input's own".
    so = s.args["storage_offset"]
    rel: sympy.Expr | None = _ZERO
    if so is not None:
        absolute, base = sym_expr(so), _storage_offset(s.inp, val)
        rel = None if absolute is None or base is None else absolute - base
    if rel is None or not all(s.prover.nonneg(st) for st in new_strides):
        return None
    numel = _prod(s.ins)
    if not any(n == 0 for n in s.out):  # a nonempty result must stay inside the input's elements
        last = rel + sympy.Add(*((n - 1) * st for n, st in zip(s.out, new_strides, strict=True)))
        if not s.prover.nonneg(rel) or not s.prover.positive(numel - last):
            return None
    flat = rel + sympy.Add(*(e * st for e, st in zip(s.idx, new_strides, strict=True)))
    return _reshape([flat], (numel,), s.ins, s.ranges)


def _to_copy(s: _Step) -> list[sympy.Expr] | None:
    return _identity(s)  # is_view_like admitted it only when the dtype does not change


def _same_dtype(node: torch.fx.Node) -> bool:
    inp = node.args[0] if node.args else None
    a, b = _meta_val(node), _meta_val(inp) if isinstance(inp, torch.fx.Node) else None
    return isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.dtype == b.dtype


_HANDLERS: dict[str, _Handler] = {
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
    "aten.slice.Tensor": _slice,
    "aten.narrow.default": _narrow,
    "aten.select.int": _select,
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
    "aten.as_strided.default": _as_strided,
    **dict.fromkeys(("aten.flip.default", "prims.rev.default"), _flip),
    "aten.repeat.default": _repeat,
    "aten.diagonal.default": _diagonal,
    "aten.unfold.default": _unfold,
}


def _split_offset(name: str, args: dict[str, Any], k: int, parts: Any, dim: int) -> sympy.Expr | None:
    """Start of output ``k`` along the split dim: from the arguments, else from the outputs' meta sizes."""
    if name in ("aten.split.Tensor", "aten.unsafe_split.Tensor"):
        size = sym_expr(args["split_size"])
        return None if size is None else size * k
    if name in ("aten.split.sizes", "aten.split_with_sizes.default", "aten.unsafe_split_with_sizes.default"):
        sizes = args.get("split_sizes", args.get("split_size"))
        if not isinstance(sizes, (list, tuple)) or k > len(sizes):
            return None
        exprs = _shape_exprs(sizes[:k])
        return None if exprs is None else sympy.Add(*exprs)
    # chunk / tensor_split: outputs tile the dim in order.
    if not isinstance(parts, (list, tuple)) or k > len(parts):
        return None
    before = [p.shape[dim] for p in parts[:k] if isinstance(p, torch.Tensor) and p.dim() > dim]
    exprs = _shape_exprs(before) if len(before) == k else None
    return None if exprs is None else sympy.Add(*exprs)


_MULTI: frozenset[str] = frozenset(
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


# --------------------------------------------------------------------------------------------------------------
# the walk


def is_view_like(node: torch.fx.Node) -> bool:
    """Whether each element of ``node`` is an element of its input(s), at a position given by the op alone.

    True for views, value-preserving copies (clone, same-dtype ``_to_copy``) and gathers with static index maps
    (cat, repeat, flip, ``getitem`` of split/unbind). Says nothing about whether ``element_map`` understands the
    arguments.
    """
    if node.op != "call_function":
        return False
    if node.target is operator.getitem:
        parent, k = (*node.args, None, None)[:2]
        return (
            isinstance(parent, torch.fx.Node)
            and isinstance(k, int)
            and parent.op == "call_function"
            and _op_name(parent.target) in _MULTI
        )
    name = _op_name(node.target)
    if name == "aten._to_copy.default":
        return _same_dtype(node)
    return name is not None and (name in _HANDLERS or name == _CAT_NAME)


_Walk = tuple[torch.fx.Node, tuple[sympy.Expr, ...], Sizes, tuple[str, ...]]


class _Walker:
    def __init__(self, ranges: Ranges, max_depth: int) -> None:
        self.ranges = ranges
        self.max_depth = max_depth
        self.prover = _Prover()

    def walk(self, node: torch.fx.Node, idx: Sequence[sympy.Expr], depth: int) -> _Walk | None:
        """Map ``idx`` (an index of view-like ``node``) down to the first non-view-like ancestor."""
        if depth >= self.max_depth:
            return None
        out = _sizes(node)
        if out is None or len(out) != len(idx):
            return None
        self.prover.learn(node)
        if node.target is operator.getitem:
            parent, k = node.args[0], node.args[1]
            assert isinstance(parent, torch.fx.Node) and isinstance(k, int)
            name, target, args, kwargs = _op_name(parent.target) or "", parent.target, parent.args, parent.kwargs
        else:
            name, target, args, kwargs = _op_name(node.target) or "", node.target, node.args, node.kwargs
        bound = _bind(target, args, kwargs)
        if bound is None:
            return None
        if name == _CAT_NAME:
            return self._cat(bound, idx, out, depth)
        inp = bound.get("self", bound.get("a"))
        if not isinstance(inp, torch.fx.Node):
            return None
        ins = _sizes(inp)
        if ins is None:
            return None
        self.prover.learn(inp)
        step = _Step(name, bound, list(idx), out, ins, self.ranges, inp, _meta_val(inp), self.prover)
        if node.target is operator.getitem:
            in_idx = self._getitem(step, node.args[1], _meta_val(node.args[0]))  # type: ignore[arg-type]
        else:
            in_idx = _HANDLERS[name](step)
        if in_idx is None or len(in_idx) != len(ins):
            return None
        return self._continue(inp, tuple(in_idx), ins, name, depth)

    def _continue(
        self, inp: torch.fx.Node, in_idx: tuple[sympy.Expr, ...], ins: Sizes, name: str, depth: int
    ) -> _Walk | None:
        if not is_view_like(inp):
            return inp, in_idx, ins, (name,) if name else ()
        sub = self.walk(inp, in_idx, depth + 1)
        return None if sub is None else (sub[0], sub[1], sub[2], (name, *sub[3]) if name else sub[3])

    def _getitem(self, s: _Step, k: int, parts: Any) -> list[sympy.Expr] | None:
        n = len(s.ins)
        d = _dim(s.args.get("dim", 0), n)
        if d is None or n == 0:
            return None
        if k < 0:
            return None  # FX graphs index outputs from 0; anything else we do not read
        if s.name == "aten.unbind.int":
            return _select_at(s, d, sympy.Integer(k))
        start = _split_offset(s.name, s.args, k, parts, d)
        return None if start is None else _offset_along(s, d, start)

    def _cat(self, args: dict[str, Any], idx: Sequence[sympy.Expr], out: Sizes, depth: int) -> _Walk | None:
        """Each input is walked with a fresh symbol for its cat-dim position; the results are joined with Where."""
        tensors, d = args["tensors"], _dim(args["dim"], len(out))
        if not isinstance(tensors, (list, tuple)) or d is None or not out:
            return None
        e = idx[d]
        offset: sympy.Expr = _ZERO
        branches: list[tuple[sympy.Expr, _Walk]] = []
        for t in tensors:
            ts = _sizes(t) if isinstance(t, torch.fx.Node) else None
            if ts is None:
                return None
            if len(ts) == 1 and ts[0] == 0 and len(out) != 1:
                continue  # legacy 1-d empty input, skipped by ATen
            if len(ts) != len(out) or ts[d] == 0:
                if len(ts) != len(out):
                    return None
                continue
            u = sympy.Dummy("cat", integer=True, nonnegative=True)
            self.ranges[u] = ts[d]
            sub = self._continue(t, (*idx[:d], u, *idx[d + 1 :]), ts, "", depth)
            if sub is None:
                return None
            src_idx = tuple(x.xreplace({u: e - offset}) for x in sub[1])
            offset = offset + ts[d]
            branches.append((offset, (sub[0], src_idx, sub[2], sub[3])))
        if not branches or any(b[1][0] is not branches[0][1][0] for b in branches):
            return None  # no input, or inputs from different sources: no single source node
        source, result, source_sizes, _ = branches[-1][1]
        combined = list(result)
        for end, (_, bidx, _, _) in reversed(branches[:-1]):
            combined = [a if _eq(a, b) else Where(sympy.Lt(e, end), a, b) for a, b in zip(bidx, combined, strict=True)]
        ops = (_CAT_NAME, *(op for _, b in branches for op in b[3]))
        return source, tuple(combined), source_sizes, ops


def element_map(node: torch.fx.Node, *, prefix: str = "i", max_depth: int = 64) -> ElementMap | None:
    """Walk view-like producers from ``node`` back to the first non-view node.

    None if ``node`` is not view-like, an op in the chain is not understood (arguments we cannot read, symbolic
    quantities whose sign decides the result, a non-contiguous ``as_strided`` base, a cat of different sources),
    sizes are unknown, or the chain is longer than ``max_depth``.
    """
    if not is_view_like(node):
        return None
    sizes = _sizes(node)
    if sizes is None:
        return None
    index = tuple(sympy.Symbol(f"{prefix}{d}", integer=True, nonnegative=True) for d in range(len(sizes)))
    walker = _Walker(dict(zip(index, sizes, strict=True)), max_depth)
    try:
        res = walker.walk(node, index, 0)
    except Exception:  # malformed arguments (hand-built graphs), sympy giving up: not understood
        return None
    if res is None:
        return None
    source, source_index, source_sizes, ops = res
    return ElementMap(source, index, sizes, source_index, source_sizes, (), ops)


def flat_source_offset(m: ElementMap) -> sympy.Expr:
    """Row-major offset of ``m.source_index`` in ``m.source_sizes``: one expression to compare two maps by.

    Digits of one unravelled quantity are joined back, so e.g. ``x.view(-1)`` gives just ``i0``.
    """
    ranges = dict(zip(m.index, m.sizes, strict=True))
    return _join_digits(_ravel(m.source_index, m.source_sizes), ranges)


def _only_factor(t: sympy.Expr, kinds: tuple[type, ...]) -> sympy.Expr | None:
    found = [f for f in sympy.Mul.make_args(t) if isinstance(f, kinds)]
    return found[0] if len(found) == 1 else None


def _join_digits(e: sympy.Expr, ranges: Ranges) -> sympy.Expr:
    """Fold adjacent digits of a mixed-radix number together (inductor's ``join_dimensions``).

    ``c*MI(x, b, m) + c*m*MI(x, b*m, n) -> c*MI(x, b, m*n)`` and ``c*MI(x, b, m) + c*m*(x // (b*m)) -> c*(x // b)``,
    until nothing folds; ``x // 1`` is ``x``.
    """
    terms = list(sympy.Add.make_args(sympy.expand(e)))
    for _ in range(64):  # each fold shrinks the expression; the cap only bounds pathological inputs
        folded = _fold_once(terms, ranges)
        if folded is None:
            break
        terms = folded
    return sympy.Add(*terms)


def _fold_once(terms: list[sympy.Expr], ranges: Ranges) -> list[sympy.Expr] | None:
    for t in terms:
        f = _only_factor(t, (ModularIndexing,))
        if f is None:
            continue
        x, b, m = f.args
        c = t / f
        for u in terms:
            g = _only_factor(u, (ModularIndexing, FloorDiv)) if u is not t else None
            if g is None or g.args[0] != x or not _eq(g.args[1], b * m) or not _eq(u / g, c * m):
                continue
            joined = _mod(x, b, m * g.args[2], ranges) if isinstance(g, ModularIndexing) else _floordiv(x, b, ranges)
            rest = [v for v in terms if v is not t and v is not u]
            return rest + list(sympy.Add.make_args(sympy.expand(c * joined)))
    return None

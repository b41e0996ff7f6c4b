"""Compare one value of the after-graph with the before-graph and the float64 reference.

IEEE rules: a NaN in after where before has none ("new NaN"), or the reverse ("lost NaN"),
diverges; an infinity must keep its sign and position, and a finite before-value may not become
infinite ("overflow") or zero ("underflow") in the program's own dtype; -0.0 vs +0.0 is reported
as its own kind ("signed-zero"), which the caller judges by the op that produced the zero
(``_signed_zero``). Integers and bools compare exactly; shapes and dtypes must match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..fx import real_view
from ._tolerance import Tolerance


@dataclass
class Mismatch:
    where: str  # "output 0", "input 3 (mutated)", "node add_1"
    # value | nan | inf | overflow | underflow | signed-zero | shape | dtype | int | type | input_alias |
    # output_alias | error
    kind: str
    detail: str
    count: int = 0  # elements out of tolerance
    total: int = 0
    max_abs_err: float = 0.0
    index: tuple[int, ...] | None = None
    before: float | None = None
    after: float | None = None
    reference: float | None = None
    allowed: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _item(t: torch.Tensor, idx: tuple[int, ...]) -> float:
    return float(t[idx].item()) if t.dim() else float(t.item())


def _first(mask: torch.Tensor) -> tuple[int, ...]:
    nz = mask.nonzero()
    return tuple(int(i) for i in nz[0]) if nz.numel() else ()


def _equal_with_signs(b: torch.Tensor, a: torch.Tensor) -> bool:
    """Whether two floating tensors hold the same values, the sign of every zero included.

    ``torch.equal`` is one pass without float64 copies; NaN makes it False (the full rules then
    judge), and -0.0 == 0.0 for it, hence the sign check.
    """
    if b.data_ptr() == a.data_ptr() and b.stride() == a.stride():
        return True  # one tensor seen twice (an input neither side wrote): nothing to compare
    return bool(torch.equal(b, a)) and bool(torch.equal(torch.signbit(b), torch.signbit(a)))


def compare_values(
    where: str, before: Any, after: Any, ref: Any, tol: Tolerance, *, magnitude: Any = None
) -> list[Mismatch]:
    """``magnitude``: what each element was summed from (``_magnitude``), or None."""
    if isinstance(before, torch.Tensor) or isinstance(after, torch.Tensor):
        if not (isinstance(before, torch.Tensor) and isinstance(after, torch.Tensor)):
            return [Mismatch(where, "type", f"{type(before).__name__} became {type(after).__name__}")]
        ref_t = ref if isinstance(ref, torch.Tensor) else None
        mag = magnitude if isinstance(magnitude, torch.Tensor) else None
        return compare_tensors(where, before, after, ref_t, tol, magnitude=mag)
    if isinstance(before, torch.SymInt) or isinstance(after, torch.SymInt):
        before, after = int(before), int(after)
    if type(before) is not type(after) and not (isinstance(before, (int, float)) and isinstance(after, (int, float))):
        return [Mismatch(where, "type", f"{type(before).__name__} became {type(after).__name__}")]
    if before != after and not (isinstance(before, float) and before != before and after != after):
        return [Mismatch(where, "int", f"{before!r} became {after!r}")]
    return []


def _masked(
    where: str, kind: str, what: str, mask: torch.Tensor, b: torch.Tensor, a: torch.Tensor, r: torch.Tensor | None
) -> Mismatch | None:
    """A mismatch for the elements in ``mask`` (None if it is empty), shown at the first one."""
    if not bool(mask.any()):
        return None
    idx = _first(mask)
    return Mismatch(
        where,
        kind,
        what,
        int(mask.sum()),
        mask.numel(),
        index=idx,
        before=_item(b, idx),
        after=_item(a, idx),
        reference=_item(r, idx) if r is not None else None,
    )


def compare_tensors(
    where: str,
    b: torch.Tensor,
    a: torch.Tensor,
    ref: torch.Tensor | None,
    tol: Tolerance,
    *,
    magnitude: torch.Tensor | None = None,
) -> list[Mismatch]:
    if b.shape != a.shape:
        return [Mismatch(where, "shape", f"shape {tuple(b.shape)} became {tuple(a.shape)}")]
    if b.dtype != a.dtype:
        return [Mismatch(where, "dtype", f"dtype {b.dtype} became {a.dtype}")]
    b, a = b.detach().cpu(), a.detach().cpu()
    if b.is_complex():
        b, a = real_view(b), real_view(a)
        ref = real_view(ref.detach().cpu()) if ref is not None and ref.is_complex() else None
    if not b.is_floating_point():
        found = _masked(where, "int", "integer/bool values differ", b != a, b, a, None)
        return [found] if found else []
    if _equal_with_signs(b, a):
        return []  # no rule below can flag a value equal to the before side (checked in one pass)
    b64, a64 = b.double(), a.double()
    r = ref.detach().cpu().double() if ref is not None and ref.shape == b.shape else b64
    nan_b, nan_a = torch.isnan(b64), torch.isnan(a64)
    inf_bad = (torch.isinf(b64) | torch.isinf(a64)) & ~nan_a & ~nan_b & (b64 != a64)
    fin_b = torch.isfinite(b64)
    # Overflow and underflow are judged in the program's own dtype: the before-graph, run in that
    # dtype, is the yardstick (docs/tolerance.md), whatever the float64 reference says.
    overflow = fin_b & torch.isinf(a64)
    # near the subnormal range only: elsewhere a zero for a small value is rounding, which the
    # value tolerance judges
    tiny = float(torch.finfo(b.dtype).tiny) * 2.0**10
    underflow = fin_b & (a64 == 0) & (b64 != 0) & (b64.abs() < tiny) & ((b64 - r).abs() <= 0.5 * r.abs())
    rules = (
        ("nan", "new NaN", nan_a & ~nan_b),
        ("nan", "lost NaN", nan_b & ~nan_a),
        ("overflow", f"overflows to infinity in {b.dtype} where the before-graph is finite", overflow),
        ("inf", "infinity differs", inf_bad & ~overflow),
        ("underflow", f"underflows to zero in {b.dtype} where the before-graph is not zero", underflow),
    )
    out = [m for kind, what, mask in rules if (m := _masked(where, kind, what, mask, b64, a64, r))]
    finite = torch.isfinite(b64) & torch.isfinite(a64) & torch.isfinite(r) & ~underflow
    if bool(finite.any()):
        rf = torch.where(finite, r, torch.zeros_like(r))
        err_b = torch.where(finite, (b64 - r).abs(), torch.zeros_like(r))
        err_a = torch.where(finite, (a64 - r).abs(), torch.zeros_like(r))
        rms = float(rf.pow(2).mean().sqrt()) if rf.numel() else 0.0
        size = rf.abs()
        if magnitude is not None and ref is not None and magnitude.shape == b.shape:
            # a reduced value's rounding noise scales with what it summed, not with its own size
            mag = magnitude.detach().cpu().double()
            size = torch.maximum(size, torch.where(finite & torch.isfinite(mag), mag, torch.zeros_like(mag)))
        allowed = tol.rtol * (size + rms) + tol.before_factor * float(err_b.max())
        if tol.oracle_cap is not None and ref is not None:
            # elements the reference does not model: the after side is held to the before side
            unmodelled = err_b > tol.rtol * (size + rms) + tol.oracle_cap
            if bool(unmodelled.any()):
                bf = torch.where(finite, b64, torch.zeros_like(b64))
                rms_b = float(bf.pow(2).mean().sqrt())
                err_a = torch.where(unmodelled, (a64 - b64).abs(), err_a)
                allowed = torch.where(unmodelled, tol.rtol * (bf.abs() + rms_b), allowed)
        bad = finite & (err_a > allowed)
        if bool(bad.any()):
            idx = tuple(int(i) for i in torch.unravel_index(torch.where(bad, err_a - allowed, -1.0).argmax(), b.shape))
            out.append(
                Mismatch(
                    where,
                    "value",
                    "values differ beyond tolerance",
                    int(bad.sum()),
                    b.numel(),
                    max_abs_err=float(err_a[bad].max()),
                    index=idx,
                    before=_item(b64, idx),
                    after=_item(a64, idx),
                    reference=_item(r, idx),
                    allowed=_item(allowed, idx),
                )
            )
    # Only where the float64 reference has the before-graph's sign: a zero whose sign changes
    # with the precision it is computed in (underflow of a tiny product) defines nothing.
    sign_b = torch.signbit(b64)
    zero = (b64 == 0) & (a64 == 0) & (sign_b != torch.signbit(a64)) & (torch.signbit(r) == sign_b)
    if m := _masked(where, "signed-zero", "sign of zero differs", zero, b64, a64, r):
        out.append(m)
    return out


def alias_pairs(outputs: list[Any], inputs: list[Any]) -> set[tuple[str, int, int]]:
    """(kind, i, j) for outputs sharing storage with an input ("in") or memory with an earlier
    output ("out").

    An input's storage is the caller's: an output anywhere in it lets a write reach the caller's
    other views. Outputs made by the program may share a fresh storage (``unbind``'s pieces) and
    only alias one another where their elements' memory overlaps. Every pair is listed: a run
    whose output i shares with j and k is not another run's whose output i shares with k alone."""
    in_keys: dict[int, list[int]] = {}
    for j, v in enumerate(inputs):
        if (k := _storage(v)) is not None:
            in_keys.setdefault(k, []).append(j)
    spans = [_span(v) for v in outputs]
    pairs: set[tuple[str, int, int]] = set()
    for i, v in enumerate(outputs):
        pairs |= {("in", i, j) for j in in_keys.get(_storage(v) or -1, [])}
        pairs |= {("out", i, j) for j in range(i) if _shares_memory(v, outputs[j], spans[i], spans[j])}
    return pairs


def _storage(t: Any) -> int | None:
    if isinstance(t, torch.Tensor) and t.numel() > 0:
        return int(t.untyped_storage().data_ptr())
    return None


def _span(t: Any) -> tuple[int, int, int] | None:
    """(storage, first byte, end byte) of the memory a tensor's elements lie in."""
    k = _storage(t)
    if k is None:
        return None
    size = t.element_size()
    start = t.storage_offset() * size
    last = sum((n - 1) * abs(st) for n, st in zip(t.shape, t.stride(), strict=True))
    return k, start, start + (last + 1) * size


def _overlap(a: tuple[int, int, int] | None, b: tuple[int, int, int] | None) -> bool:
    return a is not None and b is not None and a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


# past this many elements two overlapping byte ranges count as shared memory without a look at
# the elements (interleaved columns are told apart below it)
_EXACT_OVERLAP = 1 << 22


def _offsets(t: torch.Tensor) -> torch.Tensor:
    """The storage offsets, in bytes, of every element of ``t``."""
    out = torch.full((), int(t.storage_offset()), dtype=torch.int64)
    for dim, (n, st) in enumerate(zip(t.shape, t.stride(), strict=True)):
        shape = [1] * t.dim()
        shape[dim] = n
        out = out + (torch.arange(n, dtype=torch.int64) * st).view(shape)
    return out.reshape(-1) * t.element_size()


def _shares_memory(x: Any, y: Any, sx: tuple[int, int, int] | None, sy: tuple[int, int, int] | None) -> bool:
    if not _overlap(sx, sy):  # also: not both tensors with elements
        return False
    if x.numel() + y.numel() > _EXACT_OVERLAP:
        return True
    size = max(x.element_size(), y.element_size())  # elements of other dtypes overlap within a word
    return bool(torch.isin(_offsets(x) // size, _offsets(y) // size).any())

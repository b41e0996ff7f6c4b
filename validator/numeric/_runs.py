"""Comparing two runs of one program (outputs, inputs after the run, aliasing) within tolerance."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ..fx import RunResult
from ._compare import Mismatch, alias_pairs, compare_values
from ._tolerance import Tolerance, tolerance_for


def compare_runs(
    b: RunResult,
    a: RunResult,
    r: RunResult | None,
    k: int,
    initial: Sequence[Any] | None = None,
    program_scale: float | None = None,
    benign_alias: Callable[[int, int], bool] | None = None,
    magnitudes: Callable[[], Sequence[Any] | None] | None = None,
    precisions: Sequence[torch.dtype | None] | None = None,
) -> list[Mismatch]:
    """Compare outputs, input states after the run, and new aliasing.

    With ``initial``, only inputs the before-side changed are compared (the after-side may
    reuse buffers it owns). ``program_scale``: see ``tolerance_for``. ``benign_alias(i, j)``:
    output i may come to share storage with input j without anyone seeing it. ``magnitudes``:
    the outputs' magnitudes (``_magnitude``), asked for only when an output strays beyond the
    tolerance without them (they cost a second float64 run). ``precisions``: each output's working
    precision (``_precision``), which sets how far the before side may stray from the reference
    before the reference is taken not to model the program (``tolerance_for``).
    """
    out: list[Mismatch] = []
    if len(b.outputs) != len(a.outputs):
        return [Mismatch("graph", "type", f"{len(b.outputs)} outputs became {len(a.outputs)}")]
    have_ref = r is not None
    mags: Sequence[Any] | None = None
    asked = False
    for i, (bv, av) in enumerate(zip(b.outputs, a.outputs, strict=True)):
        rv = r.outputs[i] if r is not None and i < len(r.outputs) else None
        working = precisions[i] if precisions is not None and i < len(precisions) else None
        tol = _tol(bv, k, have_ref, program_scale, working)
        found = compare_values(f"output {i}", bv, av, rv, tol)
        if magnitudes is not None and any(m.kind == "value" for m in found):
            if not asked:
                mags, asked = magnitudes(), True
            if mags is not None and i < len(mags) and mags[i] is not None:
                found = compare_values(f"output {i}", bv, av, rv, tol, magnitude=mags[i])
        out += found
    for i, (bv, av) in enumerate(zip(b.inputs_after, a.inputs_after, strict=False)):
        if isinstance(bv, torch.Tensor) and isinstance(av, torch.Tensor):
            if initial is not None and i < len(initial) and _unchanged(initial[i], bv):
                continue
            rv = r.inputs_after[i] if r is not None and i < len(r.inputs_after) else None
            out += compare_values(f"input {i} (after the run)", bv, av, rv, _tol(bv, k, have_ref, program_scale))
    new_alias = alias_pairs(a.outputs, a.inputs_after) - alias_pairs(b.outputs, b.inputs_after)
    for kind, i, j in sorted(new_alias):
        if kind == "in" and benign_alias is not None and benign_alias(i, j):
            continue
        if kind == "in":
            out.append(Mismatch(f"output {i}", "input_alias", f"now shares storage with input {j}"))
        else:
            out.append(Mismatch(f"output {i}", "output_alias", f"now shares memory with output {j}"))
    return out


def _unchanged(x: Any, y: torch.Tensor) -> bool:
    if not isinstance(x, torch.Tensor) or x.shape != y.shape:
        return False
    if x.is_floating_point():
        return bool(((x == y) | (torch.isnan(x) & torch.isnan(y))).all())
    return bool(torch.equal(x, y))


def _tol(
    v: Any, k: int, have_ref: bool, program_scale: float | None = None, working: torch.dtype | None = None
) -> Tolerance:
    dtype = v.dtype if isinstance(v, torch.Tensor) and v.is_floating_point() else torch.float32
    return tolerance_for(dtype, k, have_reference=have_ref, program_scale=program_scale, working=working)

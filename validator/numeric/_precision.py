"""Working precision: the least precise floating dtype a value was rounded to on its way.

An atan2 computed in float32 and cast to float64 is a float64 output with float32 accuracy: eager
strays from the float64 reference by float32 rounding there, which says nothing about whether the
reference models the program (``Tolerance.oracle_cap``). A computed value inherits the coarsest
precision of what it was computed from and adds its own dtype where its op rounds. What does not
round: the program's inputs (the float64 run widens them exactly), views, selections and casts to a
wider dtype. Integer and bool values pass no precision on: they are compared exactly, and a
comparison that rounding flips is a discrete change no tolerance covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import torch

from ..fx import flatten, target_base

# Ops whose result holds only values of their inputs (moved, selected or widened), never rounded
# ones, unless it is of a coarser dtype than every input (a narrowing cast).
_EXACT = frozenset(
    {
        "_to_copy", "_unsafe_view", "alias", "as_strided", "bfloat16", "cat", "chunk", "clone",
        "constant_pad_nd", "contiguous", "convert_element_type", "copy", "detach", "double", "expand",
        "flatten", "flip", "float", "gather", "getitem", "half", "index", "index_select", "lift_fresh_copy",
        "narrow", "permute", "repeat", "reshape", "roll", "select", "slice", "split", "split_with_sizes",
        "squeeze", "stack", "t", "to", "transpose", "type_as", "unbind", "unflatten", "unsqueeze", "view",
        "where",
    }
)  # fmt: skip


def _eps(d: torch.dtype) -> float:
    return float(torch.finfo(d).eps)


def coarsest(dtypes: Iterable[torch.dtype | None]) -> torch.dtype | None:
    """The least precise of ``dtypes`` (complex64 counts as float32), None if there is none."""
    return max((d for d in dtypes if d is not None), key=_eps, default=None)


def floating_dtypes(value: Any) -> list[torch.dtype]:
    """The dtypes of the floating and complex tensors in ``value`` (a tensor, tuple, ...)."""
    tensors = [t for t in flatten(value) if isinstance(t, torch.Tensor)]
    return [t.dtype for t in tensors if t.is_floating_point() or t.is_complex()]


def result_precision(
    op: Any, inputs: Sequence[tuple[torch.dtype, torch.dtype | None]], outputs: Sequence[torch.dtype] | None
) -> torch.dtype | None:
    """The working precision of what ``op`` returns. ``inputs``: each floating input's dtype and
    working precision; ``outputs``: the floating dtypes it returns (None: not known, so only what
    the inputs carry)."""
    carried = coarsest(p for _, p in inputs)
    if outputs is None:
        return carried
    if not outputs:
        return None
    if getattr(op, "is_view", False) or target_base(op) in _EXACT:
        widest = min((_eps(d) for d, _ in inputs), default=None)
        outputs = [d for d in outputs if widest is None or _eps(d) > widest]
    return coarsest([carried, *outputs])

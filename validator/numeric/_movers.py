"""Ops that move, copy, pick or reshape elements without computing new values.

A value such an op returns has the properties of the values it moved: the sign of a zero
(``_signed_zero``), the magnitude of what was summed into it (``_magnitude``).
"""

from __future__ import annotations

MOVERS = frozenset(
    {
        "view",
        "_unsafe_view",
        "reshape",
        "permute",
        "transpose",
        "t",
        "expand",
        "squeeze",
        "unsqueeze",
        "flatten",
        "unflatten",
        "clone",
        "contiguous",
        "alias",
        "detach",
        "to",
        "_to_copy",
        "convert_element_type",
        "slice",
        "select",
        "narrow",
        "index",
        "index_select",
        "gather",
        "cat",
        "stack",
        "split",
        "split_with_sizes",
        "chunk",
        "unbind",
        "repeat",
        "flip",
        "roll",
        "as_strided",
        "copy",
        "view_copy",
        "expand_copy",
        "permute_copy",
        "transpose_copy",
        "squeeze_copy",
        "unsqueeze_copy",
        "slice_copy",
        "select_copy",
    }
)

"""Python source that rebuilds a value exactly: tensors (dtype, shape, strides, every value,
-0.0, inf, nan; float reprs round-trip exactly), numbers, dtypes, devices, lists and tuples.

``encodable`` says which values ``literal`` can write; the shrinker only feeds a cut node's
recorded value when it is encodable, the repro script's printer writes them with ``literal``.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ...fx import is_fake

_SCALARS = (bool, int, float, str, type(None))


def encodable(v: Any) -> bool:
    """Whether ``literal`` can write ``v`` (strided, real tensors; scalars, dtypes, devices, sequences)."""
    if isinstance(v, torch.Tensor):
        return v.layout == torch.strided and not v.is_quantized and not is_fake(v)
    if isinstance(v, (list, tuple)):
        return all(encodable(x) for x in v)
    return isinstance(v, (*_SCALARS, torch.dtype, torch.device))


def float_literal(x: float) -> str:
    """A float's exact source; ``inf`` / ``nan`` are names the script defines."""
    # repr round-trips every double exactly and keeps -0.0
    return repr(x) if math.isfinite(x) else ("nan" if x != x else ("inf" if x > 0 else "-inf"))


def _data(x: Any, row_sep: str = ", ") -> str:
    if isinstance(x, list):
        return "[" + row_sep.join(_data(y) for y in x) + "]"
    if isinstance(x, float):
        return float_literal(x)
    return repr(x)


def _rows(x: Any) -> str:
    """Nested list source, one outermost row per line when it is long (readability only)."""
    flat = _data(x)
    if len(flat) <= 100 or not (isinstance(x, list) and x and isinstance(x[0], list)):
        return flat
    return _data(x, row_sep=",\n        ")


def literal(v: Any) -> str:
    """Python source that rebuilds ``v`` exactly (dtype, shape, strides, values, -0.0, inf, nan).

    Tensors become calls of the script's ``_t`` (and ``_c`` for complex) helpers.
    """
    if isinstance(v, torch.Tensor):
        t = v.detach().cpu()
        dev = "" if v.device.type == "cpu" else f", dev={str(v.device)!r}"
        stride = "" if t.is_contiguous() else f", stride={tuple(t.stride())!r}"
        shape = tuple(t.shape)
        if t.is_complex():
            real = torch.view_as_real(t.contiguous())
            return f"_c(_t({_rows(real.tolist())}, {real.dtype}, {tuple(real.shape)!r}){stride}{dev})"
        return f"_t({_rows(t.tolist())}, {t.dtype}, {shape!r}{stride}{dev})"
    if isinstance(v, float):
        return float_literal(v)
    if isinstance(v, (bool, int, str, type(None))):
        return repr(v)
    if isinstance(v, torch.dtype):
        return str(v)
    if isinstance(v, torch.device):
        return f"torch.device({str(v)!r})"
    if isinstance(v, (list, tuple)):
        inner = ", ".join(literal(x) for x in v)
        return (
            f"({inner},)"
            if isinstance(v, tuple) and len(v) == 1
            else (f"({inner})" if isinstance(v, tuple) else f"[{inner}]")
        )
    raise NotImplementedError(f"cannot write a {type(v).__name__} value into a repro script")

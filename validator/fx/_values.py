"""Small value utilities shared by capture and numeric checking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch


def clone_tensor(t: torch.Tensor) -> torch.Tensor:
    """A detached copy with the same sizes and strides (graphs may depend on layout)."""
    t = t.detach()
    try:
        out = torch.empty_strided(t.size(), t.stride(), dtype=t.dtype, device=t.device)
        out.copy_(t)
        return out
    except RuntimeError:  # overlapping (expanded) layouts cannot be copied into
        return t.clone()


def clone_value(v: Any) -> Any:
    if isinstance(v, torch.Tensor):
        return clone_tensor(v)
    if isinstance(v, torch.SymInt | torch.SymFloat | torch.SymBool):
        # Dynamo hands backends symbolic sizes; graphs run on their concrete values.
        from .. import _compat

        return _compat.concrete_int(v) if isinstance(v, torch.SymInt) else v.node.hint
    if isinstance(v, (list, tuple)):
        return type(v)(clone_value(x) for x in v)
    return v


def clone_inputs(values: Sequence[Any]) -> list[Any]:
    return [clone_value(v) for v in values]


def flatten(out: Any) -> list[Any]:
    """Graph outputs as a flat list (tuples/lists nested arbitrarily)."""
    if isinstance(out, (list, tuple)):
        flat: list[Any] = []
        for x in out:
            flat.extend(flatten(x))
        return flat
    return [out]


def is_fake(v: Any) -> bool:
    from torch._subclasses.fake_tensor import FakeTensor

    return isinstance(v, FakeTensor)


def describe(v: Any) -> str:
    if isinstance(v, torch.Tensor):
        return f"Tensor{tuple(v.shape)} {str(v.dtype).replace('torch.', '')}"
    return type(v).__name__ + (f"={v}" if isinstance(v, (int, float, bool)) else "")

"""Small value utilities shared by capture and numeric checking."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
import torch.utils._pytree as pytree


def clone_tensor(t: torch.Tensor) -> torch.Tensor:
    """A detached copy with the same sizes and strides (graphs may depend on layout)."""
    t = t.detach()
    try:
        out = torch.empty_strided(t.size(), t.stride(), dtype=t.dtype, device=t.device)
        out.copy_(t)
        return out
    except RuntimeError:  # overlapping (expanded) layouts cannot be copied into
        return t.clone()


def real_view(t: torch.Tensor) -> torch.Tensor:
    """A complex tensor as its real and imaginary parts (a last dimension of 2), other tensors as
    they are. The conjugate bit is resolved first: a conjugate view (a complex backward's output)
    has no real view."""
    return torch.view_as_real(t.resolve_conj()) if t.is_complex() else t


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
    """Graph or program outputs as a flat list: tuples and lists nested arbitrarily (None kept, so
    a graph's output positions stay put), mappings by their values (a Hugging Face ``ModelOutput``
    is one), containers torch's pytree knows (dataclasses, classes their library registered) by
    their leaves, and other objects by their attributes' values (a KV cache object holds its
    tensors in lists of layers): what a program returns is compared by what it holds, not by
    object identity."""
    flat: list[Any] = []
    _flatten_into(out, flat, depth=0, seen=set())
    return flat


def leaves(value: Any) -> Iterator[Any]:
    """The values nested in ``value``'s lists, tuples and dicts (an FX node's args and kwargs, a
    call's arguments), in order; unlike ``flatten``, nothing else is opened."""
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from leaves(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from leaves(v)
    else:
        yield value


def _plain_object(v: Any) -> bool:
    """An instance of a library's or the user's own class (not torch's, not a builtin): its
    attributes are what it holds."""
    module = type(v).__module__ or ""
    return (
        hasattr(v, "__dict__")
        and not callable(v)
        and not isinstance(v, type)
        and module.split(".")[0] not in ("torch", "builtins", "sympy", "numpy")
    )


_MAX_DEPTH = 8  # objects nest no deeper in practice; beyond it a value is compared as is


def _flatten_into(out: Any, flat: list[Any], depth: int, seen: set[int]) -> None:
    if isinstance(out, (list, tuple)):
        for x in out:
            _flatten_into(x, flat, depth, seen)
        return
    if out is None or isinstance(out, (torch.Tensor, int, float, complex, bool, str, bytes)) or depth >= _MAX_DEPTH:
        flat.append(out)
        return
    if id(out) in seen:  # a cycle, or the same object reached twice: its values are already in
        return
    if isinstance(out, Mapping):
        seen.add(id(out))
        _flatten_into(list(out.values()), flat, depth + 1, seen)
    elif type(out) in pytree.SUPPORTED_NODES:
        seen.add(id(out))
        _flatten_into(pytree.tree_leaves(out), flat, depth + 1, seen)
    elif _plain_object(out):
        seen.add(id(out))
        _flatten_into([v for k, v in sorted(vars(out).items()) if not k.startswith("__")], flat, depth + 1, seen)
    else:
        flat.append(out)


def is_fake(v: Any) -> bool:
    from torch._subclasses.fake_tensor import FakeTensor

    return isinstance(v, FakeTensor)


def describe(v: Any) -> str:
    if isinstance(v, torch.Tensor):
        return f"Tensor{tuple(v.shape)} {str(v.dtype).replace('torch.', '')}"
    return type(v).__name__ + (f"={v}" if isinstance(v, (int, float, bool)) else "")

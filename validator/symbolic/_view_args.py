"""What the element-map walk reads off an FX node: its sizes as sympy expressions, its arguments by name.

Sizes come from the node's recorded value (``validator.fx.meta_value``), else its ``tensor_meta``; a graph
without meta gets them by re-running its side-effect-free ATen ops on meta tensors (static shapes only).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

import sympy
import torch
import torch.fx

from .. import _compat
from ..fx import meta_value

Sizes = tuple[sympy.Expr, ...]
Ranges = dict[sympy.Symbol, sympy.Expr]  # index symbol -> its extent (0 <= symbol < extent)

_MAX_REPLAY_DEPTH = 64  # how far back a graph without meta is re-run to learn one node's sizes


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
        return sym_expr(meta_value(v))
    return None


def shape_exprs(shape: Sequence[Any]) -> Sizes | None:
    """Every size as a sympy expression, or None if any one is not an integer quantity."""
    out = [sym_expr(s) for s in shape]
    return None if any(e is None for e in out) else tuple(e for e in out if e is not None)


def sizes_of(node: torch.fx.Node) -> Sizes | None:
    """The node's sizes from its meta; without meta, from running the op on meta tensors (static shapes only)."""
    val = meta_value(node)
    if isinstance(val, torch.Tensor):
        return shape_exprs(val.shape)
    tm = node.meta.get("tensor_meta")
    if tm is not None and hasattr(tm, "shape"):
        return shape_exprs(tm.shape)
    if val is not None:
        return None
    fake = _fake(node, 0)
    return shape_exprs(fake.shape) if isinstance(fake, torch.Tensor) else None


def _fake(arg: Any, depth: int) -> Any:
    """A meta-device stand-in for a node's value, or None. Only for graphs whose nodes lack meta."""
    if not isinstance(arg, torch.fx.Node):
        return arg
    val = meta_value(arg)
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
        if arg.op != "call_function" or depth > _MAX_REPLAY_DEPTH:
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


def bind(target: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
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


def shape_env_of(node: torch.fx.Node) -> Any:
    """The ShapeEnv behind the first SymInt size or stride in the node's meta (None for static graphs)."""
    val = meta_value(node)
    return _compat.shape_env_of(val if isinstance(val, (list, tuple)) else [val])

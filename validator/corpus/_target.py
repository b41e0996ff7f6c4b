"""Targets: the code a pass is meant to rewrite, planted into generated programs so it fires.

A target is a search function with example inputs: a ``register_replacement`` search function
as given, or one built from a pattern-matcher pattern (``CallFunction(aten.mm, KeywordArg("a"),
...)``) by calling its ops on tensor leaves. Planted copies keep the example's shape relations
(every distinct size is renamed consistently) but draw new sizes, and may take their operands
from earlier ops of the program.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from hypothesis import strategies as st

from .. import _compat
from ._builder import DIMS, Builder, Draw, finite

# Leaf shapes tried for a pattern built from a PatternExpr, until its ops accept them.
_LEAF_SHAPES = ((4, 4), (8,), (2, 4, 4), (2, 2, 4, 4), (4, 8), (1, 4, 4))


@dataclass(frozen=True)
class Target:
    name: str  # how generated code calls it
    fn: Callable[..., Any]
    example_inputs: tuple[Any, ...]


def plant(draw: Draw, b: Builder, target: Target) -> bool:
    """Call ``target`` on operands of the example's shapes (sizes redrawn consistently)."""
    tensors = [x for x in target.example_inputs if isinstance(x, torch.Tensor)]
    sizes = sorted({int(s) for t in tensors for s in t.shape})
    rename = {s: draw(st.sampled_from((s, *DIMS))) if s > 1 else s for s in sizes}
    args: list[str] = []
    for x in target.example_inputs:
        if not isinstance(x, torch.Tensor):
            args.append(repr(x))
            continue
        shape = tuple(rename[int(s)] for s in x.shape)
        # Distinct operands: f(x, x) hides operand-order bugs.
        taken = frozenset(id(b.env[a]) for a in args if a in b.env)

        def fits(
            t: torch.Tensor, s: tuple[int, ...] = shape, d: torch.dtype = x.dtype, used: frozenset[int] = taken
        ) -> bool:
            return tuple(t.shape) == s and t.dtype == d and id(t) not in used

        same = b.pick(draw, fits)
        if same is not None and draw(st.booleans()):
            args.append(same)
        elif x.dtype.is_floating_point or x.dtype.is_complex:
            args.append(b.new_input(shape, x.dtype))
        else:  # an integer (index) operand: keep its values in the example's range
            args.append(b.new_input(shape, x.dtype, index_bound=max(int(x.max()) + 1, 1) if x.numel() else 1))
    names = [a for a in args if a in b.env]
    return b.emit("pattern", f"{target.name}({', '.join(args)})", names)


def target_from_pattern(pattern: Any, name: str) -> Target | None:
    """A search function for a pattern-matcher pattern, or None when its leaves cannot be tensors."""
    leaves: dict[str, int] = {}
    build = _builder(pattern, leaves)
    if build is None or not leaves:
        return None

    def search(*args: Any) -> Any:
        return build(args)

    for shape in _LEAF_SHAPES:
        g = torch.Generator().manual_seed(0)
        example = tuple(torch.randn(shape, generator=g) for _ in leaves)
        try:
            if finite(search(*example)):
                return Target(name, search, example)
        except Exception:
            continue
    return None


Build = Callable[[Sequence[Any]], Any]


def _builder(expr: Any, leaves: dict[str, int]) -> Build | None:
    pm = _compat.pattern_matcher_module()
    if isinstance(expr, (pm.KeywordArg, pm.ExclusiveKeywordArg)):
        i = leaves.setdefault(f"kw:{expr.name}", len(leaves))
        return lambda vals: vals[i]
    if isinstance(expr, (pm.Arg, pm.Ignored)):
        i = leaves.setdefault(f"arg:{len(leaves)}", len(leaves))
        return lambda vals: vals[i]
    if isinstance(expr, (pm.CallFunction, pm.CallMethod)):
        args = [_builder(a, leaves) for a in expr.args]
        kwargs = {k: _builder(v, leaves) for k, v in expr.kwargs.items()}
        if any(a is None for a in args) or any(v is None for v in kwargs.values()):
            return None
        fn = expr.fns[0]
        method = isinstance(expr, pm.CallMethod)

        def call(vals: Sequence[Any]) -> Any:
            a = [f(vals) for f in args]  # type: ignore[misc]
            k = {n: f(vals) for n, f in kwargs.items()}  # type: ignore[misc]
            return getattr(a[0], fn)(*a[1:], **k) if method else fn(*a, **k)

        return call
    if isinstance(expr, (list, tuple)):
        parts = [_builder(e, leaves) for e in expr]
        if any(p is None for p in parts):
            return None
        return lambda vals: type(expr)(p(vals) for p in parts)  # type: ignore[misc]
    if isinstance(expr, pm.PatternExpr):  # ListOf, MultiOutputPattern, CallModule, ...: not modelled
        return None
    return lambda vals: expr  # a literal argument

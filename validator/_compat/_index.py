"""Index arithmetic: inductor's size-variable rewrites, shape environments and sympy helpers."""

from __future__ import annotations

import contextlib
import functools
from typing import Any

import sympy
import torch
import torch.fx

from ._core import SIZEVARS_CLASS, module

# SizeVarAllocator methods whose results fxtv proves equal to their inputs. The instance-level
# caches (``simplify_with_ranges``, ``_simplify_loops``) call these class methods on a miss.
SIZEVAR_REWRITES = (
    "_simplify_with_ranges",
    "_simplify_loops_impl",
    "combine_modular_indexing_pairs",
    "expand_floor_div",
)


def sizevars_class() -> type | None:
    mod, _, name = SIZEVARS_CLASS.rpartition(".")
    with contextlib.suppress(Exception):
        return getattr(module(mod), name)  # type: ignore[no-any-return]
    return None


def index_symbol(name: str) -> Any:
    """A sympy symbol as inductor makes index variables (integer, non-negative)."""
    return module("torch._inductor.utils").sympy_index_symbol(name)


def sympy_subs(expr: Any, replacements: dict[Any, Any]) -> Any:
    """Inductor's ``sympy_subs``: substitution that keeps its symbols' assumptions."""
    return module("torch._inductor.utils").sympy_subs(expr, replacements)


def shape_env_ranges(shape_env: Any) -> dict[Any, tuple[Any, Any]]:
    """Symbol -> (lower, upper) sympy bounds of a ShapeEnv (may be +-int_oo)."""
    out: dict[Any, tuple[Any, Any]] = {}
    for sym, vr in dict(getattr(shape_env, "var_to_range", {}) or {}).items():
        with contextlib.suppress(Exception):
            out[sym] = (vr.lower, vr.upper)
    return out


def shape_env_axioms(shape_env: Any) -> tuple[Any, ...]:
    """Guards and deferred runtime asserts: facts the compiled code may rely on."""
    with contextlib.suppress(Exception):
        return tuple(shape_env.get_axioms())
    return ()


def shape_env_replacements(shape_env: Any) -> dict[Any, Any]:
    with contextlib.suppress(Exception):
        return dict(shape_env.replacements)
    return {}


def symint_expr(value: Any) -> Any:
    """The sympy expression behind a SymInt/SymBool, or the plain int."""
    if isinstance(value, torch.SymInt | torch.SymBool):
        return value.node.expr
    return value


def shape_env_of(values: Any) -> Any:
    """The ShapeEnv behind the first symbolic size found in ``values`` (tensors / SymInts)."""
    for v in values:
        items: list[Any] = []
        if isinstance(v, torch.Tensor):
            items = [*v.shape, *(v.stride() if v.layout == torch.strided else ())]
        elif isinstance(v, torch.SymInt):
            items = [v]
        for s in items:
            if isinstance(s, torch.SymInt):
                return s.node.shape_env
    return None


_IR_OWNERS = (("torch._inductor.ir", "Buffer"), ("torch._inductor.ir", "Operation"))
_SCHEDULER_OWNERS = (("torch._inductor.scheduler", "BaseSchedulerNode"),)


@functools.cache
def buffer_owner_classes() -> tuple[type, ...]:
    """Inductor classes whose ``get_name()`` names the buffer an index belongs to."""
    return _classes(_IR_OWNERS + _SCHEDULER_OWNERS)


@functools.cache
def ir_buffer_classes() -> tuple[type, ...]:
    """The IR buffers among those owners (not the scheduler's nodes that wrap them)."""
    return _classes(_IR_OWNERS)


def _classes(names: tuple[tuple[str, str], ...]) -> tuple[type, ...]:
    out: list[type] = []
    for mod, name in names:
        with contextlib.suppress(Exception):
            out.append(getattr(module(mod), name))
    return tuple(out)


def statically_true(shape_env: Any, cond: Any) -> bool:
    """Whether ``cond`` follows from the ShapeEnv's value ranges and guards (never adds a guard)."""
    try:
        if isinstance(cond, sympy.GreaterThan) and bool(shape_env.bound_sympy(cond.lhs - cond.rhs).lower >= 0):
            return True
        return bool(shape_env._maybe_evaluate_static(cond) == sympy.true)
    except Exception:  # symbols it does not know, or an API change: "cannot tell"
        return False

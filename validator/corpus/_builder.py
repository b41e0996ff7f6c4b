"""Builds a program statement by statement, running each one eagerly on the example inputs.

Running as we go is what keeps programs valid without a shape solver: a statement that raises
(bad shapes, unsupported dtype) or that turns the finite example inputs into a NaN or an Inf is
dropped. Every choice is a Hypothesis draw, so a failing program shrinks to fewer, simpler ops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from hypothesis import strategies as st

from ._program import InputSpec, Program, Statement

Draw = Callable[[st.SearchStrategy[Any]], Any]

DIMS = (4, 2, 3, 1, 5, 8)  # shrinks towards 4
MAX_NUMEL = 4096
INPUT_DTYPES = (torch.float32, torch.float64)


def finite(value: Any) -> bool:
    ts = value if isinstance(value, (tuple, list)) else (value,)
    for t in ts:
        if not isinstance(t, torch.Tensor) or t.numel() == 0 or t.numel() > MAX_NUMEL:
            return False
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            return False
    return True


class Builder:
    def __init__(
        self,
        namespace: dict[str, Callable[..., Any]] | None = None,
        seed: int = 0,
        input_dtypes: tuple[torch.dtype, ...] = INPUT_DTYPES,
    ) -> None:
        self.inputs: list[InputSpec] = []
        self.statements: list[Statement] = []
        self.env: dict[str, torch.Tensor] = {}
        self.pool: list[str] = []  # every tensor name, oldest first
        self.consumed: set[str] = set()
        self.namespace = dict(namespace or {})
        self.seed = seed
        self.input_dtypes = input_dtypes

    # ------------------------------------------------------------------ values
    def new_input(self, shape: tuple[int, ...], dtype: torch.dtype, index_bound: int | None = None) -> str:
        spec = InputSpec(f"x{len(self.inputs)}", tuple(shape), dtype, index_bound)
        self.inputs.append(spec)
        self.env[spec.name] = spec.make(self.seed)
        self.pool.append(spec.name)
        return spec.name

    def draw_input(self, draw: Draw) -> str:
        rank = draw(st.integers(1, 3))
        shape = tuple(draw(st.sampled_from(DIMS)) for _ in range(rank))
        return self.new_input(shape, draw(st.sampled_from(self.input_dtypes)))

    def pick(self, draw: Draw, ok: Callable[[torch.Tensor], bool] = lambda t: True) -> str | None:
        """A tensor of the pool accepted by ``ok``; the most recent first (what shrinking keeps)."""
        names = [n for n in reversed(self.pool) if ok(self.env[n])]
        if not names:
            return None
        return str(names[draw(st.integers(0, len(names) - 1))])

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self.env[name].shape)

    # ------------------------------------------------------------------ statements
    def emit(self, op: str, expr: str, operands: list[str]) -> bool:
        """Run ``expr`` on the example values; keep it as a statement if it is valid and finite."""
        scope = {"torch": torch, **self.namespace}
        inplace = expr.split("(")[0].endswith("_")
        try:
            if inplace:  # try it on copies first: a dropped in-place statement must change nothing
                trial = {n: self.env[n].clone() for n in operands}
                if not finite(eval(expr, scope, trial)):
                    return False
            value = eval(expr, scope, self.env)
        except Exception:
            return False
        if not finite(value):
            return False
        pieces = list(value) if isinstance(value, (tuple, list)) else [value]
        base = f"v{len(self.statements)}"
        targets = (base,) if len(pieces) == 1 and not isinstance(value, (tuple, list)) else tuple(
            f"{base}_{i}" for i in range(len(pieces))
        )
        if len(targets) > 1 and len(targets) != len(pieces):
            return False
        self.statements.append(Statement(targets, expr, op))
        for name, t in zip(targets, pieces, strict=True):
            self.env[name] = t
            self.pool.append(name)
        self.consumed.update(operands)
        return True

    def build(self, tags: tuple[str, ...] = ()) -> Program:
        if not self.statements:  # at least one op; neg fails on bool inputs, a copy never does
            x = self.pool[-1]
            self.emit("neg", f"torch.neg({x})", [x]) or self.emit("clone", f"torch.clone({x})", [x])
        produced = [t for s in self.statements for t in s.targets]
        outputs = [n for n in produced if n not in self.consumed] or [produced[-1]]
        return Program(
            tuple(i for i in self.inputs if i.name in self.consumed),  # unused inputs dropped
            tuple(self.statements),
            tuple(outputs[-4:]),
            tuple(sorted(self.namespace.items())),
            self.seed,
            tags,
        )

"""A generated program: typed inputs, straight-line torch statements, outputs; and its source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch


@dataclass(frozen=True)
class InputSpec:
    name: str
    shape: tuple[int, ...]
    dtype: torch.dtype
    index_bound: int | None = None  # an integer index input with values in [0, bound)

    def make(self, seed: int) -> torch.Tensor:
        # One generator per input: dropping an unused input leaves the others' values alone.
        g = torch.Generator().manual_seed(seed * 7919 + int(self.name.lstrip("x") or 0))
        if self.index_bound is not None:
            return torch.randint(0, self.index_bound, self.shape, generator=g, dtype=self.dtype)
        return torch.randn(self.shape, generator=g, dtype=torch.float64).to(self.dtype)


@dataclass(frozen=True)
class Statement:
    targets: tuple[str, ...]  # one name, or the names a tuple result is unpacked into
    expr: str
    op: str  # the OpSpec name (or "pattern")


@dataclass(frozen=True)
class Program:
    """Straight-line code over ``inputs``; ``namespace`` holds callables it refers to (a pattern)."""

    inputs: tuple[InputSpec, ...]
    statements: tuple[Statement, ...]
    outputs: tuple[str, ...]
    namespace: tuple[tuple[str, Callable[..., Any]], ...] = ()
    seed: int = 0
    tags: tuple[str, ...] = field(default=())

    @property
    def source(self) -> str:
        """The program as Python; a planted target is called by name, its origin in a comment."""
        args = ", ".join(i.name for i in self.inputs)
        lines = [f"# {name} = {_qualname(fn)}" for name, fn in self.namespace]
        lines.append(f"def program({args}):")
        for s in self.statements:
            lhs = s.targets[0] if len(s.targets) == 1 else ", ".join(s.targets)
            lines.append(f"    {lhs} = {s.expr}")
        lines.append(f"    return ({', '.join(self.outputs)},)")
        return "\n".join(lines)

    @property
    def ops(self) -> tuple[str, ...]:
        return tuple(s.op for s in self.statements)

    def fn(self) -> Callable[..., Any]:
        """A fresh Python function (a new code object, so Dynamo compiles it anew)."""
        env: dict[str, Any] = {"torch": torch, **dict(self.namespace)}
        exec(compile(self.source, f"<fxtv generated {abs(hash(self.source))}>", "exec"), env)
        fn: Callable[..., Any] = env["program"]
        return fn

    def make_inputs(self) -> tuple[torch.Tensor, ...]:
        return tuple(i.make(self.seed) for i in self.inputs)

    def describe(self) -> str:
        shapes = ", ".join(f"{i.name}: {str(i.dtype).removeprefix('torch.')}{list(i.shape)}" for i in self.inputs)
        return f"{len(self.statements)} ops ({shapes})"


def _qualname(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"

"""Declare-once registration of zoo cases: a decorator on each case's build function."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._build import Built, seeded
from ._case import ZooCase

Build = Callable[[], Built]


class Registry:
    """An ordered group of zoo cases; calling it gives the decorator that declares one.

    Each module of cases owns one registry::

        case = Registry()

        @case("mlp", "Linear -> ReLU -> Linear", tags=("nn",))
        def build_mlp() -> Built: ...

    and ``case.cases`` lists them in declaration order. The decorator returns ``build`` unchanged;
    the case's ``build`` seeds the global RNG with ``SEED`` first, so a builder draws its
    parameters and inputs without seeding and two builds are identical.
    """

    def __init__(self) -> None:
        self._cases: list[ZooCase] = []

    @property
    def cases(self) -> tuple[ZooCase, ...]:
        return tuple(self._cases)

    def __call__(
        self,
        name: str,
        description: str,
        *,
        tags: tuple[str, ...] = (),
        dynamic: bool = False,
        training: bool = False,
        config: Mapping[str, Any] | None = None,
    ) -> Callable[[Build], Build]:
        """Register ``build`` as the case ``name``; the fields are :class:`ZooCase`'s.

        ``config`` (inductor config keys) is stored sorted, as ``ZooCase.config`` wants.
        """
        if any(c.name == name for c in self._cases):
            raise ValueError(f"zoo case {name!r} is declared twice")

        def register(build: Build) -> Build:
            self._cases.append(
                ZooCase(
                    name=name,
                    description=description,
                    build=seeded(build),
                    dynamic=dynamic,
                    training=training,
                    tags=tags,
                    config=tuple(sorted((config or {}).items())),
                )
            )
            return build

        return register

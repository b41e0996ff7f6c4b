"""Declare-once registration of zoo cases: a decorator on each case's build function."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._build import Built, seeded
from ._case import ZooCase

Build = Callable[[], Built]


def builder_name(build: Build) -> str:
    """``<name>`` of the builder ``build_<name>``."""
    if not build.__name__.startswith("build_"):
        raise ValueError(f"{build.__qualname__}: a zoo builder is called build_<case name>")
    return build.__name__.removeprefix("build_")


class Registry:
    """An ordered group of zoo cases; calling it gives the decorator that declares one.

    Each module of cases owns one registry::

        case = Registry()

        @case(tags=("nn",))
        def build_mlp() -> Built:
            ...  # its docstring: "Linear -> ReLU -> Linear"

    A builder called ``build_<name>`` declares the case ``<name>``; its docstring is the case's
    description (one line of text however it is wrapped). ``case.cases`` lists the cases in
    declaration order. The decorator returns ``build`` unchanged; the case's ``build`` seeds the
    global RNG with ``SEED`` first, so a builder draws its parameters and inputs without seeding and
    two builds are identical.
    """

    def __init__(self) -> None:
        self._cases: list[ZooCase] = []

    @property
    def cases(self) -> tuple[ZooCase, ...]:
        return tuple(self._cases)

    def __call__(
        self,
        *,
        tags: tuple[str, ...] = (),
        dynamic: bool = False,
        training: bool = False,
        config: Mapping[str, Any] | None = None,
    ) -> Callable[[Build], Build]:
        """``@case(tags=..., ...)``: the decorator that registers a builder; the fields are :class:`ZooCase`'s."""

        def register(build: Build) -> Build:
            return self.add(build, tags=tags, dynamic=dynamic, training=training, config=config)

        return register

    def add(
        self,
        build: Build,
        *,
        name: str | None = None,
        tags: tuple[str, ...] = (),
        dynamic: bool = False,
        training: bool = False,
        config: Mapping[str, Any] | None = None,
    ) -> Build:
        """Register ``build`` as the case ``name`` (by default, the builder's name less ``build_``); returns it.

        ``config`` (inductor config keys) is stored sorted, as ``ZooCase.config`` wants.
        """
        name = name or builder_name(build)
        description = " ".join((build.__doc__ or "").split())
        if not description:
            raise ValueError(f"zoo case {name!r}: its builder needs a docstring (the case's description)")
        if any(c.name == name for c in self._cases):
            raise ValueError(f"zoo case {name!r} is declared twice")
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

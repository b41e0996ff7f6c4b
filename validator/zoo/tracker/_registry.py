"""Registration of real torch bugs taken from the public PyTorch tracker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._registry import Build, Registry, builder_name

REAL = Registry()  # ``REAL.cases``: every bug registered, in order


def bug(
    issue: int,
    *,
    dynamic: bool = False,
    training: bool = False,
    config: Mapping[str, Any] | None = None,
    random: bool = False,
) -> Callable[[Build], Build]:
    """Register the builder ``build_<slug>`` as the program of pytorch/pytorch#``issue``, the case
    ``real_<issue>_<slug>``.

    Its docstring says, in a sentence, what the compiled program gets wrong. It returns
    ``(fn_or_module, inputs)`` and, as every zoo case's, runs after the RNG is seeded.
    """
    tags = ("real", f"pytorch/pytorch#{issue}", *(("random",) if random else ()))

    def register(build: Build) -> Build:
        name = f"real_{issue}_{builder_name(build)}"
        return REAL.add(build, name=name, tags=tags, dynamic=dynamic, training=training, config=config)

    return register

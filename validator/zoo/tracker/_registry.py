"""Registration of real torch bugs taken from the public PyTorch tracker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._registry import Build, Registry

REAL = Registry()  # ``REAL.cases``: every bug registered, in order


def bug(
    issue: int,
    slug: str,
    what: str,
    *,
    dynamic: bool = False,
    training: bool = False,
    config: Mapping[str, Any] | None = None,
    random: bool = False,
) -> Callable[[Build], Build]:
    """Register ``build`` as the program of pytorch/pytorch#``issue``; the case is ``real_<issue>_<slug>``.

    ``what`` says, in a sentence, what the compiled program gets wrong. ``build`` returns
    ``(fn_or_module, inputs)`` and, as every zoo case's, runs after the RNG is seeded.
    """
    tags = ("real", f"pytorch/pytorch#{issue}", *(("random",) if random else ()))
    return REAL(f"real_{issue}_{slug}", what, tags=tags, dynamic=dynamic, training=training, config=config)

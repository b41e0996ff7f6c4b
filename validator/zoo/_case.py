"""The record type describing one zoo program."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ZooCase:
    """One small, correct program that fxtv must validate without alarms.

    ``build`` returns ``(fn_or_module, example_inputs)``. It seeds the global
    RNG first (the registry's cases do so for their builders), so two calls give
    identical parameters and inputs; callers that need an untouched copy (e.g.
    after an in-place case ran) can just rebuild.

    Conventions the validator and tests rely on:

    * ``training=False``: no parameter or input requires grad, so compilation
      is inference-only.
    * ``training=True``: parameters (and possibly inputs) require grad and the
      program returns a scalar loss, so ``out.backward()`` needs no gradient
      argument (``out.sum().backward()`` works too).
    * ``"random"`` in ``tags``: outputs depend on the RNG; compare under
      inductor's ``config.fallback_random=True`` and reseed before each
      run.
    """

    name: str
    description: str
    build: Callable[[], tuple[Callable[..., Any], tuple[Any, ...]]]
    dynamic: bool = False  # compile with dynamic=True
    training: bool = False  # validator also runs and checks backward
    tags: tuple[str, ...] = ()
    # inductor config the program is compiled under (keys of inductor's ``config``), applied
    # around the whole validation, the user's own compile included: a bug that needs a flag
    config: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class LiveDivergence:
    """A program on which the installed torch's inductor really changes results (no fault
    injected), with what fxtv must report: kept out of the correct programs."""

    case: ZooCase
    stage: str
    step: str  # a substring of the guilty step's qualified name (unlocalized: of the bisector's detail)
    note: str  # what differs, and why

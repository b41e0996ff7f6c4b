"""``run``: one validation, from the user's program to an immutable report.

    eager run  ->  capture (one torch.compile, every pass recorded)  ->  symbolic proofs
               ->  numeric check of each changed step, by its kind, first divergence blamed
               ->  fidelity (the user's plain compile against eager and the capture)  ->  Report

Every caller (``validate``, ``check_pass``, the benchmark, the pytest plugin) goes through here.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

import torch

from .. import _compat
from .._errors import UsageError
from ..capture import Step, Trace, capture
from ..fidelity import Observation, check_fidelity, draws_random, observe
from ..fx import describe
from ..localize import localize
from ..report import Report
from ..symbolic import check_trace
from ._settings import Settings

_SCALARS = (bool, int, float)


@dataclass(frozen=True)
class Selection:
    """Which captured steps to judge (``run``'s ``only`` returns one, given the trace)."""

    check: Callable[[Step], bool]  # leaf steps checked numerically
    prove: Collection[int] | None = None  # step indices whose graph obligations are proved (None: all)


def check_inputs(inputs: tuple[Any, ...]) -> None:
    for i, v in enumerate(inputs):
        if isinstance(v, torch.Tensor) or isinstance(v, _SCALARS):
            continue
        if isinstance(v, (list, tuple)) and all(isinstance(x, (torch.Tensor, *_SCALARS)) for x in v):
            continue
        raise UsageError(
            f"example input {i} is a {type(v).__name__}; fxtv takes tensors, Python numbers and lists/tuples of them"
        )


def run(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    settings: Settings | None = None,
    *,
    installed: contextlib.AbstractContextManager[Any] | None = None,
    only: Callable[[Trace], Selection | None] | None = None,
    name: str | None = None,
    progress: Callable[[int, int, Step], None] | None = None,
) -> Report:
    """Validate ``fn`` on ``inputs`` under ``settings`` (default profile when None).

    ``installed`` is entered around every compile of the run (custom passes, injected faults);
    ``only`` picks the steps to judge once the trace is known (None from it: judge nothing, the
    report carries the trace alone). Raises :class:`UsageError` when ``fn`` cannot be validated
    (bad inputs, fails eagerly); anything failing inside fxtv is a tool error in the report.
    """
    s = settings or Settings()
    c = s.compile
    program = str(name or getattr(fn, "__name__", type(fn).__name__))
    check_inputs(inputs)
    timing: dict[str, float] = {}
    with _collecting_own_objects(), installed if installed is not None else contextlib.nullcontext():
        ops: set[Any] = set()
        eager: Observation | None = None
        if c.fidelity or c.fallback_random is None:
            eager = _eager(fn, inputs, c.training, ops, program)
        # The capture compiles under the user's config. fallback_random is forced only for programs
        # that draw random numbers: it also selects inductor's decomposition table, so forcing it
        # always would judge another program.
        random = draws_random(ops)
        fallback_random = (
            c.fallback_random
            if c.fallback_random is not None
            else random or bool(_compat.config_value(_compat.INDUCTOR_CONFIG, "fallback_random"))
        )
        torch._dynamo.reset()
        t0 = time.perf_counter()
        with capture(fallback_random=fallback_random, lower=c.lower) as trace:
            captured = observe(
                fn,
                inputs,
                c.training,
                wrap=lambda f: torch.compile(f, backend="inductor", dynamic=c.dynamic),
                share=eager is not None and eager.shareable,
            )
        timing["compile_and_capture"] = time.perf_counter() - t0
        torch._dynamo.reset()
        # Each phase leaves reference cycles (graph modules, compiled code) holding tensors: freed
        # now, not whenever the collector next runs (on a large model, during the next phase's peak).
        gc.collect()
        error = f"torch.compile failed: {captured.error}" if captured.error is not None else None
        selection = only(trace) if only is not None and error is None else None
        symbolic = localization = fidelity = None
        if error is None and (only is None or selection is not None):
            if s.symbolic is not None:
                t = time.perf_counter()
                symbolic = check_trace(trace, s.symbolic, steps=selection.prove if selection else None)
                timing["symbolic"] = time.perf_counter() - t
            t = time.perf_counter()
            localization = localize(
                trace,
                s.numeric,
                s.localize,
                progress=progress,
                symbolic=symbolic,
                only=selection.check if selection else None,
            )
            # "check": every changed step run on its trials; "blame": narrowing the guilty one down
            # (node blame, or below FX the recompiles that name a lowering, fusion or codegen feature)
            timing["check"] = time.perf_counter() - t - localization.blame_seconds
            if localization.diverged:
                timing["blame"] = localization.blame_seconds
            gc.collect()
            if c.fidelity and eager is not None:
                fidelity = check_fidelity(
                    fn,
                    inputs,
                    training=c.training,
                    dynamic=c.dynamic,
                    eager=eager,
                    captured=captured,
                    trace=trace,
                    ops=ops,
                    random=random,
                    signed_zero=s.numeric.signed_zero,
                    locate=not localization.diverged,
                )
                timing["fidelity"] = fidelity.seconds
    return Report(
        program,
        trace,
        localization,
        dynamic=c.dynamic,
        training=c.training,
        inputs=[describe(x) for x in inputs],
        timing={k: round(v, 3) for k, v in timing.items()},
        error=error,
        symbolic=symbolic,
        fidelity=fidelity,
    )


_frozen = False


@contextlib.contextmanager
def _collecting_own_objects() -> Iterator[None]:
    """Within a run, a garbage collection scans only the objects the run made.

    The collections between phases free the reference cycles a phase leaves (graph modules and
    compiled code holding a large model's tensors), but a full collection also walks every object
    the process made before: in a long-lived process (a hunt worker, a test session, check_pass
    over many programs) that was most of a small program's validation time. The older objects are
    frozen for the run (``gc.freeze``) and thawed after, when the automatic collector takes them
    back as before."""
    global _frozen
    if _frozen:  # a run inside a run: the outer one froze what came before it
        yield
        return
    gc.freeze()
    _frozen = True
    try:
        yield
    finally:
        _frozen = False
        gc.unfreeze()


def _eager(fn: Callable[..., Any], inputs: tuple[Any, ...], training: bool, ops: set[Any], program: str) -> Observation:
    try:
        return observe(fn, inputs, training, ops=ops, raise_errors=True, note_state=True)
    except UsageError:
        raise
    except Exception as e:
        raise UsageError(f"{program} fails when run eagerly: {type(e).__name__}: {e}") from e

"""``validate``: compile once with every pass captured, then check and localize."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from . import _compat
from ._errors import UsageError
from .capture import capture
from .fidelity import check_fidelity, draws_random, observe
from .fx import describe
from .localize import localize
from .numeric import CheckOptions
from .report import Report
from .symbolic import SymbolicOptions, check_trace

__all__ = ["UsageError", "validate"]

_SCALARS = (bool, int, float)


def _check_inputs(inputs: tuple[Any, ...]) -> None:
    for i, v in enumerate(inputs):
        if isinstance(v, torch.Tensor) or isinstance(v, _SCALARS):
            continue
        if isinstance(v, (list, tuple)) and all(isinstance(x, torch.Tensor | _SCALARS) for x in v):
            continue
        raise UsageError(
            f"example input {i} is a {type(v).__name__}; fxtv takes tensors, Python numbers and lists/tuples of them"
        )


def validate(
    fn: Callable[..., Any],
    *example_inputs: Any,
    dynamic: bool = False,
    training: bool = False,
    random_trials: int = 2,
    special_values: bool = True,
    stop_at_first: bool = False,
    symbolic: bool = True,
    symbolic_timeout_ms: int = 1000,
    below_fx: bool = True,
    other_devices: bool = True,
    signed_zero: bool = True,
    fidelity: bool = True,
    name: str | None = None,
    progress: Callable[[int, int, Any], None] | None = None,
) -> Report:
    """Compile ``fn`` with inductor once, capture every pass, and find the first that diverges.

    ``fn`` is a function or ``nn.Module``; ``example_inputs`` are its real inputs (tensors and
    Python numbers). With ``training=True`` the backward is compiled and checked too (outputs
    requiring grad are reduced with fixed random weights). Returns a :class:`Report`; raises
    :class:`UsageError` when the program cannot be validated (it fails eagerly, bad inputs).
    The user's function is never changed, and a failure inside fxtv becomes a tool error in
    the report, not an exception.

    With ``symbolic`` (default) every index rewrite inductor performs and every FX step's output
    sizes, strides, dtypes and rewritten view chains are also proved equal with Z3, for all
    values of the shape symbols; ``symbolic_timeout_ms`` bounds each query.

    With ``below_fx`` (default), when every FX step agrees but the compiled code does not, the
    last FX graph is recompiled a few times to name the guilty lowering, fusion decision or
    codegen feature (``report.localization.below``; docs/below-fx.md). With ``other_devices``
    and a GPU present, every lowered graph is also compiled and checked on the other device.

    With ``signed_zero`` (default), a zero whose sign the producing op defines (minimum/maximum,
    copysign, atan2, division, complex literals...) and the compiled code flips is a divergence of
    class ``signed-zero``; ``False`` makes such flips warnings.

    With ``fidelity`` (default), the user's plain ``torch.compile`` runs once more after the
    checks and is compared with eager and with the captured compile (``report.fidelity``,
    docs/fidelity.md): a compile that is wrong is never reported "equivalent", even when no
    captured step shows why.
    """
    program = str(name or getattr(fn, "__name__", type(fn).__name__))
    _check_inputs(example_inputs)
    ops: set[Any] = set()
    try:
        eager = observe(fn, example_inputs, training, ops=ops, raise_errors=True)
    except UsageError:
        raise
    except Exception as e:
        raise UsageError(f"{program} fails when run eagerly: {type(e).__name__}: {e}") from e
    # The capture compiles under the user's config. fallback_random is forced only for programs
    # that draw random numbers (otherwise no two runs could be compared): it also selects
    # inductor's decomposition table, so forcing it always would judge another program.
    random = draws_random(ops)
    fallback_random = random or bool(_compat.config_value("torch._inductor.config", "fallback_random"))
    error: str | None = None
    torch._dynamo.reset()
    t0 = time.perf_counter()
    with capture(fallback_random=fallback_random) as trace:
        captured = observe(
            fn, example_inputs, training, wrap=lambda f: torch.compile(f, backend="inductor", dynamic=dynamic)
        )
    if captured.error is not None:
        error = f"torch.compile failed: {captured.error}"
    t1 = time.perf_counter()
    torch._dynamo.reset()
    report = Report(
        program,
        trace,
        None,
        dynamic=dynamic,
        training=training,
        inputs=[describe(x) for x in example_inputs],
        error=error,
    )
    timing: dict[str, float] = {"compile_and_capture": t1 - t0}
    if error is None:
        opts = CheckOptions(
            random_trials=random_trials,
            special_values=special_values,
            stop_at_first_divergence=stop_at_first,
            below_fx=below_fx,
            other_devices=other_devices,
            signed_zero=signed_zero,
        )
        if symbolic:
            t = time.perf_counter()
            report.symbolic = check_trace(trace, SymbolicOptions(timeout_ms=symbolic_timeout_ms))
            timing["symbolic"] = time.perf_counter() - t
        t = time.perf_counter()
        report.localization = localize(trace, opts, progress, report.symbolic)
        timing["check"] = time.perf_counter() - t
        if fidelity:
            report.fidelity = check_fidelity(
                fn,
                example_inputs,
                training=training,
                dynamic=dynamic,
                eager=eager,
                captured=captured,
                trace=trace,
                ops=ops,
                random=random,
                signed_zero=signed_zero,
                locate=not report.localization.diverged,
            )
            timing["fidelity"] = report.fidelity.seconds
    report.timing = {k: round(v, 3) for k, v in timing.items()}
    return report

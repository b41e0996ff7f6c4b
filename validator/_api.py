"""``validate``: compile once with every pass captured, then check and localize."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from ._values import clone_value, describe, flatten
from .capture import capture
from .localize import localize
from .numeric import CheckOptions
from .report import Report
from .symbolic import SymbolicOptions, check_trace


class UsageError(Exception):
    """Bad input from the user (exit code 2): not a fxtv or torch failure."""


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


def _fresh(inputs: tuple[Any, ...]) -> list[Any]:
    """Clones that keep requires_grad, so a training compile sees the same leaves."""
    out = []
    for v in inputs:
        c = clone_value(v)
        if isinstance(v, torch.Tensor) and v.requires_grad and isinstance(c, torch.Tensor):
            c.requires_grad_(True)
        out.append(c)
    return out


def _run(fn: Callable[..., Any], args: list[Any], training: bool) -> Any:
    torch.manual_seed(0)
    if not training:
        with torch.no_grad():
            return fn(*args)
    out = fn(*args)
    grads = [o for o in flatten(out) if isinstance(o, torch.Tensor) and o.requires_grad]
    if not grads:
        raise UsageError("training=True but no output requires grad")
    g = torch.Generator().manual_seed(0)
    loss = sum((o.float() * torch.randn(o.shape, generator=g)).sum() for o in grads)
    assert isinstance(loss, torch.Tensor)
    loss.backward()
    return out


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
    """
    program = str(name or getattr(fn, "__name__", type(fn).__name__))
    _check_inputs(example_inputs)
    try:
        _run(fn, _fresh(example_inputs), training)
    except UsageError:
        raise
    except Exception as e:
        raise UsageError(f"{program} fails when run eagerly: {type(e).__name__}: {e}") from e
    error: str | None = None
    torch._dynamo.reset()
    t0 = time.perf_counter()
    with capture() as trace:
        try:
            _run(torch.compile(fn, backend="inductor", dynamic=dynamic), _fresh(example_inputs), training)
        except Exception as e:
            error = f"torch.compile failed: {type(e).__name__}: {e}"
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
    if error is None:
        opts = CheckOptions(
            random_trials=random_trials,
            special_values=special_values,
            stop_at_first_divergence=stop_at_first,
            below_fx=below_fx,
            other_devices=other_devices,
        )
        if symbolic:
            report.symbolic = check_trace(trace, SymbolicOptions(timeout_ms=symbolic_timeout_ms))
        report.localization = localize(trace, opts, progress, report.symbolic)
    report.timing = {"compile_and_capture": round(t1 - t0, 3), "check": round(time.perf_counter() - t1, 3)}
    return report

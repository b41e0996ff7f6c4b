"""Baseline (b): inductor's own ``CompilerBisector.do_bisect`` with an fp64 accuracy check.

The check compiles the program, runs it, and compares with eager through
Dynamo's ``same`` (``dynamo.utils.same``) against a float64 eager run (the accuracy minifier's oracle). The
bisector then recompiles with backends and subsystems switched off until the check passes, and
names the backend, the subsystem and the application number (with a pass name or a node).
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from typing import Any

from ... import _compat
from ._observe import observe

# subsystem -> pipeline stage, in fxtv's terms
SUBSYSTEM_STAGE = {
    "pre_grad_passes": "pre_grad",
    "pre_grad_graph": "pre_grad",
    "joint_graph_passes": "joint",
    "post_grad_passes": "post_grad",
    "decomposition": "aot",
    "lowerings": "lowering",
    "cudagraphs": "lowering",
}
BACKEND_STAGE = {"eager": "dynamo", "aot_eager": "aot", "aot_eager_decomp_partition": "aot", "inductor": "lowering"}


def run(fn_factory: Callable[[], tuple[Any, tuple[Any, ...]]], *, training: bool) -> dict[str, Any]:
    bisector = _compat.compiler_bisector()

    calls = 0

    def good() -> bool:
        nonlocal calls
        calls += 1
        fn, args = fn_factory()  # each run works on its own copies of the program and inputs
        ref = observe(fn, args, training=training, compile=False)
        try:
            ref64: Any = observe(fn, args, training=training, compile=False, float64=True)
        except Exception:  # tensors the program captures cannot be widened: no fp64 reference
            ref64 = None
        try:
            got = observe(fn, args, training=training, compile=True)
        except Exception:
            return False
        return _compat.accuracy_same(ref, got, fp64_ref=ref64, tol=1e-4, equal_nan=True)

    t0 = time.perf_counter()
    with (
        _compat.caches_off(),
        contextlib.redirect_stdout(io.StringIO()),  # it narrates every step on stdout
    ):
        try:
            result = bisector.do_bisect(good)
        except Exception as e:
            error = f"{type(e).__name__}: {str(e)[:160]}"
            return {"detected": None, "error": error, "compiles": calls, "seconds": _since(t0)}
    out: dict[str, Any] = {"compiles": calls, "seconds": _since(t0)}
    if result is None:
        return {**out, "detected": False, "named": None}
    sub = result.subsystem
    stage = SUBSYSTEM_STAGE.get(sub or "", None) if sub else BACKEND_STAGE.get(result.backend)
    if sub and sub not in SUBSYSTEM_STAGE:  # a config switch such as emulate_precision_casts
        stage = "lowering"
    return {
        **out,
        "detected": True,
        "backend": result.backend,
        "subsystem": sub,
        "bisect_number": result.bisect_number,
        "debug_info": result.debug_info,
        "stage": stage,
        "named": f"{result.backend} / {sub or '-'} #{result.bisect_number}: {result.debug_info or ''}"[:200],
    }


def _since(t0: float) -> float:
    return round(time.perf_counter() - t0, 3)

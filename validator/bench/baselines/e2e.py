"""Baseline (a): end-to-end differential testing, compiled vs eager with assert_close defaults.

This is the oracle the fuzzers in the study use. ``equal_nan=True`` is the one change from the
defaults: otherwise any NaN the program legitimately produces would be an alarm.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch

from ._observe import observe


def run(fn_factory: Callable[[], tuple[Any, tuple[Any, ...]]], *, training: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    fn, args = fn_factory()  # one program and input set; each run works on its own copies
    try:
        ref = observe(fn, args, training=training, compile=False)
        got = observe(fn, args, training=training, compile=True)
    except Exception as e:  # a crash is a detection by the fuzzer's rules, but not a silent bug
        return {"detected": True, "detail": f"raised {type(e).__name__}: {str(e)[:160]}", "seconds": _since(t0)}
    detail = None
    if len(ref) != len(got):
        detail = f"{len(ref)} observed tensors became {len(got)}"
    else:
        for i, (r, g) in enumerate(zip(ref, got, strict=True)):
            try:
                torch.testing.assert_close(g, r, equal_nan=True)
            except AssertionError as e:
                detail = f"tensor {i}: {str(e).splitlines()[0][:160]}"
                break
    return {"detected": detail is not None, "detail": detail, "seconds": _since(t0)}


def _since(t0: float) -> float:
    return round(time.perf_counter() - t0, 3)

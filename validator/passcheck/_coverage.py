"""Line coverage of a plain-function pass: which of its lines the corpus made it run.

A pass that fires on few programs, or only on its easy branch, is checked only there. The pass's
own code objects (and the functions nested in them) are traced with ``sys.settrace`` while it
runs; the lines each program reached steer the generator (``hypothesis.target``) and the totals
go into the ``PassReport``.
"""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Callable
from typing import Any

from ._looks_for import _codes

Line = tuple[str, int]


class LineCoverage:
    def __init__(self, fn: Callable[..., Any]) -> None:
        self.codes = {c for c, _, _ in _codes(fn)}
        self.lines: set[Line] = {
            (c.co_filename, line)
            for c in self.codes
            for _, _, line in c.co_lines()
            if line is not None and line != c.co_firstlineno  # the def line runs at import, not per call
        }
        self.reached: set[Line] = set()
        self.program: set[Line] = set()  # lines reached since ``start_program``

    def start_program(self) -> None:
        self.program = set()

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn``, traced while it runs (a tracer already installed is restored afterwards)."""

        def local(frame: types.FrameType, event: str, arg: Any) -> Any:
            if event == "line":
                line = (frame.f_code.co_filename, frame.f_lineno)
                self.reached.add(line)
                self.program.add(line)
            return local

        def global_(frame: types.FrameType, event: str, arg: Any) -> Any:
            return local if frame.f_code in self.codes else None

        @functools.wraps(fn)
        def traced(*args: Any, **kwargs: Any) -> Any:
            saved = sys.gettrace()
            sys.settrace(global_)
            try:
                return fn(*args, **kwargs)
            finally:
                sys.settrace(saved)

        return traced

    def to_json(self) -> dict[str, Any]:
        missed = sorted(self.lines - self.reached)
        return {
            "lines": len(self.lines),
            "reached": len(self.reached & self.lines),
            "percent": round(100.0 * len(self.reached & self.lines) / len(self.lines), 1) if self.lines else None,
            "missed": [f"{f}:{n}" for f, n in missed[:20]],
        }

"""Capture: record every pass of one ``torch.compile`` as an ordered trace of steps.

    with capture() as trace:
        torch.compile(model)(*inputs)
    for step in trace.changed_steps(): ...

Patches are installed on entry and all undone on exit, also after an exception.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

from .. import _compat
from ..kinds import STAGES
from ._index import IndexRecorder
from ._recorder import Recorder
from ._schedule import Access, BufferInfo, FusionHook, KernelGroup, Merge, Schedule
from ._trace import (
    GraphRecord,
    IndexRewrite,
    PatternFire,
    ShapeFacts,
    Step,
    Trace,
)

__all__ = [
    "STAGES",
    "Access",
    "BufferInfo",
    "FusionHook",
    "GraphRecord",
    "IndexRewrite",
    "KernelGroup",
    "Merge",
    "PatternFire",
    "Schedule",
    "ShapeFacts",
    "Step",
    "Trace",
    "capture",
]


class _Patcher:
    """setattr with guaranteed undo, in reverse order."""

    def __init__(self) -> None:
        self._undo: list[tuple[Any, str, Any]] = []

    def set(self, owner: Any, name: str, value: Any) -> None:
        self._undo.append(
            (owner, name, owner.__dict__.get(name, _MISSING) if isinstance(owner, type) else getattr(owner, name))
        )
        setattr(owner, name, value)

    def undo(self) -> None:
        while self._undo:
            owner, name, old = self._undo.pop()
            if old is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, old)


_MISSING = object()


def _wrap(orig: Callable[..., Any], handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return handler(orig, *args, **kwargs)

    return wrapper


def _wrap_each(
    patch: _Patcher,
    trace: Trace,
    owner: Any,
    owner_name: str,
    names: tuple[str, ...],
    handlers: dict[str, Callable[..., Any]],
) -> None:
    """Wrap each of ``names`` on ``owner`` with its handler; one this torch lacks (or all, where
    ``owner`` is None) is listed in ``trace.missing_hooks``."""
    for name in names:
        orig = getattr(owner, name, None) if owner is not None else None
        if orig is None:
            trace.missing_hooks.append(f"{owner_name}.{name}")
            continue
        patch.set(owner, name, _wrap(orig, handlers[name]))


def _install(rec: Recorder, patch: _Patcher, trace: Trace) -> None:
    cfx = _compat.compile_fx_module()
    stage_handlers: dict[str, Callable[..., Any]] = {
        "run_pre_grad_passes": rec.pre_grad,
        "_recursive_joint_graph_passes": rec.joint,
        "partition_fn": rec.partition,
        "view_to_reshape": functools.partial(_named, rec, "view_to_reshape"),
        "post_grad_passes": functools.partial(_named, rec, "post_grad_passes"),
        "_compile_fx_inner": rec.inductor,
    }
    _wrap_each(patch, trace, cfx, _compat.COMPILE_FX, _compat.STAGE_FUNCTIONS, stage_handlers)

    obs: Any = _compat.observer_class()
    enter, exit_ = obs.__enter__, obs.__exit__

    def obs_enter(self: Any) -> Any:
        out = enter(self)
        rec.guarded("observer enter", lambda: rec.observer_enter(self))
        return out

    def obs_exit(self: Any, *exc: Any) -> Any:
        rec.guarded("observer exit", lambda: rec.observer_exit(self))
        return exit_(self, *exc)

    patch.set(obs, "__enter__", obs_enter)
    patch.set(obs, "__exit__", obs_exit)

    for cls in _compat.pattern_entry_classes().values():
        orig_apply = cls.__dict__.get("apply")
        if orig_apply is None:
            continue
        patch.set(cls, "apply", _make_apply(rec, orig_apply))


def _install_index(idx: IndexRecorder, patch: _Patcher, trace: Trace) -> None:
    cls = _compat.sizevars_class()
    handlers: dict[str, Callable[..., Any]] = {
        "_simplify_with_ranges": idx.simplify_with_ranges,
        "_simplify_loops_impl": idx.simplify_loops,
        "combine_modular_indexing_pairs": idx.combine_modular_indexing_pairs,
        "expand_floor_div": idx.expand_floor_div,
    }
    _wrap_each(patch, trace, cls, _compat.SIZEVARS_CLASS, _compat.SIZEVAR_REWRITES, handlers)


def _named(rec: Recorder, name: str, orig: Callable[..., Any], gm: Any, *a: Any, **k: Any) -> Any:
    return rec.fx_pass(name, orig, gm, *a, **k)


def _make_apply(rec: Recorder, orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def apply(self: Any, match: Any, graph: Any, node: Any) -> Any:
        return rec.pattern_apply(orig, self, match, graph, node)

    return apply


@contextlib.contextmanager
def capture(
    *,
    fallback_random: bool = True,
    extra_config: dict[str, Any] | None = None,
    index_rewrites: bool = True,
    lower: bool = True,
) -> Iterator[Trace]:
    """Record the passes of every inductor compile that happens inside the block.

    With ``index_rewrites`` the index arithmetic inductor simplifies during lowering and
    scheduling is recorded too (``trace.index_rewrites``), for the symbolic checker. Each lowered
    graph's fusion result is recorded on its ``GraphRecord.schedule`` (through the post-fusion
    hook, wrapping any pass already installed there).

    With ``lower=False`` the compile stops after the post-grad passes and the compiled function
    runs the final FX graph eagerly: no kernels are built, and no lowering step is checked.

    Inductor's FX-graph and AOT-autograd caches are switched off (a hit skips every pass).
    ``fallback_random`` makes compiled random ops use eager's RNG, so reseeding reproduces them.
    """
    trace = Trace(fallback_random=fallback_random)
    if not _compat.version_supported():
        trace.tool_errors.append(
            f"torch {_compat.TORCH_VERSION} is outside the supported range {_compat.SUPPORTED}: "
            "steps may be missing from the capture"
        )
    rec = Recorder(trace)
    idx = IndexRecorder(trace.index_rewrites, rec.current_graph)
    patch = _Patcher()
    patches = _compat.cache_off_patches()
    fusion = FusionHook(_compat.post_fusion_pass(), functools.partial(_store_schedule, trace), rec.current_graph)
    patches[_compat.INDUCTOR_CONFIG].update(
        {"fallback_random": fallback_random, _compat.POST_FUSION_HOOK: fusion, **(extra_config or {})}
    )
    with _compat.config_patches(patches), contextlib.ExitStack() as stack:
        if not lower:
            stack.enter_context(_compat.skip_lowering())
        try:
            _install(rec, patch, trace)
            if index_rewrites:
                _install_index(idx, patch, trace)
            yield trace
        finally:
            # before skip_lowering restores inductor's function: the capture wrapped its stand-in
            patch.undo()
            rec.active = idx.active = False
            trace.tool_errors.extend(idx.errors + fusion.errors)


def _store_schedule(trace: Trace, schedule: Schedule) -> None:
    rec = trace.graphs.get(schedule.graph)
    if rec is not None:
        rec.schedule = schedule

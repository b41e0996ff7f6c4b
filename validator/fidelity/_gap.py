"""Narrow down a divergence no captured step explains, with inductor's ``CompilerBisector``.

The bisector recompiles the program with Dynamo's debug backends (``eager``: Dynamo's graph
capture alone; ``aot_eager``: plus AOTAutograd's functionalization and runtime wrappers;
``aot_eager_decomp_partition``: plus inductor's decompositions and the partitioner; then
``inductor``), and inside the first backend that diverges it bisects over the applications of a
subsystem (decompositions, pre-grad / joint / post-grad pass applications, lowerings). Its oracle
here is fidelity's own comparison with eager, so it chases the divergence fxtv saw.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from .. import _compat
from .._json import attrs_json
from ._runs import Observation, observe

if TYPE_CHECKING:
    from ..localize.below_fx._features import Feature
    from ._check import Rules

# bisector backend -> (what it adds to the previous one, pipeline stage)
BACKENDS: dict[str, tuple[str, str]] = {
    "eager": ("Dynamo's graph capture", "dynamo"),
    "aot_eager": ("AOTAutograd functionalization and runtime wrappers", "aot"),
    "aot_eager_decomp_partition": ("inductor's decompositions and the partitioner", "aot"),
    "inductor": ("inductor's passes, lowering or code generation", "lowering"),
}
# bisector subsystem -> pipeline stage
SUBSYSTEMS: dict[str, str] = {
    "pre_grad_graph": "pre_grad",
    "pre_grad_passes": "pre_grad",
    "joint_graph_passes": "joint",
    "post_grad_passes": "post_grad",
    "decomposition": "aot",
    "lowerings": "lowering",
    "cudagraphs": "lowering",
}


@dataclass
class Gap:
    backend: str | None  # the first backend that diverges; None: the bisector found none
    subsystem: str | None = None
    detail: str | None = None  # the bisector's debug info: a pass name, an op, a config switch
    stage: str | None = None
    compiles: int = 0
    error: str | None = None
    feature: str | None = None  # a codegen feature whose conservative setting alone fixes it

    @property
    def component(self) -> str | None:
        return BACKENDS[self.backend][0] if self.backend in BACKENDS else None

    def summary(self) -> str:
        if self.error is not None:
            return f"the bisector failed: {self.error}"
        if self.backend is None:
            return "no recompile reproduces the divergence (it may depend on the run, e.g. nondeterminism)"
        out = f"backend {self.backend!r} ({self.component})"
        if self.subsystem:
            out += f", subsystem {self.subsystem}"
        if self.detail:
            out += f": {self.detail}"
        if self.feature:
            out += f"; codegen feature: {self.feature} alone restores eager's result"
        return out

    def to_json(self) -> dict[str, Any]:
        return attrs_json(self, "backend", "component", "subsystem", "detail", "stage", "compiles", "error", "feature")


def locate_gap(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    *,
    training: bool,
    dynamic: bool,
    eager: Observation,
    ref: Observation | None,
    rules: Rules,
    patches: dict[str, dict[str, Any]],
) -> Gap:
    bisector = _compat.compiler_bisector()

    from ._check import compare_observations

    gap = Gap(None)

    def good() -> bool:
        gap.compiles += 1
        torch._dynamo.reset()
        run = observe(fn, inputs, training, wrap=lambda f: torch.compile(f, dynamic=dynamic), share=eager.shareable)
        return not compare_observations("bisect", eager, run, ref, rules).diverged

    with _compat.config_patches(patches), contextlib.redirect_stdout(io.StringIO()):  # it narrates on stdout
        try:
            result = bisector.do_bisect(good)
        except Exception as e:
            gap.error = f"{type(e).__name__}: {str(e)[:160]}"
            return gap
        finally:
            torch._dynamo.reset()
    if result is not None:
        gap.backend, gap.subsystem = result.backend, result.subsystem
        gap.detail = str(result.debug_info) if result.debug_info else None
        gap.stage = SUBSYSTEMS.get(result.subsystem or "") or BACKENDS.get(result.backend, ("", None))[1]
    if gap.backend == "inductor" and gap.subsystem not in _PASS_SUBSYSTEMS:
        # The bisector has no codegen subsystem: falling back a lowering also rewrites the kernel.
        # A codegen feature that alone restores eager's result is the more precise culprit.
        gap.feature = _codegen_feature(inputs, good, patches)
        if gap.feature is not None:
            gap.stage = "lowering"
    return gap


_PASS_SUBSYSTEMS = ("pre_grad_graph", "pre_grad_passes", "joint_graph_passes", "post_grad_passes")


def _codegen_feature(
    inputs: tuple[Any, ...], good: Callable[[], bool], patches: dict[str, dict[str, Any]]
) -> str | None:
    """The codegen feature (validator/localize/below_fx/_features.py) whose conservative setting
    alone makes the user's compile (``good()``: it agrees with eager) agree, halving over the active
    ones on the inputs' device."""
    from ..localize.below_fx._features import active_features, patched, settings
    from ..localize.below_fx._search import culprit

    device = next((str(x.device.type) for x in inputs if isinstance(x, torch.Tensor)), "cpu")
    feats = active_features(device)

    def fixes(fs: Sequence[Feature]) -> bool:
        cfg = {**patches, _compat.INDUCTOR_CONFIG: {**patches.get(_compat.INDUCTOR_CONFIG, {}), **settings(fs)}}
        try:
            with _compat.config_patches(cfg), patched(fs):
                return good()
        finally:
            torch._dynamo.reset()

    if not feats or not fixes(feats):
        return None
    return " + ".join(f.describe() for f in culprit(feats, fixes))

"""Run one benchmark case with fxtv and the baselines, and score each against the ground truth."""

from __future__ import annotations

import time
import traceback
from typing import Any

import torch

from ..fx import op_base
from ._resolve import build_program, installed
from ._spec import Spec, Truth


def _ops_named(report: Any) -> set[str]:
    """Base names of the ops fxtv blames inside the guilty step."""
    loc = report.localization
    out: set[str] = set()
    b = loc.blame if loc else None
    if b is not None:
        out |= {op_base(b.op), op_base(b.counterpart_op)} | {
            op_base(o) for _, o in b.created + b.rewritten + b.replaced_ops
        }
    below = loc.below if loc else None
    if below is not None and report.guilty is not None:
        nodes = {n.name: n for n in report.guilty.step.before.graph.nodes}
        out |= {op_base(str(nodes[n].target)) for n in below.fx_nodes if n in nodes}
    return out - {""}


def score_fxtv(spec: Spec, report: Any) -> dict[str, Any]:
    g = report.guilty
    below = report.localization.below if report.localization else None
    out: dict[str, Any] = {
        "verdict": report.verdict,
        "detected": report.verdict == "diverged",
        "stage": g.step.stage if g else None,
        "step": g.step.name if g else None,
        "qualified_step": g.qualified_name if g else None,
        "component": below.component if below else None,
        "culprit": below.culprit if below else None,
        "recompiles": below.recompiles if below else 0,
        "ops": sorted(_ops_named(report)),
        "error": report.error,
        # the user's own compile diverges from eager (fxtv's fidelity run)
        "compile_diverges": report.fidelity.plain.diverged if report.fidelity is not None else None,
    }
    t = spec.truth
    gap = report.fidelity.gap if report.fidelity is not None and report.unlocalized else None
    if gap is not None:
        # a divergence no captured step shows: the fidelity check's bisection is the localization
        out |= {"unlocalized": True, "stage": gap.stage, "step": report.guilty_step, "culprit": gap.summary()}
        if t is None:
            return {**out, "stage_right": False, "step_right": False, "node_right": None}
        return {**out, **_gap_right(t, gap)}
    if t is None or g is None:
        return {**out, "stage_right": False, "step_right": False, "node_right": None}
    out["stage_right"] = g.step.stage == t.stage
    # naming a sub-step of the guilty step (one application of its pattern) is exact too
    inside = t.step in g.qualified_name.split(" > ")
    out["step_right"] = (
        out["stage_right"]
        and inside
        and (t.component is None or (below is not None and below.component == t.component))
    )
    out["node_right"] = _node_right(t, set(out["ops"]), below.culprit if below else None)
    return out


def _gap_right(t: Truth, gap: Any) -> dict[str, Any]:
    """Score the bisection of an unlocalized divergence as the bisector baseline is scored."""
    if gap.feature is not None:  # a codegen feature found by switching it off in the user's compile
        stage_right = gap.stage == t.stage
        right = stage_right and t.component == "codegen" and (t.feature is None or t.feature in gap.feature)
        node = (t.feature in gap.feature) if t.feature else None
        return {"stage_right": stage_right, "step_right": right, "node_right": node}
    scored = score_bisector_result(
        t, {"detected": True, "stage": gap.stage, "subsystem": gap.subsystem, "debug_info": gap.detail}
    )
    return {k: scored[k] for k in ("stage_right", "step_right", "node_right")}


def _node_right(t: Truth, named: set[str], culprit: str | None) -> bool | None:
    if t.feature:
        return bool(culprit) and t.feature in (culprit or "")
    if not t.ops:
        return None  # no node-level truth (an AOT trace or a partition)
    return bool({op_base(o) for o in t.ops} & named)


# CompilerBisector's config-switch subsystems -> the codegen feature (validator/localize/below_fx) it switches
_SWITCH_FEATURES = {"inductor_emulate_precision_casts": "precision casts"}


def score_bisector(spec: Spec, res: dict[str, Any]) -> dict[str, Any]:
    return score_bisector_result(spec.truth, res)


def score_bisector_result(t: Truth | None, res: dict[str, Any]) -> dict[str, Any]:
    if t is None or not res.get("detected"):
        return {**res, "stage_right": False, "step_right": False, "node_right": None}
    info = str(res.get("debug_info") or "")
    sub = res.get("subsystem")
    stage_right = res.get("stage") == t.stage
    if sub in ("pre_grad_passes", "joint_graph_passes", "post_grad_passes"):
        step_right = stage_right and t.step in (info, sub)  # the pass, or the pass group the truth names
    elif sub is None and str(res.get("backend", "")).startswith("aot_eager"):
        step_right = stage_right and t.step.startswith("aot_trace")  # the AOT trace, as a whole
    elif sub == "decomposition":
        step_right = stage_right and t.step.startswith("aot_trace")
    elif sub == "lowerings":
        step_right = stage_right and t.component == "lowering"
    elif sub in _SWITCH_FEATURES:
        # a config switch that restores eager's result names a codegen feature
        step_right = stage_right and t.component == "codegen" and t.feature == _SWITCH_FEATURES[sub]
    else:
        step_right = False  # a backend, a config switch or cudagraphs: no step named
    node_right = None
    if t.ops and sub in ("lowerings", "decomposition"):
        node_right = any(op_base(o) and op_base(o) in info for o in t.ops)
    return {**res, "stage_right": stage_right, "step_right": step_right, "node_right": node_right}


def run_case(spec: Spec, *, baselines: bool = True) -> dict[str, Any]:
    """fxtv and (optionally) both baselines on one case; a JSON-ready record."""
    from validator import validate

    from .baselines import bisector, e2e

    record: dict[str, Any] = {
        "case": spec.name,
        "faulty": spec.faulty,
        "program": spec.program,
        "fault": spec.fault,
        "dynamic": spec.dynamic,
        "training": spec.training,
        "root_cause": spec.root_cause,
        "trigger": spec.trigger,
        "source": spec.source,
        "truth": None if spec.truth is None else {**spec.truth.__dict__, "ops": list(spec.truth.ops)},
        "torch": torch.__version__,
    }
    torch._dynamo.reset()
    t0 = time.perf_counter()
    try:
        with installed(spec) as inst:
            fn, args = build_program(spec)
            report = validate(fn, *args, dynamic=spec.dynamic, training=spec.training, name=spec.name)
            fired = inst.fired()
        record["fxtv"] = {**score_fxtv(spec, report), "seconds": round(time.perf_counter() - t0, 3)}
        record["fired"] = fired
        record["tool_errors"] = report.to_json()["tool_errors"]
    except Exception as e:
        record["fxtv"] = {"detected": None, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc(limit=3)}
        record["fired"] = None
    if baselines:

        def factory() -> tuple[Any, tuple[Any, ...]]:
            return build_program(spec)

        with installed(spec):
            record["e2e"] = e2e.run(factory, training=spec.training)
        with installed(spec):
            record["bisector"] = score_bisector(spec, bisector.run(factory, training=spec.training))
    torch._dynamo.reset()
    return record

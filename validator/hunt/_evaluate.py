"""One program of a campaign through a whole validation (lowering and codegen included), reduced
to what a campaign keeps: the outcome, the evidence, and a signature to cluster by.

Runs inside a worker process; everything it returns is plain JSON.
"""

from __future__ import annotations

import re
import time
import traceback
from typing import Any

import torch

from .._errors import UsageError
from ..pipeline import Settings, run
from ._programs import Drawn, make_inputs

# One random trial and short proofs (the program's own inputs and the special-values trial are
# always run); below FX the guilty kernel is still searched, so a finding names its component.
SETTINGS = Settings().but(random_trials=1, symbolic_timeout_ms=500)

# Outcomes: the first two are not findings.
OK, ROUNDING, SKIPPED = "equivalent", "rounding", "skipped"
DIVERGED, COMPILE_ERROR, TOOL_ERROR, CRASH, TIMEOUT = "diverged", "compile-error", "tool-error", "crash", "timeout"
FINDINGS = (DIVERGED, COMPILE_ERROR, TOOL_ERROR, CRASH, TIMEOUT)


def evaluate(task: dict[str, Any], installed: Any = None) -> dict[str, Any]:
    """Validate the task's program (``Drawn.to_json()``) and summarise it (see ``docs/hunt.md``)."""
    d = Drawn.from_json(task)
    settings = SETTINGS.but(dynamic=d.variant.dynamic, training=d.variant.training)
    t0 = time.perf_counter()
    out: dict[str, Any] = {"key": d.key, "ops": list(d.program.ops), "variant": d.variant.label()}
    try:
        inputs = make_inputs(d)
        report = run(d.program.fn(), inputs, settings, installed=installed, name=f"hunt_{d.key}")
    except UsageError as e:  # e.g. training with no output that needs grad, or eager fails
        return out | {"outcome": SKIPPED, "reason": str(e)[:300], "seconds": time.perf_counter() - t0}
    except Exception as e:
        tb = traceback.format_exc(limit=6)
        return out | {
            "outcome": TOOL_ERROR,
            "error": f"{type(e).__name__}: {e}"[:500],
            "traceback": tb[-2000:],
            "signature": signature(TOOL_ERROR, error_shape(e)),
            "seconds": time.perf_counter() - t0,
        }
    finally:
        torch._dynamo.reset()
    out |= summarize(report)
    out["seconds"] = time.perf_counter() - t0
    return out


def summarize(report: Any) -> dict[str, Any]:
    """The report's verdict, guilty step, component, node and symptom, as a finding's record."""
    data = report.to_json()
    verdict = str(report.verdict)
    out: dict[str, Any] = {"outcome": verdict, "timing": data["timing_s"]}
    if verdict == "error":
        out["outcome"] = COMPILE_ERROR
        out["error"] = (report.error or "")[:500]
        out["signature"] = signature(COMPILE_ERROR, _message_shape(report.error or ""))
        return out
    tool_errors = data.get("tool_errors") or []
    if verdict != DIVERGED and tool_errors:
        out["outcome"] = TOOL_ERROR
        out["error"] = str(tool_errors[0])[:500]
        out["signature"] = signature(TOOL_ERROR, _message_shape(str(tool_errors[0])))
        return out
    fid = report.fidelity
    out["compile_diverges"] = bool(fid is not None and fid.plain.diverged)
    if verdict == ROUNDING and fid is not None:
        out["beyond_testing"] = fid.beyond_testing[:3]
    if verdict != DIVERGED:
        return out
    g = data.get("guilty") or {}
    below = g.get("below_fx") or {}
    nodes = g.get("nodes") or {}
    mismatch = _first_mismatch(g) or _first_fidelity_mismatch(fid)
    gap = fid.gap if fid is not None and report.unlocalized else None
    out |= {
        "stage": g.get("stage") or (gap.stage if gap is not None else None),
        "step": report.guilty_step,
        "component": below.get("component") or (gap.component if gap is not None else None),
        "culprit": below.get("culprit") or (gap.summary() if gap is not None else None),
        "node": nodes.get("first_diverging_node"),
        "node_op": nodes.get("op") or nodes.get("counterpart_op"),
        "symptom": mismatch.get("kind") if mismatch else None,
        "mismatch": mismatch,
        "trials": g.get("diverging_trials") or [],
    }
    out["signature"] = signature(
        DIVERGED,
        str(out["stage"]),
        _step_shape(str(out["step"])),
        str(out["component"] or ""),
        _op_shape(str(out["culprit"] or out["node_op"] or "")),
        str(out["symptom"] or ""),
    )
    return out


def signature(*parts: str) -> str:
    """A cluster key: findings with the same one are taken for the same bug."""
    return " | ".join(p for p in parts if p)


def error_shape(e: BaseException) -> str:
    return f"{type(e).__name__}: {_message_shape(str(e))}"


def _message_shape(msg: str) -> str:
    """An error message without what varies between programs of one bug (numbers, names, paths)."""
    line = next((ln for ln in msg.splitlines() if ln.strip()), "")
    line = re.sub(r"/[\w./-]+", "PATH", line)
    line = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", line)
    line = re.sub(r"\b(buf|arg|primals|tangents|x|v|tmp)\d+(_\d+)?\b", r"\1N", line)
    return re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "N", line)[:140]


def _step_shape(step: str) -> str:
    return re.sub(r"#\d+", "#N", step)


def _op_shape(text: str) -> str:
    """'lowering of remainder_1 = aten.remainder.Scalar' -> 'lowering of aten.remainder'."""
    text = re.sub(r"\b[a-z_]+?(_\d+)? = ", "", text)
    text = re.sub(r"(aten|prims)\.(\w+)\.\w+", r"\1.\2", text)
    return re.sub(r"\b(buf|op|cpp_fused_\w+?)\d+\b", r"\1N", text)[:160]


def _first_mismatch(guilty: dict[str, Any]) -> dict[str, Any] | None:
    for trial in guilty.get("trials") or []:
        for m in trial.get("mismatches") or []:
            return {**m, "trial": trial.get("trial")}
    return None


def _first_fidelity_mismatch(fid: Any) -> dict[str, Any] | None:
    if fid is None:
        return None
    for cmp in (fid.plain, fid.captured):
        if cmp.mismatches:
            return {**cmp.mismatches[0].to_json(), "trial": cmp.what}
    return None

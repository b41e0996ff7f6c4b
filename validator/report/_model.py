"""The report object returned by ``validate`` and its JSON form (schema in docs/report-json.md)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from .. import __version__
from ..capture import Step, Trace
from ..fidelity import Fidelity
from ..fx import describe
from ..kinds import Verdict
from ..localize import Localization, StepVerdict, op_name
from ..numeric import DIVERGED, EQUIVALENT, NOT_RUN, TOOL_ERROR, UNCHANGED
from ..symbolic import SymbolicResult
from ._repro import write_repro

EXIT_EQUIVALENT, EXIT_DIVERGED, EXIT_ERROR = 0, 1, 2

# The guilty step of a compile that diverges from eager while every captured step is equivalent.
UNLOCALIZED = "unlocalized: capture differs from torch.compile"


@dataclass(frozen=True)
class Report:
    """The outcome of one validation (built once by ``pipeline.run``; never changed after)."""

    program: str
    trace: Trace
    localization: Localization | None
    dynamic: bool = False
    training: bool = False
    inputs: list[str] = field(default_factory=list)
    timing: dict[str, float] = field(default_factory=dict)
    error: str | None = None  # the compile or the compiled run failed
    symbolic: SymbolicResult | None = None  # None when the symbolic check was switched off
    fidelity: Fidelity | None = None  # the plain torch.compile against eager and the capture

    # -------------------------------------------------------------- fidelity
    @property
    def unlocalized(self) -> bool:
        """torch.compile diverges from eager but no captured step does: the capture missed it."""
        loc = self.localization
        return self.fidelity is not None and self.fidelity.missed and not (loc is not None and loc.diverged)

    # -------------------------------------------------------------- summary
    @property
    def verdict(self) -> Verdict:
        if self.error is not None:
            return Verdict.ERROR
        if self.localization is not None and self.localization.diverged:
            return DIVERGED
        if self.unlocalized:
            return DIVERGED
        if self.fidelity is not None and self.fidelity.beyond_testing:
            return Verdict.ROUNDING
        return EQUIVALENT

    @property
    def exit_code(self) -> int:
        # rounding: no step diverges, so no divergence is claimed (the report says what differs)
        codes = {DIVERGED: EXIT_DIVERGED, EQUIVALENT: EXIT_EQUIVALENT, Verdict.ROUNDING: EXIT_EQUIVALENT}
        return codes.get(self.verdict, EXIT_ERROR)

    @property
    def guilty(self) -> StepVerdict | None:
        return self.localization.guilty if self.localization else None

    @property
    def guilty_step(self) -> str | None:
        g = self.guilty
        if g is not None:
            return g.step.name
        return UNLOCALIZED if self.unlocalized else None

    def counts(self) -> dict[str, Any]:
        steps = self.trace.steps
        by: dict[str, int] = {}
        for v in self.localization.verdicts if self.localization else []:
            if v.step.is_leaf and v.step.changed:
                key = str(v.verdict)  # a plain string: the counts are rendered and serialised as is
                by[key] = by.get(key, 0) + 1
        return {
            "captured_steps": len(steps),
            "leaf_steps": sum(1 for s in steps if s.is_leaf),
            "changed_steps": sum(1 for s in steps if s.is_leaf and s.changed),
            "by_verdict": by,
            "by_stage": _by_stage(steps),
        }

    # -------------------------------------------------------------- json
    def to_json(self) -> dict[str, Any]:
        loc = self.localization
        return {
            "schema": "fxtv-report/1",
            "fxtv_version": __version__,
            "torch_version": torch.__version__,
            "program": self.program,
            "dynamic": self.dynamic,
            "training": self.training,
            "inputs": self.inputs,
            "verdict": self.verdict,
            "error": self.error,
            "guilty_step": self.guilty_step,
            "guilty": _guilty_json(self) if loc and loc.guilty else None,
            "later_divergences": [v.qualified_name for v in loc.later_divergences] if loc else [],
            "counts": self.counts(),
            "steps": [_step_json(v) for v in loc.verdicts] if loc else [],
            "symbolic": self.symbolic.to_json() if self.symbolic is not None else None,
            "fidelity": self.fidelity.to_json() if self.fidelity is not None else None,
            "graphs": [
                {"label": g.label, "role": g.role, "inputs": [describe(x) for x in g.runtime_inputs or []]}
                for g in self.trace.graphs.values()
            ],
            "tool_errors": self.trace.tool_errors
            + [f"{v.qualified_name}: {v.check.reason}" for v in (loc.tool_errors if loc else [])],
            "missing_hooks": self.trace.missing_hooks,
            "timing_s": self.timing,
        }

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2, default=str))

    def write_html(self, path: str | Path) -> None:
        """A self-contained HTML page (docs/html-report.md): the trace, the guilty step, its graphs."""
        from ._html import render_html  # _html imports this module

        Path(path).write_text(render_html(self), encoding="utf-8")

    def write_repro(self, path: str | Path) -> Path:
        """A standalone torch-only script reproducing the guilty FX step, shrunk (see ``_repro``)."""
        return write_repro(self, path)


def _by_stage(steps: list[Step]) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in steps:
        out[s.stage] = out.get(s.stage, 0) + 1
    return out


def _step_json(v: StepVerdict) -> dict[str, Any]:
    s, c = v.step, v.check
    return {
        "index": s.index,
        "name": s.name,
        "qualified_name": v.qualified_name,
        "stage": s.stage,
        "graph": s.graph,
        "kind": s.kind,
        "parent": s.parent,
        "changed": s.changed,
        "implicit": s.implicit,
        "verdict": v.verdict,
        "numeric_verdict": c.verdict,
        "reason": c.reason,
        "symbolic": {
            "counts": dict(Counter(o.status for o in v.symbolic)),
            "not_proved": [o.to_json() for o in v.symbolic if o.status != "proved"],
        },
        "tolerance": c.tolerance,
        "region": c.region,
        "warnings": c.warnings,
        "confirmed": c.confirmed,
        "pattern": s.pattern.__dict__ if s.pattern else None,
        "created_nodes": s.created,
        "erased_nodes": s.erased,
        "trials": [
            {
                "trial": t.trial,
                "special": t.special,
                "reference": t.reference,
                "skipped": t.skipped,
                "mismatches": [m.to_json() for m in t.mismatches],
            }
            for t in c.trials
        ],
    }


def _guilty_json(r: Report) -> dict[str, Any]:
    loc = r.localization
    assert loc is not None and loc.guilty is not None
    g = loc.guilty
    out = _step_json(g)
    out["nodes"] = loc.blame.to_json() if loc.blame else None
    out["below_fx"] = loc.below.to_json() if loc.below else None
    out["diverging_trials"] = [t.trial for t in g.check.trials if t.diverged]
    return out


def node_summary(step: Step, names: list[str]) -> list[str]:
    """'name = op' strings for nodes of the step's after-graph (or before-graph)."""
    out: list[str] = []
    for gm in (step.after, step.before):
        if isinstance(gm, torch.fx.GraphModule):
            nodes = {n.name: n for n in gm.graph.nodes}
            for name in names:
                if name in nodes and not any(o.startswith(name + " ") for o in out):
                    out.append(f"{name} = {op_name(nodes[name])}")
    return out


VERDICT_STYLE = {
    DIVERGED: "bold red",
    EQUIVALENT: "green",
    NOT_RUN: "yellow",
    TOOL_ERROR: "magenta",
    UNCHANGED: "dim",
    "mixed": "yellow",
    Verdict.ROUNDING: "yellow",
    "error": "bold magenta",
}

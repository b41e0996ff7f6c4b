"""Numeric equivalence check of one captured step, over several input trials.

Each step kind has its own notion of "the same inputs" and "the same outputs":
- fx: both graphs take the same placeholders and return the same outputs;
- aot: the Dynamo graph's inputs map onto the AOT graph's primals (matched by value on the real
  run); user outputs sit after the mutated-input outputs (ViewAndMutationMeta);
- partition: joint(primals, tangents) == fw(primals) followed by bw(saved, tangents), with saved
  values and tangents matched by placeholder name;
- lowering: the last FX graph vs the compiled callable on the same runtime arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx

from ..capture import KIND_AOT, KIND_FX, KIND_LOWERING, KIND_PARTITION, Step, Trace
from ..fx import RunResult, has_random_ops, output_args, run_compiled, run_graph, to_float64, widen_value
from ..kinds import Verdict
from ._compare import Mismatch, alias_pairs, compare_values
from ._inputs import REAL, Trial, tangent_like, trial_inputs, trial_value, trials
from ._signed_zero import SIGNED_ZERO, zero_sign_defined
from ._tolerance import Tolerance, accumulation_length, tolerance_for

EQUIVALENT = Verdict.EQUIVALENT
DIVERGED = Verdict.DIVERGED
NOT_RUN = Verdict.NOT_RUN
TOOL_ERROR = Verdict.TOOL_ERROR
UNCHANGED = Verdict.UNCHANGED


@dataclass
class CheckOptions:
    random_trials: int = 2
    special_values: bool = True
    stop_at_first_divergence: bool = False
    # Fused kernels may legitimately treat non-finite values and signed zeros differently from
    # eager kernels (e.g. a one-pass Welford mean of [inf, 1] is NaN eagerly, inf compiled), so at
    # the lowering step such differences are warnings unless this is "fail".
    special_values_at_lowering: str = "warn"
    # When only the lowering step diverges, recompile the last FX graph to name the guilty
    # lowering, fusion decision or codegen feature (a few recompiles of one graph).
    below_fx: bool = True
    # With a GPU present, also compile each lowered graph for the other device and check it.
    other_devices: bool = True
    # A zero whose sign the producing op defines (``_signed_zero``) and the compiled program
    # flips is a divergence of class ``signed-zero``; False makes every sign flip a warning.
    signed_zero: bool = True


@dataclass
class TrialResult:
    trial: str
    special: bool
    reference: str  # "float64" or why the before-graph served as reference
    mismatches: list[Mismatch] = field(default_factory=list)
    inputs: list[Any] | None = None  # the before-side inputs (kept for localization / repro)
    skipped: str | None = None  # why this trial could not run (e.g. values outside the domain)

    @property
    def diverged(self) -> bool:
        return bool(self.mismatches)


@dataclass
class StepCheck:
    verdict: str
    trials: list[TrialResult] = field(default_factory=list)
    reason: str | None = None
    tolerance: str | None = None
    warnings: list[str] = field(default_factory=list)
    # for a divergence seen only on special values: how the compiled program behaves there
    confirmed: str | None = None

    @property
    def first_failure(self) -> TrialResult | None:
        return next((t for t in self.trials if t.diverged), None)


Runner = Callable[[Sequence[Any]], RunResult]


class Checker:
    def __init__(self, trace: Trace, options: CheckOptions | None = None) -> None:
        self.trace = trace
        self.options = options or CheckOptions()
        self.trials = trials(self.options.random_trials, self.options.special_values)
        self._base: dict[str, tuple[list[Any], list[bool]] | None] = {}
        # (graph lineage, trial) -> the last after-graph run: consecutive steps of a lineage share
        # that version as their before-graph, so each version runs once per trial.
        self._last_run: dict[tuple[str, str], tuple[torch.fx.GraphModule, RunResult]] = {}

    # ------------------------------------------------------------------ inputs
    def base_inputs(self, label: str) -> tuple[list[Any], list[bool]] | None:
        """Real inputs of a graph lineage and which of them are parameters."""
        if label not in self._base:
            self._base[label] = self._compute_base(label)
        return self._base[label]

    def _compute_base(self, label: str) -> tuple[list[Any], list[bool]] | None:
        rec = self.trace.graphs.get(label)
        if rec is None:
            return None
        if rec.role != "joint":
            if rec.runtime_inputs is None:
                return None
            return list(rec.runtime_inputs), list(rec.info.get("param_mask", []))
        # A joint graph never runs: its primals are the forward graph's real inputs (same
        # placeholder names), its tangents are generated.
        fw = next((g for g in self.trace.graphs.values() if g.role == "forward" and g.info.get("joint") == label), None)
        if fw is None or fw.runtime_inputs is None or fw.final is None or rec.final is None:
            return None
        fw_names = [n.name for n in fw.final.graph.nodes if n.op == "placeholder"]
        fw_mask = fw.info.get("param_mask", [])
        values: list[Any] = []
        mask: list[bool] = []
        for i, p in enumerate(n for n in rec.final.graph.nodes if n.op == "placeholder"):
            if p.name.startswith("tangents"):
                values.append(tangent_like(p.meta.get("val"), i))
                mask.append(False)
            elif p.name in fw_names:
                j = fw_names.index(p.name)
                values.append(fw.runtime_inputs[j])
                mask.append(bool(fw_mask[j]) if j < len(fw_mask) else False)
            else:
                return None
        return values, mask

    def inputs(self, label: str, trial: Trial) -> list[Any] | None:
        base = self.base_inputs(label)
        if base is None:
            return None
        return trial_inputs(base[0], trial, base[1])

    # ------------------------------------------------------------------ check
    def check(self, step: Step) -> StepCheck:
        if not step.changed:
            return StepCheck(UNCHANGED)
        if "not_run" in step.info:
            return StepCheck(NOT_RUN, reason=step.info["not_run"])
        if step.before is None or step.after is None:
            return StepCheck(NOT_RUN, reason="no snapshot")
        kind = {KIND_FX: self._fx, KIND_AOT: self._aot, KIND_PARTITION: self._partition, KIND_LOWERING: self._lowering}[
            step.kind
        ]
        try:
            return kind(step)
        except Exception as e:  # a checker bug is reported, never raised into the user's run
            return StepCheck(TOOL_ERROR, reason=f"{type(e).__name__}: {e}")

    def _stubs(self) -> dict[int, Any]:
        return self.trace.lowering_stubs

    def _run_cached(self, gm: torch.fx.GraphModule, inp: list[Any], key: tuple[str, str] | None) -> RunResult:
        hit = self._last_run.get(key) if key else None
        if hit is not None and hit[0] is gm:
            return hit[1]
        return run_graph(gm, inp, stubs=self._stubs())

    def _is_soft(self, m: Mismatch, trial: Trial, before: torch.fx.GraphModule, soft_special: bool) -> bool:
        """Whether mismatch ``m`` is only a warning (docs/tolerance.md)."""
        if m.kind == SIGNED_ZERO:
            if not self.options.signed_zero:
                return True
            # at the lowering step a flipped zero counts where its producer defines the sign
            return soft_special and not zero_sign_defined(before, m.where)
        # also: compiled code may hand back a donated input buffer as an output
        return soft_special and (trial.special or m.kind == "input_alias")

    def _soft(self, step: Step) -> bool:
        return step.kind == KIND_LOWERING and self.options.special_values_at_lowering != "fail"

    def _fx(self, step: Step) -> StepCheck:
        if self.base_inputs(step.graph) is None:
            return StepCheck(NOT_RUN, reason=f"no real inputs were seen for graph {step.graph}")
        return self._run_trials(step.before, step.after, lambda t: self.inputs(step.graph, t), lineage=step.graph)

    def _lowering(self, step: Step) -> StepCheck:
        return self.check_compiled(step, step.after)

    def check_compiled(self, step: Step, compiled: Any, trial_names: Sequence[str] | None = None) -> StepCheck:
        """The lowering check of ``step`` with ``compiled`` (a boxed callable, e.g. a recompile)
        as its after-side, on the trials named (default: all)."""
        if self.base_inputs(step.graph) is None:
            return StepCheck(NOT_RUN, reason=f"graph {step.graph} was compiled but never run")
        chosen = [t for t in self.trials if trial_names is None or t.name in trial_names]
        # Inductor may reuse (donate) input buffers it owns, e.g. saved activations in a backward:
        # only inputs the FX graph itself mutates are compared.
        return self._run_trials(
            step.before,
            lambda inp: run_compiled(compiled, inp),
            lambda t: self.inputs(step.graph, t),
            soft_special=self._soft(step),
            only_mutated_inputs=True,
            trials=chosen,
        )

    def _run_trials(
        self,
        before: torch.fx.GraphModule,
        after: Runner | torch.fx.GraphModule,
        make_inputs: Callable[[Trial], list[Any] | None],
        project: Callable[[RunResult, RunResult], tuple[RunResult, RunResult]] | None = None,
        after_inputs: Callable[[Trial, list[Any]], list[Any]] | None = None,
        soft_special: bool = False,
        only_mutated_inputs: bool = False,
        lineage: str | None = None,
        trials: Sequence[Trial] | None = None,
    ) -> StepCheck:
        """Run ``before`` (native and float64) and ``after`` per trial and compare."""
        k = accumulation_length(before)
        random = has_random_ops(before)
        ref_gm: torch.fx.GraphModule | None = None
        ref_note = "float64"
        if random:
            ref_note = "before-graph (random ops: a float64 copy draws other numbers)"
        else:
            try:
                ref_gm = to_float64(before)
            except Exception as e:
                ref_note = f"before-graph (no float64 copy: {type(e).__name__})"
        result = StepCheck(EQUIVALENT)
        for trial in self.trials if trials is None else trials:
            inp = make_inputs(trial)
            if inp is None:
                return StepCheck(NOT_RUN, reason="inputs unavailable")
            key = (lineage, trial.name) if lineage else None
            b = self._run_cached(before, inp, key)
            if b.error is not None:
                if trial.name == REAL:
                    return StepCheck(TOOL_ERROR, reason=f"before-graph does not run: {b.error}")
                # generated values outside the program's domain (e.g. an index): say so, go on
                result.trials.append(
                    TrialResult(
                        trial.name,
                        trial.special,
                        ref_note,
                        inputs=inp,
                        skipped=f"before-graph raises on these values: {b.error[:120]}",
                    )
                )
                continue
            a_inp = after_inputs(trial, inp) if after_inputs else inp
            if isinstance(after, torch.fx.GraphModule):
                a = run_graph(after, a_inp, stubs=self._stubs())
                if key is not None:
                    self._last_run[key] = (after, a)
            else:
                a = after(a_inp)
            note = ref_note
            r: RunResult | None = None
            if ref_gm is not None:
                r = run_graph(ref_gm, [widen_value(x) for x in inp], stubs=self._stubs())
                if r.error is not None:
                    note, r = f"before-graph (float64 run failed: {r.error[:80]})", None
            tr = TrialResult(trial.name, trial.special, note, inputs=inp)
            result.trials.append(tr)
            if a.error is not None:
                tr.mismatches.append(Mismatch("graph", "error", f"after-side raises {a.error}"))
            else:
                if project is not None:
                    b_cmp, a_cmp = project(b, a)
                    r = project(r, a)[0] if r is not None else None
                else:
                    b_cmp, a_cmp = b, a
                found = compare_runs(b_cmp, a_cmp, r, k, inp if only_mutated_inputs else None)
                soft = [m for m in found if self._is_soft(m, trial, before, soft_special)]
                result.warnings += [f"{trial.name}: {m.where}: {m.detail}" for m in soft]
                tr.mismatches += [m for m in found if m not in soft]
            if tr.diverged:
                result.verdict = DIVERGED
                if self.options.stop_at_first_divergence:
                    break
        dtypes = {x.dtype for x in _tensors(result.trials[0].inputs if result.trials else [])}
        fdt = [d for d in dtypes if d.is_floating_point]
        if fdt:
            tol = tolerance_for(max(fdt, key=lambda d: torch.finfo(d).eps), k, have_reference=ref_gm is not None)
            result.tolerance = f"K={k}, {tol.describe()}"
        return result

    # ------------------------------------------------------------------ aot
    def _aot(
        self,
        step: Step,
        before: torch.fx.GraphModule | None = None,
        after: Runner | torch.fx.GraphModule | None = None,
        trials: Sequence[Trial] | None = None,
    ) -> StepCheck:
        """The AOT trace ``step``; ``before`` / ``after`` replace its sides (same signatures)."""
        src = step.info.get("source_graph")
        pre = self.base_inputs(src) if src else None
        post = self.base_inputs(step.graph)
        if src is None or pre is None or post is None:
            return StepCheck(NOT_RUN, reason="real inputs of the Dynamo graph or the AOT graph are unknown")
        mapping = _match_inputs(pre[0], post[0])
        meta = step.info.get("fw_metadata") or self.trace.graphs[step.graph].info.get("fw_metadata")
        n_mut = int(getattr(meta, "num_mutated_inp_runtime_indices", 0) or 0)
        mut_idx = list(getattr(meta, "mutated_inp_runtime_indices", []) or [])
        n_out = getattr(meta, "num_outputs", None)
        inverse = {j: i for j, i in enumerate(mapping) if i is not None}

        def after_inputs(trial: Trial, pre_inputs: list[Any]) -> list[Any]:
            return [
                pre_inputs[m] if m is not None else trial_value(v, trial, 10_000 + j)
                for j, (v, m) in enumerate(zip(post[0], mapping, strict=True))
            ]

        def project(b: RunResult, a: RunResult) -> tuple[RunResult, RunResult]:
            count = n_out if n_out is not None else len(b.outputs)
            # Inputs mutated functionally come back as the AOT graph's leading outputs; the
            # others are mutated in place (copy_ epilogue) like in the Dynamo graph.
            states: list[Any] = [None] * len(b.inputs_after)
            for j, i in inverse.items():
                if j < len(a.inputs_after):
                    states[i] = a.inputs_after[j]
            for k, j in enumerate(mut_idx[:n_mut]):
                if j in inverse and k < len(a.outputs):
                    states[inverse[j]] = a.outputs[k]
            b_states = [v if states[i] is not None else None for i, v in enumerate(b.inputs_after)]
            return (
                RunResult(list(b.outputs[:count]), b_states),
                RunResult(list(a.outputs[n_mut : n_mut + count]), states, error=a.error),
            )

        return self._run_trials(
            before if before is not None else step.before,
            after if after is not None else step.after,
            lambda t: self.inputs(src, t),
            after_inputs=after_inputs,
            project=project,
            trials=trials,
        )

    # ------------------------------------------------------------------ observability
    def observable(self, step: Step, trial_name: str) -> StepCheck | None:
        """``step``'s before-graph against the final compiled program on one trial, or None
        when no compiled program takes (or maps onto) the step's inputs.

        A difference an FX step shows only on special values can come from the eager kernels
        that run its after-graph (a one-pass ``var_mean`` makes NaN of ``[inf, 1]``) rather
        than from the rewrite; if the compiled program agrees with the before-graph there, the
        user cannot observe it.
        """
        chosen = [t for t in self.trials if t.name == trial_name]
        graphs = self.trace.graphs
        if graphs.get(step.graph) is not None and graphs[step.graph].role == "pre_grad":
            aot = next(
                (s for s in self.trace.steps if s.kind == KIND_AOT and s.info.get("source_graph") == step.graph), None
            )
            compiled = graphs[aot.graph].compiled if aot is not None else None
            if aot is None or compiled is None:
                return None
            return self._aot(aot, before=step.before, after=_runner(compiled), trials=chosen)
        rec = graphs.get(step.graph)
        if rec is None or rec.compiled is None:
            return None
        if step.kind == KIND_AOT:
            return self._aot(step, after=_runner(rec.compiled), trials=chosen)
        if step.kind != KIND_FX:
            return None
        return self._run_trials(
            step.before,
            _runner(rec.compiled),
            lambda t: self.inputs(step.graph, t),
            only_mutated_inputs=True,
            trials=chosen,
        )

    # ------------------------------------------------------------------ partition
    def _partition(self, step: Step) -> StepCheck:
        joint = step.info.get("joint", step.graph)
        if self.base_inputs(joint) is None:
            return StepCheck(NOT_RUN, reason="the forward graph was never run, so the joint has no inputs")
        fw, bw = step.after
        nfw = step.info.get("num_fwd_outputs")
        joint_ph = [n.name for n in step.before.graph.nodes if n.op == "placeholder"]
        fw_ph = [n.name for n in fw.graph.nodes if n.op == "placeholder"]
        bw_ph = [n.name for n in bw.graph.nodes if n.op == "placeholder"]
        fw_out_names = [a.name if isinstance(a, torch.fx.Node) else None for a in output_args(fw)]

        def fw_then_bw(inp: Sequence[Any]) -> RunResult:
            by_name = dict(zip(joint_ph, inp, strict=True))
            f = run_graph(fw, [by_name[n] for n in fw_ph], stubs=self._stubs())
            if f.error is not None:
                return f
            saved = {n: v for n, v in zip(fw_out_names, f.outputs, strict=False) if n is not None}
            bw_in = [by_name[n] if n.startswith("tangents") else saved[n] for n in bw_ph]
            g = run_graph(bw, bw_in, stubs=self._stubs())
            if g.error is not None:
                return g
            n = nfw if nfw is not None else len(f.outputs)
            fw_inputs_after = dict(zip(fw_ph, f.inputs_after, strict=True))
            return RunResult(f.outputs[:n] + g.outputs, [fw_inputs_after.get(p, by_name[p]) for p in joint_ph])

        return self._run_trials(step.before, fw_then_bw, lambda t: self.inputs(joint, t))


def _runner(compiled: Any) -> Runner:
    return lambda inp: run_compiled(compiled, inp)


def _tensors(values: Sequence[Any] | None) -> list[torch.Tensor]:
    return [v for v in values or [] if isinstance(v, torch.Tensor)]


def _match_inputs(pre: Sequence[Any], post: Sequence[Any]) -> list[int | None]:
    """For each AOT input, the Dynamo input holding the same real value (None: its own)."""

    def same(x: Any, y: Any) -> bool:
        if isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor):
            return (
                x.shape == y.shape
                and x.dtype == y.dtype
                and bool(torch.equal(torch.nan_to_num(x), torch.nan_to_num(y)))
            )
        return not isinstance(x, torch.Tensor) and not isinstance(y, torch.Tensor) and x == y

    off = len(post) - len(pre)
    if off >= 0 and all(same(pre[i], post[off + i]) for i in range(len(pre))):
        return [None] * off + list(range(len(pre)))
    used: set[int] = set()
    out: list[int | None] = []
    for y in post:
        hit = next((i for i, x in enumerate(pre) if i not in used and same(x, y)), None)
        if hit is not None:
            used.add(hit)
        out.append(hit)
    return out


def compare_runs(
    b: RunResult,
    a: RunResult,
    r: RunResult | None,
    k: int,
    initial: Sequence[Any] | None = None,
    program_scale: float | None = None,
) -> list[Mismatch]:
    """Compare outputs, input states after the run, and new aliasing.

    With ``initial``, only inputs the before-side changed are compared (the after-side may
    reuse buffers it owns). ``program_scale``: see ``tolerance_for``.
    """
    out: list[Mismatch] = []
    if len(b.outputs) != len(a.outputs):
        return [Mismatch("graph", "type", f"{len(b.outputs)} outputs became {len(a.outputs)}")]
    have_ref = r is not None
    for i, (bv, av) in enumerate(zip(b.outputs, a.outputs, strict=True)):
        rv = r.outputs[i] if r is not None and i < len(r.outputs) else None
        out += compare_values(f"output {i}", bv, av, rv, _tol(bv, k, have_ref, program_scale))
    for i, (bv, av) in enumerate(zip(b.inputs_after, a.inputs_after, strict=False)):
        if isinstance(bv, torch.Tensor) and isinstance(av, torch.Tensor):
            if initial is not None and i < len(initial) and _unchanged(initial[i], bv):
                continue
            rv = r.inputs_after[i] if r is not None and i < len(r.inputs_after) else None
            out += compare_values(f"input {i} (after the run)", bv, av, rv, _tol(bv, k, have_ref, program_scale))
    new_alias = alias_pairs(a.outputs, a.inputs_after) - alias_pairs(b.outputs, b.inputs_after)
    for kind, i, j in sorted(new_alias):
        if kind == "in":
            out.append(Mismatch(f"output {i}", "input_alias", f"now shares storage with input {j}"))
        else:
            out.append(Mismatch(f"output {i}", "output_alias", f"now shares storage with output {j}"))
    return out


def _unchanged(x: Any, y: torch.Tensor) -> bool:
    if not isinstance(x, torch.Tensor) or x.shape != y.shape:
        return False
    if x.is_floating_point():
        return bool(((x == y) | (torch.isnan(x) & torch.isnan(y))).all())
    return bool(torch.equal(x, y))


def _tol(v: Any, k: int, have_ref: bool, program_scale: float | None = None) -> Tolerance:
    dtype = v.dtype if isinstance(v, torch.Tensor) and v.is_floating_point() else torch.float32
    return tolerance_for(dtype, k, have_reference=have_ref, program_scale=program_scale)

"""Running both sides of a step over several input trials against a float64 oracle.

The ``Checker`` owns what every step kind shares: a graph lineage's real inputs and their trial
variants, the trial loop (before-graph, after-side, float64 copy of the before-graph), which
mismatches are only warnings, and the lowering check (an FX graph against compiled code). What
"the same inputs" and "the same outputs" mean for each kind of step is the step kind's own
business (``validator.localize.kinds``): it hands ``run_trials`` its input mapping and its
projection of the results.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.fx

from ..capture import Trace
from ..fx import RunResult, has_random_ops, possibly_written_inputs, run_compiled, run_graph, to_float64
from ._compare import Mismatch
from ._inputs import REAL, Trial, tangent_like, trial_value, trials
from ._magnitude import output_magnitudes
from ._region import Regions
from ._results import DIVERGED, EQUIVALENT, NOT_RUN, TOOL_ERROR, CheckOptions, StepCheck, TrialResult
from ._runs import compare_runs
from ._signed_zero import SIGNED_ZERO, zero_sign_defined
from ._tolerance import accumulation_length, tolerance_for

Runner = Callable[[Sequence[Any]], RunResult]


# the random draw every random trial takes a parameter's values from
_WEIGHTS = Trial("random weights", 1)


class Checker:
    def __init__(self, trace: Trace, options: CheckOptions | None = None) -> None:
        self.trace = trace
        self.options = options or CheckOptions()
        self.trials = trials(self.options.random_trials, self.options.special_values)
        self._base: dict[str, tuple[list[Any], list[bool]] | None] = {}
        # (graph lineage, trial) -> the last after-graph run: consecutive steps of a lineage share
        # that version as their before-graph, so each version runs once per trial.
        self._last_run: dict[tuple[str, str], tuple[torch.fx.GraphModule, RunResult]] = {}
        # (graph lineage, trial) -> the float64 run of the lineage's first version: every later
        # version claims the same values, so one oracle run serves all its steps (until one diverges)
        self._oracle: dict[tuple[str, str], RunResult] = {}
        # (before-graph, inputs, their output magnitudes), the last asked for (by identity)
        self._last_mags: tuple[torch.fx.GraphModule, list[Any], list[Any] | None] | None = None
        self._trial_label: str | None = None
        self._trial_inputs: dict[str, list[Any] | None] = {}
        # (id of a parameter, trial) -> (the parameter, its trial value): lineages that take the
        # same weights (the Dynamo graph, the AOT graph) share one scaled copy of them
        self._scaled: dict[tuple[int, str], tuple[torch.Tensor, Any]] = {}
        # FX steps whose after-graph computes only what the step changed (``_region``)
        self.regions = Regions(trace)

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
            return list(rec.runtime_inputs), list(rec.param_mask)
        # A joint graph never runs: its primals are the forward graph's real inputs (same
        # placeholder names), its tangents are generated.
        fw = next((g for g in self.trace.graphs.values() if g.role == "forward" and g.joint == label), None)
        if fw is None or fw.runtime_inputs is None or fw.final is None or rec.final is None:
            return None
        fw_names = [n.name for n in fw.final.graph.nodes if n.op == "placeholder"]
        fw_mask = fw.param_mask
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
        """The inputs of lineage ``label`` on ``trial``. Made once per (lineage, trial) and shared:
        runs clone what a graph may write (``fx.run_graph``), so nothing changes them. Only the
        last lineage asked for is kept, since steps of one lineage come one after the other."""
        if self._trial_label != label:
            self._trial_label, self._trial_inputs = label, {}
            # the runs kept for other lineages hold their trial inputs (parameters, scaled): let go
            self._last_run = {k: v for k, v in self._last_run.items() if k[0] == label}
            self.regions.forget(label)
        if trial.name not in self._trial_inputs:
            base = self.base_inputs(label)
            self._trial_inputs[trial.name] = None if base is None else self._of_trial(base[0], base[1], trial)
        return self._trial_inputs[trial.name]

    def _of_trial(self, values: list[Any], params: list[bool], trial: Trial) -> list[Any]:
        out = []
        for i, v in enumerate(values):
            is_param = i < len(params) and params[i]
            if not (is_param and isinstance(v, torch.nn.Parameter)):  # a clone: no other graph shares it
                out.append(trial_value(v, trial, i, is_param=is_param))
                continue
            # One scaled copy of each weight serves every random trial (and every graph that takes
            # it): trials differ in their inputs. A large model's weights are most of its memory,
            # and a model that takes only token ids then has one random trial, not several alike.
            scaled = trial if trial.special or trial.name == REAL else _WEIGHTS
            key = (id(v), scaled.name)  # the entry holds v, so its id is not reused while cached
            if key not in self._scaled:
                self._scaled[key] = (v, trial_value(v, scaled, i, is_param=True))
            out.append(self._scaled[key][1])
        return out

    # ------------------------------------------------------------------ trials
    @property
    def stubs(self) -> dict[int, Any]:
        """Eager evaluators for nodes that call lowering-pattern handlers (see capture)."""
        return self.trace.lowering_stubs

    def _run_cached(self, gm: torch.fx.GraphModule, inp: list[Any], key: tuple[str, str] | None) -> RunResult:
        hit = self._last_run.get(key) if key else None
        if hit is not None and hit[0] is gm:
            return hit[1]
        return self._run_whole(gm, inp, key)

    def _run_whole(self, gm: torch.fx.GraphModule, inp: list[Any], key: tuple[str, str] | None) -> RunResult:
        """A run of all of ``gm``, keeping what the next steps' regions read (``key``: its lineage
        and trial)."""
        observe, done = self.regions.recorder(key[0], key[1], gm) if key else (None, None)
        r = run_graph(gm, inp, stubs=self.stubs, observe=observe)
        if done is not None:
            done(r)
        return r

    def _run_after(
        self, before: torch.fx.GraphModule, after: torch.fx.GraphModule, inp: list[Any], b: RunResult, key: Any
    ) -> tuple[RunResult, str | None]:
        """The after-graph's run: its region only where the step can be cut (``_region``)."""
        note = None
        if key is not None:
            a, note = self.regions.run(key[0], key[1], before, after, inp, b, self.stubs)
            if a is not None:
                return a, note
            note = f"whole graph: {note}"
        return self._run_whole(after, inp, key), note

    def _magnitudes(
        self,
        before: torch.fx.GraphModule,
        ref_gm: torch.fx.GraphModule,
        inp: list[Any],
        b: RunResult,
        a: RunResult,
        project: Callable[[RunResult, RunResult], tuple[RunResult, RunResult]] | None,
    ) -> Callable[[], list[Any] | None]:
        """The before-graph's output magnitudes on ``inp`` (``_magnitude``), as ``compare_runs``
        asks for them: only where an output fails without them. The last ones are kept: narrowing
        a lowering down recompiles one graph and checks it on the same inputs again and again."""

        def get() -> list[Any] | None:
            hit = self._last_mags
            if hit is not None and hit[0] is before and hit[1] is inp:
                mags = hit[2]
            else:
                mags = output_magnitudes(ref_gm, inp, stubs=self.stubs, widen=True)
                self._last_mags = (before, inp, mags)
            if mags is not None and project is not None:
                mags = project(RunResult(mags, [None] * len(b.inputs_after)), a)[0].outputs
            return mags

        return get

    def _is_soft(self, m: Mismatch, trial: Trial, before: torch.fx.GraphModule, soft_special: bool) -> bool:
        """Whether mismatch ``m`` is only a warning (docs/tolerance.md)."""
        if m.kind == SIGNED_ZERO:
            if not self.options.signed_zero:
                return True
            # at the lowering step a flipped zero counts where its producer defines the sign
            return soft_special and not zero_sign_defined(before, m.where)
        # also: compiled code may hand back a donated input buffer as an output
        return soft_special and (trial.special or m.kind == "input_alias")

    def chosen(self, trial_names: Sequence[str] | None) -> list[Trial]:
        return [t for t in self.trials if trial_names is None or t.name in trial_names]

    def check_compiled(
        self, gm: torch.fx.GraphModule, label: str, compiled: Any, trial_names: Sequence[str] | None = None
    ) -> StepCheck:
        """FX graph ``gm`` of lineage ``label`` against ``compiled`` (a boxed callable: the
        captured compile, a recompile, another device's) on the trials named (default: all).

        Fused kernels may legitimately treat non-finite values and signed zeros differently from
        eager kernels, so those are warnings here unless ``special_values_at_lowering="fail"``.
        """
        base = self.base_inputs(label)
        if base is None:
            return StepCheck(NOT_RUN, reason=f"graph {label} was compiled but never run")
        # Inductor may reuse (donate) input buffers it owns, e.g. saved activations in a backward:
        # only inputs the FX graph itself mutates are compared, and every input is cloned, but in
        # a forward or inference graph the parameters it does not write (nothing is donated there)
        role = self.trace.graphs[label].role
        written = possibly_written_inputs(gm)
        keep = () if role == "backward" else {i for i, p in enumerate(base[1]) if p and i not in written}
        return self.run_trials(
            gm,
            runner(compiled, keep),
            lambda t: self.inputs(label, t),
            soft_special=self.options.special_values_at_lowering != "fail",
            only_mutated_inputs=True,
            lineage=label,  # the FX graph's run and float64 oracle are the lineage's, if it has them
            trials=self.chosen(trial_names),
        )

    def run_trials(
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
        outputs: OutputRoles | None = None,
    ) -> StepCheck:
        """Run ``before`` (native and float64) and ``after`` per trial and compare (``outputs``:
        what the graph's outputs and inputs are to AOT's runtime, where known)."""
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
        tried: list[tuple[str, list[Any]]] = []
        for trial in self.trials if trials is None else trials:
            inp = make_inputs(trial)
            if inp is None:
                return StepCheck(NOT_RUN, reason="inputs unavailable")
            same = next((name for name, seen in tried if _same_objects(seen, inp)), None)
            if same is not None:
                # nothing to scale or plant (integer inputs, parameters only): the same run again
                result.trials.append(TrialResult(trial.name, trial.special, ref_note, skipped=f"same inputs as {same}"))
                continue
            tried.append((trial.name, inp))
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
                same_graph = project is None and after_inputs is None
                a, region = self._run_after(before, after, a_inp, b, key if same_graph else None)
                if result.region is None:
                    result.region = region
                elif region is not None and region.startswith("whole") and not result.region.startswith("whole"):
                    result.region += f"; {trial.name}: {region}"  # a trial that could not be cut
                if key is not None:
                    self._last_run[key] = (after, a)
            else:
                a = after(a_inp)
            note = ref_note
            r: RunResult | None = None
            if ref_gm is not None:
                r = self._oracle.get(key) if key is not None and project is None else None
                if r is None or len(r.outputs) != len(b.outputs):
                    r = run_graph(ref_gm, inp, stubs=self.stubs, widen=True)
                    if key is not None and project is None and r.error is None:
                        # inputs a graph cannot write need no reference state: the run passed them
                        # on as they were (fx.run_graph), so only the ones it may have written are kept
                        kept = [None if v is x else v for v, x in zip(r.inputs_after, inp, strict=True)]
                        self._oracle[key] = RunResult(r.outputs, kept)
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
                mags = None
                if r is not None and ref_gm is not None:
                    mags = self._magnitudes(before, ref_gm, inp, b, a, project)
                benign = outputs.benign_alias if outputs is not None else None
                found = compare_runs(
                    b_cmp, a_cmp, r, k, inp if only_mutated_inputs else None, benign_alias=benign, magnitudes=mags
                )
                soft = [
                    m
                    for m in found
                    if self._is_soft(m, trial, before, soft_special) or (outputs is not None and outputs.soft(m))
                ]
                result.warnings += [f"{trial.name}: {m.where}: {m.detail}" for m in soft]
                tr.mismatches += [m for m in found if m not in soft]
            if tr.diverged:
                result.verdict = DIVERGED
                if self.options.stop_at_first_divergence:
                    break
        if result.verdict == DIVERGED and lineage is not None and isinstance(after, torch.fx.GraphModule):
            # the lineage's graph is now wrong: later steps get a float64 run of their own (compiled
            # code that diverges changes no graph: the next recompile is held to the same oracle)
            self._oracle = {k: v for k, v in self._oracle.items() if k[0] != lineage}
        dtypes = {x.dtype for x in _tensors(result.trials[0].inputs if result.trials else [])}
        fdt = [d for d in dtypes if d.is_floating_point]
        if fdt:
            tol = tolerance_for(max(fdt, key=lambda d: torch.finfo(d).eps), k, have_reference=ref_gm is not None)
            result.tolerance = f"K={k}, {tol.describe()}"
        for tr in result.trials:
            if not tr.diverged:
                tr.inputs = None  # only a diverging trial's inputs are used again (blame, repro)
        return result


@dataclass(frozen=True)
class OutputRoles:
    """What a graph's outputs and inputs are to AOT's runtime (from its ViewAndMutationMeta).

    ``rebuilt``: outputs the runtime rebuilds from an input (an input, or a view of one, that the
    user gets back): their storage may come to alias that input unseen (e.g. after reinplacing).
    ``gradients`` (joint graphs): the gradient outputs; ``tangents``: the incoming-gradient
    inputs. Autograd may hand an incoming gradient on as an outgoing one, and the sign of a
    gradient's zero is no op's to define (it comes out of sums of +-0 terms), so there a new
    alias with a tangent and a flipped zero are warnings, as in the fidelity check.
    """

    rebuilt: frozenset[int] = frozenset()
    gradients: frozenset[int] = frozenset()
    tangents: frozenset[int] = frozenset()

    def benign_alias(self, output: int, input: int) -> bool:
        return output in self.rebuilt or (output in self.gradients and input in self.tangents)

    def soft(self, m: Mismatch) -> bool:
        kind, _, index = m.where.partition(" ")
        return m.kind == SIGNED_ZERO and kind == "output" and index.isdigit() and int(index) in self.gradients


def _same_objects(a: Sequence[Any], b: Sequence[Any]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def runner(compiled: Any, keep: Collection[int] = ()) -> Runner:
    """A compiled boxed callable as a ``Runner`` (``keep``: see ``fx.run_compiled``)."""
    return lambda inp: run_compiled(compiled, inp, keep)


def _tensors(values: Sequence[Any] | None) -> list[torch.Tensor]:
    return [v for v in values or [] if isinstance(v, torch.Tensor)]

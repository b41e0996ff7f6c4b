"""Capture fidelity: is the program fxtv judged the program the user's own torch.compile produces?

After a validation, the user's plain ``torch.compile`` (same config, same inputs, caches off as
in the capture) runs once more, without any fxtv instrumentation, and three runs are compared
with the rules of the lowering step (float64 oracle, IEEE special values, signed zeros):

- eager vs the plain compile: what the user sees;
- eager vs the capture's own compiled run: what fxtv's steps were taken from;
- the capture's compiled run vs the plain compile: whether the instrumentation changed the compile.

A plain compile that diverges from eager while every captured step is equivalent is a divergence
the capture missed. It is never reported as equivalent; ``_gap`` then narrows it down.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from .. import _compat
from .._json import attrs_json
from ..fx import real_view
from ..numeric import Mismatch, RunResult, accumulation_length, compare_runs
from ..numeric._signed_zero import SIGNED_ZERO, ops_define_sign
from ._gap import Gap, locate_gap
from ._runs import Observation, observe, observe_float64


@dataclass
class Comparison:
    """One run against another (``reference``: what stands for the exact result)."""

    what: str
    mismatches: list[Mismatch] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # the second run raised
    reference: str = "float64"

    @property
    def diverged(self) -> bool:
        return bool(self.mismatches) or self.error is not None

    def summary(self) -> str:
        if self.error is not None:
            return f"{self.what}: raises {self.error}"
        if not self.mismatches:
            return f"{self.what}: agree"
        m = self.mismatches[0]
        more = f" (+{len(self.mismatches) - 1} more)" if len(self.mismatches) > 1 else ""
        return f"{self.what}: {m.where}: {m.detail}{more}"

    def to_json(self) -> dict[str, Any]:
        return {
            **attrs_json(self, "what", "diverged", "error", "reference"),
            "mismatches": [m.to_json() for m in self.mismatches],
            "warnings": self.warnings,
        }


@dataclass
class Fidelity:
    plain: Comparison  # eager vs the user's plain torch.compile
    captured: Comparison  # eager vs the capture's compiled run
    agreement: Comparison  # the capture's compiled run vs the plain compile
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    gap: Gap | None = None  # where a divergence no captured step explains comes from
    # where the plain compile differs from eager beyond torch.testing.assert_close's defaults
    # although fxtv's rules accept it (filled only when the plain compile does not diverge)
    beyond_testing: list[str] = field(default_factory=list)

    @property
    def missed(self) -> bool:
        """torch.compile diverges from eager (what a trace of equivalent steps must not hide)."""
        return self.plain.diverged or self.captured.diverged

    def to_json(self) -> dict[str, Any]:
        return {
            "plain": self.plain.to_json(),
            "captured": self.captured.to_json(),
            "agreement": self.agreement.to_json(),
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
            "gap": self.gap.to_json() if self.gap else None,
            "beyond_testing": self.beyond_testing,
        }


@dataclass(frozen=True)
class Rules:
    """How two runs of the whole program are compared: as the steps are, value by value.

    A flipped zero counts where the ops that made the value (or, for an input, what the program
    wrote into it) define its sign, the rule the step checks apply to each graph node
    (``numeric._signed_zero``). Without the eager run's record, any sign-defining op the program
    ran makes every flip count."""

    accumulation: int = 1
    signed_zero: bool = True  # a flipped zero counts (where its producer defines its sign)
    sign_defined: bool = False  # the program ran an op that defines the sign of a zero
    sign_values: frozenset[int] | None = None  # values whose producer defines the sign of a zero
    sign_inputs: frozenset[int] | None = None  # inputs whose writer defines it
    precisions: tuple[torch.dtype | None, ...] | None = None  # each value's working precision

    @classmethod
    def of(cls, eager: Observation, ops: set[Any], accumulation: int, signed_zero: bool) -> Rules:
        if len(eager.sign_defined) != len(eager.values):  # no record of the eager run's ops
            return cls(accumulation, signed_zero, ops_define_sign(ops))
        return cls(
            accumulation,
            signed_zero,
            ops_define_sign(ops),
            frozenset(i for i, d in enumerate(eager.sign_defined) if d),
            frozenset(i for i, d in enumerate(eager.inputs_sign_defined) if d),
            tuple(eager.precisions),
        )

    def defines_sign(self, where: str) -> bool:
        """Whether the zeros of ``where`` ("output 3", "input 1 (after the run)") have a sign."""
        kind, _, rest = where.partition(" ")
        index = rest.split(" ")[0]
        chosen = self.sign_values if kind == "output" else self.sign_inputs if kind == "input" else None
        if chosen is None or not index.isdigit():
            return self.sign_defined
        return int(index) in chosen


def compare_observations(
    what: str, before: Observation, after: Observation, ref: Observation | None, rules: Rules
) -> Comparison:
    if after.error is not None:
        return Comparison(what, error=after.error)
    usable_ref = ref if ref is not None and ref.error is None and len(ref.values) == len(before.values) else None
    note = "float64" if usable_ref is not None else "eager (no float64 run)"
    if len(before.values) != len(after.values):
        return Comparison(
            what,
            [Mismatch("program", "type", f"{len(before.values)} values became {len(after.values)}")],
            reference=note,
        )
    found = compare_runs(
        RunResult(before.values, before.inputs_after),
        RunResult(after.values, after.inputs_after),
        RunResult(usable_ref.values, usable_ref.inputs_after) if usable_ref is not None else None,
        rules.accumulation,
        program_scale=_scale(usable_ref) if usable_ref is not None else None,
        precisions=rules.precisions,
    )
    found += _new_aliases(before, after)
    out = Comparison(what, reference=note)
    for m in found:
        defined = rules.defines_sign(m.where)
        kind, _, rest = m.where.partition(" ")
        if kind == "output" and rest.isdigit() and int(rest) < len(before.labels):
            m.where = before.labels[int(rest)]
        # A gradient's zeros come out of accumulations (a sum of +-0 terms), whose sign no op defines.
        soft = m.kind == SIGNED_ZERO and (not (rules.signed_zero and defined) or m.where.startswith("grad of"))
        if soft:
            out.warnings.append(f"{m.where}: {m.detail}")
        else:
            out.mismatches.append(m)
    return out


def _new_aliases(before: Observation, after: Observation) -> list[Mismatch]:
    """Outputs that share memory the first run's did not (an in-place write to one would then
    change an input or another output): the values are copies by now, so the pairs come from
    each run's own record."""
    out = []
    for kind, i, j in sorted(after.aliases - before.aliases):
        if kind == "in":
            out.append(Mismatch(f"output {i}", "input_alias", f"now shares storage with input {j}"))
        else:
            other = before.labels[j] if j < len(before.labels) else f"output {j}"
            out.append(Mismatch(f"output {i}", "output_alias", f"now shares memory with {other}"))
    return out


def _scale(ref: Observation) -> float:
    """The program's scale: the largest rms of its finite floating reference values."""
    scale = 0.0
    for v in ref.values:
        if isinstance(v, torch.Tensor) and (v.is_floating_point() or v.is_complex()) and v.numel():
            x = real_view(v).detach().double()
            x = torch.where(torch.isfinite(x), x, torch.zeros_like(x))
            scale = max(scale, float(x.pow(2).mean().sqrt()))
    return scale


def _accumulation(trace: Any) -> int:
    k = 1
    for rec in trace.graphs.values():
        if isinstance(rec.final, torch.fx.GraphModule):
            k = max(k, accumulation_length(rec.final))
    return k


def check_fidelity(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    *,
    training: bool,
    dynamic: bool,
    eager: Observation,
    captured: Observation,
    trace: Any,
    ops: set[Any],
    random: bool,
    signed_zero: bool = True,
    locate: bool = True,
) -> Fidelity:
    """Compile ``fn`` once more as the user does and compare (see the module docstring).

    ``eager`` and ``captured`` are the runs validate already made; ``ops`` the overloads the
    eager run dispatched; ``random``: the program draws random numbers, so every compile here runs
    with ``fallback_random`` (otherwise no two runs draw the same numbers). With ``locate``, a
    divergence is narrowed down by recompiling with Dynamo's debug backends (``locate_gap``).
    """
    t0 = time.perf_counter()
    rules = Rules.of(eager, ops, _accumulation(trace), signed_zero)
    ref = observe_float64(fn, inputs, training, eager, share=eager.shareable)
    patches = _compat.cache_off_patches()
    notes: list[str] = []
    if random:
        patches[_compat.INDUCTOR_CONFIG]["fallback_random"] = True
        notes.append(
            "the program draws random numbers: the plain compile ran with fallback_random=True, so that it "
            "draws eager's numbers (without it, no run of the program can be compared value by value)"
        )
    if ref is not None and ref.error is not None:
        notes.append(f"no float64 run of the program ({ref.error[:100]}): eager is the reference")
    torch._dynamo.reset()
    gc.collect()  # the float64 run's module copy (cycles): before the plain compile makes its own
    with _compat.config_patches(patches):
        plain = observe(
            fn,
            inputs,
            training,
            wrap=lambda f: torch.compile(f, backend="inductor", dynamic=dynamic),
            share=eager.shareable,
        )
    torch._dynamo.reset()
    fid = Fidelity(
        plain=compare_observations("eager vs torch.compile", eager, plain, ref, rules),
        captured=compare_observations("eager vs the captured compile", eager, captured, ref, rules),
        agreement=compare_observations("the captured compile vs torch.compile", captured, plain, ref, rules),
        notes=notes,
    )
    if not fid.plain.diverged and plain.error is None:
        fid.beyond_testing = beyond_testing(eager, plain)
    if fid.missed and locate:
        fid.gap = locate_gap(
            fn, inputs, training=training, dynamic=dynamic, eager=eager, ref=ref, rules=rules, patches=patches
        )
    fid.seconds = time.perf_counter() - t0
    return fid


def beyond_testing(eager: Observation, plain: Observation) -> list[str]:
    """Where ``plain`` differs from ``eager`` by more than ``torch.testing.assert_close``'s default
    tolerances for the dtype (NaN equal to NaN): what a user's own test of the compile fails on.

    fxtv's rules scale the rounding budget with the program's values and its float64 error; a
    test's do not. A difference only the test sees is rounding by fxtv's model, and is said so
    rather than hidden behind "equivalent" (eager may round where the compile does not, e.g. a
    Python scalar to float16 before a discontinuous op, which no float64 oracle can side with)."""
    pairs = [(label, e, p) for label, e, p in zip(eager.labels, eager.values, plain.values, strict=False)]
    pairs += [
        (f"input {i} after the call", e, p)
        for i, (e, p) in enumerate(zip(eager.inputs_after, plain.inputs_after, strict=False))
    ]
    out = []
    for label, e, p in pairs:
        if not (isinstance(e, torch.Tensor) and isinstance(p, torch.Tensor)) or e.shape != p.shape:
            continue
        if e.dtype != p.dtype or not (e.is_floating_point() or e.is_complex()):
            continue  # dtypes, integers and bools are fxtv's own exact comparisons
        try:
            torch.testing.assert_close(p.detach(), e.detach(), equal_nan=True)
        except AssertionError as err:
            lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
            detail = "; ".join(ln for ln in lines if ln.startswith(("Greatest", "Mismatched")))
            out.append(f"{label}: {detail or lines[0]}")
    return out

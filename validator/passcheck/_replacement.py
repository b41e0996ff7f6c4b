"""Prove a ``register_replacement`` pair directly: search function vs replacement function.

Both are traced to ATen graphs and treated as one FX step (search graph before, replacement
graph after), so the proofs and checks are the ones every captured step gets:
- symbolic: output sizes, strides and dtypes equal for all sizes (both traced with symbolic
  shapes; sizes equal in the example stay equal, as when the pattern matched them);
- numeric: the float64-oracle check with its random trials and special-values trial, on the
  example's shapes, on redrawn shapes, and in every floating dtype the pair accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch.fx.experimental.proxy_tensor import make_fx

from ..capture import GraphRecord, Step, Trace
from ..localize import check_step
from ..numeric import DIVERGED, EQUIVALENT, Checker, CheckOptions, StepCheck
from ..symbolic import Obligation
from ..symbolic._graph_checks import graph_obligations
from ._install import Replacement

_DTYPES = (torch.float32, torch.float64, torch.bfloat16, torch.float16)
_RESIZE = (3, 5)  # extra shapes: every example size > 1 multiplied by these, consistently


@dataclass
class Variant:
    label: str  # e.g. "float64 shapes [6, 10]"
    check: StepCheck


@dataclass
class ReplacementProof:
    name: str
    obligations: list[Obligation] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def refuted(self) -> list[Obligation]:
        return [o for o in self.obligations if o.refuted]

    @property
    def diverged(self) -> list[Variant]:
        return [v for v in self.variants if v.check.verdict == DIVERGED]

    @property
    def verdict(self) -> str:
        if self.refuted or self.diverged:
            return "refuted"
        if self.errors or not self.variants:
            return "unknown"
        if all(o.status == "proved" for o in self.obligations) and all(
            v.check.verdict == EQUIVALENT for v in self.variants
        ):
            return "proved"
        return "unknown"

    def lines(self) -> list[str]:
        counts: dict[str, int] = {}
        for o in self.obligations:
            counts[o.status] = counts.get(o.status, 0) + 1
        out = [
            f"{self.name}: {self.verdict}; symbolic {counts or 'none'}; numeric "
            f"{sum(v.check.verdict == EQUIVALENT for v in self.variants)}/{len(self.variants)} variants agree"
        ]
        out += [f"  refuted {o.kind} {o.subject}: {o.before} != {o.after}" for o in self.refuted]
        bad = self.diverged
        if len(bad) > 3:
            out.append(f"  ... {len(bad) - 3} more diverging variants")
        for v in bad[:3]:
            t = v.check.first_failure
            if t is not None:
                m = t.mismatches[0]
                out.append(f"  {v.label}, {t.trial}: {m.where}: {m.detail}")
        out += [f"  {e}" for e in self.errors]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "verdict": self.verdict,
            "obligations": [o.to_json() for o in self.obligations],
            "variants": [{"variant": v.label, "verdict": v.check.verdict} for v in self.variants],
            "errors": self.errors,
        }


def _trace(fn: Callable[..., Any], inputs: list[Any], mode: Literal["real", "symbolic"]) -> torch.fx.GraphModule:
    gm = make_fx(fn, tracing_mode=mode)(*inputs)
    assert isinstance(gm, torch.fx.GraphModule)
    return gm


def _pair_step(search: torch.fx.GraphModule, replace: torch.fx.GraphModule) -> Step:
    # Every replacement node is new: its outputs' strides are proved too, not only sizes.
    created = [n.name for n in replace.graph.nodes if n.op == "call_function"]
    return Step(0, "replacement", "post_grad", "pair", changed=True, before=search, after=replace, created=created)


def _variants(example: tuple[Any, ...]) -> list[tuple[str, list[Any]]]:
    g = torch.Generator().manual_seed(0)
    out: list[tuple[str, list[Any]]] = []
    floats = {x.dtype for x in example if isinstance(x, torch.Tensor) and x.is_floating_point()}
    for scale in (1, *_RESIZE):
        for dtype in _DTYPES if floats else (None,):
            vals: list[Any] = []
            for x in example:
                if not isinstance(x, torch.Tensor):
                    vals.append(x)
                    continue
                shape = [s * scale if s > 1 else s for s in x.shape]
                if x.is_floating_point():
                    vals.append(torch.randn(shape, generator=g, dtype=torch.float64).to(dtype or x.dtype))
                else:  # integer operands: the example's values, tiled to the new shape
                    vals.append(x.repeat(*[scale if s > 1 else 1 for s in x.shape]) if scale > 1 else x.clone())
            label = f"{str(dtype).removeprefix('torch.') if dtype else 'example dtypes'}, shapes " + ", ".join(
                str(list(v.shape)) for v in vals if isinstance(v, torch.Tensor)
            )
            out.append((label, vals))
    return out


def prove_replacement(r: Replacement, *, timeout_ms: int = 1000, random_trials: int = 2) -> ReplacementProof:
    proof = ReplacementProof(r.name)
    example = [x.detach() if isinstance(x, torch.Tensor) else x for x in r.example_inputs]
    try:
        step = _pair_step(_trace(r.search_fn, example, "symbolic"), _trace(r.replace_fn, example, "symbolic"))
        proof.obligations = graph_obligations(step, timeout_ms=timeout_ms)
    except Exception as e:
        proof.errors.append(f"symbolic trace failed: {type(e).__name__}: {e}")
    opts = CheckOptions(random_trials=random_trials)
    for label, vals in _variants(tuple(example)):
        try:
            search, replace = _trace(r.search_fn, vals, "real"), _trace(r.replace_fn, vals, "real")
        except Exception:  # the pair does not accept this dtype / shape: not a variant
            continue
        trace = Trace()
        trace.graphs["pair"] = GraphRecord(label="pair", role="inference", runtime_inputs=vals)
        proof.variants.append(Variant(label, check_step(Checker(trace, opts), _pair_step(search, replace))))
    if not proof.variants:
        proof.errors.append("neither the example nor any variant could be traced")
    return proof

"""Below the FX graph: name the lowering, fusion decision or codegen feature that diverges.

Runs when every FX step agrees but the compiled code does not match the last FX graph:

0. A refuted index proof (Z3) names the index rewrite, its expressions and the kernel: no
   recompile is needed.
1. Per-buffer comparison (no recompile): every buffer the compiled code writes is compared
   with the FX node it holds; the first that departs names the kernel and its FX nodes.
2. A baseline recompile of the last FX graph alone must reproduce the divergence; otherwise
   nothing below can be trusted, and the blame says so.
3. Fusion: veto the merges of the diverging kernel (then all merges); if that fixes the result,
   halve over the merges to name the one fusion decision that breaks it.
4. Codegen: switch every active codegen feature to its conservative setting; if that fixes the
   result, halve over the features.
5. Lowering: lower the diverging kernel's FX nodes to their eager ATen kernels; if that fixes the
   result, halve over the nodes to name the one node whose lowering is wrong.
6. Devices: the same graph compiled on the other device (when present) says which device
   diverges.

Fusion and codegen come before lowering because falling back to eager also removes the node's
fusions and its generated code: a fallback "fix" alone cannot tell the three apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from ... import _compat
from ...capture import Merge, Schedule, Step, Trace
from ...fx import ancestors, target_base, written_args
from ...numeric import Checker
from ...symbolic import FUSION as FUSION_PROOF
from ...symbolic import Obligation
from ._buffers import BufferComparison, compare_buffers
from ._devices import device_steps, other_devices, retarget
from ._features import FEATURES, Feature, active_features
from ._index import index_blame, index_culprits
from ._literals import literal_blame
from ._model import CODEGEN, FUSION, INDEX, LOWERING, UNATTRIBUTED, BelowFxBlame, BufferDivergence, Probe
from ._recompile import Recompiler
from ._search import culprit

__all__ = [
    "CODEGEN",
    "FEATURES",
    "FUSION",
    "INDEX",
    "LOWERING",
    "UNATTRIBUTED",
    "BelowFxBlame",
    "BufferComparison",
    "BufferDivergence",
    "Feature",
    "Probe",
    "blame_below_fx",
    "compare_buffers",
    "device_steps",
    "retarget",
]


def _lowerable(gm: torch.fx.GraphModule, names: Sequence[str] | None, *, views: bool = False) -> list[str]:
    """FX nodes (in graph order) inductor would lower itself and could hand to an eager kernel;
    view ops only with ``views`` (an eager view of a realized buffer is a layout of its own)."""
    out = []
    for n in gm.graph.nodes:
        if names is not None and n.name not in names:
            continue
        if n.op == "call_function" and isinstance(n.target, torch._ops.OpOverload):
            if torch._library.utils.is_builtin(n.target) and (views or not n.target.is_view):
                out.append(n.name)
    return out


def blame_below_fx(
    trace: Trace,
    step: Step,
    checker: Checker,
    trial: str,
    inputs: list[object],
    refuted: Sequence[Obligation] = (),
) -> BelowFxBlame:
    """Blame the compiled code of lowering ``step``, which diverged on ``trial`` (``inputs``).

    ``refuted`` are the step's refuted proof obligations: a refuted fused-kernel hazard is
    quoted as evidence for the fusion decision it concerns.
    """
    culprits = index_culprits(refuted)
    if culprits:
        return index_blame(culprits, trace.graphs[step.graph].schedule)
    printed = literal_blame(step.before, list(inputs))
    if printed is not None:
        return printed
    buffers = compare_buffers(trace, step, list(inputs))
    first = buffers.first
    region = list(first.fx_nodes) if first else None
    rc = Recompiler(trace, step, checker, trial)
    blame = BelowFxBlame(UNATTRIBUTED, buffer=first, buffers_compared=buffers.compared, probes=rc.probes)
    if first is not None:
        blame.kernel, blame.fx_nodes = first.kernel, list(first.fx_nodes)
    notes = [buffers.error] if buffers.error else []

    base = rc.run("baseline: the last FX graph recompiled alone")
    if base.probe.diverged is not True:
        blame.note = "; ".join(
            [
                *notes,
                "the divergence does not reproduce when the last FX graph is recompiled alone "
                f"({base.probe.error or 'it agrees'}): nothing below FX can be blamed by recompiling",
            ]
        )
        return blame
    # Codegen before fusion: a feature switch changes how kernels are written, never what they
    # compute together, so a fix by it keeps every fusion decision and clears them; a fusion veto
    # also rewrites the kernels, so its fix cannot clear the code generator.
    found = (
        _codegen(rc, blame)
        or _fusion(rc, base.schedule, first, blame, refuted)
        or _lowering(rc, step.before, region, blame)
    )
    failed = [p for p in rc.probes if p.error]
    if not found and failed:
        notes.append(
            f"the search is incomplete: {len(failed)} of {len(rc.probes)} variants could not be judged "
            f"({failed[0].what}: {failed[0].error})"
        )
    elif not found:
        notes.append(
            "the result still diverges with fusions vetoed, codegen features off and the kernel's nodes "
            "on eager kernels: the cause is elsewhere in the wrapper (buffer reuse, layout, an extern kernel)"
        )
    blame.devices = _device_verdicts(rc)
    blame.note = "; ".join(notes) or None
    return blame


def _fusion(
    rc: Recompiler,
    schedule: Schedule | None,
    first: BufferDivergence | None,
    blame: BelowFxBlame,
    refuted: Sequence[Obligation],
) -> bool:
    merges = schedule.merges if schedule else []
    if not merges or schedule is None:
        return False
    every = set(merges)

    def fixes(veto: Sequence[Merge]) -> bool:
        return rc.run(f"veto {len(veto)} fusion(s): {_merge_names(veto)}", keep=every - set(veto)).fixed

    # the diverging kernel's own merges first: usually the only ones that matter
    local = [m for m in merges if first is not None and m[0] == first.group]
    if local and len(local) < len(merges) and fixes(local):
        scope = local
    elif fixes(merges):
        scope = merges
    else:
        return False
    guilty = culprit(scope, fixes)
    blame.component = FUSION
    blame.culprit = "; ".join(schedule.describe_merge(m) for m in guilty)
    group = next(g for g in schedule.groups if g.name == guilty[0][0])
    blame.fx_nodes = list(group.origins)
    hazards = [o for o in refuted if o.kind == FUSION_PROOF and o.subject == group.name]
    if hazards:
        h = hazards[0]
        cex = ", ".join(f"{k}={v}" for k, v in (h.verdict.counterexample or {}).items())
        blame.evidence.append(f"symbolic: {h.before} / {h.after}: refuted at {cex} ({h.note})")
    return True


def _merge_names(merges: Sequence[Merge]) -> str:
    return ", ".join(f"{g}#{k}" for g, k in merges[:6]) + (" ..." if len(merges) > 6 else "")


def _codegen(rc: Recompiler, blame: BelowFxBlame) -> bool:
    feats = active_features(rc.device)

    def fixes(fs: Sequence[Feature]) -> bool:
        return rc.run("codegen off: " + ", ".join(f.name for f in fs), features=fs).fixed

    if not feats or not fixes(feats):
        return False
    guilty = culprit(feats, fixes)
    blame.component = CODEGEN
    blame.culprit = " + ".join(f.describe() for f in guilty)
    return True


def _lowering(rc: Recompiler, gm: torch.fx.GraphModule, region: list[str] | None, blame: BelowFxBlame) -> bool:
    nodes = _lowerable(gm, region)

    def fixes(ns: Sequence[str]) -> bool:
        out = rc.run("eager kernels for: " + ", ".join(ns), fallback=ns)
        if out.raised:
            # an eager kernel's strides need not be its fake kernel's: hand it contiguous operands
            out = rc.run("eager kernels, contiguous operands, for: " + ", ".join(ns), fallback=ns, contiguous=True)
        return out.fixed

    by_name = {n.name: n for n in gm.graph.nodes}
    if not nodes or not fixes(nodes):
        # The diverging kernel's nodes are not all: an op's lowering is wrong wherever it is used
        # (the first buffer compared names only one of its kernels), or the wrong lowering is a
        # view's (as_strided over a realized buffer), which the kernel's own nodes do not show.
        for every in (_lowerable(gm, None), _lowerable(gm, None, views=True)):
            if every and set(every) != set(nodes) and fixes(every):
                nodes = every
                break
        else:
            return False
    guilty = culprit(nodes, fixes)
    if len(guilty) > 1:  # no half alone fixes it: one op used in several places, or interacting nodes
        guilty = _one_op(guilty, by_name, fixes) or guilty
    moved = _charged_on(by_name[guilty[0]], fixes) if len(guilty) == 1 else None
    if moved is not None:
        node, why = moved
        blame.component, blame.fx_nodes = LOWERING, [node.name]
        blame.culprit = f"lowering of {node.name} = {node.target}{why}"
        return True
    blame.fx_nodes = guilty
    ops = {by_name[n].target for n in guilty}
    direct = _compat.pointwise_ops_name(next(iter(ops))) if len(ops) == 1 else None
    if direct is not None and direct == target_base(by_name[guilty[0]].target):
        # the lowering is ops.<name> itself, so the IR is right: the code printed for it is not
        blame.component = CODEGEN
        blame.culprit = (
            f"the code generated for ops.{direct} (nodes {', '.join(guilty)} = {by_name[guilty[0]].target}, whose "
            f"lowering is the pointwise ops.{direct} itself; no codegen switch fixes it)"
        )
        return True
    blame.component = LOWERING
    blame.culprit = " + ".join(f"lowering of {n} = {by_name[n].target}" for n in guilty)
    return True


def _charged_on(n: torch.fx.Node, fixes: Callable[[Sequence[str]], bool]) -> tuple[torch.fx.Node, str] | None:
    """The neighbour to blame when an eager kernel for ``n`` fixes the result only for what it does
    to that neighbour's input, with why (docs/below-fx.md); None when ``n``'s lowering is to blame."""
    strided = _strided_view_of(n)
    if strided is not None:
        # as_strided reads the storage under its input: over a view of n's buffer the two differ,
        # and an eager kernel for n only changes which buffer it reads
        return strided, (
            f" over a view of {n.name}'s buffer (eager kernels for {n.name} fix the result; the view's storage, "
            "not its values, is what as_strided reads)"
        )
    hazard = _writer_over_read(n)
    if hazard is not None and fixes([hazard[0].name]):
        # an in-place op writes a buffer n reads at other positions: an eager kernel for n only
        # materializes the read before the write, as the writer's lowering must
        writer, buffer = hazard
        return writer, (
            f", which writes {buffer.name} while its operand {n.name} reads it (eager kernels for either fix the "
            "result: the read must happen before the write)"
        )
    concat = _cat_over_written(n)
    if concat is not None and fixes([concat[0].name]):
        # inductor computes a cat input straight into its slice of the cat's output (ConcatKernel):
        # an eager kernel for n only gives n a buffer of its own again, as the cat's lowering must
        # when n, or the cat's result, is written in place afterwards
        cat, writer = concat
        return cat, (
            f", which computes {n.name} into its own output while {writer.name} writes "
            f"{'the cat' if cat in written_args(writer) else n.name} in place (eager kernels for either fix the "
            "result: the cat's slice and its input must not share a buffer)"
        )
    beside = _cat_beside_returned_view(n)
    if beside is not None and fixes([beside.name]):
        # the same ConcatKernel aliasing, seen from outside: a view of n is returned as well as the
        # cat, so the two outputs share memory (an in-place write to one changes the other)
        return beside, (
            f", which computes {n.name} into its own output while a view of {n.name} is returned too (eager "
            "kernels for either fix the result: two outputs must not share memory that eager gives each its own)"
        )
    reducer = next((u for u in n.users if _reduces(u)), None)
    if reducer is not None and fixes([reducer.name]):
        # n's values are right once realized (an eager kernel for the reduction realizes them too):
        # what is wrong is the reduction's loop over n computed inside it (its index over n's layout)
        return reducer, (
            f" over {n.name}, computed inside its kernel (eager kernels for either fix the result: {n.name}'s "
            "values are right once realized, the reduction over them as fused is not)"
        )
    return None


def _reduces(n: torch.fx.Node) -> bool:
    return n.op == "call_function" and torch.Tag.reduction in getattr(n.target, "tags", ())


def _strided_view_of(n: torch.fx.Node) -> torch.fx.Node | None:
    """An ``as_strided`` that reads ``n``'s buffer through another view (a slice, a transpose):
    the one view whose result depends on storage, not on the values it is given."""
    seen, stack = set(), [(u, False) for u in n.users]
    while stack:
        u, through_view = stack.pop()
        if u in seen or u.op != "call_function" or not isinstance(u.target, torch._ops.OpOverload):
            continue
        seen.add(u)
        if target_base(u.target) in ("as_strided", "as_strided_"):
            if through_view:
                return u
            continue
        if u.target.is_view:
            stack += [(w, True) for w in u.users]
    return None


def _cat_over_written(n: torch.fx.Node) -> tuple[torch.fx.Node, torch.fx.Node] | None:
    """A ``cat`` of ``n`` with an in-place op writing ``n`` or the cat's result, and that writer."""
    for cat in n.users:
        if cat.op != "call_function" or target_base(cat.target) != "cat":
            continue
        for u in (*n.users, *cat.users):
            if u is not cat and u.op == "call_function" and {n, cat} & set(written_args(u)):
                return cat, u
    return None


def _cat_beside_returned_view(n: torch.fx.Node) -> torch.fx.Node | None:
    """A returned ``cat`` of ``n`` (or a view of it) where a view of ``n`` is returned too."""
    if not any(_returned(v) for v in n.users if _is_view(v)):
        return None
    return next(
        (c for c in n.users if c.op == "call_function" and target_base(c.target) == "cat" and _returned(c)), None
    )


def _returned(n: torch.fx.Node) -> bool:
    """Whether ``n``, or a view of it (through views only), is an output of its graph."""
    seen, stack = set(), [n]
    while stack:
        u = stack.pop()
        if u in seen:
            continue
        seen.add(u)
        for w in u.users:
            if w.op == "output":
                return True
            if _is_view(w):
                stack.append(w)
    return False


def _is_view(n: torch.fx.Node) -> bool:
    return n.op == "call_function" and isinstance(n.target, torch._ops.OpOverload) and n.target.is_view


def _writer_over_read(n: torch.fx.Node) -> tuple[torch.fx.Node, torch.fx.Node] | None:
    """An in-place op downstream of ``n`` that writes a buffer ``n`` reads, and that buffer."""
    read = ancestors(n)
    seen, stack = set(), list(n.users)
    while stack:
        u = stack.pop()
        if u in seen or u.op != "call_function":
            continue
        seen.add(u)
        written = [w for w in written_args(u) if w in read]
        if written:
            return u, written[0]
        stack += list(u.users)
    return None


def _one_op(
    nodes: Sequence[str], by_name: dict[str, torch.fx.Node], fixes: Callable[[Sequence[str]], bool]
) -> list[str]:
    """The nodes of the one op (all its overloads) whose eager kernels fix the result, when the op
    is used more than once; [] when no such op is found (then the nodes are halved)."""
    groups: dict[str, list[str]] = {}
    for n in nodes:
        groups.setdefault(target_base(by_name[n].target), []).append(n)
    for ns in groups.values():
        if len(ns) > 1 and len(ns) < len(nodes) and fixes(ns):
            return ns
    return []


def _device_verdicts(rc: Recompiler) -> dict[str, str]:
    """The same graph's compiled code on every device here, against the one float64 reference."""
    out = {rc.device: "diverged"}
    if not torch.cuda.is_available():
        out["cuda"] = "skipped: no CUDA device"
    for dev in [d for d in (rc.home, *other_devices(rc.home)) if d != rc.device]:
        p = rc.run(f"same graph compiled on {dev}", device=dev).probe
        out[dev] = p.error or ("diverged" if p.diverged else "equivalent")
    return out

"""Records steps as inductor runs: observer frames, stage wrappers and pattern applications.

Model: every graph being transformed is a *lineage* holding its latest frozen version and that
version's fingerprint. A step is a transition between two versions of one lineage. Observed
passes open frames; when a frame closes and the graph's fingerprint moved, the frame becomes a
changed step (or, if sub-frames already account for the change, a group of them). A change that
no frame accounts for becomes an *implicit* step, so nothing that touches a graph goes unseen.

Every hook body is guarded: a failure inside fxtv is recorded as a tool error and the original
inductor function still runs with its original arguments.
"""

from __future__ import annotations

import functools
import traceback
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx

from .. import _compat
from ..fx import clone_inputs, clone_value, fingerprint, is_fake, possibly_written_inputs, snapshot
from ..kinds import StepKind
from ._stubs import LoweringStub
from ._trace import (
    AotInfo,
    GraphRecord,
    PartitionInfo,
    PatternFire,
    Step,
    Trace,
)


@dataclass
class _Lineage:
    label: str
    role: str
    gm: torch.fx.GraphModule
    version: torch.fx.GraphModule
    fp: str


@dataclass
class _Frame:
    step: Step
    lineage: _Lineage
    start_version: torch.fx.GraphModule
    remove_hooks: Callable[[], None]
    child_changed: bool = False
    created_nodes: dict[str, torch.fx.Node] = field(default_factory=dict)


class Recorder:
    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.active = True
        self._by_gm: dict[int, tuple[torch.fx.GraphModule, _Lineage]] = {}
        self._frames: list[_Frame] = []
        self._stage: list[_Lineage] = []
        self._role_count: dict[str, int] = defaultdict(int)
        self._last_pre_grad: _Lineage | None = None
        self._last_joint: _Lineage | None = None
        self._joint_depth = 0
        # forward/backward graphs made by the partitioner, waiting for inductor to compile them
        # (AOT may hand inductor a copy, and the backward is compiled lazily)
        self._pending: dict[str, list[_Lineage]] = defaultdict(list)
        # pre-grad lineage -> (its Dynamo graph, the parameters among its inputs kept by reference
        # until AOT says which of them the graph writes)
        self._held: dict[str, tuple[torch.fx.GraphModule, list[int]]] = {}

    # ---------------------------------------------------------------- lineages
    def _new_lineage(self, role: str, gm: torch.fx.GraphModule) -> _Lineage:
        label = f"{role}#{self._role_count[role]}"
        self._role_count[role] += 1
        lin = _Lineage(label, role, gm, snapshot(gm), fingerprint(gm.graph))
        self._bind(gm, lin)
        self.trace.graphs[label] = GraphRecord(label=label, role=role)
        return lin

    def _bind(self, gm: torch.fx.GraphModule, lin: _Lineage) -> None:
        lin.gm = gm
        self._by_gm[id(gm)] = (gm, lin)

    def _lookup(self, gm: torch.fx.GraphModule) -> _Lineage | None:
        hit = self._by_gm.get(id(gm))
        return hit[1] if hit is not None and hit[0] is gm else None

    def _lineage_for(self, gm: torch.fx.GraphModule) -> _Lineage:
        lin = self._lookup(gm)
        if lin is not None:
            return lin
        if self._stage:
            stage = self._stage[-1]
            # A sub-graph of the stage's module (HOP body) is a graph of its own; any other
            # unknown module seen inside a stage replaced the stage's graph (e.g. fuse_fx).
            if not any(m is gm for m in stage.gm.modules()):
                self._sync(stage, gm, f"new module before {self._current_name()}")
                return stage
        return self._new_lineage("subgraph", gm)

    def current_graph(self) -> str | None:
        """Label of the graph inductor is lowering right now (None outside a compile)."""
        return self._stage[-1].label if self._stage and self.active else None

    def _current_name(self) -> str:
        return self._frames[-1].step.name if self._frames else "?"

    def _sync(self, lin: _Lineage, gm: torch.fx.GraphModule, why: str) -> None:
        """Rebind ``lin`` to ``gm``; record any unobserved change as an implicit step."""
        if gm is not lin.gm:
            self._bind(gm, lin)
        fp = fingerprint(gm.graph)
        if fp != lin.fp:
            step = self._add_step(f"<unobserved: {why}>", lin, implicit=True)
            self._record_change(step, lin, fp)
            if self._frames:
                self._frames[-1].child_changed = True

    # ---------------------------------------------------------------- steps
    def _add_step(
        self,
        name: str,
        lin: _Lineage,
        *,
        kind: StepKind = StepKind.FX,
        stage: str | None = None,
        implicit: bool = False,
        parent: int | None = -1,
    ) -> Step:
        if parent == -1:
            parent = self._frames[-1].step.index if self._frames else None
        if stage is None:
            stage = self.trace.steps[parent].stage if parent is not None else _stage_of(lin.role)
        step = Step(
            index=len(self.trace.steps),
            name=name,
            stage=stage,
            graph=lin.label,
            kind=kind,
            parent=parent,
            implicit=implicit,
        )
        self.trace.steps.append(step)
        if parent is not None:
            self.trace.steps[parent].children.append(step.index)
        return step

    def _record_change(self, step: Step, lin: _Lineage, fp: str) -> None:
        step.changed = True
        step.before = lin.version
        lin.version = snapshot(lin.gm)
        lin.fp = fp
        step.after = lin.version

    def open_frame(self, name: str, gm: torch.fx.GraphModule, stage: str | None = None) -> _Frame:
        lin = self._lineage_for(gm)
        self._sync(lin, gm, f"before {name}")
        step = self._add_step(name, lin, stage=stage)
        frame = _Frame(step, lin, lin.version, lambda: None)

        def on_create(node: torch.fx.Node) -> None:
            step.created.append(node.name)
            frame.created_nodes[node.name] = node

        def on_erase(node: torch.fx.Node) -> None:
            step.erased.append(node.name)

        def on_replace(old: torch.fx.Node, new: str, user: torch.fx.Node) -> None:
            if old.name != new:
                step.replaced[old.name] = new

        frame.remove_hooks = _compat.register_node_hooks(gm, on_create, on_erase, on_replace)
        self._frames.append(frame)
        return frame

    def close_frame(self, frame: _Frame) -> None:
        frame.remove_hooks()
        # Frames close in LIFO order; tolerate a frame left open by an exception inside a pass.
        while self._frames and self._frames[-1] is not frame:
            self.close_frame(self._frames[-1])
        if self._frames:
            self._frames.pop()
        lin, step = frame.lineage, frame.step
        fp = fingerprint(lin.gm.graph)
        if fp != lin.fp:
            if frame.child_changed:
                rest = self._add_step(f"{step.name}: outside its sub-passes", lin, implicit=True, parent=step.index)
                self._record_change(rest, lin, fp)
            else:
                self._record_change(step, lin, fp)
        if frame.child_changed:
            step.changed = True
            step.before = frame.start_version
            step.after = lin.version
        step.created = [n for n in step.created if n not in step.erased]
        if step.changed and self._frames:
            self._frames[-1].child_changed = True

    def guarded(self, what: str, fn: Callable[[], Any]) -> Any:
        if not self.active:
            return None
        try:
            return fn()
        except Exception as e:  # fxtv must never break the user's compile
            self.trace.tool_errors.append(f"{what}: {type(e).__name__}: {e}\n{traceback.format_exc(limit=4)}")
            return None

    # ---------------------------------------------------------------- observer
    def observer_enter(self, obs: Any) -> None:
        gm = getattr(obs, "gm", None)
        if isinstance(gm, torch.fx.GraphModule):
            frame = self.open_frame(str(getattr(obs, "passname", "pass")), gm)
            obs._fxtv_frame = frame

    def observer_exit(self, obs: Any) -> None:
        frame = getattr(obs, "_fxtv_frame", None)
        if frame is not None:
            obs._fxtv_frame = None
            self.close_frame(frame)

    # ---------------------------------------------------------------- pattern entries
    def pattern_apply(
        self, orig: Callable[..., Any], entry: Any, match: Any, graph: torch.fx.Graph, node: torch.fx.Node
    ) -> Any:
        gm = graph.owning_module
        if not isinstance(gm, torch.fx.GraphModule) or not self.active:
            return orig(entry, match, graph, node)
        kind = type(entry).__name__
        name = _pattern_name(entry)
        frame = self.guarded("pattern enter", lambda: self.open_frame(f"pattern: {name}", gm))
        stub = (
            self.guarded("lowering stub", lambda: LoweringStub.from_match(match))
            if kind == "LoweringPatternEntry"
            else None
        )
        try:
            return orig(entry, match, graph, node)
        finally:
            if frame is not None:
                frame.step.pattern = PatternFire(
                    pattern=name,
                    entry_kind=kind,
                    matched=tuple(n.name for n in getattr(match, "nodes", ())),
                    anchor=node.name,
                )
                if stub is not None:
                    self.guarded("lowering stub", lambda: self._register_stub(frame, stub))
                self.guarded("pattern exit", lambda: self.close_frame(frame))

    def _register_stub(self, frame: _Frame, stub: LoweringStub) -> None:
        for name in frame.step.created:
            n = frame.created_nodes.get(name)
            if n is not None and n.op == "call_function":
                self.trace.lowering_stubs[id(n.target)] = stub
                frame.step.lowering_pattern = True

    # ---------------------------------------------------------------- stage wrappers
    def pre_grad(
        self, orig: Callable[..., Any], gm: torch.fx.GraphModule, example_inputs: Any, *a: Any, **k: Any
    ) -> Any:
        def enter(state: dict[str, Any]) -> None:
            lin = self._new_lineage("pre_grad", gm)
            rec = self.trace.graphs[lin.label]
            if not any(is_fake(x) for x in example_inputs):
                # A Dynamo graph calls torch functions, any of which may write its arguments, so
                # every input would count as written (fx.possibly_written_inputs) and be cloned:
                # its parameters are held by reference until AOT's trace says what it writes.
                rec.runtime_inputs = _kept_inputs(example_inputs, None, keep=_is_param)
                rec.param_mask = _param_mask(example_inputs)
                self._held[lin.label] = (gm, [i for i, v in enumerate(example_inputs) if _is_param(v)])
            self._stage.append(lin)
            state["lin"] = lin
            state["frame"] = self.open_frame("pre_grad_passes", gm, stage="pre_grad")

        state, out = self._in_stage(
            "pre_grad", enter, lambda: orig(gm, example_inputs, *a, **k), "end of pre-grad passes"
        )
        if "lin" in state:
            self._last_pre_grad = state["lin"]
        return out

    def _in_stage(
        self, what: str, enter: Callable[[dict[str, Any]], None], call: Callable[[], Any], why: str
    ) -> tuple[dict[str, Any], Any]:
        """``call()`` (the stage itself) between ``enter(state)`` and leaving the stage; neither may
        break the user's compile (``guarded``). Returns the stage's state and ``call()``'s output."""
        state: dict[str, Any] = {}
        self.guarded(f"{what} enter", lambda: enter(state))
        out: Any = None
        try:
            out = call()
        finally:
            self.guarded(f"{what} exit", lambda: self._leave_stage(state, out, why))
        return state, out

    def _leave_stage(self, state: dict[str, Any], out: Any, why: str) -> None:
        lin: _Lineage | None = state.get("lin")
        if lin is None:
            return
        self._stage.remove(lin)
        if isinstance(out, torch.fx.GraphModule):
            self._sync(lin, out, why)
        self.close_frame(state["frame"])
        self.trace.graphs[lin.label].final = lin.version

    def joint(self, orig: Callable[..., Any], gm: torch.fx.GraphModule, *a: Any, **k: Any) -> Any:
        if self._joint_depth > 0 or not self.active:  # recursion into HOP subgraphs
            return orig(gm, *a, **k)

        def enter(state: dict[str, Any]) -> None:
            is_joint = any(n.op == "placeholder" and n.name.startswith("tangents") for n in gm.graph.nodes)
            lin = self._lookup(gm) or self._new_lineage("joint" if is_joint else "inference", gm)
            state["lin"] = lin
            self._record_aot_step(lin)
            self._stage.append(lin)
            state["frame"] = self.open_frame("joint_graph_passes", gm, stage="joint")

        def call() -> Any:
            self._joint_depth += 1
            try:
                return orig(gm, *a, **k)
            finally:
                self._joint_depth -= 1

        state, out = self._in_stage("joint", enter, call, "end of joint passes")
        if "lin" in state:
            self._last_joint = state["lin"]
        return out

    def _record_aot_step(self, lin: _Lineage) -> None:
        src = self._last_pre_grad
        step = self._add_step("aot_trace (functionalize + decompose)", lin, kind=StepKind.AOT, stage="aot")
        step.aot = AotInfo(src.label if src is not None else None, _compat.tracing_fw_metadata())
        if src is not None:
            self._settle_held(src.label, step.aot.fw_metadata)
        if src is not None:
            step.changed = True
            step.before = src.version
            step.after = lin.version
        else:
            step.not_run = "no pre-grad graph was captured for this compile"

    def _settle_held(self, label: str, fw_metadata: Any, *, final: bool = False) -> None:
        """Clone the held parameters the Dynamo graph writes, once AOT's metadata says which (in
        training it is known when inductor compiles the forward, not when the joint graph is
        traced). All of this happens while the graph compiles, before it first runs, so they
        still hold the values the run starts from. ``final``: the graph is about to run; without
        metadata, clone every held input it may write."""
        if label not in self._held or (fw_metadata is None and not final):
            return
        gm, held = self._held.pop(label)
        inputs = self.trace.graphs[label].runtime_inputs
        if inputs is None:
            return
        written = _compat.mutated_inputs(fw_metadata)
        if written is None or len(fw_metadata.input_info) != len(inputs):
            written = frozenset(possibly_written_inputs(gm))  # no map onto AOT's inputs: be safe
        with _compat.real_tensors():  # AOT traces under a fake mode
            for i in held:
                if i in written:
                    inputs[i] = clone_value(inputs[i])

    def partition(
        self, orig: Callable[..., Any], gm: torch.fx.GraphModule, joint_inputs: Any, *a: Any, **k: Any
    ) -> Any:
        out = orig(gm, joint_inputs, *a, **k)

        def record() -> None:
            joint = self._last_joint or self._lineage_for(gm)
            fw, bw = out
            fw_lin = self._new_lineage("forward", fw)
            bw_lin = self._new_lineage("backward", bw)
            self._pending["forward"].append(fw_lin)
            self._pending["backward"].append(bw_lin)
            step = self._add_step("partition", joint, kind=StepKind.PARTITION, stage="partition")
            step.changed = True
            step.before = joint.version
            step.after = (fw_lin.version, bw_lin.version)
            step.partition = PartitionInfo(joint.label, fw_lin.label, bw_lin.label, k.get("num_fwd_outputs"))
            self.trace.graphs[fw_lin.label].joint = joint.label
            self.trace.graphs[bw_lin.label].joint = joint.label

        self.guarded("partition", record)
        return out

    def fx_pass(self, name: str, orig: Callable[..., Any], gm: Any, *a: Any, **k: Any) -> Any:
        if not isinstance(gm, torch.fx.GraphModule) or not self.active:
            return orig(gm, *a, **k)
        frame = self.guarded(f"{name} enter", lambda: self.open_frame(name, gm, stage="post_grad"))
        try:
            return orig(gm, *a, **k)
        finally:
            if frame is not None:
                self.guarded(f"{name} exit", lambda: self.close_frame(frame))

    def inductor(
        self, orig: Callable[..., Any], gm: torch.fx.GraphModule, example_inputs: Any, *a: Any, **k: Any
    ) -> Any:
        def enter(state: dict[str, Any]) -> None:
            role = "backward" if k.get("is_backward") else ("inference" if k.get("is_inference") else "forward")
            lin = self._lookup(gm)
            if lin is None and self._pending[role]:
                lin = self._pending[role].pop(0)
                self._sync(lin, gm, "between partitioner and inductor")
            if lin is None:
                lin = self._new_lineage(role, gm)
            elif lin in self._pending[role]:
                self._pending[role].remove(lin)
            state["lin"] = lin
            state["meta"] = _compat.tracing_fw_metadata()
            if self._last_pre_grad is not None:
                self._settle_held(self._last_pre_grad.label, state["meta"])
            self._stage.append(lin)
            state["frame"] = self.open_frame("inductor post-grad", gm, stage="post_grad")

        # the stage's output is compiled code, not a graph: leaving it syncs nothing
        state, out = self._in_stage("inductor", enter, lambda: orig(gm, example_inputs, *a, **k), "")
        self.guarded("lowering", lambda: self._record_lowering(state, out))
        return out

    def _record_lowering(self, state: dict[str, Any], output_code: Any) -> None:
        lin: _Lineage | None = state.get("lin")
        if lin is None:
            return
        rec = self.trace.graphs[lin.label]
        rec.fw_metadata = state.get("meta")
        step = self._add_step("lowering + codegen", lin, kind=StepKind.LOWERING, stage="lowering")
        attr = _compat.compiled_callable_attr(output_code)
        if attr is None or getattr(output_code, attr, None) is None:
            step.not_run = f"compiled artifact {type(output_code).__name__} exposes no callable"
            return
        compiled = getattr(output_code, attr)
        if getattr(output_code, "lowering_skipped", False):
            step.not_run = "lowering skipped: only the FX passes were compiled"
        else:
            rec.compiled = compiled
            step.changed = True
            step.before = lin.version
            step.after = compiled

        @functools.wraps(compiled)
        def capture_inputs(args: list[Any]) -> Any:
            if self._held:  # a Dynamo graph about to run whose writes AOT never said
                for label in list(self._held):
                    self.guarded("held inputs", functools.partial(self._settle_held, label, None, final=True))
            if self.active and rec.runtime_inputs is None:
                try:
                    rec.runtime_inputs = _kept_inputs(args, lin.version)
                    rec.param_mask = _param_mask(args)
                except Exception as e:  # keep the user's call intact
                    self.trace.tool_errors.append(f"runtime input capture: {e}")
            return compiled(args)

        setattr(output_code, attr, capture_inputs)


def _kept_inputs(values: Any, gm: torch.fx.GraphModule | None, keep: Callable[[Any], bool] | None = None) -> list[Any]:
    """The real inputs of a graph's first run, as the checks will see them: clones, except the
    parameters the graph cannot write, which do not change while fxtv runs (cloning a large
    model's every weight would double its memory). ``keep``: which values to keep by reference
    instead, where the caller settles what the graph writes later."""
    if keep is not None:
        return [v if keep(v) else clone_value(v) for v in values]
    if gm is None:
        return clone_inputs(values)
    written = possibly_written_inputs(gm)
    return [v if _is_param(v) and i not in written else clone_value(v) for i, v in enumerate(values)]


def _is_param(v: Any) -> bool:
    return isinstance(v, torch.nn.Parameter)


def _param_mask(values: Any) -> list[bool]:
    return [_is_param(v) for v in values]


def _stage_of(role: str) -> str:
    return {"pre_grad": "pre_grad", "joint": "joint", "inference": "joint"}.get(role, "post_grad")


def _pattern_name(entry: Any) -> str:
    for attr in ("pattern_name", "handler"):
        v = getattr(entry, attr, None)
        if isinstance(v, str) and v:
            return v
        if callable(v):
            return getattr(v, "__name__", repr(v))
    pattern = getattr(entry, "pattern", None)
    fns = getattr(pattern, "fns", None)
    if fns:
        return "pattern on " + ",".join(str(f) for f in fns)
    return type(entry).__name__

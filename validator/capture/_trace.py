"""The captured trace: an ordered list of steps, each a transition between graph versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch.fx

from ..kinds import StepKind


@dataclass
class PatternFire:
    """One application of one pattern-matcher entry."""

    pattern: str
    entry_kind: str  # ReplacementPatternEntry / GraphPatternEntry / LoweringPatternEntry
    matched: tuple[str, ...]  # names of the matched nodes
    anchor: str


@dataclass(frozen=True)
class AotInfo:
    """An AOT trace step: the Dynamo graph it came from and AOT's view of inputs and outputs."""

    source_graph: str | None  # lineage label of the pre-grad graph (None: none was captured)
    fw_metadata: Any = None  # AOT's ViewAndMutationMeta (mutated inputs, output count)


@dataclass(frozen=True)
class PartitionInfo:
    """A partition step: which lineages the joint graph was split into."""

    joint: str
    forward: str
    backward: str
    num_fwd_outputs: int | None = None


@dataclass
class Step:
    index: int
    name: str
    stage: str
    graph: str  # the graph lineage it transforms, e.g. "forward#0"
    kind: StepKind = StepKind.FX
    parent: int | None = None
    children: list[int] = field(default_factory=list)
    changed: bool = False
    implicit: bool = False  # a change no observed pass accounts for
    before: Any = None  # GraphModule | None
    after: Any = None  # GraphModule | (fw, bw) | compiled callable | None
    created: list[str] = field(default_factory=list)
    erased: list[str] = field(default_factory=list)
    replaced: dict[str, str] = field(default_factory=dict)  # old node name -> new node name
    pattern: PatternFire | None = None
    aot: AotInfo | None = None  # StepKind.AOT steps
    partition: PartitionInfo | None = None  # StepKind.PARTITION steps
    device: str | None = None  # a lowering recompiled for another device (below_fx.device_steps)
    lowering_pattern: bool = False  # a pattern whose replacement is a lowering (runs only compiled)
    not_run: str | None = None  # why this step cannot be checked, set when it is captured
    tool_error: str | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass
class GraphRecord:
    """One lineage: a graph and its inputs as seen at run time."""

    label: str  # "pre_grad#0", "joint#0", "forward#0", "backward#0", "inference#0"
    role: str  # pre_grad / joint / forward / backward / inference
    runtime_inputs: list[Any] | None = None  # cloned real inputs of its first run
    compiled: Any = None  # the compiled boxed callable (lowered graphs only)
    final: torch.fx.GraphModule | None = None
    schedule: Any = None  # Schedule: the scheduler's fusion groups and buffers (lowered graphs only)
    param_mask: list[bool] = field(default_factory=list)  # which runtime inputs are parameters
    joint: str | None = None  # forward/backward graphs: the joint graph they were split from
    fw_metadata: Any = None  # lowered graphs: AOT's ViewAndMutationMeta


@dataclass(frozen=True)
class ShapeFacts:
    """What the ShapeEnv knew when a rewrite happened: symbol ranges, guards/asserts, replacements."""

    ranges: dict[Any, tuple[Any, Any]]
    axioms: tuple[Any, ...]
    replacements: dict[Any, Any]

    @classmethod
    def of(cls, shape_env: Any) -> ShapeFacts:
        from .. import _compat

        return cls(
            ranges=_compat.shape_env_ranges(shape_env),
            axioms=_compat.shape_env_axioms(shape_env),
            replacements=_compat.shape_env_replacements(shape_env),
        )


@dataclass
class IndexRewrite:
    """One index-arithmetic rewrite inductor performed: ``after`` claims to equal ``before``.

    ``var_ranges`` are the loop variables' sizes (``0 <= v < size``); symbols in neither
    ``var_ranges`` nor ``facts.ranges`` are non-negative, as inductor assumes. ``after`` is
    None when the claim could not be recorded (``note`` says why).
    """

    kind: str  # simplify_with_ranges / loop_merge / combine_modular_indexing_pairs / expand_floor_div
    graph: str  # lineage label
    before: Any
    after: Any
    var_ranges: dict[Any, Any]
    facts: ShapeFacts
    buffer: str | None = None  # the buffer the index addresses (written or read)
    consumer: str | None = None  # the buffer being computed, whose kernel uses the index
    origins: tuple[str, ...] = ()  # the consumer's FX nodes
    note: str = ""


@dataclass
class Trace:
    steps: list[Step] = field(default_factory=list)
    graphs: dict[str, GraphRecord] = field(default_factory=dict)
    tool_errors: list[str] = field(default_factory=list)
    missing_hooks: list[str] = field(default_factory=list)
    # name -> eager evaluator for nodes that call a lowering-pattern handler (cannot run eagerly)
    lowering_stubs: dict[int, Any] = field(default_factory=dict)
    index_rewrites: list[IndexRewrite] = field(default_factory=list)
    # the compile ran with config.fallback_random (which also selects inductor's decomposition table)
    fallback_random: bool = False

    def changed_steps(self) -> list[Step]:
        return [s for s in self.steps if s.changed and s.is_leaf]

    def ancestry(self, step: Step) -> list[Step]:
        out: list[Step] = []
        cur = step.parent
        while cur is not None:
            out.append(self.steps[cur])
            cur = self.steps[cur].parent
        return out

    def qualified_name(self, step: Step) -> str:
        names = [s.name for s in reversed(self.ancestry(step))] + [step.name]
        return " > ".join(names)

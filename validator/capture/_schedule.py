"""The scheduler's fusion result, recorded through inductor's post-fusion hook.

Inductor calls ``config._post_fusion_custom_pass(nodes)`` with the scheduler nodes after every
fusion round, its own and any custom pass's. That list *is* the set of fusion decisions: each
fused node lists its constituent scheduler nodes in order, and node ``k`` of a group joined the
nodes before it. ``FusionHook`` records that list (``Schedule``) and, in a recompile, can undo
chosen merges by splitting groups back into runs of their nodes: one mechanism observes and
vetoes fusions whoever made them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from .. import _compat
from ._trace import ShapeFacts

# A merge: (group name, k) means the group's node k was fused onto its nodes [0, k).
Merge = tuple[str, int]


@dataclass(frozen=True)
class Access:
    """One memory access of a scheduler node: ``location[index]`` over the node's own loop nest.

    ``index`` is a sympy expression in ``var_names``, which range over ``sizes`` (row-major);
    a write to a buffer that mutates another names the mutated location.
    """

    node: int  # position of the scheduler node in its group
    kind: str  # "read" / "write"
    location: str
    index: Any
    var_names: tuple[Any, ...]
    sizes: tuple[Any, ...]


@dataclass(frozen=True)
class KernelGroup:
    """One scheduler node after fusion: what a single kernel (loop nest) computes."""

    name: str  # scheduler node name, e.g. "op0_op1"
    kind: str  # FusedSchedulerNode, SchedulerNode, ExternKernelSchedulerNode, ...
    nodes: tuple[str, ...]  # constituent scheduler nodes, in order
    buffers: tuple[str, ...]  # buffers they write
    origins: tuple[str, ...]  # FX nodes of the lowered graph they came from
    node_origins: tuple[tuple[str, ...], ...] = ()  # per constituent node
    accesses: tuple[Access, ...] = ()  # memory accesses of the constituent nodes
    reductions: tuple[bool, ...] = ()  # per constituent node: is it a reduction
    loop: tuple[tuple[Any, ...], tuple[Any, ...]] = ((), ())  # the fused loop: (pointwise sizes, reduction sizes)

    @property
    def merges(self) -> list[Merge]:
        return [(self.name, k) for k in range(1, len(self.nodes))]


@dataclass(frozen=True)
class BufferInfo:
    name: str
    origin: str | None  # the FX node whose value the buffer holds, when inductor knows it
    origins: tuple[str, ...]
    mutates: tuple[str, ...]  # buffers or graph inputs it writes in place
    part_of: tuple[str, int] | None = None  # (FX cat node, argument position) it is written into


@dataclass
class Schedule:
    graph: str  # lineage label
    groups: list[KernelGroup] = field(default_factory=list)
    buffers: dict[str, BufferInfo] = field(default_factory=dict)
    facts: ShapeFacts | None = None  # what the ShapeEnv knew about the symbols in sizes

    @property
    def merges(self) -> list[Merge]:
        return [m for g in self.groups for m in g.merges]

    def group_of(self, buffer: str) -> KernelGroup | None:
        return next((g for g in self.groups if buffer in g.buffers), None)

    def describe_merge(self, merge: Merge) -> str:
        g = next(x for x in self.groups if x.name == merge[0])
        k = merge[1]

        def label(i: int) -> str:
            return f"{g.nodes[i]} ({', '.join(g.node_origins[i]) if g.node_origins else '?'})"

        onto = " + ".join(label(i) for i in range(k))
        return f"{label(k)} fused onto {onto} in kernel group {g.name}"


def _origin_names(ir_node: Any) -> tuple[str, ...]:
    origins = getattr(ir_node, "origins", None) or ()
    names = {getattr(o, "name", None) for o in origins}
    return tuple(sorted(n for n in names if isinstance(n, str)))


def _accesses(k: int, snode: Any, mutated: dict[str, str]) -> list[Access]:
    out = []
    rw = getattr(snode, "read_writes", None)
    for kind, deps in (("read", getattr(rw, "reads", ())), ("write", getattr(rw, "writes", ()))):
        for d in deps:
            if type(d).__name__ != "MemoryDep":  # StarDep / WeakDep: ordering, no index
                continue
            loc = mutated.get(d.name, d.name) if kind == "write" else d.name
            out.append(Access(k, kind, loc, d.index, tuple(d.var_names), tuple(d.size)))
    return out


def _loop(n: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    try:
        sizes, reduce = n.group[1]
        return tuple(sizes), tuple(reduce)
    except (AttributeError, TypeError, ValueError):  # extern and template nodes have no loop nest
        return (), ()


def describe(nodes: list[Any], graph: str) -> Schedule:
    sched = Schedule(graph, facts=ShapeFacts.of(_compat.graph_shape_env()))
    buffers = _compat.graph_buffers()
    # a concatenation's inputs are computed straight into slices of its output
    part_of: dict[str, tuple[str, int]] = {}
    for buf in buffers:
        cat = buf.get_origin_node() if type(buf).__name__ == "ConcatKernel" and hasattr(buf, "origin_node") else None
        if cat is not None:
            for k, inp in enumerate(getattr(buf, "inputs", ())):
                part_of[inp.get_name()] = (cat.name, k)
    for buf in buffers:
        origin = buf.get_origin_node() if hasattr(buf, "origin_node") else None
        sched.buffers[buf.get_name()] = BufferInfo(
            name=buf.get_name(),
            origin=getattr(origin, "name", None),
            origins=_origin_names(buf),
            mutates=tuple(buf.get_mutation_names()),
            part_of=part_of.get(buf.get_name()),
        )
    mutated = {b.name: b.mutates[0] for b in sched.buffers.values() if len(b.mutates) == 1}
    for n in nodes:
        parts = list(n.get_nodes())
        per = tuple(_origin_names(p.node) if p.node is not None else () for p in parts)
        sched.groups.append(
            KernelGroup(
                name=n.get_name(),
                kind=type(n).__name__,
                nodes=tuple(p.get_name() for p in parts),
                buffers=tuple(sorted(n.get_buffer_names())),
                origins=tuple(sorted({o for ps in per for o in ps})),
                node_origins=per,
                accesses=tuple(a for k, p in enumerate(parts) for a in _accesses(k, p, mutated)),
                reductions=tuple(bool(p.is_reduction()) for p in parts),
                loop=_loop(n),
            )
        )
    return sched


def split(nodes: list[Any], keep: Collection[Merge]) -> list[Any]:
    """Undo every merge not in ``keep``: a group becomes runs of its nodes, refused at each cut.

    Runs are re-fused with the backend's own ``fuse``, so what stays fused is built as inductor
    builds it; the result is re-sorted topologically.
    """
    out: list[Any] = []
    changed = False
    for n in nodes:
        parts = list(n.get_nodes())
        cuts = [k for k in range(1, len(parts)) if (n.get_name(), k) not in keep]
        if not cuts:
            out.append(n)
            continue
        changed = True
        bounds = [0, *cuts, len(parts)]
        for lo, hi in itertools.pairwise(bounds):
            run = parts[lo]
            for p in parts[lo + 1 : hi]:
                run = _compat.fuse_scheduler_nodes(run, p)
            out.append(run)
    if not changed:
        return nodes
    scheduler = out[0].scheduler
    for n in out:
        for p in n.get_nodes():
            scheduler.name_to_fused_node[p.get_name()] = n
    return list(scheduler.topological_sort_schedule(out))


class FusionHook:
    """A post-fusion pass: runs the user's own hook, records the schedule, applies vetoes.

    ``keep`` (a recompile's veto) lists the merges to keep; ``None`` keeps all of them. The
    schedule recorded is the one before vetoes, so merges are named as the compile made them.
    """

    def __init__(
        self,
        inner: Callable[[list[Any]], list[Any]] | None,
        sink: Callable[[Schedule], None],
        graph: Callable[[], str | None],
        keep: Collection[Merge] | None = None,
    ) -> None:
        self.inner = inner
        self.sink = sink
        self.graph = graph
        self.keep = keep
        self.errors: list[str] = []

    def __deepcopy__(self, memo: dict[int, Any]) -> FusionHook:
        # inductor deep-copies its config (repro strings, cache keys); the hook holds the live
        # trace, whose fake tensors cannot be copied, and copying it would split the record
        return self

    def __repr__(self) -> str:
        return f"fxtv.FusionHook(inner={self.inner!r}, veto={self.keep is not None})"

    def __call__(self, nodes: list[Any]) -> list[Any]:
        if self.inner is not None:
            nodes = self.inner(nodes)
        label = self.graph()
        if label is not None:
            try:
                self.sink(describe(nodes, label))
            except Exception as e:  # recording must never break the compile
                self.errors.append(f"schedule record: {type(e).__name__}: {e}")
        if self.keep is not None:
            nodes = split(nodes, self.keep)  # a failed veto is the recompile's error: let it raise
        return nodes

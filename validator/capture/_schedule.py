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

# A merge: (group name, k) means the group's node k was fused onto its nodes [0, k).
Merge = tuple[str, int]


@dataclass(frozen=True)
class KernelGroup:
    """One scheduler node after fusion: what a single kernel (loop nest) computes."""

    name: str  # scheduler node name, e.g. "op0_op1"
    kind: str  # FusedSchedulerNode, SchedulerNode, ExternKernelSchedulerNode, ...
    nodes: tuple[str, ...]  # constituent scheduler nodes, in order
    buffers: tuple[str, ...]  # buffers they write
    origins: tuple[str, ...]  # FX nodes of the lowered graph they came from
    node_origins: tuple[tuple[str, ...], ...] = ()  # per constituent node

    @property
    def merges(self) -> list[Merge]:
        return [(self.name, k) for k in range(1, len(self.nodes))]


@dataclass(frozen=True)
class BufferInfo:
    name: str
    origin: str | None  # the FX node whose value the buffer holds, when inductor knows it
    origins: tuple[str, ...]
    mutates: tuple[str, ...]  # buffers or graph inputs it writes in place


@dataclass
class Schedule:
    graph: str  # lineage label
    groups: list[KernelGroup] = field(default_factory=list)
    buffers: dict[str, BufferInfo] = field(default_factory=dict)

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


def describe(nodes: list[Any], graph: str) -> Schedule:
    sched = Schedule(graph)
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
            )
        )
    for buf in _compat.graph_buffers():
        origin = buf.get_origin_node() if hasattr(buf, "origin_node") else None
        sched.buffers[buf.get_name()] = BufferInfo(
            name=buf.get_name(),
            origin=getattr(origin, "name", None),
            origins=_origin_names(buf),
            mutates=tuple(buf.get_mutation_names()),
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

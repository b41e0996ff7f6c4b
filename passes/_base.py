"""PassInfo, the GraphPass base class every pass in this package derives from, and NodeRewrite,
the shape most passes share: visit the calls of some ops, build a replacement, swap it in."""

from __future__ import annotations

import contextlib
import inspect
from abc import abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch._inductor.config as inductor_config
from torch._inductor.custom_graph_pass import CustomGraphPass, get_hash_for_files
from torch.fx import Graph, Node

from validator.fx import fake_tensor, op_name

from ._fx import erase_if_unused, new_call, static_shape

# The official torch._inductor.config hooks a GraphPass can be installed on, in pipeline order.
HOOKS = (
    "pre_grad_custom_pass",
    "joint_custom_pre_pass",
    "joint_custom_post_pass",
    "post_grad_custom_pre_pass",
    "post_grad_custom_post_pass",
)


@dataclass(frozen=True, kw_only=True)
class PassInfo:
    name: str  # short id, e.g. "split_cat_order"
    hook: str  # torch._inductor.config attribute the pass is installed on
    faulty: bool = False
    issue: str | None = None  # e.g. "pytorch/pytorch#99686"; None for correct passes
    bug_class: str | None = None  # study taxonomy label (root cause)
    guilty_targets: tuple[str, ...]  # str() of aten targets the pass creates or rewrites
    description: str

    def __post_init__(self) -> None:
        if self.hook not in HOOKS:
            raise ValueError(f"{self.name}: unknown hook {self.hook!r}")
        if self.faulty and (self.issue is None or self.bug_class is None):
            raise ValueError(f"{self.name}: a faulty pass needs issue and bug_class")


Trigger = tuple[Callable[..., object], tuple[torch.Tensor, ...]]


def seeded_randn(*shapes: tuple[int, ...], seed: int = 0) -> tuple[torch.Tensor, ...]:
    """A trigger's inputs: one standard-normal tensor per shape, drawn in order from one generator
    seeded with ``seed``, so every call returns the same values."""
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(*shape, generator=g) for shape in shapes)


def randn_with(*specials: float, scale: float = 1.0) -> torch.Tensor:
    """A trigger's (4, 8) standard-normal input, times ``scale``, whose first row starts with
    ``specials``: the values (NaN, +-Inf, -0.0, ...) a rewrite must treat exactly as eager does."""
    x = torch.randn(4, 8) * scale
    x[0, : len(specials)] = torch.tensor(specials)
    return x


class GraphPass(CustomGraphPass):
    """A rewrite installable on one inductor hook.

    Subclasses implement ``rewrite`` (returns the number of rewrites) and ``trigger``.
    ``__call__`` cleans up and keeps counters so tests can tell that the pass fired.
    """

    info: ClassVar[PassInfo]

    def __init__(self) -> None:
        self.last_rewrites = 0  # rewrites done by the most recent call
        self.total_rewrites = 0  # since construction or reset_counters()
        self.calls = 0
        # str() of the call_function targets added or removed by the most recent call
        # (including nodes that became dead): ground truth for a localizer.
        self.last_touched: frozenset[str] = frozenset()
        self.touched: frozenset[str] = frozenset()  # union since reset_counters()

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def is_pre_grad(self) -> bool:
        return self.info.hook == "pre_grad_custom_pass"

    def reset_counters(self) -> None:
        self.last_rewrites = self.total_rewrites = self.calls = 0
        self.last_touched = self.touched = frozenset()

    def __call__(self, graph: Graph) -> None:
        before = set(graph.nodes)
        n = self.rewrite(graph)
        if n:
            # Torch-IR graphs hold in-place call_method nodes that FX's DCE thinks are
            # pure; there the passes erase their own dead nodes instead.
            if not self.is_pre_grad:
                graph.eliminate_dead_code()
            graph.lint()
        changed = before.symmetric_difference(graph.nodes)
        self.last_touched = frozenset(op_name(c) for c in changed if c.op == "call_function")
        self.touched |= self.last_touched
        self.last_rewrites = n
        self.total_rewrites += n
        self.calls += 1

    @abstractmethod
    def rewrite(self, graph: Graph) -> int:
        """Rewrite ``graph`` in place; return how many matches were rewritten."""

    @abstractmethod
    def trigger(self) -> Trigger:
        """A small function and inputs on which the pass fires under torch.compile."""

    def uuid(self) -> str:
        # Hash of the defining module's source: a changed pass never reuses a cache entry.
        try:
            digest = get_hash_for_files((inspect.getfile(type(self)),), extra=self.name).hex()
        except (OSError, TypeError):  # defined interactively: no source file to hash
            digest = type(self).__qualname__
        return f"{self.name}-{digest}"

    @contextlib.contextmanager
    def installed(self) -> Iterator[GraphPass]:
        """Install this pass on its hook for the duration of the block."""
        changes: dict[str, object] = {self.info.hook: self}
        with inductor_config.patch(changes):
            yield self

    def emit(
        self,
        at: Node,
        target: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None = None,
        *,
        like: Node | None = None,
        tag: bool = True,
    ) -> Node:
        """A new call inserted before ``at``, with the provenance of ``like`` (default ``at``), a fake
        value and, with ``tag``, this pass's name as its creator."""
        with at.graph.inserting_before(at):
            creator = self.name if tag else ""
            return new_call(at.graph, target, args, kwargs, like=at if like is None else like, creator=creator)

    def full(self, node: Node, value: float) -> Node | None:
        """``full(node's static shape, value)`` of its dtype and device, before it; None if the shape is unknown."""
        out = fake_tensor(node)
        shape = static_shape(out) if out is not None else None
        if out is None or shape is None:
            return None
        layout = {"dtype": out.dtype, "layout": torch.strided, "device": out.device, "pin_memory": False}
        return self.emit(node, torch.ops.aten.full.default, (shape, value), layout)

    def keep_if(self, ok: bool, new: Node, *scratch: Node) -> Node | None:
        """``new`` if ``ok``; else None, with ``new`` and the ``scratch`` nodes built for it erased (users first)."""
        if ok:
            return new
        for n in (new, *scratch):
            n.graph.erase_node(n)
        return None

    def __repr__(self) -> str:
        kind = "faulty" if self.info.faulty else "correct"
        return f"<{type(self).__name__} {self.name} ({kind}) on {self.info.hook}>"


class NodeRewrite(GraphPass):
    """A pass that visits, in graph order, the calls of ``targets`` (and, in torch IR, of the Tensor
    ``methods``), and puts what ``replace`` returns in each one's place.

    ``replace`` builds the new node with ``emit`` (or returns an existing one) and returns None to
    leave the call alone. Replaced calls are left to dead-code elimination; on torch-IR graphs,
    where FX's DCE would delete in-place methods, they are erased here, with what ``replace``
    marked ``unused``.
    """

    targets: ClassVar[tuple[object, ...]] = ()
    methods: ClassVar[tuple[str, ...]] = ()

    def rewrite(self, graph: Graph) -> int:
        self._unused: list[Node] = []
        nodes = [
            n
            for n in graph.nodes
            if (n.op == "call_function" and n.target in self.targets)
            or (n.op == "call_method" and n.target in self.methods)
        ]
        count = 0
        for node in nodes:
            new = self.replace(node)
            if new is None:
                continue
            node.replace_all_uses_with(new)
            self._unused.append(node)
            count += 1
        if self.is_pre_grad:
            erase_if_unused(graph, self._unused)
        # Keep no nodes between calls: inductor deep-copies its config, this pass included, and
        # nodes carry fake tensors, which cannot be copied.
        self._unused = []
        return count

    @abstractmethod
    def replace(self, node: Node) -> Node | None:
        """The node to use instead of ``node``, or None to keep it."""

    def unused(self, *nodes: object) -> None:
        """Nodes the current match leaves without users: erased after the pass on torch-IR graphs."""
        self._unused += [n for n in nodes if isinstance(n, Node)]


@contextlib.contextmanager
def installed_all(passes: list[GraphPass]) -> Iterator[None]:
    """Install several passes at once; passes sharing a hook run in list order."""
    by_hook: dict[str, object] = {}
    for p in passes:
        hook_list = by_hook.setdefault(p.info.hook, [])
        assert isinstance(hook_list, list)
        hook_list.append(p)
    with inductor_config.patch(by_hook):
        yield

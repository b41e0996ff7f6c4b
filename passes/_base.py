"""PassInfo and the GraphPass base class every pass in this package derives from."""

from __future__ import annotations

import contextlib
import inspect
from abc import abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch._inductor.config as inductor_config
from torch._inductor.custom_graph_pass import CustomGraphPass, get_hash_for_files

from validator._compat import CUSTOM_PASS_HOOKS

# The official torch._inductor.config hooks a GraphPass can be installed on.
HOOKS = CUSTOM_PASS_HOOKS


@dataclass(frozen=True)
class PassInfo:
    name: str  # short id, e.g. "split_cat_order"
    hook: str  # torch._inductor.config attribute the pass is installed on
    faulty: bool
    issue: str | None  # e.g. "pytorch/pytorch#99686"; None for correct passes
    bug_class: str | None  # study taxonomy label (root cause)
    guilty_targets: tuple[str, ...]  # str() of aten targets the pass creates or rewrites
    description: str

    def __post_init__(self) -> None:
        if self.hook not in HOOKS:
            raise ValueError(f"{self.name}: unknown hook {self.hook!r}")
        if self.faulty and (self.issue is None or self.bug_class is None):
            raise ValueError(f"{self.name}: a faulty pass needs issue and bug_class")


def target_name(target: object) -> str:
    """``str(op)`` for aten/prims overloads ("aten.add.Tensor"), else the callable's name."""
    if isinstance(target, torch._ops.OpOverload):
        return str(target)
    return str(getattr(target, "__name__", target))


Trigger = tuple[Callable[..., object], tuple[torch.Tensor, ...]]


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

    def __call__(self, graph: torch.fx.Graph) -> None:
        before = set(graph.nodes)
        n = self.rewrite(graph)
        if n:
            # Torch-IR graphs hold in-place call_method nodes that FX's DCE thinks are
            # pure; there the passes erase their own dead nodes instead.
            if not self.is_pre_grad:
                graph.eliminate_dead_code()
            graph.lint()
        changed = before.symmetric_difference(graph.nodes)
        self.last_touched = frozenset(target_name(c.target) for c in changed if c.op == "call_function")
        self.touched |= self.last_touched
        self.last_rewrites = n
        self.total_rewrites += n
        self.calls += 1

    @abstractmethod
    def rewrite(self, graph: torch.fx.Graph) -> int:
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

    def __repr__(self) -> str:
        kind = "faulty" if self.info.faulty else "correct"
        return f"<{type(self).__name__} {self.name} ({kind}) on {self.info.hook}>"


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

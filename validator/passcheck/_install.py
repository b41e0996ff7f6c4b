"""What a pass author hands fxtv, normalised: where it is installed, and what it should rewrite.

Inductor takes a custom pass on one of its config hooks: a plain callable on a ``Graph``, a
``CustomGraphPass``, or a ``PatternMatcherPass`` (which also holds patterns registered with
``register_replacement`` / ``register_graph_pattern``). ``Replacement`` lets fxtv register a
search/replace pair itself, which also lets it prove the pair equal (``_replacement``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from .. import _compat
from ..corpus import Target, target_from_pattern
from ._coverage import LineCoverage
from ._looks_for import ops_looked_for, targets_for

# A stage names the first hook of that stage: the pass sees the graph before inductor's own
# patterns of the stage rewrite it (after them, mm + bias is already addmm). A hook name is
# accepted as is.
STAGE_HOOKS = {
    "pre_grad": "pre_grad_custom_pass",
    "joint": "joint_custom_pre_pass",
    "post_grad": "post_grad_custom_pre_pass",
}
HOOKS = _compat.CUSTOM_PASS_HOOKS


@dataclass(frozen=True)
class Replacement:
    """The arguments of inductor's ``register_replacement``: ``search_fn`` rewritten to
    ``replace_fn`` wherever it matches; ``example_inputs`` trace both (and seed fxtv's checks)."""

    search_fn: Callable[..., Any]
    replace_fn: Callable[..., Any]
    example_inputs: tuple[Any, ...]
    extra_check: Callable[[Any], bool] | None = None
    scalar_workaround: dict[str, float | int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{getattr(self.search_fn, '__name__', 'search')} -> {getattr(self.replace_fn, '__name__', 'replace')}"


def resolve_hook(stage: str) -> str:
    hook = STAGE_HOOKS.get(stage, stage)
    if hook not in HOOKS:
        raise ValueError(f"unknown stage {stage!r}: use one of {sorted(STAGE_HOOKS)} or a hook name {HOOKS}")
    return hook


class UserPass:
    """The pass under check, installed on ``hook`` with ``installed()``."""

    def __init__(self, pass_: Any, stage: str) -> None:
        self.hook = resolve_hook(stage)
        self.replacements: tuple[Replacement, ...] = ()
        if isinstance(pass_, Replacement) or (
            isinstance(pass_, Sequence) and pass_ and all(isinstance(r, Replacement) for r in pass_)
        ):
            self.replacements = (pass_,) if isinstance(pass_, Replacement) else tuple(pass_)
            if self.hook == "pre_grad_custom_pass":
                raise ValueError("register_replacement patterns match ATen graphs: use stage 'joint' or 'post_grad'")
            self.kind = "replacements"
            self.patterns: Any = _register(self.replacements)
            self.name = ", ".join(r.name for r in self.replacements)
            self.callable: Any = _PatternPass(self.patterns, self.name)
        elif isinstance(pass_, _compat.pattern_matcher_pass_class()):
            self.kind, self.patterns = "pattern_matcher", pass_
            self.name = str(getattr(pass_, "pass_name", None) or type(pass_).__name__)
            self.callable = _PatternPass(pass_, self.name)
        elif isinstance(pass_, _compat.custom_graph_pass_class()):
            self.kind, self.callable, self.name = "custom_graph_pass", pass_, _name(pass_)
        elif callable(pass_):
            self.kind, self.callable, self.name = "callable", pass_, _name(pass_)
        else:
            raise TypeError(
                f"{type(pass_).__name__} is not a pass: give a callable on a torch.fx.Graph, a CustomGraphPass, "
                "a PatternMatcherPass, or Replacement(search_fn, replace_fn, example_inputs)"
            )
        self.coverage: LineCoverage | None = None
        if self.kind == "callable" and hasattr(getattr(pass_, "__func__", pass_), "__code__"):
            self.coverage = LineCoverage(pass_)
            self.callable = self.coverage.wrap(pass_)

    @property
    def is_pattern_pass(self) -> bool:
        return self.kind in ("pattern_matcher", "replacements")

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        with _compat.inductor_patch({self.hook: self.callable}):
            yield

    def targets(self) -> list[Target]:
        """What the pass should rewrite, for targeted generation: search functions of its patterns,
        or the ``trigger()`` program of a pass that has one."""
        if self.replacements:
            return [Target(f"pattern{i}", r.search_fn, r.example_inputs) for i, r in enumerate(self.replacements)]
        if self.kind == "pattern_matcher":
            out: list[Target] = []
            for entries in self.patterns.patterns.values():
                for entry in entries:
                    t = target_from_pattern(entry.pattern, f"pattern{len(out)}")
                    if t is not None:
                        out.append(t)
            return out
        trigger = getattr(self.callable, "trigger", None)
        if callable(trigger):
            fn, inputs = trigger()
            return [Target("trigger", fn, tuple(inputs))]
        return targets_for(self.looks_for)

    @property
    def looks_for(self) -> list[Any]:
        """The ATen / prims overloads a plain-function pass's code names (``_looks_for``)."""
        if self.is_pattern_pass:
            return []
        try:
            return ops_looked_for(getattr(self.callable, "__wrapped__", self.callable))
        except Exception:  # reading bytecode is best effort: no ops, no targets
            return []


_CustomGraphPass: Any = _compat.custom_graph_pass_class()


class _PatternPass(_CustomGraphPass):
    """A PatternMatcherPass on a hook: the hooks call their pass on the graph, it has ``apply``."""

    def __init__(self, patterns: Any, name: str) -> None:
        self.patterns, self.name = patterns, name

    def __call__(self, graph: torch.fx.Graph) -> None:
        self.patterns.apply(graph)

    def uuid(self) -> str:
        return f"fxtv-pattern-pass-{self.name}-{id(self.patterns)}"


def _name(p: Any) -> str:
    return str(getattr(p, "name", None) or getattr(p, "__name__", None) or type(p).__name__)


def _register(replacements: Sequence[Replacement]) -> Any:
    pm = _compat.pattern_matcher_module()
    pmp = _compat.pattern_matcher_pass_class()()
    for r in replacements:
        inputs = [x.detach() if isinstance(x, torch.Tensor) else x for x in r.example_inputs]
        pm.register_replacement(
            r.search_fn,
            r.replace_fn,
            inputs,
            pm.fwd_only,
            pmp,
            extra_check=r.extra_check or (lambda match: True),
            scalar_workaround=dict(r.scalar_workaround) or None,
            pattern_name=r.name,  # names its steps in the trace
        )
    return pmp

"""Eager stand-ins for nodes created by ``register_lowering_pattern``.

Such a node calls a Python handler that builds Inductor IR, so it cannot run eagerly. At the
moment the pattern fires we copy the matched subgraph; executing the node then runs that copy
on the node's own arguments (the pattern's captured values), which is what the handler lowers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.fx


@dataclass
class LoweringStub:
    gm: torch.fx.GraphModule
    sources: list[tuple[str, Any]]  # per placeholder: ("arg", i) | ("kwarg", name)

    @staticmethod
    def from_match(match: Any) -> LoweringStub:
        nodes: list[torch.fx.Node] = list(match.nodes)
        inside = set(nodes)
        order = {n: i for i, n in enumerate(nodes[0].graph.nodes)}
        nodes.sort(key=order.__getitem__)
        anchor = max(nodes, key=order.__getitem__)
        args = list(match.args)
        kwargs = dict(match.kwargs)
        g = torch.fx.Graph()
        env: dict[torch.fx.Node, torch.fx.Node] = {}
        sources: list[tuple[str, Any]] = []

        def external(n: torch.fx.Node) -> torch.fx.Node:
            if n not in env:
                src = _source_of(n, args, kwargs)
                if src is None:
                    raise ValueError(f"matched subgraph input {n.name} is not a pattern argument")
                env[n] = g.placeholder(n.name)
                sources.append(src)
            return env[n]

        for n in nodes:
            for inp in n.all_input_nodes:
                if inp not in inside:
                    external(inp)
            env[n] = g.node_copy(n, lambda x: env[x])
        g.output(env[anchor])
        return LoweringStub(torch.fx.GraphModule(torch.nn.Module(), g), sources)

    def __call__(self, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        vals = [args[k] if kind == "arg" else kwargs[k] for kind, k in self.sources]
        with torch.no_grad():
            return self.gm(*vals)


def _source_of(n: torch.fx.Node, args: list[Any], kwargs: dict[str, Any]) -> tuple[str, Any] | None:
    for i, a in enumerate(args):
        if a is n:
            return ("arg", i)
    for k, v in kwargs.items():
        if v is n:
            return ("kwarg", k)
    return None

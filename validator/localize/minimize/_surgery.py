"""Graph surgery for shrinking: inline lowering stubs, align placeholders, find the nodes both
graphs share, and rebuild a graph that returns a chosen target with some nodes cut to inputs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.fx

from ...fx import mutates, output_args
from ...numeric import Mismatch
from .. import NodeBlame


def inline_stubs(gm: torch.fx.GraphModule, stubs: dict[int, Any]) -> torch.fx.GraphModule:
    """A copy of ``gm`` with lowering-pattern nodes replaced by the subgraph they stand for."""
    if not any(n.op == "call_function" and id(n.target) in stubs for n in gm.graph.nodes):
        return gm
    g = torch.fx.Graph()
    env: dict[torch.fx.Node, Any] = {}
    for n in gm.graph.nodes:
        stub = stubs.get(id(n.target)) if n.op == "call_function" else None
        if n.op == "output":
            g.output(torch.fx.node.map_arg(n.args[0], env.__getitem__))
        elif stub is None:
            env[n] = g.node_copy(n, env.__getitem__)
        else:
            # the stub's placeholders are the node's own args / kwargs, in ``sources`` order
            vals = [n.args[k] if kind == "arg" else n.kwargs[k] for kind, k in stub.sources]
            inner: dict[torch.fx.Node, Any] = {}
            phs = [p for p in stub.gm.graph.nodes if p.op == "placeholder"]
            for p, v in zip(phs, vals, strict=True):
                inner[p] = torch.fx.node.map_arg(v, env.__getitem__)
            for m in stub.gm.graph.nodes:
                if m.op == "output":
                    env[n] = torch.fx.node.map_arg(m.args[0], inner.__getitem__)
                elif m.op != "placeholder":
                    inner[m] = g.node_copy(m, inner.__getitem__)
    return torch.fx.GraphModule(gm, g)


def same_placeholders(before: torch.fx.GraphModule, after: torch.fx.GraphModule) -> torch.fx.GraphModule:
    """``after`` with the before-graph's placeholder names (matched by position), which the
    shrunk pair and the script's shared INPUTS rely on."""
    names = [n.name for n in before.graph.nodes if n.op == "placeholder"]
    phs = [n for n in after.graph.nodes if n.op == "placeholder"]
    if [p.name for p in phs] == names:
        return after
    if len(phs) != len(names):
        raise NotImplementedError(f"the step's graphs take {len(names)} and {len(phs)} inputs")
    g = torch.fx.Graph()
    env: dict[torch.fx.Node, torch.fx.Node] = {}
    for p, name in zip(phs, names, strict=True):
        env[p] = g.placeholder(name)
        env[p].meta = dict(p.meta)
    for n in after.graph.nodes:
        if n.op == "output":
            g.output(torch.fx.node.map_arg(n.args[0], env.__getitem__))
        elif n.op != "placeholder":
            env[n] = g.node_copy(n, env.__getitem__)
    return torch.fx.GraphModule(after, g)


def _names(x: Any) -> Any:
    return torch.fx.node.map_arg(x, lambda m: m.name)


def shared_nodes(before: torch.fx.GraphModule, after: torch.fx.GraphModule) -> set[str]:
    """Nodes both graphs compute alike: same name, op, target and arguments, all inputs shared."""
    a_nodes = {n.name: n for n in after.graph.nodes}
    out: set[str] = set()
    for n in before.graph.nodes:
        m = a_nodes.get(n.name)
        if m is None or n.op == "output" or m.op != n.op:
            continue
        if n.op == "placeholder" or (
            n.target == m.target
            and _names(n.args) == _names(m.args)
            and _names(n.kwargs) == _names(m.kwargs)
            and all(i.name in out for i in n.all_input_nodes)
        ):
            out.add(n.name)
    return out


def same_value(x: Any, y: Any) -> bool:
    """Bitwise-equal values (NaN equal to NaN): a recorded value a later write did not change."""
    if isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor):
        if x.shape != y.shape or x.dtype != y.dtype:
            return False
        if x.is_floating_point() or x.is_complex():
            return bool(((x == y) | (torch.isnan(x) & torch.isnan(y))).all())
        return bool(torch.equal(x, y))
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
        return len(x) == len(y) and all(same_value(p, q) for p, q in zip(x, y, strict=True))
    return type(x) is type(y) and (x == y or (isinstance(x, float) and x != x and y != y))


# ------------------------------------------------------------------ what the shrunk graphs return
@dataclass(frozen=True)
class Target:
    before: tuple[Any, ...]  # what the output returns: ("node", name) or ("const", value) per value
    after: tuple[Any, ...]
    # also keep side-effecting nodes (mutations) and what they need
    keep_impure: bool
    label: str


def _ref(x: Any) -> Any:
    return ("node", x.name) if isinstance(x, torch.fx.Node) else ("const", x)


def targets(
    before: torch.fx.GraphModule, after: torch.fx.GraphModule, m: Mismatch | None, blame: NodeBlame | None
) -> list[Target]:
    """What the shrunk graphs may return, smallest first; the first that still diverges wins."""
    b_out, a_out = output_args(before), output_args(after)
    b_names = {n.name for n in before.graph.nodes}
    a_names = {n.name for n in after.graph.nodes}
    out: list[Target] = []
    if blame is not None and blame.first_diverging in a_names and blame.counterpart in b_names:
        out.append(
            Target(
                (("node", blame.counterpart),),
                (("node", blame.first_diverging),),
                False,
                f"node {blame.first_diverging} (after-graph) vs its counterpart {blame.counterpart} (before-graph)",
            )
        )
    where = m.where if m is not None else ""
    if where.startswith("output "):
        i = int(where.split()[1])
        if i < len(b_out) and i < len(a_out):
            pair = ((_ref(b_out[i]),), (_ref(a_out[i]),))
            out.append(Target(*pair, False, f"output {i} of the step's graphs"))
            out.append(Target(*pair, True, f"output {i} of the step's graphs, with their side effects"))
    if where.startswith("input "):
        out.append(Target((), (), True, "the graph inputs' state after the run (the graphs mutate them)"))
    out.append(Target(tuple(map(_ref, b_out)), tuple(map(_ref, a_out)), True, "all outputs of the step's graphs"))
    return out


def live_nodes(gm: torch.fx.GraphModule, refs: Iterable[Any], cuts: set[str], keep_impure: bool) -> set[str]:
    """Names of the nodes ``refs`` need, with cut nodes as leaves (they become placeholders)."""
    nodes = {n.name: n for n in gm.graph.nodes}
    stack = [nodes[r[1]] for r in refs if r[0] == "node"]
    if keep_impure:
        stack += [n for n in gm.graph.nodes if n.op not in ("placeholder", "output") and (n.is_impure() or mutates(n))]
    live: set[str] = set()
    while stack:
        n = stack.pop()
        if n.name in live:
            continue
        live.add(n.name)
        if n.name not in cuts:
            stack.extend(n.all_input_nodes)
    return live


def build_graph(
    gm: torch.fx.GraphModule, refs: Sequence[Any], live: set[str], placeholders: Sequence[str], metas: dict[str, Any]
) -> torch.fx.GraphModule:
    """``gm``'s ``live`` nodes after the given placeholders, returning ``refs``."""
    g = torch.fx.Graph()
    env: dict[str, torch.fx.Node] = {}
    for name in placeholders:
        p = g.placeholder(name)
        p.meta = dict(metas.get(name, {}))
        env[name] = p
    for n in gm.graph.nodes:
        if n.name in live and n.name not in env and n.op != "output":
            new = g.node_copy(n, lambda x: env[x.name])
            new.meta.pop("stack_trace", None)
            env[n.name] = new
    g.output(tuple(env[r[1]] if r[0] == "node" else r[1] for r in refs))
    return torch.fx.GraphModule(gm, g)

"""Cheap graph fingerprints and runnable frozen copies of GraphModules."""

from __future__ import annotations

import copy
import hashlib

import torch
import torch.fx


def _arg_repr(a: object) -> str:
    if isinstance(a, torch.fx.Node):
        return "%" + a.name
    if isinstance(a, (list, tuple)):
        inner = ",".join(_arg_repr(x) for x in a)
        return f"[{inner}]" if isinstance(a, list) else f"({inner})"
    if isinstance(a, dict):
        return "{" + ",".join(f"{k}:{_arg_repr(v)}" for k, v in a.items()) + "}"
    if isinstance(a, torch.Tensor):
        return f"T{tuple(a.shape)}{a.dtype}@{id(a)}"
    return repr(a)


# Node metadata that changes what a later pass makes of the node: reinplacing records which
# inputs of an ``auto_functionalized`` node still need a clone there, and
# ``decompose_auto_functionalized`` obeys it. A pass that only sets it changes the program.
SEMANTIC_META = ("only_clone_these_tensors",)


def fingerprint(graph: torch.fx.Graph) -> str:
    """A digest of the graph's structure (ops, targets, args); O(nodes), no copying."""
    h = hashlib.blake2b(digest_size=16)
    for n in graph.nodes:
        target = n.target if isinstance(n.target, str) else getattr(n.target, "__name__", repr(n.target))
        line = f"{n.name}={n.op}:{target}:{id(n.target) if n.op == 'call_function' else ''}"
        h.update(line.encode())
        h.update(_arg_repr(n.args).encode())
        h.update(_arg_repr(n.kwargs).encode())
        for key in SEMANTIC_META:
            if key in n.meta:
                h.update(f"{key}={n.meta[key]!r}".encode())
    return h.hexdigest()


def snapshot(gm: torch.fx.GraphModule) -> torch.fx.GraphModule:
    """A runnable copy whose graph later passes cannot touch.

    Node meta is copied shallowly (FakeTensor vals are shared, which is safe: nobody mutates
    them); submodules and tensor attributes are shared with the live module.
    """
    graph = copy.deepcopy(gm.graph)
    out = torch.fx.GraphModule(gm, graph, class_name=type(gm).__name__)
    out.meta = dict(getattr(gm, "meta", {}))
    return out

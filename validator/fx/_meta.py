"""Reading what FX nodes carry: their recorded (fake) value, their op's name, a graph's outputs."""

from __future__ import annotations

from typing import Any

import torch
import torch.fx

# Meta keys that hold a node's (fake) value: aten graphs use "val", Dynamo's torch-IR graphs
# (what pre_grad passes see) use "example_value".
VAL_KEYS = ("val", "example_value")


def meta_value(node: torch.fx.Node | None) -> Any:
    """The value recorded for ``node`` (a fake tensor, SymInt, tuple of them...), or None."""
    if node is None:
        return None
    for key in VAL_KEYS:
        v = node.meta.get(key)
        if v is not None:
            return v
    return None


def fake_tensor(arg: object) -> torch.Tensor | None:
    """The fake tensor recorded for ``arg`` if it is a tensor-valued node."""
    if not isinstance(arg, torch.fx.Node):
        return None
    v = meta_value(arg)
    return v if isinstance(v, torch.Tensor) else None


def op_name(n: torch.fx.Node) -> str:
    """How reports name a node's operation: ``aten.add.Tensor``, a function's name, ``module m``."""
    if n.op in ("call_function", "call_method"):
        t = n.target
        return (
            str(t)
            if isinstance(t, torch._ops.OpOverload | torch._ops.OpOverloadPacket)
            else getattr(t, "__name__", str(t))
        )
    if n.op == "call_module":
        return f"module {n.target}"
    return n.op


# namespaces op names are printed with: 'aten.add.Tensor', 'prims.rev', 'higher_order.cond'
_NAMESPACES = frozenset({"aten", "prims", "inductor", "quantized", "higher_order"})


def op_base(op: str | None) -> str:
    """A printed op's name without namespace or overload: 'aten.add.Tensor', 'add', 'prims.rev',
    'mylib.reverse_into.default' -> 'add', 'add', 'rev', 'reverse_into'."""
    if not op:
        return ""
    parts = op.removeprefix("torch.ops.").split(".")
    named = len(parts) == 3 or (len(parts) == 2 and parts[0] in _NAMESPACES)
    return parts[1] if named else parts[0]


def target_base(target: Any) -> str:
    """A node target's op, in place or not: aten.maximum.default, torch.maximum, operator.mul,
    aten.add_.Tensor -> 'maximum', 'maximum', 'mul', 'add'."""
    if isinstance(target, torch._ops.OpOverload):
        return str(target._opname)
    if isinstance(target, torch._ops.OpOverloadPacket):
        return str(target._qualified_op_name.split("::")[-1])
    name = str(getattr(target, "__name__", target)).split(".")[-1]
    return name[:-1] if name.endswith("_") and not name.startswith("_") else name


def ancestors(n: torch.fx.Node) -> set[torch.fx.Node]:
    """Every node ``n`` reads, directly or through others."""
    out: set[torch.fx.Node] = set()
    stack = list(n.all_input_nodes)
    while stack:
        m = stack.pop()
        if m not in out:
            out.add(m)
            stack += m.all_input_nodes
    return out


def output_node(gm: torch.fx.GraphModule) -> torch.fx.Node:
    return next(n for n in reversed(gm.graph.nodes) if n.op == "output")


def output_nodes(gm: torch.fx.GraphModule) -> list[torch.fx.Node | None]:
    """The graph's flattened outputs, None where an output is not a node (a constant, None)."""
    flat, _ = torch.utils._pytree.tree_flatten(output_node(gm).args[0])
    return [a if isinstance(a, torch.fx.Node) else None for a in flat]

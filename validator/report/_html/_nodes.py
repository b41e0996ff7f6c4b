"""One node of a graph table: its text (``name: type = op(args)``) and its marks (erased, created,
edited in place, blamed)."""

from __future__ import annotations

from html import escape
from typing import Any

import torch
import torch.fx

from ...capture import Step
from ...fx import op_name


class Marks:
    """How one step's nodes are shown: erased / created / edited, the replacement record, the blame."""

    def __init__(self, step: Step, blamed_before: dict[str, str], blamed_after: dict[str, str]) -> None:
        self.erased, self.created = set(step.erased), set(step.created)
        self.new_for_old = step.replaced
        self.old_for_new: dict[str, list[str]] = {}
        for old, new in step.replaced.items():
            self.old_for_new.setdefault(new, []).append(old)
        self.blamed_before, self.blamed_after = blamed_before, blamed_after

    def changed(self, before: torch.fx.Node | None, after: torch.fx.Node | None) -> bool:
        """Whether a row of an aligned diff shows something the step did or the blame names."""
        if before is None or after is None:
            return True
        names = {before.name, after.name}
        return bool(
            names & (self.erased | self.created | set(self.new_for_old) | set(self.old_for_new))
            or before.name in self.blamed_before
            or after.name in self.blamed_after
        )

    def cell(self, node: torch.fx.Node | None, *, after: bool, edited: bool = False) -> str:
        """A sign column and the node's text: two cells of a table row."""
        if node is None:
            return '<td class="sign"></td><td class="node"></td>'
        name = node.name
        cls = ""
        if name in (self.created if after else self.erased):
            cls = "created" if after else "erased"
        elif edited:
            cls = "edited"
        symbol = {"erased": "&minus;", "created": "+", "edited": "~"}.get(cls, "")
        tags = ""
        if not after and name in self.new_for_old:
            tags += f'<span class="tag">&#8594; {escape(self.new_for_old[name])}</span>'
        if after and name in self.old_for_new:
            tags += f'<span class="tag">takes over {escape(", ".join(self.old_for_new[name]))}</span>'
        blamed = self.blamed_after if after else self.blamed_before
        if name in blamed:
            tags += f'<span class="tag blame">{escape(blamed[name])}</span>'
        node_cls = " ".join(c for c in ("node", cls, "blamed" if name in blamed else "") if c)
        return (
            f'<td class="sign {cls}">{symbol}</td>'
            f'<td class="{node_cls}" data-node="{escape(name)}">{node_text(node)}{tags}</td>'
        )


_DTYPES = {
    torch.float32: "f32",
    torch.float64: "f64",
    torch.float16: "f16",
    torch.bfloat16: "bf16",
    torch.int64: "i64",
    torch.int32: "i32",
    torch.int8: "i8",
    torch.uint8: "u8",
    torch.bool: "b8",
}


def node_text(n: torch.fx.Node) -> str:
    """``name: type = target(args)``, already escaped: readable where ``format_node`` is noisy."""
    ty = _value_type(n.meta.get("val"))
    lhs = escape(n.name) + (f'<span class="ty">: {escape(ty)}</span>' if ty else "")
    args = [_arg_text(a) for a in n.args] + [f"{k}={_arg_text(v)}" for k, v in n.kwargs.items()]
    if n.op == "placeholder":
        return f"{lhs} = <i>input</i>"
    if n.op == "output":
        return "<b>return</b> " + escape(", ".join(args))
    if n.op == "get_attr":
        return f"{lhs} = self.{escape(str(n.target))}"
    if n.op == "call_method":
        return f"{lhs} = {escape(args[0] if args else '?')}.{escape(str(n.target))}({escape(', '.join(args[1:]))})"
    target = op_name(n).removeprefix("module ")
    return f"{lhs} = <b>{escape(target)}</b>({escape(', '.join(args))})"


def _arg_text(a: object) -> str:
    if isinstance(a, torch.fx.Node):
        return a.name
    if isinstance(a, list):
        return "[" + ", ".join(_arg_text(x) for x in a) + "]"
    if isinstance(a, tuple):
        return "(" + ", ".join(_arg_text(x) for x in a) + ("," if len(a) == 1 else "") + ")"
    if isinstance(a, dict):
        return "{" + ", ".join(f"{k!r}: {_arg_text(v)}" for k, v in a.items()) + "}"
    if isinstance(a, torch.dtype):
        return _DTYPES.get(a, str(a).removeprefix("torch."))
    return str(a) if isinstance(a, torch.device | torch.layout | torch.memory_format) else repr(a)


def _value_type(val: Any) -> str:
    if isinstance(val, torch.Tensor):
        return f"{_DTYPES.get(val.dtype, str(val.dtype).removeprefix('torch.'))}[{', '.join(map(str, val.shape))}]"
    if isinstance(val, torch.SymInt | int):
        return "int"
    return ""

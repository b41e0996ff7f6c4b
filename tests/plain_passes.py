"""Plain-function custom passes, as pass authors write them: a function on a ``torch.fx.Graph``
that looks for a few ATen ops and rewrites them. No patterns, no ``trigger()``: check_pass must
find programs they fire on from their code alone (validator/passcheck/_looks_for.py).

``CORRECT`` preserve semantics; ``FAULTY`` each carry one bug (named in their docstring).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.fx

aten = torch.ops.aten
Pass = Callable[[torch.fx.Graph], None]


def _calls(graph: torch.fx.Graph, op: object) -> list[torch.fx.Node]:
    return [n for n in graph.nodes if n.op == "call_function" and n.target == op]


def _swap(graph: torch.fx.Graph, old: torch.fx.Node, op: object, args: tuple[object, ...]) -> None:
    with graph.inserting_before(old):
        new = graph.call_function(op, args)
    new.meta.update(old.meta)
    old.replace_all_uses_with(new)
    graph.erase_node(old)


# ------------------------------------------------------------------------------------------ correct


def fuse_silu(graph: torch.fx.Graph) -> None:
    """x * sigmoid(x) -> silu(x)."""
    for mul in _calls(graph, aten.mul.Tensor):
        a, b = mul.args
        for x, s in ((a, b), (b, a)):
            if isinstance(s, torch.fx.Node) and s.target == aten.sigmoid.default and s.args[0] is x:
                _swap(graph, mul, aten.silu.default, (x,))
                break


def neg_neg(graph: torch.fx.Graph) -> None:
    """neg(neg(x)) -> clone(x) (a copy: returning x itself would alias an input)."""
    for outer in _calls(graph, aten.neg.default):
        inner = outer.args[0]
        if isinstance(inner, torch.fx.Node) and inner.target == aten.neg.default:
            _swap(graph, outer, aten.clone.default, (inner.args[0],))


def sub_as_add_neg(graph: torch.fx.Graph) -> None:
    """a - b -> a + neg(b) (exact in IEEE arithmetic)."""
    for sub in _calls(graph, aten.sub.Tensor):
        if len(sub.args) == 2 and not sub.kwargs:
            a, b = sub.args
            with graph.inserting_before(sub):
                nb = graph.call_function(aten.neg.default, (b,))
            _swap(graph, sub, aten.add.Tensor, (a, nb))


def relu_relu(graph: torch.fx.Graph) -> None:
    """relu(relu(x)) -> relu(x)."""
    for outer in _calls(graph, aten.relu.default):
        inner = outer.args[0]
        if isinstance(inner, torch.fx.Node) and inner.target == aten.relu.default:
            outer.replace_all_uses_with(inner)
            graph.erase_node(outer)


def max_self(graph: torch.fx.Graph) -> None:
    """maximum(x, x) -> clone(x) (exact, NaN and -0.0 included)."""
    for m in _calls(graph, aten.maximum.default):
        if m.args[0] is m.args[1]:
            _swap(graph, m, aten.clone.default, (m.args[0],))


# ------------------------------------------------------------------------------------------- faulty


def exp_log_cancel(graph: torch.fx.Graph) -> None:
    """Faulty: exp(log(x)) -> x, wrong for x < 0 (eager: NaN)."""
    for e in _calls(graph, aten.exp.default):
        inner = e.args[0]
        if isinstance(inner, torch.fx.Node) and inner.target == aten.log.default:
            e.replace_all_uses_with(inner.args[0])
            graph.erase_node(e)


def sqrt_square_cancel(graph: torch.fx.Graph) -> None:
    """Faulty: sqrt(x * x) -> x, wrong for negative x (it is abs(x))."""
    for s in _calls(graph, aten.sqrt.default):
        m = s.args[0]
        if isinstance(m, torch.fx.Node) and m.target == aten.mul.Tensor and m.args[0] is m.args[1]:
            s.replace_all_uses_with(m.args[0])
            graph.erase_node(s)


def div_sub_swapped(graph: torch.fx.Graph) -> None:
    """Faulty: a - b rewritten as b - a when a is a division."""
    for sub in _calls(graph, aten.sub.Tensor):
        a, b = sub.args[:2]
        if isinstance(a, torch.fx.Node) and a.target == aten.div.Tensor:
            _swap(graph, sub, aten.sub.Tensor, (b, a))


def max_as_min(graph: torch.fx.Graph) -> None:
    """Faulty: maximum(relu(x), y) rewritten with minimum."""
    for m in _calls(graph, aten.maximum.default):
        a = m.args[0]
        if isinstance(a, torch.fx.Node) and a.target == aten.relu.default:
            _swap(graph, m, aten.minimum.default, m.args)


def sigmoid_mul_drops_operand(graph: torch.fx.Graph) -> None:
    """Faulty: x * sigmoid(y) -> silu(x), ignoring that y is not x."""
    for mul in _calls(graph, aten.mul.Tensor):
        a, b = mul.args
        if isinstance(b, torch.fx.Node) and b.target == aten.sigmoid.default:
            _swap(graph, mul, aten.silu.default, (a,))


def abs_neg_drops_abs(graph: torch.fx.Graph) -> None:
    """Faulty: abs(neg(x)) -> neg(x) (it is abs(x): the abs was not redundant)."""
    for a in _calls(graph, aten.abs.default):
        n = a.args[0]
        if isinstance(n, torch.fx.Node) and n.target == aten.neg.default:
            a.replace_all_uses_with(n)
            graph.erase_node(a)


CORRECT: tuple[Pass, ...] = (fuse_silu, neg_neg, sub_as_add_neg, relu_relu, max_self)
FAULTY: tuple[Pass, ...] = (
    exp_log_cancel,
    sqrt_square_cancel,
    div_sub_swapped,
    max_as_min,
    sigmoid_mul_drops_operand,
    abs_neg_drops_abs,
)

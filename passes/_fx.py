"""Small FX helpers shared by the passes: matching, fake-value propagation, aliasing checks.

A node's recorded value comes from ``validator.fx`` (``fake_tensor``, ``VAL_KEYS``), the core the
validator itself reads graphs with.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable
from typing import Any, TypeGuard

import torch
from torch._subclasses.fake_tensor import FakeTensor, FakeTensorMode
from torch.fx import Graph, Node
from torch.fx.node import map_aggregate

from validator.fx import VAL_KEYS, fake_tensor

aten = torch.ops.aten
prims = torch.ops.prims

# Non-value meta a new node inherits from the node it replaces: where it came from in the
# user's code. Value-derived meta (val, tensor_meta, original_aten) would be stale.
INHERITED_META = ("stack_trace", "nn_module_stack", "source_fn_stack")

# Tag put on every node a pass creates, so a localizer's answer can be checked.
CREATED_BY = "fxtv_created_by"


def is_call(arg: object, *targets: object) -> TypeGuard[Node]:
    """Whether ``arg`` is a ``call_function`` node whose target is one of ``targets``."""
    return isinstance(arg, Node) and arg.op == "call_function" and arg.target in targets


def calls(graph: Graph, *targets: object) -> list[Node]:
    """``call_function`` nodes whose target is one of ``targets`` (snapshot, safe to mutate)."""
    return [n for n in graph.nodes if is_call(n, *targets)]


def method_calls(graph: Graph, *names: str) -> list[Node]:
    return [n for n in graph.nodes if n.op == "call_method" and n.target in names]


def is_number(v: object) -> bool:
    # bool is an int subclass but promotes differently, so it never counts as a number.
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_number_equal(v: object, value: float) -> bool:
    return is_number(v) and float(v) == value  # type: ignore[arg-type]


def binary_args(node: Node) -> tuple[Any, Any] | None:
    """The two operands of a plain binary call (two positional args, no kwargs), else None."""
    if len(node.args) != 2 or node.kwargs:
        return None
    return node.args[0], node.args[1]


def other_operand(node: Node, value: float) -> Any:
    """For a plain binary call with the number ``value`` on one side: the other side, else None."""
    args = binary_args(node)
    if args is None:
        return None
    a, b = args
    return a if is_number_equal(b, value) else b if is_number_equal(a, value) else None


def tensor_and_number(node: Node) -> tuple[Node, torch.Tensor, float] | None:
    """``(x, x's fake value, c)`` for a plain binary call ``f(x, c)`` of a tensor node and a number, else None."""
    args = binary_args(node)
    if args is None:
        return None
    x, c = args
    fx_ = fake_tensor(x)
    if fx_ is None or not is_number(c):
        return None
    return x, fx_, c


def power_of_two_exponent(v: object) -> int | None:
    """k if ``v == +-2**k`` exactly, else None."""
    if not is_number(v) or v == 0 or not math.isfinite(float(v)):  # type: ignore[arg-type]
        return None
    mant, exp = math.frexp(abs(float(v)))  # type: ignore[arg-type]
    return exp - 1 if mant == 0.5 else None


def feeds_output(node: Node) -> bool:
    return any(u.op == "output" for u in node.users)


def _view_source(node: Node) -> Node | None:
    """The tensor ``node`` is a view of, if its op's schema says the result aliases input 0."""
    if node.op != "call_function":
        return None
    if node.target is operator.getitem:
        # Step to the multi-output node; it aliases its input only if its schema says so.
        src = node.args[0]
        return src if isinstance(src, Node) else None
    schema = getattr(node.target, "_schema", None)
    if schema is None or not schema.returns or schema.returns[0].alias_info is None:
        return None
    src = node.args[0] if node.args else None
    return src if isinstance(src, Node) else None


def aliases_input_if_replaced(node: Node, replacement: Node) -> bool:
    """Replacing a returned ``node`` by a graph input (or a view of one) would make an
    output alias an input, which eager never does for these ops, so rewrites skip that."""
    if not feeds_output(node):
        return False
    cur: Node | None = replacement
    while cur is not None:
        if cur.op == "placeholder":
            return True
        cur = _view_source(cur)
    return False


def same_shape(a: object, b: object) -> bool:
    fa, fb = fake_tensor(a), fake_tensor(b)
    return fa is not None and fb is not None and tuple(fa.shape) == tuple(fb.shape)


def same_shape_dtype(a: object, b: object) -> bool:
    fa, fb = fake_tensor(a), fake_tensor(b)
    return fa is not None and fb is not None and fa.dtype == fb.dtype and tuple(fa.shape) == tuple(fb.shape)


def static_shape(t: torch.Tensor) -> list[int] | None:
    """The shape as plain ints, or None under symbolic shapes."""
    if all(isinstance(s, int) for s in t.shape):
        return [int(s) for s in t.shape]
    return None


def int_list(arg: object) -> list[int] | None:
    """``arg`` as a list of plain ints (e.g. permute dims), or None."""
    if isinstance(arg, (list, tuple)) and all(isinstance(d, int) and not isinstance(d, bool) for d in arg):
        return [int(d) for d in arg]
    return None


def permute_of_permute(node: Node) -> tuple[Node, list[int], list[int]] | None:
    """``(x, p, q)`` for ``node = permute(permute(x, p), q)`` with plain int dims, else None."""
    inner = node.args[0]
    if not is_call(inner, aten.permute.default):
        return None
    x = inner.args[0]
    p, q = int_list(inner.args[1]), int_list(node.args[1])
    if not isinstance(x, Node) or p is None or q is None:
        return None
    return x, p, q


def getitem_pieces(join: Node) -> tuple[list[Node], int, Node] | None:
    """For cat/stack(pieces, dim): the pieces, the dim, and the one node every piece is a getitem
    of (a split or unbind); None when the join has another shape."""
    pieces = join.args[0]
    dim = join.args[1] if len(join.args) > 1 else join.kwargs.get("dim", 0)
    if not isinstance(pieces, (list, tuple)) or len(pieces) < 2 or not isinstance(dim, int):
        return None
    if not all(is_call(p, operator.getitem) for p in pieces):
        return None
    sources = {p.args[0] for p in pieces}  # type: ignore[union-attr]
    source = sources.pop() if len(sources) == 1 else None
    return (list(pieces), dim, source) if isinstance(source, Node) else None  # type: ignore[arg-type]


def normalize_dim(dim: int, rank: int) -> int:
    return dim + rank if dim < 0 else dim


def _fake_mode_of(values: Iterable[object]) -> FakeTensorMode | None:
    # The tensors' own mode, not the ambient one: pre-grad example values belong to
    # Dynamo's fake mode while a different one may be active in the tracing context.
    for v in values:
        if isinstance(v, FakeTensor):
            return v.fake_mode
    return None


def infer_meta(node: Node, hint: Node | None = None) -> None:
    """Fill the node's fake value by running its target on the inputs' fake values.

    Best effort, under the key its inputs use; ``hint`` lends its fake mode to nodes
    without tensor inputs (aten.full).
    """
    if node.op != "call_function":
        return
    inputs = node.all_input_nodes
    for key in VAL_KEYS:
        if not all(key in n.meta for n in inputs):
            continue
        if not inputs and (hint is None or key not in hint.meta):
            continue

        def sub(a: Any, key: str = key) -> Any:
            return a.meta[key] if isinstance(a, Node) else a

        args = map_aggregate(node.args, sub)
        kwargs = map_aggregate(node.kwargs, sub)
        mode = _fake_mode_of(n.meta[key] for n in [*inputs, *([hint] if hint else [])])
        if mode is None:
            continue
        try:
            with mode:
                node.meta[key] = node.target(*args, **kwargs)  # type: ignore[operator]
        except Exception:  # meta is optional: never break the compile for it
            node.meta.pop(key, None)
        return


def new_call(
    graph: Graph,
    target: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any] | None = None,
    *,
    like: Node | None = None,
    creator: str = "",
) -> Node:
    """Insert a call_function node (at the current insertion point) with derived meta.

    ``like`` donates non-value meta (stack trace, provenance) so error messages and
    localizers still point at the user code the replaced node came from.
    """
    node = graph.call_function(target, args, kwargs or {})
    if like is not None:
        for key in INHERITED_META:
            if key in like.meta:
                node.meta[key] = like.meta[key]
    infer_meta(node, hint=like)
    if creator:
        node.meta[CREATED_BY] = creator
    return node


def erase_where(nodes: Iterable[Node], doomed: Callable[[Node], bool]) -> int:
    """Erase each of ``nodes``, in order, for which ``doomed`` holds when it is reached; the count.

    Judged one at a time, so erasing a node can doom one reached later (its input, say).
    """
    count = 0
    for node in nodes:
        if doomed(node):
            node.graph.erase_node(node)
            count += 1
    return count


def erase_if_unused(graph: Graph, nodes: Iterable[Node]) -> None:
    """Erase those of ``nodes`` that are (or become) dead.

    Used instead of ``graph.eliminate_dead_code()`` on torch-IR graphs, where in-place
    ``call_method`` nodes (``x.add_(1)``) look pure to FX and would be deleted.
    """
    pending = list(dict.fromkeys(nodes))
    progress = True
    while progress:  # erasing a user can free its input: repeat until nothing changes
        progress = False
        for n in list(pending):
            if not n.users and n.op in ("call_function", "call_method"):
                graph.erase_node(n)
                pending.remove(n)
                progress = True

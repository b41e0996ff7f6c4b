"""Symbolic element maps of view-like ATen ops.

The element map of a view-like node N says which element of a *source* node S each element of N is:
``N[i] == S[source_index(i)]`` for every valid multi-index ``i``. Maps are *logical* - row-major over the elements,
independent of strides - so a reshape of a permuted tensor maps through the permutation. Sizes may be symbolic
(SymInt shapes); index arithmetic uses inductor's ``FloorDiv`` / ``ModularIndexing`` / ``Where`` so that the
expressions go to the rest of the symbolic machinery unchanged.

Comparing two graphs' maps of the same node is then one equation: ``flat_source_offset(a) == flat_source_offset(b)``
over ``0 <= index < sizes``. Ops whose arguments we cannot interpret give ``None``; we never guess.

This module walks the chain; what it reads off nodes is in ``_view_args``, the index arithmetic in
``_view_arith``, and the per-op steps in ``_view_ops`` (dims rearranged) and ``_view_windows`` (windows taken).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy
import torch
import torch.fx
from torch.utils._sympy.functions import Where

from ..fx import fake_tensor, meta_value
from . import _view_ops, _view_windows
from ._view_args import Ranges, Sizes, bind, sizes_of, sym_expr
from ._view_arith import ZERO, Prover, eq, join_digits, ravel
from ._view_ops import CAT_NAME, Handler, Step, norm_dim
from ._view_windows import MULTI, offset_along, select_at, split_offset

__all__ = ["ElementMap", "element_map", "flat_source_offset", "is_view_like", "sym_expr"]

# Every view-like op but cat (which the walker maps itself) and the outputs of MULTI ops, by name.
_HANDLERS: dict[str, Handler] = {**_view_ops.HANDLERS, **_view_windows.HANDLERS}


@dataclass(frozen=True)
class ElementMap:
    """``node[index] == source[source_index]`` for every ``0 <= index < sizes`` (and every ``conditions``)."""

    source: torch.fx.Node  # the first non-view-like ancestor (often a placeholder)
    index: tuple[sympy.Symbol, ...]  # the node's index symbols, one per dim
    sizes: Sizes  # the node's sizes
    source_index: tuple[sympy.Expr, ...]  # the source's multi-index as a function of `index`
    source_sizes: Sizes
    # Side conditions on `index` beyond its bounds under which the map holds. Always empty for the ops supported
    # today (cat is encoded with ``Where``), but consumers should honour it.
    conditions: tuple[sympy.Basic, ...] = ()
    ops: tuple[str, ...] = ()  # op names walked, outermost first (a cat's branches depth-first, in input order)


def view_op_name(target: Any) -> str | None:
    """'aten.view.default'; ``*_copy`` variants (functionalized graphs) map to the view they copy."""
    if not isinstance(target, torch._ops.OpOverload):
        return None
    name = str(target)
    ns, _, rest = name.partition(".")
    op, _, overload = rest.partition(".")
    if name not in _HANDLERS and name not in MULTI and op.endswith("_copy"):
        alt = f"{ns}.{op[: -len('_copy')]}.{overload}"
        if alt in _HANDLERS or alt in MULTI:
            return alt
    return name


def _same_dtype(node: torch.fx.Node) -> bool:
    a, b = fake_tensor(node), fake_tensor(node.args[0] if node.args else None)
    return a is not None and b is not None and a.dtype == b.dtype


def is_view_like(node: torch.fx.Node) -> bool:
    """Whether each element of ``node`` is an element of its input(s), at a position given by the op alone.

    True for views, value-preserving copies (clone, same-dtype ``_to_copy``) and gathers with static index maps
    (cat, repeat, flip, ``getitem`` of split/unbind). Says nothing about whether ``element_map`` understands the
    arguments.
    """
    if node.op != "call_function":
        return False
    if node.target is operator.getitem:
        parent, k = (*node.args, None, None)[:2]
        return (
            isinstance(parent, torch.fx.Node)
            and isinstance(k, int)
            and parent.op == "call_function"
            and view_op_name(parent.target) in MULTI
        )
    name = view_op_name(node.target)
    if name == "aten._to_copy.default":
        return _same_dtype(node)
    return name is not None and (name in _HANDLERS or name == CAT_NAME)


_Walk = tuple[torch.fx.Node, tuple[sympy.Expr, ...], Sizes, tuple[str, ...]]


class _Walker:
    """One walk from a node down its chain of view-like producers; ``ranges`` gains a symbol per cat input."""

    def __init__(self, ranges: Ranges, max_depth: int) -> None:
        self.ranges = ranges
        self.max_depth = max_depth
        self.prover = Prover()

    def walk(self, node: torch.fx.Node, idx: Sequence[sympy.Expr], depth: int) -> _Walk | None:
        """Map ``idx`` (an index of view-like ``node``) down to the first non-view-like ancestor."""
        if depth >= self.max_depth:
            return None
        out = sizes_of(node)
        if out is None or len(out) != len(idx):
            return None
        self.prover.learn(node)
        if node.target is operator.getitem:
            parent, k = node.args[0], node.args[1]
            assert isinstance(parent, torch.fx.Node) and isinstance(k, int)
            name, target, args, kwargs = view_op_name(parent.target) or "", parent.target, parent.args, parent.kwargs
        else:
            name, target, args, kwargs = view_op_name(node.target) or "", node.target, node.args, node.kwargs
        bound = bind(target, args, kwargs)
        if bound is None:
            return None
        if name == CAT_NAME:
            return self._cat(bound, idx, out, depth)
        inp = bound.get("self", bound.get("a"))
        if not isinstance(inp, torch.fx.Node):
            return None
        ins = sizes_of(inp)
        if ins is None:
            return None
        self.prover.learn(inp)
        inp_op = view_op_name(inp.target) if inp.op == "call_function" else None
        step = Step(
            name, bound, list(idx), out, ins, self.ranges, inp, meta_value(inp), self.prover, is_view_like(inp), inp_op
        )
        if node.target is operator.getitem:
            in_idx = self._getitem(step, node.args[1], meta_value(node.args[0]))  # type: ignore[arg-type]
        else:
            in_idx = _HANDLERS[name](step)
        if in_idx is None or len(in_idx) != len(ins):
            return None
        return self._continue(inp, tuple(in_idx), ins, name, depth)

    def _continue(
        self, inp: torch.fx.Node, in_idx: tuple[sympy.Expr, ...], ins: Sizes, name: str, depth: int
    ) -> _Walk | None:
        """Stop at a non-view-like ``inp`` (the source), else walk on from it."""
        if not is_view_like(inp):
            return inp, in_idx, ins, (name,) if name else ()
        sub = self.walk(inp, in_idx, depth + 1)
        return None if sub is None else (sub[0], sub[1], sub[2], (name, *sub[3]) if name else sub[3])

    def _getitem(self, s: Step, k: int, parts: Any) -> list[sympy.Expr] | None:
        """Output ``k`` of a MULTI op: a select (unbind) or a window at the split offset."""
        n = len(s.ins)
        d = norm_dim(s.args.get("dim", 0), n)
        if d is None or n == 0:
            return None
        if k < 0:
            return None  # FX graphs index outputs from 0; anything else we do not read
        if s.name == "aten.unbind.int":
            return select_at(s, d, sympy.Integer(k))
        start = split_offset(s.name, s.args, k, parts, d)
        return None if start is None else offset_along(s, d, start)

    def _cat(self, args: dict[str, Any], idx: Sequence[sympy.Expr], out: Sizes, depth: int) -> _Walk | None:
        """Each input is walked with a fresh symbol for its cat-dim position; the results are joined with Where."""
        tensors, d = args["tensors"], norm_dim(args["dim"], len(out))
        if not isinstance(tensors, (list, tuple)) or d is None or not out:
            return None
        e = idx[d]
        offset: sympy.Expr = ZERO
        branches: list[tuple[sympy.Expr, _Walk]] = []
        for t in tensors:
            ts = sizes_of(t) if isinstance(t, torch.fx.Node) else None
            if ts is None:
                return None
            if len(ts) == 1 and ts[0] == 0 and len(out) != 1:
                continue  # legacy 1-d empty input, skipped by ATen
            if len(ts) != len(out) or ts[d] == 0:
                if len(ts) != len(out):
                    return None
                continue
            u = sympy.Dummy("cat", integer=True, nonnegative=True)
            self.ranges[u] = ts[d]
            sub = self._continue(t, (*idx[:d], u, *idx[d + 1 :]), ts, "", depth)
            if sub is None:
                return None
            src_idx = tuple(x.xreplace({u: e - offset}) for x in sub[1])
            offset = offset + ts[d]
            branches.append((offset, (sub[0], src_idx, sub[2], sub[3])))
        if not branches or any(b[1][0] is not branches[0][1][0] for b in branches):
            return None  # no input, or inputs from different sources: no single source node
        source, result, source_sizes, _ = branches[-1][1]
        combined = list(result)
        for end, (_, bidx, _, _) in reversed(branches[:-1]):
            combined = [a if eq(a, b) else Where(sympy.Lt(e, end), a, b) for a, b in zip(bidx, combined, strict=True)]
        ops = (CAT_NAME, *(op for _, b in branches for op in b[3]))
        return source, tuple(combined), source_sizes, ops


def element_map(node: torch.fx.Node, *, prefix: str = "i", max_depth: int = 64) -> ElementMap | None:
    """Walk view-like producers from ``node`` back to the first non-view node.

    None if ``node`` is not view-like, an op in the chain is not understood (arguments we cannot read, symbolic
    quantities whose sign decides the result, a non-contiguous ``as_strided`` base, a cat of different sources),
    sizes are unknown, or the chain is longer than ``max_depth``.
    """
    if not is_view_like(node):
        return None
    sizes = sizes_of(node)
    if sizes is None:
        return None
    index = tuple(sympy.Symbol(f"{prefix}{d}", integer=True, nonnegative=True) for d in range(len(sizes)))
    walker = _Walker(dict(zip(index, sizes, strict=True)), max_depth)
    try:
        res = walker.walk(node, index, 0)
    except Exception:  # malformed arguments (hand-built graphs), sympy giving up: not understood
        return None
    if res is None:
        return None
    source, source_index, source_sizes, ops = res
    return ElementMap(source, index, sizes, source_index, source_sizes, (), ops)


def flat_source_offset(m: ElementMap) -> sympy.Expr:
    """Row-major offset of ``m.source_index`` in ``m.source_sizes``: one expression to compare two maps by.

    Digits of one unravelled quantity are joined back, so e.g. ``x.view(-1)`` gives just ``i0``.
    """
    ranges = dict(zip(m.index, m.sizes, strict=True))
    return join_digits(ravel(m.source_index, m.source_sizes), ranges)

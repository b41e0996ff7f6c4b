"""Operator kinds for the patterns real silent miscompiles are triggered by (used by ``fxtv hunt``).

The seed study of torch.compile's silent bugs and the public tracker point at the same places:
mutation through views (of inputs too), expanded (stride-0) views, scatter / index ops with
repeated indices, and gathers whose index arithmetic the compiler rewrites. Each kind here
builds one such statement; like every kind, it emits nothing when no operand fits.
"""

from __future__ import annotations

import torch
from hypothesis import strategies as st

from ._builder import Builder, Draw
from ._ops import OpSpec


def _views(t: torch.Tensor) -> list[str]:
    """Views of ``t`` a mutation can go through (each keeps at least one element)."""
    out = []
    shape = tuple(t.shape)
    if shape and shape[0] >= 2:
        out += ["[::2]", "[1:]"]
    if len(shape) >= 2:
        out += [".transpose(0, -1)", "[..., ::2]" if shape[-1] >= 2 else "[..., 0]"]
        if shape[0] == shape[1]:
            out.append(".diagonal()")
    if t.is_contiguous():
        out.append(".view(-1)")
    out.append(".unsqueeze(0)")
    return out


def _view_inplace(draw: Draw, b: Builder, op: OpSpec) -> None:
    """``x<view>.op_(c)``: writes through a view of x (an input, too), so later reads of x see it;
    the statement's value is the view itself (an output that aliases x)."""
    x = b.pick(draw, lambda t: t.is_floating_point() and t.dim() >= 1)
    if x is not None:
        view = draw(st.sampled_from(_views(b.env[x])))
        b.emit(op.name, op.expr.format(x=x, view=view, c=draw(st.sampled_from(op.consts or (2.0,)))), [x])


def _expand(draw: Draw, b: Builder, op: OpSpec) -> None:
    """A stride-0 view: the size-1 dims of x expanded (a new leading one when x has none)."""
    x = b.pick(draw, lambda t: t.dim() >= 1)
    if x is None:
        return
    shape = list(b.shape(x))
    src = x
    if 1 not in shape:
        src, shape = f"{x}[None]", [1, *shape]
    sizes = [draw(st.sampled_from((2, 3, 5))) if s == 1 else s for s in shape]
    b.emit(op.name, op.expr.format(x=src, shape=", ".join(map(str, sizes))), [x])


def _indexed(draw: Draw, b: Builder, op: OpSpec, one_d: bool) -> None:
    """A floating x, a dim, an int64 index (of x's shape, or ``one_d``: 1 to 5 positions) with
    values in range along dim (so repeats are the rule), and values ``y`` with x's other sizes."""
    x = b.pick(draw, lambda t: t.dim() >= 1 and t.is_floating_point())
    if x is None:
        return
    shape = b.shape(x)
    dim = draw(st.integers(0, len(shape) - 1))
    ishape = (draw(st.integers(1, 5)),) if one_d else shape
    i = b.new_input(ishape, torch.int64, index_bound=shape[dim])
    y = ""
    if "{y}" in op.expr:
        n = ishape[0] if len(ishape) == 1 else shape[dim]
        y = b.new_input(tuple(n if d == dim else s for d, s in enumerate(shape)), b.env[x].dtype)
    b.emit(op.name, op.expr.format(x=x, dim=dim, i=i, y=y), [n for n in (x, i, y) if n])


def _scatter(draw: Draw, b: Builder, op: OpSpec) -> None:
    """scatter / gather: an index of x's shape."""
    _indexed(draw, b, op, one_d=False)


def _index_along(draw: Draw, b: Builder, op: OpSpec) -> None:
    """index_select / index_add along a dim: a 1-D index of 1 to 5 positions."""
    _indexed(draw, b, op, one_d=True)


TRIGGER_KINDS = {
    "view_inplace": _view_inplace,
    "expand": _expand,
    "scatter": _scatter,
    "index_along": _index_along,
}

"""Replay a shape-symbol counterexample by running both graphs at those sizes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy
import torch
import torch.fx

from .. import _compat
from ..numeric import run_graph

_MAX_NUMEL = 1 << 22  # do not allocate huge tensors for a counterexample


def _concrete(expr: Any, point: Mapping[str, int]) -> int:
    e = _compat.symint_expr(expr)
    if isinstance(e, int):
        return e
    subs = {s: sympy.Integer(point[s.name]) for s in e.free_symbols if s.name in point}
    value = e.xreplace(subs)
    if value.free_symbols:  # a symbol the counterexample does not mention: use its hint
        return _compat.concrete_int(expr)
    return int(value)


def inputs_at(gm: torch.fx.GraphModule, point: Mapping[str, int]) -> list[Any] | None:
    """Random inputs for ``gm``'s placeholders with every shape symbol set from ``point``."""
    g = torch.Generator().manual_seed(0)
    out: list[Any] = []
    for n in gm.graph.nodes:
        if n.op != "placeholder":
            continue
        v = n.meta.get("val")
        if isinstance(v, torch.SymInt | int):
            out.append(_concrete(v, point))
        elif isinstance(v, torch.Tensor):
            shape = [_concrete(s, point) for s in v.shape]
            if any(s < 0 for s in shape) or torch.Size(shape).numel() > _MAX_NUMEL:
                return None
            if v.dtype.is_floating_point or v.dtype.is_complex:
                out.append(torch.randn(shape, generator=g).to(v.dtype))
            elif v.dtype == torch.bool:
                out.append(torch.randint(0, 2, shape, generator=g).bool())
            else:
                out.append(torch.randint(0, 4, shape, generator=g).to(v.dtype))
        else:
            return None
    return out


def replay_on_graph(before: torch.fx.GraphModule, after: torch.fx.GraphModule, point: Mapping[str, int]) -> str:
    """What running both graphs at the counterexample shows, in words."""
    inputs = inputs_at(before, point)
    if inputs is None:
        return "not run: inputs at these sizes cannot be built"
    rb, ra = run_graph(before, inputs), run_graph(after, inputs)
    if rb.error:
        return f"not confirmed: the before-graph fails at these sizes ({rb.error})"
    if ra.error:
        return f"confirmed: the after-graph fails at these sizes ({ra.error})"
    shapes_b = [tuple(o.shape) for o in rb.outputs if isinstance(o, torch.Tensor)]
    shapes_a = [tuple(o.shape) for o in ra.outputs if isinstance(o, torch.Tensor)]
    if shapes_b != shapes_a:
        return f"confirmed: output shapes {shapes_b} vs {shapes_a}"
    strides_b = [o.stride() for o in rb.outputs if isinstance(o, torch.Tensor)]
    strides_a = [o.stride() for o in ra.outputs if isinstance(o, torch.Tensor)]
    if strides_b != strides_a:
        return f"confirmed: output strides {strides_b} vs {strides_a}"
    same = all(
        torch.allclose(x, y, equal_nan=True) if x.is_floating_point() else torch.equal(x, y)
        for x, y in zip(rb.outputs, ra.outputs, strict=True)
        if isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)
    )
    return "confirmed: output values differ" if not same else "not confirmed: outputs agree at these sizes"

"""Magnitudes of what a graph sums: the scale of a reduced value's rounding noise.

A sum's rounding error, in whatever order it is taken, is made of roundings of its partial sums.
Where the terms cancel, the partial sums are far larger than the sum itself, and so is the noise
that reordering moves: the value's own size is no scale for it. ``output_magnitudes`` runs the
float64 before-graph and carries, next to each floating value v, a magnitude M >= |v| of what v
was summed from:

    sum / mean of x over dims             sqrt(sum M(x)^2)   (mean: divided by the count)
    mm / bmm / matmul / mv / dot (a, b)   sqrt(mm(M(a)^2, M(b)^2))
    addmm / baddbmm / addmv / linear      the same, plus |beta| M(bias)
    a + b, a - b                          M(a) + |alpha| M(b)
    a * b,  a / b,  -a                    M(a) M(b),  M(a) / |b|,  M(a)
    views, copies, cat, indexing, where   the same op on M
    anything else                         |v|   (nothing known: the value is its own scale)

For terms of random sign the partial sums grow like a random walk, to the quadrature sum
sqrt(sum x_k^2), and K roundings of that size add up to about u sqrt(K/2) sqrt(sum x_k^2): the
budget rtol(D, K) * M covers it (rtol >= 2 u sqrt(K); ``_tolerance``). M exceeds |sum x_k| only
where the terms cancel more than random signs would, which is where the sum is rounding noise.
Bounds for any order (u sqrt(K) sum |x_k| with high probability, K u sum |x_k| surely) take the
partial sums as large as sum |x_k|: sqrt(K) times more for terms of similar size, enough to hide
a dropped term of a long sum, so they are not used.

Only ATen graphs (after the AOT trace) are followed; other calls (Dynamo-level torch functions,
methods, modules) are "anything else". A value written in place after its magnitude was taken
falls back to |v| (its version counter moved).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.fx

from ..fx import flatten, run_graph
from ._movers import MOVERS

_SUMS = {"sum", "mean"}
_CONTRACTIONS: dict[str, Callable[..., torch.Tensor]] = {
    "mm": torch.mm,
    "bmm": torch.bmm,
    "matmul": torch.matmul,
    "mv": torch.mv,
    "dot": torch.dot,
}
# biased contraction -> (its contraction, positions of bias, a, b)
_BIASED: dict[str, tuple[Callable[..., torch.Tensor], int, int, int]] = {
    "addmm": (torch.mm, 0, 1, 2),
    "baddbmm": (torch.bmm, 0, 1, 2),
    "addmv": (torch.mv, 0, 1, 2),
    "linear": (lambda x, w: torch.matmul(x, w.t()), 2, 0, 1),
}
# Ops that move, copy or pick elements: applied to M as they are to v.
_STRUCTURAL = MOVERS


@dataclass
class _Entry:
    value: Any
    mag: Any  # a tensor like ``value``, a list of such (or None) for a list value; None: |value|
    version: int | None


def _version(v: Any) -> int | None:
    return int(v._version) if isinstance(v, torch.Tensor) else None


def _floating(v: Any) -> bool:
    return isinstance(v, torch.Tensor) and v.is_floating_point()


def _name(n: torch.fx.Node) -> str | None:
    if n.op != "call_function":
        return None
    if n.target is operator.getitem:
        return "getitem"
    if isinstance(n.target, torch._ops.OpOverload):
        return str(n.target.overloadpacket.__name__)
    return None


def _at_least(mag: Any, value: Any) -> Any:
    """``mag`` where it is a magnitude of ``value`` (same shape, at least |value|), else None."""
    if isinstance(value, (list, tuple)):
        if not isinstance(mag, (list, tuple)) or len(mag) != len(value):
            return None
        return [_at_least(m, v) for m, v in zip(mag, value, strict=True)]
    if not (_floating(value) and _floating(mag)) or mag.shape != value.shape:
        return None
    return torch.maximum(mag.to(value.dtype), value.abs())


class _Tracker:
    """Follows one run of a float64 graph (an ``Observer``) and keeps each live value's magnitude."""

    def __init__(self, gm: torch.fx.GraphModule) -> None:
        self.live: dict[torch.fx.Node, _Entry] = {}
        self.outputs: list[Any] | None = None
        # node -> the nodes it is the last user of (dropped once it has run), as the interpreter does
        self.last_uses: dict[torch.fx.Node, list[torch.fx.Node]] = {}
        seen: set[torch.fx.Node] = set()
        for n in reversed(gm.graph.nodes):
            for a in n.all_input_nodes:
                if a not in seen:
                    seen.add(a)
                    self.last_uses.setdefault(n, []).append(a)
            if not n.users:
                self.last_uses.setdefault(n, []).append(n)

    def observe(self, n: torch.fx.Node, value: Any) -> None:
        if n.op == "output":
            nodes, values = flatten(n.args[0]), flatten(value)
            if len(nodes) == len(values):
                self.outputs = [self._stored(a) if isinstance(a, torch.fx.Node) else None for a in nodes]
            return
        mag = None
        name = _name(n)
        if name is not None:
            try:
                mag = _at_least(self._rule(name, n), value)
            except Exception:  # an op's arguments not in the form a rule expects: |v| is the scale
                mag = None
        self.live[n] = _Entry(value, mag, _version(value))
        for done in self.last_uses.get(n, []):
            self.live.pop(done, None)

    # ------------------------------------------------------------------ arguments
    def _stored(self, a: torch.fx.Node) -> Any:
        """``a``'s magnitude as recorded (None where unknown or written since)."""
        e = self.live.get(a)
        if e is None or e.mag is None or _version(e.value) != e.version:
            return None
        return e.mag

    def _m(self, a: Any) -> Any:
        """M of an argument: a tensor, a number, or None (no magnitude for it)."""
        if isinstance(a, torch.fx.Node):
            e = self.live.get(a)
            if e is None:
                return None
            if _floating(e.value):
                stored = self._stored(a)
                return stored if stored is not None else e.value.abs()
            a = e.value
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            return abs(a)
        return None

    def _v(self, a: Any) -> Any:
        if isinstance(a, torch.fx.Node):
            e = self.live.get(a)
            return e.value if e is not None else None
        return a

    # ------------------------------------------------------------------ rules
    def _rule(self, name: str, n: torch.fx.Node) -> Any:
        args: tuple[Any, ...] = n.args
        kwargs: dict[str, Any] = dict(n.kwargs)
        if name in _SUMS:
            x = self._m(args[0])
            sq = n.target(x * x, *args[1:], **kwargs)  # type: ignore[operator]
            if name == "mean":  # mean(M^2) = sum(M^2) / count
                return (sq / (x.numel() // max(1, sq.numel()))).sqrt()
            return sq.sqrt()
        if name in _CONTRACTIONS:
            a, b = self._m(args[0]), self._m(args[1])
            return _CONTRACTIONS[name](a * a, b * b).sqrt()
        if name in _BIASED:
            op, ib, ia, ix = _BIASED[name]
            a, b = self._m(args[ia]), self._m(args[ix])
            prod = op(a * a, b * b).sqrt()
            bias = args[ib] if ib < len(args) else kwargs.get("bias")
            if bias is None:
                return prod
            return abs(kwargs.get("beta", 1)) * self._m(bias) + abs(kwargs.get("alpha", 1)) * prod
        if name in ("add", "sub"):
            alpha = kwargs.get("alpha", args[2] if len(args) > 2 else 1)
            return self._m(args[0]) + abs(alpha) * self._m(args[1])
        if name == "mul":
            return self._m(args[0]) * self._m(args[1])
        if name == "div" and "rounding_mode" not in kwargs and len(args) == 2:
            d = self._v(args[1])
            return self._m(args[0]) / (d.abs() if isinstance(d, torch.Tensor) else abs(d))
        if name == "neg":
            return self._m(args[0])
        if name == "where" and len(args) == 3:
            return torch.where(self._v(args[0]), self._m(args[1]), self._m(args[2]))
        if name == "getitem":
            src = self.live.get(args[0]) if isinstance(args[0], torch.fx.Node) else None
            if src is not None and isinstance(src.mag, (list, tuple)):
                return src.mag[args[1]]
            return None
        if name in _STRUCTURAL:
            sub = torch.fx.node.map_arg((args, kwargs), lambda a: self._m(a) if _floating(self._v(a)) else self._v(a))
            return n.target(*sub[0], **sub[1])  # type: ignore[operator]
        return None


def output_magnitudes(
    gm64: torch.fx.GraphModule, inputs64: Sequence[Any], *, stubs: Any = None, widen: bool = False
) -> list[Any] | None:
    """The magnitude of each output of float64 graph ``gm64`` run on ``inputs64`` (None for an
    output, or all of them, where nothing is known; ``widen``: the inputs are widened as they
    are read, ``fx.run_graph``). See the module docstring."""
    tracker = _Tracker(gm64)
    res = run_graph(gm64, inputs64, stubs=stubs, observe=tracker.observe, widen=widen)
    if res.error is not None or tracker.outputs is None or len(tracker.outputs) != len(res.outputs):
        return None
    return tracker.outputs

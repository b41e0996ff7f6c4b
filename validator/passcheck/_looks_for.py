"""What a plain-function pass looks for: the ATen / prims ops its code names, and programs around them.

Most custom passes are functions on a ``torch.fx.Graph`` that compare ``node.target`` with a few
overloads (``aten.mul.Tensor``, ``torch.ops.aten.sigmoid.default``). Their code says which: the
attribute chains of its bytecode (``aten.mul.Tensor``) resolve, through the function's globals,
closure cells and defaults, to ``OpOverload`` / ``OpOverloadPacket`` objects, and so do the
collections of overloads it keeps in globals. Nested functions, methods of a pass object and the
helpers it calls in the same module are read too. From those ops, ``targets_for`` builds small
programs in the producer/consumer shapes such passes test: one op on fresh inputs, one op feeding
another, and the same value used twice (``x * sigmoid(x)``).
"""

from __future__ import annotations

import dis
import itertools
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import torch

from ..corpus import Target
from ..corpus._builder import finite

Op = torch._ops.OpOverload
_SHAPES = ((4, 8), (2, 4, 8), (8,), (2, 3, 4, 4))
_MAX_OPS = 4


def _is_op(v: Any) -> bool:
    return isinstance(v, (torch._ops.OpOverload, torch._ops.OpOverloadPacket))


def _overload(v: Any) -> Op | None:
    if isinstance(v, torch._ops.OpOverload):
        return v
    if isinstance(v, torch._ops.OpOverloadPacket):
        for name in ("default", "Tensor", *v.overloads()):
            if hasattr(v, name):
                return getattr(v, name)  # type: ignore[no-any-return]
    return None


def _codes(fn: Any) -> Iterator[tuple[types.CodeType, dict[str, Any], dict[str, Any]]]:
    """(code object, globals, closure values) of ``fn`` and of every function nested in it."""
    fn = getattr(fn, "__func__", fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return
    glb = getattr(fn, "__globals__", {})
    cells = dict(zip(code.co_freevars, (c.cell_contents for c in fn.__closure__ or ()), strict=False))
    for d in (*(fn.__defaults__ or ()), *(fn.__kwdefaults__ or {}).values()):
        cells[f"<default {id(d)}>"] = d
    stack = [code]
    while stack:
        c = stack.pop()
        yield c, glb, cells
        stack += [k for k in c.co_consts if isinstance(k, types.CodeType)]


def _chains(code: types.CodeType, env: Callable[[str], Any]) -> Iterator[Any]:
    """The objects ``a.b.c`` attribute chains in ``code`` end at (a bare name is a chain too)."""
    obj: Any = None
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_ATTR", "LOAD_METHOD"):
            if obj is not None:
                obj = getattr(obj, str(ins.argval), None)
            continue
        if obj is not None:
            yield obj
        obj = env(str(ins.argval)) if ins.opname in ("LOAD_GLOBAL", "LOAD_DEREF", "LOAD_NAME", "LOAD_FAST") else None
    if obj is not None:
        yield obj


def _members(v: Any) -> Iterable[Any]:
    if isinstance(v, dict):
        return itertools.chain(v.keys(), v.values())
    if isinstance(v, (list, tuple, set, frozenset)):
        return v
    return ()


def ops_looked_for(pass_: Any) -> list[Op]:
    """The overloads ``pass_``'s code compares against, in the order it names them."""
    found: dict[Op, None] = {}
    seen: set[int] = set()
    todo: list[Any] = [pass_]
    if not isinstance(pass_, types.FunctionType):  # a pass object: its methods
        todo += [m for m in vars(type(pass_)).values() if isinstance(m, types.FunctionType)]
    while todo:
        fn = todo.pop(0)
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        for code, glb, cells in _codes(fn):

            def env(name: str, glb: dict[str, Any] = glb, cells: dict[str, Any] = cells) -> Any:
                return cells.get(name, glb.get(name))

            for obj in itertools.chain(_chains(code, env), cells.values()):
                for v in (obj, *_members(obj)):
                    if _is_op(v) and (op := _overload(v)) is not None:
                        found.setdefault(op, None)
                # helpers of the same module the pass calls
                if isinstance(obj, types.FunctionType) and obj.__module__ == getattr(fn, "__module__", None):
                    todo.append(obj)
    return [op for op in found if op.namespace in ("aten", "prims")]


_FILL = {"Scalar": 2.0, "float": 2.0, "int": -1, "bool": False, "SymInt": -1}


def _call(op: Op) -> Callable[[torch.Tensor, torch.Tensor], Any] | None:
    """A call of ``op`` on tensors ``a`` (and ``b``), its other required arguments filled with
    plain values (a Scalar 2.0, an int -1: the last dim, a bool False); None if it takes others."""
    kinds: list[str] = []
    for arg in op._schema.arguments:
        if arg.kwarg_only or arg.default_value is not None or str(arg.type).endswith("?"):
            continue
        kind = str(arg.type)
        if kind != "Tensor" and kind not in _FILL:
            return None
        kinds.append(kind)
    if "Tensor" not in kinds:
        return None

    def call(a: torch.Tensor, b: torch.Tensor) -> Any:
        tensors = iter((a, b, b, b))
        return op(*(next(tensors) if k == "Tensor" else _FILL[k] for k in kinds))

    return call


def targets_for(ops: list[Op]) -> list[Target]:
    """Small programs around ``ops``: each op alone, each op feeding another (both ways), and the
    consumer also reading the producer's input (the same value used twice)."""
    ops = ops[:_MAX_OPS]
    out: list[Target] = []

    def add(name: str, fn: Callable[[torch.Tensor, torch.Tensor], Any]) -> None:
        # signed inputs first; positive ones for ops with a restricted domain (log, sqrt)
        for shape, positive in itertools.product(_SHAPES, (False, True)):
            g = torch.Generator().manual_seed(len(out))
            a = torch.randn(shape, generator=g)
            example = (a.abs() + 0.5 if positive else a, torch.randn(shape, generator=g).abs() + 0.5)
            try:
                if finite(fn(*example)):
                    out.append(Target(name, fn, example))
                    return
            except Exception:
                continue

    calls = [(i, c) for i, op in enumerate(ops) if (c := _call(op)) is not None]
    for i, c in calls:
        add(f"op{i}", c)
    for (i, inner), (j, outer) in itertools.product(calls, repeat=2):  # an op into itself too: neg(neg(x))
        for how in ("into", "second", "reused", "squared"):
            add(f"op{i}_{how}_op{j}", _chain(inner, outer, how))
    return out


Call = Callable[[torch.Tensor, torch.Tensor], Any]


def _chain(inner: Call, outer: Call, how: str) -> Call:
    """``inner`` feeding ``outer``: ``outer(inner(a, b), b)`` ("into"), ``outer(b, inner(a, b))``
    ("second": the producer as the second operand); the consumer also reading
    the producer's input, ``outer(a, inner(a, b))`` as in ``x * sigmoid(x)`` ("reused"); or the
    producer reading one value twice, ``outer(inner(a, a), b)`` as in ``sqrt(x * x)`` ("squared")."""

    def fn(a: torch.Tensor, b: torch.Tensor) -> Any:
        if how == "reused":
            return outer(a, inner(a, b))
        if how == "second":
            return outer(b, inner(a, b))
        return outer(inner(a, a) if how == "squared" else inner(a, b), b)

    return fn

"""Intermediate buffer values of a compiled inductor graph, on every backend.

Inductor's own intermediate hooks are emitted only for Triton kernels and some extern kernels,
never for the C++ CPU backend. Instead, fxtv rebuilds the wrapper's ``call`` function from its
source with a probe after every statement that writes a buffer, and runs that copy in the
wrapper module's own globals (kernels already loaded, nothing recompiled). What a statement
writes follows inductor's argument naming: kernel parameters called ``out_ptr*`` /
``in_out_ptr*`` (C++ and Triton), an extern kernel's ``out=`` argument, the first argument of an
in-place fallback (``aten.scatter_reduce_.two(buf5, ...)``), or the name a fallback call or a
multi-output item is assigned to. Allocations and ``reinterpret_tensor`` views write nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import _compat
from ..fx import RunResult, clone_value, run_compiled

_PROBE = "_fxtv_probe"
_WRITTEN_PARAM = re.compile(r"^(in_out_ptr|out_ptr)\d+$")
_CPP_SIGNATURE = re.compile(r"\bvoid\s+kernel\s*\(([^)]*)\)")
_TRITON_SIGNATURE = re.compile(r"\bdef\s+triton_\w*\s*\(([^)]*)\)")
_NOT_A_WRITE = ("empty", "reinterpret_tensor", "alloc", "as_strided")


@dataclass
class BufferValue:
    kernel: str  # the kernel (or extern call) that wrote it
    statement: int  # position of the writing statement in ``call``
    name: str  # wrapper variable: an IR buffer ("buf3") or a graph input ("arg0_1")
    value: Any


def _params(source: str) -> list[str] | None:
    m = _CPP_SIGNATURE.search(source) or _TRITON_SIGNATURE.search(source)
    if m is None:
        return None
    out = []
    for p in m.group(1).split(","):
        p = p.split(":")[0].strip()  # triton annotations
        out.append(re.split(r"[\s*&]+", p)[-1] if p else p)
    return out


def kernel_params(tree: ast.Module) -> dict[str, list[str]]:
    """Kernel variable -> parameter names, from ``async_compile.cpp*/triton(...)`` definitions."""
    out: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        if not (len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        strings = [a.value for a in node.value.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        for s in strings:
            params = _params(s)
            if params is not None:
                out[node.targets[0].id] = params
                break
    return out


def _dotted(f: ast.expr) -> str:
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f"{_dotted(f.value)}.{f.attr}"
    return "<call>"


def writes(stmt: ast.stmt, params: dict[str, list[str]]) -> tuple[str, list[str]] | None:
    """(kernel label, variables written) of one wrapper statement, or None."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        f = call.func
        # C++: kernel(buf0, ...); Triton: kernel.run(buf0, ..., stream=...)
        name = f.id if isinstance(f, ast.Name) else _run_target(f)
        if name is not None and name in params:
            names = params[name]
            out = [
                a.id
                for a, p in zip(call.args, names, strict=False)
                if isinstance(a, ast.Name) and _WRITTEN_PARAM.match(p)
            ]
            return name, list(dict.fromkeys(out))
        outs = [k.value.id for k in call.keywords if k.arg == "out" and isinstance(k.value, ast.Name)]
        if outs:
            return _dotted(f), outs
        # an in-place fallback, e.g. aten.scatter_reduce_.two(buf5, ...), writes its first argument
        label = _dotted(f)
        if _inplace_name(label) and call.args and isinstance(call.args[0], ast.Name):
            return label, [call.args[0].id]
        return None
    value = stmt.value if isinstance(stmt, ast.Assign) else None
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
        # one output of a multi-output extern kernel: buf1 = buf0[0]
        assert isinstance(stmt, ast.Assign)
        names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
        return (f"{value.value.id}[...]", names) if names else None
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
        label = _dotted(stmt.value.func)
        if any(w in label for w in _NOT_A_WRITE):
            return None
        targets: list[str] = []
        for t in stmt.targets:
            elts = t.elts if isinstance(t, ast.Tuple) else [t]
            targets += [e.id for e in elts if isinstance(e, ast.Name)]
        return (label, targets) if targets else None
    return None


def _inplace_name(label: str) -> bool:
    """``aten.add_.Tensor`` / ``torch.ops.aten.index_put_.default``: an in-place op overload."""
    parts = label.split(".")
    return len(parts) >= 2 and any(p.endswith("_") and not p.startswith("_") for p in parts[-2:])


def _run_target(f: ast.expr) -> str | None:
    """``K`` of a Triton launch ``K.run(...)``."""
    if isinstance(f, ast.Attribute) and f.attr == "run" and isinstance(f.value, ast.Name):
        return f.value.id
    return None


class _Instrument(ast.NodeTransformer):
    def __init__(self, params: dict[str, list[str]]) -> None:
        self.params = params
        self.count = 0

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in body:
            stmt = self.visit(stmt)
            out.append(stmt)
            w = writes(stmt, self.params)
            if w is None:
                continue
            label, names = w
            self.count += 1
            for n in names:
                call = ast.Call(
                    ast.Name(_PROBE, ast.Load()),
                    [ast.Constant(label), ast.Constant(self.count), ast.Constant(n), ast.Name(n, ast.Load())],
                    [],
                )
                out.append(ast.Expr(call))
        return out

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(node, field, None), list) and not isinstance(node, ast.Module):
                setattr(node, field, self._body(getattr(node, field)))
        return node


def probed(fn: Any) -> tuple[Any, list[BufferValue]] | None:
    """A copy of the compiled callable ``fn`` that records every buffer write; None when its
    wrapper source cannot be read (e.g. a C++ wrapper)."""
    src = _compat.compiled_source(fn)
    if src is None:
        return None
    text, module_globals, self_obj = src
    tree = ast.parse(text)
    call_def = next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "call"), None)
    if call_def is None:
        return None
    inst = _Instrument(kernel_params(tree))
    call_def = inst.visit(call_def)
    call_def.decorator_list = []
    mod = ast.fix_missing_locations(ast.Module([call_def], type_ignores=[]))
    sink: list[BufferValue] = []
    env = dict(module_globals)
    env[_PROBE] = lambda kernel, i, name, value: sink.append(BufferValue(kernel, i, name, clone_value(value)))
    exec(compile(mod, f"<fxtv probe of {getattr(fn, '__qualname__', 'call')}>", "exec"), env)
    new = env["call"]
    if self_obj is not None:
        new = new.__get__(self_obj)
    return new, sink


def run_probed(fn: Any, inputs: Sequence[Any]) -> tuple[RunResult, list[BufferValue]] | None:
    """Run the compiled callable on clones of ``inputs``, recording each buffer after its write."""
    p = probed(fn)
    if p is None:
        return None
    call, sink = p
    return run_compiled(call, inputs), sink

"""A standalone repro script for a guilty FX step, shrunk by delta debugging (``_shrink.py``).

The guilty step's before/after graphs and the diverging trial's inputs are shrunk while they
still diverge under fxtv's own comparison rules:

1. both graphs output only what shows the divergence (the first diverging node and its
   counterpart, else the diverging output, else the mutated inputs, else everything), and are
   dead-code-eliminated;
2. nodes upstream of the rewrite (same op and arguments in both graphs, so the same value) are
   cut: replaced in both graphs by a placeholder of the same name fed with the recorded value.
   Cuts are chosen by ddmin over those nodes and kept only while the pair still shows a mismatch
   of the same kind; the result is 1-minimal (no further single cut keeps it).

The script imports only torch and the standard library: the graphs are emitted from FX's own
code generation, inputs and constants as exact literals (float reprs round-trip exactly and keep
-0.0, inf and nan), and the comparison is a copy of ``numeric._compare``'s rules.
"""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.fx

from .. import __version__
from ..fx import has_random_ops, to_float64
from ..numeric import accumulation_length

if TYPE_CHECKING:
    from ._model import Report

from ._literals import float_literal, literal
from ._shrink import SUPPORTED_KINDS, ShrunkPair, shrink_step

# ------------------------------------------------------------------ code generation
_PREDEFINED = {"torch", "inf", "nan", "device", "math", "sys", "types"}
_ALLOWED_ROOTS = {"torch", "builtins", *sys.stdlib_module_names}


def _global_def(name: str, obj: Any) -> str | None:
    """A line defining a global the generated graph code uses (None: the preamble has it)."""
    if name in _PREDEFINED:
        return None
    if name == "NoneType":
        return "NoneType = type(None)"
    if isinstance(obj, float):
        return f"{name} = {float_literal(obj)}"
    if isinstance(obj, (bool, int, str, type(None))):
        return f"{name} = {obj!r}"
    if isinstance(obj, type(math)):
        if obj.__name__.split(".")[0] not in _ALLOWED_ROOTS:
            raise NotImplementedError(f"the graph code uses module {obj.__name__}, which is neither torch nor stdlib")
        return f"{name} = importlib.import_module({obj.__name__!r})"
    owner, qual = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(owner, str) and isinstance(qual, str) and owner.split(".")[0] in _ALLOWED_ROOTS:
        found: Any = importlib.import_module(owner)
        for part in qual.split("."):
            found = getattr(found, part, None)
        if found is obj:
            return f"{name} = _resolve({owner!r}, {qual!r})"
    raise NotImplementedError(f"the graph code uses {name} = {obj!r}, which a torch-only script cannot name")


def _attrs(gm: torch.fx.GraphModule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in gm.graph.nodes:
        if n.op == "call_module":
            raise NotImplementedError(
                f"node {n.name} calls module {n.target}: repro scripts support functional graphs only"
            )
        if n.op == "get_attr":
            obj: Any = gm
            for part in str(n.target).split("."):
                obj = getattr(obj, part)
            out[str(n.target)] = obj
    return out


def _function(gm: torch.fx.GraphModule, fname: str, globals_: dict[str, Any]) -> str:
    code = gm.graph.python_code(root_module="self")
    for k, v in code.globals.items():
        if k in globals_ and globals_[k] is not v:
            raise NotImplementedError(f"graph code global {k} names two different objects")
        globals_[k] = v
    src = code.src.strip("\n")
    if "def forward(self" not in src:
        raise NotImplementedError("unexpected FX code generation (no forward(self, ...))")
    return src.replace("def forward(self", f"def {fname}(self", 1)


def repro_source(pair: ShrunkPair, header: Sequence[str]) -> str:
    """The script's text: ``header`` lines become its leading comment."""
    ref = to_float64(pair.before)
    globals_: dict[str, Any] = {}
    fns = [
        _function(pair.before, "before", globals_),
        _function(pair.after, "after", globals_),
        _function(ref, "before_float64", globals_),
    ]
    defs = [d for k, v in sorted(globals_.items()) if (d := _global_def(k, v)) is not None]
    attrs = {"BEFORE_ATTRS": _attrs(pair.before), "AFTER_ATTRS": _attrs(pair.after), "FLOAT64_ATTRS": _attrs(ref)}
    nb, na = pair.nodes
    lines = [f"# {h}" if h else "#" for h in header]
    lines += [
        "#",
        f"# Shrunk by delta debugging ({pair.checks} candidate pairs run): "
        f"before-graph {pair.original_nodes[0]} -> {nb} nodes, after-graph {pair.original_nodes[1]} -> {na} nodes",
        "# (nodes: all but placeholders and the output).",
        f"# The graphs return: {pair.target}.",
    ]
    if pair.cuts:
        lines.append(f"# Inputs fed with recorded values (cut upstream nodes): {', '.join(pair.cuts)}.")
    lines += [
        "# Exit status: 1 when after() diverges from before() under fxtv's rules, 0 when they agree.",
        "",
        "import importlib",
        "import math",
        "import sys",
        "import types",
        "",
        "import torch",
        "from torch import device",
        "",
        'inf = float("inf")',
        'nan = float("nan")',
        "",
        "",
        _RUNTIME_HELPERS,
        "",
        "",
        "# globals the FX-generated code below refers to",
        *defs,
        "",
    ]
    for fn in fns:
        lines += ["", fn.rstrip(), ""]
    lines += [""]
    for name, values in attrs.items():
        items = ", ".join(f"{k!r}: {literal(v)}" for k, v in values.items())
        lines.append(f"{name} = _ns({{{items}}})")
    phs = [n.name for n in pair.before.graph.nodes if n.op == "placeholder"]
    lines.append("INPUTS = [")
    for name, v in zip(phs, pair.inputs, strict=True):
        lines.append(f"    {literal(v)},  # {name}")
    lines.append("]")
    lines += [
        f"K = {accumulation_length(pair.before)}  # longest accumulation in the before-graph (tolerance model)",
        f"USE_FLOAT64 = {not has_random_ops(pair.before)}  # False: random ops, the before-graph is the reference",
        "SEED = 1234",
        "",
        "",
        _RUNTIME_MAIN,
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


@dataclass(frozen=True)
class Repro:
    """A shrunk before/after pair of a guilty step, and the script that replays it."""

    pair: ShrunkPair
    source: str

    @property
    def nodes(self) -> tuple[int, int]:
        """(before, after) node counts of the shrunk graphs, placeholders and output aside."""
        return self.pair.nodes

    def write(self, path: str | Path) -> Path:
        out = Path(path)
        out.write_text(self.source)
        return out


def write_repro(report: Report, path: str | Path) -> Path:
    """Write a standalone, shrunk repro script of ``report``'s guilty FX step to ``path``."""
    return build_repro(report).write(path)


def build_repro(report: Report) -> Repro:
    """Shrink ``report``'s guilty FX step and render the standalone script (see ``write_repro``)."""
    g = report.guilty
    if g is None:
        raise ValueError("the report has no guilty step: nothing to reproduce")
    if g.step.kind not in SUPPORTED_KINDS:
        raise NotImplementedError(
            f"repro scripts support graph-to-graph steps (kind {', '.join(map(repr, SUPPORTED_KINDS))}) only; "
            f"the guilty step {g.qualified_name!r} is a {g.step.kind!r} step (aot, partition and lowering steps "
            "are not supported)"
        )
    failing = g.check.first_failure
    if failing is None or failing.inputs is None:
        raise ValueError(f"{g.qualified_name}: no diverging trial inputs (the divergence is a refuted proof only)")
    m = failing.mismatches[0] if failing.mismatches else None
    blame = report.localization.blame if report.localization else None
    pair = shrink_step(g.step, failing.inputs, m, blame, report.trace.lowering_stubs)
    header = [
        f"fxtv repro script, generated by fxtv {__version__} with torch {torch.__version__}",
        f"program: {report.program}",
        f"guilty step: {g.qualified_name}",
        f"  (step #{g.step.index} {g.step.name!r}, stage {g.step.stage}, graph {g.step.graph}, kind {g.step.kind})",
        f"diverging trial: {failing.trial}",
    ]
    if m is not None:
        header.append(f"fxtv saw: {m.where}: {m.kind}: {m.detail}")
    if blame is not None and blame.first_diverging:
        header.append(f"first diverging node: {blame.first_diverging} = {blame.op} (counterpart {blame.counterpart})")
    if not pair.mismatches:
        header.append("WARNING: the pair did not diverge when this script was written")
    return Repro(pair, repro_source(pair, header))


# ------------------------------------------------------------------ the script's runtime
_RUNTIME_HELPERS = '''
def _t(data, dtype, shape, stride=None, dev="cpu"):
    """A tensor from exact values, with the original strides when it had others."""
    t = torch.tensor(data, dtype=dtype, device=dev).reshape(shape)
    if stride is not None:
        try:
            s = torch.empty_strided(shape, stride, dtype=dtype, device=dev)
            s.copy_(t)
            t = s
        except RuntimeError:  # an overlapping (expanded) layout cannot be rebuilt: contiguous
            pass
    return t


def _c(real):
    return torch.view_as_complex(real.contiguous())


def _resolve(module, qualname):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _ns(attrs):
    """The ``self`` of a graph function: dotted get_attr targets as nested attributes."""
    root = types.SimpleNamespace()
    for name, value in attrs.items():
        obj = root
        *parents, last = name.split(".")
        for p in parents:
            if not hasattr(obj, p):
                setattr(obj, p, types.SimpleNamespace())
            obj = getattr(obj, p)
        setattr(obj, last, value)
    return root
'''.strip("\n")

_RUNTIME_MAIN = '''
def _clone(v):
    if isinstance(v, torch.Tensor):
        try:
            out = torch.empty_strided(v.size(), v.stride(), dtype=v.dtype, device=v.device)
            out.copy_(v)
            return out
        except RuntimeError:
            return v.clone()
    if isinstance(v, (list, tuple)):
        return type(v)(_clone(x) for x in v)
    return v


def _widen(v):
    if isinstance(v, torch.Tensor) and v.is_floating_point() and v.dtype != torch.float64:
        return v.detach().to(torch.float64)
    if isinstance(v, torch.Tensor) and v.is_complex() and v.dtype != torch.complex128:
        return v.detach().to(torch.complex128)
    if isinstance(v, (list, tuple)):
        return type(v)(_widen(x) for x in v)
    return v


def _flat(out):
    if isinstance(out, (list, tuple)):
        return [y for x in out for y in _flat(x)]
    return [out]


def _run(fn, attrs, inputs):
    args = [_clone(x) for x in inputs]
    torch.manual_seed(SEED)
    try:
        with torch.no_grad():
            out = fn(attrs, *args)
    except Exception as e:
        return None, args, f"{type(e).__name__}: {e}"
    return _flat(out), args, None


def _tolerance(dtype, have_ref):
    # fxtv's model: rtol = u * (8 + 2 sqrt(K)), doubled without a float64 reference
    rtol = float(torch.finfo(dtype).eps) / 2 * (8 + 2 * math.sqrt(max(1, K)))
    return rtol if have_ref else 2 * rtol


def _at(t, mask, what, where, b, a, r=None):
    if not bool(mask.any()):
        return []
    idx = tuple(int(i) for i in mask.nonzero()[0])
    ref = f", float64={r[idx].item()!r}" if r is not None else ""
    return [f"{where}: {what}: {int(mask.sum())}/{mask.numel()} elements, first at {idx}: "
            f"before={b[idx].item()!r}, after={a[idx].item()!r}{ref}"]


def _compare(where, b, a, ref, have_ref):
    """fxtv's comparison rules (IEEE NaN / Inf / signed zero, then the tolerance model)."""
    if isinstance(b, torch.Tensor) or isinstance(a, torch.Tensor):
        if not (isinstance(b, torch.Tensor) and isinstance(a, torch.Tensor)):
            return [f"{where}: type: {type(b).__name__} became {type(a).__name__}"]
    else:
        if type(b) is not type(a) and not (isinstance(b, (int, float)) and isinstance(a, (int, float))):
            return [f"{where}: type: {type(b).__name__} became {type(a).__name__}"]
        if b != a and not (isinstance(b, float) and b != b and a != a):
            return [f"{where}: int: {b!r} became {a!r}"]
        return []
    rtol = _tolerance(b.dtype if b.is_floating_point() else torch.float32, have_ref)
    ref = ref if isinstance(ref, torch.Tensor) else None
    if b.shape != a.shape:
        return [f"{where}: shape: {tuple(b.shape)} became {tuple(a.shape)}"]
    if b.dtype != a.dtype:
        return [f"{where}: dtype: {b.dtype} became {a.dtype}"]
    b, a = b.detach().cpu(), a.detach().cpu()
    if b.is_complex():
        b, a = torch.view_as_real(b), torch.view_as_real(a)
        ref = torch.view_as_real(ref.detach().cpu()) if ref is not None and ref.is_complex() else None
    if not b.is_floating_point():
        return _at(b, b != a, "int: integer/bool values differ", where, b, a)
    b64, a64 = b.double(), a.double()
    r = ref.detach().cpu().double() if ref is not None and ref.shape == b.shape else b64
    nan_b, nan_a = torch.isnan(b64), torch.isnan(a64)
    inf_bad = (torch.isinf(b64) | torch.isinf(a64)) & ~nan_a & ~nan_b & (b64 != a64)
    out = _at(b64, nan_a & ~nan_b, "nan: new NaN", where, b64, a64, r)
    out += _at(b64, nan_b & ~nan_a, "nan: lost NaN", where, b64, a64, r)
    out += _at(b64, inf_bad, "inf: infinity differs", where, b64, a64, r)
    finite = torch.isfinite(b64) & torch.isfinite(a64) & torch.isfinite(r)
    if bool(finite.any()):
        zero = torch.zeros_like(r)
        rf = torch.where(finite, r, zero)
        err_b = torch.where(finite, (b64 - r).abs(), zero)
        err_a = torch.where(finite, (a64 - r).abs(), zero)
        rms = float(rf.pow(2).mean().sqrt()) if rf.numel() else 0.0
        allowed = rtol * (rf.abs() + rms) + 4.0 * float(err_b.max())
        out += _at(b64, finite & (err_a > allowed), "value: values differ beyond tolerance", where, b64, a64, r)
    signed = (b64 == 0) & (a64 == 0) & (torch.signbit(b64) != torch.signbit(a64))
    out += _at(b64, signed, "signed-zero: sign of zero differs", where, b64, a64)
    return out


def main():
    b_out, b_in, b_err = _run(before, BEFORE_ATTRS, INPUTS)
    if b_err is not None:
        print(f"before() raises {b_err}: cannot compare")
        return 2
    a_out, a_in, a_err = _run(after, AFTER_ATTRS, INPUTS)
    if a_err is not None:
        print(f"DIVERGED: graph: error: after() raises {a_err}")
        return 1
    r_out = r_in = None
    if USE_FLOAT64:
        r_out, r_in, r_err = _run(before_float64, FLOAT64_ATTRS, [_widen(x) for x in INPUTS])
        if r_err is not None:
            print(f"note: the float64 run failed ({r_err}); the before-graph is the reference")
            r_out = r_in = None
    have_ref = r_out is not None
    if len(b_out) != len(a_out):
        print(f"DIVERGED: graph: type: {len(b_out)} outputs became {len(a_out)}")
        return 1
    found = []
    for i, (bv, av) in enumerate(zip(b_out, a_out)):
        rv = r_out[i] if have_ref and i < len(r_out) else None
        found += _compare(f"output {i}", bv, av, rv, have_ref)
    for i, (bv, av) in enumerate(zip(b_in, a_in)):
        if isinstance(bv, torch.Tensor) and isinstance(av, torch.Tensor):
            rv = r_in[i] if have_ref and i < len(r_in) else None
            found += _compare(f"input {i} (after the run)", bv, av, rv, have_ref)
    for line in found:
        print(f"DIVERGED: {line}")
    if not found:
        print("equivalent: after() agrees with before() within fxtv's tolerance")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
'''.strip("\n")

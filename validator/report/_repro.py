"""A standalone repro script for a guilty FX step: the printing of a pair ``localize.minimize`` shrank.

``build_repro`` asks ``localize.minimize`` to shrink the guilty step's before/after graphs and the
diverging trial's inputs while they still diverge under fxtv's own comparison rules (see there),
then prints the script: the graphs are emitted from FX's own code generation, inputs and
constants as exact literals (float reprs round-trip exactly and keep -0.0, inf and nan), and the
comparison is a copy of ``numeric._compare``'s rules (``_repro_runtime``). The script imports only
torch and the standard library.
"""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
import torch.fx

from .. import __version__
from ..capture import Trace
from ..fx import RNG_SEED
from ..localize import Localization
from ..localize.minimize import ShrunkGuilty, ShrunkPair, float_literal, literal, shrink_guilty
from ._repro_runtime import RUNTIME_HELPERS as _RUNTIME_HELPERS
from ._repro_runtime import RUNTIME_MAIN as _RUNTIME_MAIN


class Reproducible(Protocol):
    """What ``build_repro`` reads of a ``Report``."""

    @property
    def program(self) -> str: ...

    @property
    def localization(self) -> Localization | None: ...

    @property
    def trace(self) -> Trace: ...


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
    ref = pair.float64_before
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
        f"K = {pair.accumulation}  # longest accumulation in the before-graph (tolerance model)",
        f"USE_FLOAT64 = {pair.float64_reference}  # False: random ops, the before-graph is the reference",
        f"SEED = {RNG_SEED}",
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


def write_repro(report: Reproducible, path: str | Path) -> Path:
    """Write a standalone, shrunk repro script of ``report``'s guilty FX step to ``path``."""
    return build_repro(report).write(path)


def build_repro(report: Reproducible) -> Repro:
    """Shrink ``report``'s guilty FX step (``localize.minimize``) and print the standalone script.

    ValueError without a guilty step or diverging trial inputs; NotImplementedError for a guilty
    step that is not an fx step.
    """
    shrunk = shrink_guilty(report.localization, report.trace.lowering_stubs)
    return Repro(shrunk.pair, repro_source(shrunk.pair, repro_header(report.program, shrunk)))


def repro_header(program: str, shrunk: ShrunkGuilty) -> list[str]:
    """The script's leading comment: where the pair comes from and what fxtv saw."""
    g, failing, m, blame, pair = shrunk.verdict, shrunk.trial, shrunk.mismatch, shrunk.blame, shrunk.pair
    header = [
        f"fxtv repro script, generated by fxtv {__version__} with torch {torch.__version__}",
        f"program: {program}",
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
    return header

"""Benchmark case specs: one TOML file per case, checked against a schema on load.

A spec says which program to compile (a zoo program or the trigger of a pass or fault), how
(dynamic shapes, training), which fault to install (or none), the ground truth (the step and
stage that must be blamed, the guilty ops, the below-FX component), the bug's class in the
study's taxonomy and its source. ``specs/README.md`` documents the fields. A malformed spec is
rejected with a ``SpecError`` naming the file and the field.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._specs import cases_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

STAGES = ("dynamo", "pre_grad", "aot", "joint", "partition", "post_grad", "lowering")
COMPONENTS = ("lowering", "fusion", "codegen", "index")
DTYPES = ("float32", "float16", "bfloat16", "float64")
ROOT_CAUSES = (
    "Unfaithful Program Tracing",
    "Incorrect Operator Decomposition",
    "Incorrect Kernel Code Generation",
    "Broken Aliasing and Mutation Semantics",
    "Unsound Graph Optimization",
    "Incorrect Layout Propagation",
    "Faulty Symbolic-Variable Resolving",
    "Incorrect Operand Type-Promotion",
    "External Dependency and Toolchain Misuse",
    "Unsound Compilation-Reuse Identity",
)
TRIGGERS = (
    "Non-Tensor Construct",
    "Optimization-Triggering Sequence",
    "Boundary-Value Input",
    "Parameterized Operator",
    "Aliased Mutation",
    "Mixed-dtype Operands",
    "Environment-Dependent",
    "Stateful Re-execution",
    "Layout-Constraint Chain",
    "No minimal reproducer",
)
REF_KINDS = {"program": ("zoo", "pass", "fault"), "fault": ("pass", "fault")}


class SpecError(ValueError):
    """A spec file that does not follow the schema."""

    def __init__(self, path: Path | str, field: str, message: str) -> None:
        super().__init__(f"{path}: {field}: {message}")
        self.path, self.field = str(path), field


@dataclass(frozen=True)
class Truth:
    stage: str
    step: str
    ops: tuple[str, ...] = ()
    component: str | None = None  # below-FX faults
    feature: str | None = None  # the codegen feature a codegen fault breaks


@dataclass(frozen=True)
class Spec:
    name: str
    description: str
    faulty: bool
    program: str  # "zoo:mlp", "pass:split_cat_order", "fault:remainder_as_fmod"
    dynamic: bool
    training: bool
    dtype: str | None
    fault: str | None  # "pass:<name>" or "fault:<name>"; a correct pass on a correct case
    truth: Truth | None
    root_cause: str | None
    trigger: str | None
    source: str  # "pytorch/pytorch#NNN", "synthetic", "zoo", or "live: ..." (a bug of the installed torch)
    path: str = ""
    evidence: str | None = None  # how the ground truth was established (toggles, graphs run)

    @property
    def historical(self) -> bool:
        return self.source.startswith("pytorch/pytorch#")

    @property
    def live(self) -> bool:
        return self.source.startswith("live")

    @property
    def real(self) -> bool:
        """A real bug of the installed torch from the public tracker: no fault, its own program."""
        return self.historical and self.fault is None and self.faulty


# field -> (type, required) per table; None table = top level
_SCHEMA: dict[str | None, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    None: {"name": (str, True), "description": (str, True), "faulty": (bool, True)},
    "program": {"ref": (str, True), "dynamic": (bool, False), "training": (bool, False), "dtype": (str, False)},
    "fault": {"ref": (str, True)},
    "truth": {
        "stage": (str, True),
        "step": (str, True),
        "ops": (list, False),
        "component": (str, False),
        "feature": (str, False),
    },
    "taxonomy": {"root_cause": (str, True), "trigger": (str, True)},
    "source": {"issue": (str, True), "evidence": (str, False)},
}


def _check_table(path: Path, table: str | None, data: dict[str, Any]) -> None:
    schema = _SCHEMA[table]
    where = f"[{table}]" if table else "top level"
    for key, value in data.items():
        if table is None and isinstance(value, dict):
            if key not in _SCHEMA:
                raise SpecError(path, key, f"unknown table; expected one of {sorted(k for k in _SCHEMA if k)}")
            continue
        if key not in schema:
            raise SpecError(path, f"{where}.{key}", f"unknown field; expected one of {sorted(schema)}")
        typ = schema[key][0]
        if not isinstance(value, typ) or (typ is not bool and isinstance(value, bool)):
            raise SpecError(path, f"{where}.{key}", f"expected {getattr(typ, '__name__', typ)}, got {value!r}")
    for key, (_, required) in schema.items():
        if required and key not in data:
            raise SpecError(path, f"{where}.{key}", "missing")


def _ref(path: Path, field: str, ref: str, kind: str) -> str:
    head, _, tail = ref.partition(":")
    if head not in REF_KINDS[kind] or not tail:
        raise SpecError(path, field, f"{ref!r} is not <{'|'.join(REF_KINDS[kind])}>:<name>")
    return ref


def _one_of(path: Path, field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise SpecError(path, field, f"{value!r} is not one of {list(allowed)}")
    return value


def parse_spec(path: Path, data: dict[str, Any]) -> Spec:
    """Validate one spec's TOML table; raises SpecError on the first problem."""
    _check_table(path, None, data)
    for table in ("program", "fault", "truth", "taxonomy", "source"):
        if table in data:
            _check_table(path, table, data[table])
    for required in ("program", "source"):
        if required not in data:
            raise SpecError(path, f"[{required}]", "missing table")
    name = data["name"]
    if name != path.stem:
        raise SpecError(path, "name", f"{name!r} must equal the file name {path.stem!r}")
    faulty = data["faulty"]
    prog = data["program"]
    fault = data.get("fault", {}).get("ref")
    truth_t = data.get("truth")
    tax = data.get("taxonomy")
    issue = str(data["source"].get("issue", ""))
    # a live divergence, or a tracker bug reproduced by its own program: the installed torch is the fault
    unfaulted = issue.startswith("live") or (issue.startswith("pytorch/pytorch#") and prog["ref"].startswith("zoo:"))
    if faulty and (truth_t is None or tax is None or (fault is None and not unfaulted)):
        raise SpecError(
            path,
            "faulty",
            "a faulty case needs [fault] (unless it is 'live: ...' or a tracker issue's own zoo program), "
            "[truth] and [taxonomy]",
        )
    if not faulty and truth_t is not None:
        raise SpecError(path, "[truth]", "a correct case has no guilty step")
    truth = None
    if truth_t is not None:
        ops = truth_t.get("ops", [])
        if not all(isinstance(o, str) for o in ops):
            raise SpecError(path, "[truth].ops", "expected a list of op names")
        comp = truth_t.get("component")
        truth = Truth(
            stage=_one_of(path, "[truth].stage", truth_t["stage"], STAGES),
            step=truth_t["step"],
            ops=tuple(ops),
            component=_one_of(path, "[truth].component", comp, COMPONENTS) if comp is not None else None,
            feature=truth_t.get("feature"),
        )
        if truth.component is not None and truth.stage != "lowering":
            raise SpecError(path, "[truth].component", "a below-FX component needs stage = 'lowering'")
    dtype = prog.get("dtype")
    return Spec(
        name=name,
        description=data["description"],
        faulty=faulty,
        program=_ref(path, "[program].ref", prog["ref"], "program"),
        dynamic=prog.get("dynamic", False),
        training=prog.get("training", False),
        dtype=_one_of(path, "[program].dtype", dtype, DTYPES) if dtype is not None else None,
        fault=_ref(path, "[fault].ref", fault, "fault") if fault is not None else None,
        truth=truth,
        root_cause=_one_of(path, "[taxonomy].root_cause", tax["root_cause"], ROOT_CAUSES) if tax else None,
        trigger=_one_of(path, "[taxonomy].trigger", tax["trigger"], TRIGGERS) if tax else None,
        source=data["source"]["issue"],
        path=str(path),
        evidence=data["source"].get("evidence"),
    )


def load_spec(path: str | Path) -> Spec:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as e:
        raise SpecError(p, "toml", str(e)) from None
    return parse_spec(p, data)


def load_specs(directory: str | Path | None = None, name_filter: str | None = None) -> list[Spec]:
    """Every ``*.toml`` spec under ``directory`` (by default the bundled ``specs/cases``, sorted by
    name), optionally filtered by a substring of the name, program, fault, root cause or stage."""
    root = cases_dir() if directory is None else Path(directory)
    specs = [load_spec(p) for p in sorted(root.glob("*.toml"))]
    if name_filter:
        keys = [k.strip() for k in name_filter.split(",") if k.strip()]

        def hit(s: Spec) -> bool:
            hay = " ".join(
                filter(None, [s.name, s.program, s.fault, s.root_cause, s.truth.stage if s.truth else "correct"])
            )
            return any(k in hay for k in keys)

        specs = [s for s in specs if hit(s)]
    return specs

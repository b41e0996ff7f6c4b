"""Known torch issues (specs/known_issues.toml) and the rule that labels a cluster with one.

A divergence matches an issue when its guilty stage is the issue's stage, its below-FX component
(if both name one) is the issue's, it names one of the issue's ops (or, naming none, its program
runs one; an AOT or FX finding names its first diverging node's op), where the issue lists
symptoms, it shows one of them, and where it lists dtypes, the program has one of them. An issue
may instead name the culprit by a piece of its description (a codegen feature that alone
restores eager's result, for a divergence the capture does not show). The symptom is seen at an
output, downstream of the culprit: an overflow there is an infinity, and an integer or bool output
(a comparison or cast read the changed value) hides the kind of change, so it shows any of them;
a flipped zero read by an op that turns on its sign (atan2, copysign, reciprocal) shows as a
value, an infinity or a NaN.
A crash matches an issue
that gives a piece of its error message, when the program runs one of the issue's ops. This is a
label for a person to confirm, not a proof of identity: the page says which issue matched.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Any

from .._specs import spec_file
from ..fx import op_base

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class KnownIssue:
    issue: int | None
    case: str
    title: str
    stage: str | None
    component: str | None
    ops: frozenset[str]
    error: str | None = None  # for a crash: a piece of torch.compile's error message
    symptoms: frozenset[str] = frozenset()  # mismatch kinds it shows (empty: any)
    dtypes: frozenset[str] = frozenset()  # dtypes a program must have to show it (empty: any)
    culprit: str | None = None  # a piece of the culprit's description that names it (then no ops)

    def to_json(self) -> dict[str, Any]:
        return {"issue": self.issue, "case": self.case, "title": self.title, "stage": self.stage}


@cache
def known_issues() -> tuple[KnownIssue, ...]:
    data = tomllib.loads(spec_file("known_issues.toml").read_text())
    return tuple(
        KnownIssue(
            raw.get("issue"),
            raw["case"],
            raw["title"],
            raw.get("stage"),
            raw.get("component"),
            frozenset(_base(o) for o in raw.get("ops", [])),
            raw.get("error"),
            frozenset(raw.get("symptoms", [])),
            frozenset(raw.get("dtypes", [])),
            raw.get("culprit"),
        )
        for raw in data.get("issue", [])
    )


def program_ops(exprs: list[str]) -> set[str]:
    """Base names of the torch functions and tensor methods a program's statements call."""
    names = set()
    for e in exprs:
        names |= {_base(m) for m in re.findall(r"(?:torch\.|\.)([A-Za-z_]\w*)\(", e)}
    return names - {"", "to", "functional", "nn"}


def match(result: dict[str, Any], exprs: list[str], dtypes: Collection[str] = ()) -> KnownIssue | None:
    """The first known issue a finding's record matches (see the module docstring)."""
    return next(iter(matches(result, exprs, dtypes)), None)


def matches(result: dict[str, Any], exprs: list[str], dtypes: Collection[str] = ()) -> list[KnownIssue]:
    """Every known issue a finding's record matches, in the file's order (``dtypes``: the
    program's). A finding that names no op (a codegen feature) matches by the ops its program
    runs, so it may match several."""
    named = {_base(o) for o in re.findall(r"(?:aten|prims)\.(\w+)", f"{result.get('culprit')} {result.get('node_op')}")}
    node_op = str(result.get("node_op") or "")
    if re.fullmatch(r"\w+", node_op) and node_op not in ("placeholder", "output", "get_attr"):
        named.add(_base(node_op))  # an AOT or FX node's op, by its short name
    ran = program_ops(exprs)
    if result.get("outcome") != "diverged":  # a crash: the same error from a program running one of the ops
        error = str(result.get("error") or "")
        return [k for k in known_issues() if k.error and k.error in error and k.ops & ran]
    out = []
    for k in known_issues():
        if k.error or k.stage != result.get("stage"):
            continue
        if k.component and result.get("component") and k.component != result.get("component"):
            continue
        if not _shows(k, result.get("symptom"), ran) or (k.dtypes and not k.dtypes & set(dtypes)):
            continue
        if k.culprit is not None:
            if k.culprit in str(result.get("culprit") or ""):
                out.append(k)
        elif k.ops & (named or ran):
            out.append(k)
    return out


def label(result: dict[str, Any], exprs: list[str], dtypes: Collection[str] = ()) -> dict[str, Any] | None:
    """A cluster's label: the first matching issue, with the others it matches equally well."""
    found = matches(result, exprs, dtypes)
    if not found:
        return None
    return {**found[0].to_json(), "also": [k.issue or k.case for k in found[1:]]}


# an output's symptom -> the culprit's symptom it may stand for
_STANDS_FOR = {"overflow": "inf", "underflow": "value"}
# ops whose result turns on a zero's sign: downstream of one, a flipped zero shows as another value
# (atan2: +-pi), an infinity of the other sign (1 / -0.0) or a NaN. Division is left out: it is
# in most programs, and a label must not hide a new bug behind a known one.
_READS_SIGN = frozenset({"atan2", "copysign", "signbit", "reciprocal", "angle"})


def _shows(k: KnownIssue, symptom: str | None, ran: Collection[str] = ()) -> bool:
    if not k.symptoms or symptom is None or symptom == "int":
        return True
    if symptom in k.symptoms or _STANDS_FOR.get(symptom) in k.symptoms:
        return True
    return "signed-zero" in k.symptoms and symptom in ("value", "inf", "nan") and bool(_READS_SIGN & set(ran))


def _base(op: str) -> str:
    """'aten.add_.Tensor' / 'add_' / '_softmax' -> 'add' / 'softmax': what two spellings share."""
    return op_base(op).strip("_").removesuffix("_default")

"""What a campaign exercised: generator ops, trigger patterns, dtypes and variants."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

# The trigger patterns of real silent bugs (seed study and tracker), by the generator ops that
# build them (specs/ops.toml, specs/hunt_ops.toml).
PATTERNS: dict[str, frozenset[str]] = {
    "mutation through a view": frozenset({"view_add_", "view_mul_", "view_copy_"}),
    "in-place op on an input or value": frozenset(
        {"add_", "mul_", "sub_", "clamp_", "view_add_", "view_mul_", "view_copy_"}
    ),
    "expanded (stride-0) view": frozenset({"expand", "expand_contiguous"}),
    "scatter / index_put with repeated indices": frozenset(
        {
            "index_put",
            "scatter_add",
            "scatter_reduce_amax",
            "scatter_reduce_mean",
            "scatter_reduce_prod",
            "index_add",
            "index_add_alpha",
        }
    ),
    "gather / index_select": frozenset({"gather", "index_select"}),
    "flip / roll / cat / split chain": frozenset(
        {"flip", "roll", "roll_back", "cat", "split", "stack", "unbind", "narrow"}
    ),
    "reduction or scan": frozenset(
        {
            "sum",
            "mean",
            "amax",
            "amin",
            "prod",
            "var",
            "std",
            "argmax",
            "logsumexp",
            "any",
            "cumsum",
            "cumprod",
            "cummax",
            "softmax",
            "log_softmax",
            "sort",
        }
    ),
    "rounding / discontinuous op": frozenset(
        {
            "remainder",
            "remainder_scalar",
            "fmod",
            "fmod_scalar",
            "floor_divide",
            "floor_divide_scalar",
            "floor",
            "round",
            "round_decimals",
            "trunc",
            "sign",
        }
    ),
    "matmul / conv": frozenset({"matmul", "addmm", "conv2d"}),
    "view / layout change": frozenset({"permute", "transpose", "flatten_pair", "unsqueeze", "contiguous_t"}),
    "cast": frozenset({"cast", "cast_more"}),
}


def patterns(ops: list[str], variant: str) -> list[str]:
    """The trigger patterns one program exercises (its variant's too: dynamic, training, special)."""
    found = [name for name, members in PATTERNS.items() if members & set(ops)]
    return found + [f"variant: {v}" for v in variant.split("+") if v != "plain"]


def dtypes(task: dict[str, Any]) -> list[str]:
    """The dtypes a program's inputs have and its casts produce."""
    found = {i[2] for i in task["program"]["inputs"]}
    for _, expr, _ in task["program"]["statements"]:
        found |= set(re.findall(r"\.to\(torch\.(\w+)\)", expr))
    return sorted(found)


def coverage(rows: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Counter[str]]:
    """Programs per generator op, per trigger pattern, per dtype and per variant."""
    ops: Counter[str] = Counter()
    pats: Counter[str] = Counter()
    dts: Counter[str] = Counter()
    variants: Counter[str] = Counter()
    for task, result in rows:
        program_ops = [s[2] for s in task["program"]["statements"]]
        variant = str(result.get("variant") or "plain")
        ops.update(set(program_ops))
        pats.update(patterns(program_ops, variant))
        dts.update(dtypes(task))
        variants[variant] += 1
    return {"ops": ops, "patterns": pats, "dtypes": dts, "variants": variants}

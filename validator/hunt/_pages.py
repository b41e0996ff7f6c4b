"""Issue-ready pages: one markdown page and one repro script per cluster, and the campaign's
summary page."""

from __future__ import annotations

from collections import Counter
from typing import Any

import torch

from ._programs import Drawn


def cluster_page(cluster: dict[str, Any], drawn: Drawn, result: dict[str, Any], repro_name: str) -> str:
    """The page a person files (or matches to a known issue): symptom, guilty pass and node,
    the values on each side, the torch version and the shrunk repro."""
    status = _status(cluster)
    m = result.get("mismatch") or {}
    lines = [
        f"# {title(cluster, result)}",
        "",
        f"- status: {status}",
        f"- signature: `{cluster['signature']}`",
        f"- programs in the cluster: {cluster['programs']}",
        f"- outcome: {result.get('outcome')}",
        f"- torch: {torch.__version__}",
        f"- variant: {drawn.variant.label()} (dynamic={drawn.variant.dynamic}, training={drawn.variant.training}, "
        f"special-value inputs={drawn.variant.special}, non-contiguous inputs={drawn.variant.layout})",
    ]
    if result.get("outcome") == "diverged":
        lines += [
            f"- guilty step: `{result.get('step')}` (stage {result.get('stage')})",
            f"- component below FX: {result.get('component') or '-'}; culprit: {result.get('culprit') or '-'}",
            f"- first diverging node: {result.get('node') or '-'} ({result.get('node_op') or '-'})",
            f"- symptom: {result.get('symptom') or '-'} in {m.get('where', '-')} on the {m.get('trial', '?')} trial: "
            f"{m.get('detail', '')}",
            f"- values at index {m.get('index')}: before the step (eager side) {m.get('before')}, after it (compiled "
            f"side) {m.get('after')}, float64 reference {m.get('reference')}; allowed error {m.get('allowed')}",
            f"- the user's torch.compile differs from eager on the program's inputs: {result.get('compile_diverges')}",
        ]
        if _sides_with_after(m):
            lines.append(
                "- note: the float64 reference agrees with the compiled side, not with eager: the bug may be "
                "eager's (the compile is then the more accurate program, yet it still differs from eager)"
            )
    elif result.get("error"):
        lines += [f"- error: `{str(result['error'])[:400]}`"]
    rep = {
        True: "yes",
        False: "no (no end-to-end bug: a pass-level divergence a later step undoes, or a false alarm)",
        None: "not run, or it crashed",
    }[cluster.get("reproduces")]
    lines += [
        f"- the repro diverges between eager and torch.compile: {rep}",
        "",
        "## Program",
        "",
        f"{len(drawn.program.statements)} ops: {', '.join(drawn.program.ops)}; inputs: "
        + ", ".join(f"{i.name}: {str(i.dtype).removeprefix('torch.')}{list(i.shape)}" for i in drawn.program.inputs),
        "",
        "```python",
        drawn.program.source,
        "```",
        "",
        f"Standalone repro (torch only): `{repro_name}`; `python {repro_name}` exits 1 when eager and "
        "torch.compile differ.",
        "",
    ]
    return "\n".join(lines)


def _sides_with_after(m: dict[str, Any]) -> bool:
    """The mismatch's float64 reference is the compiled ("after") value, not eager's ("before")."""
    before, after, ref = (m.get(k) for k in ("before", "after", "reference"))
    if not all(isinstance(v, (int, float)) for v in (before, after, ref)):
        return False
    same = lambda a, b: a == b or (a != a and b != b) or abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1.0)  # noqa: E731
    return same(after, ref) and not same(before, ref)


def title(cluster: dict[str, Any], result: dict[str, Any]) -> str:
    if result.get("outcome") == "diverged":
        where = result.get("culprit") or result.get("node_op") or result.get("step")
        return f"torch.compile silently changes results: {result.get('symptom') or 'values'} at {where}"
    return f"torch.compile {result.get('outcome')}: {str(result.get('error') or cluster['signature'])[:120]}"


def _status(cluster: dict[str, Any]) -> str:
    k = cluster.get("known")
    if not k:
        return "new (no known issue in specs/known_issues.toml matches)"
    ref = f"pytorch/pytorch#{k['issue']}" if k.get("issue") else f"fxtv case {k['case']}"
    also = [f"#{a}" if isinstance(a, int) else str(a) for a in k.get("also") or []]
    if also:  # matched by the ops the program runs, not by an op the finding names
        return f"known: {ref}, or one of {', '.join(also)} (same stage; the program runs ops of each; confirm by hand)"
    return f"known: {ref} (same stage and op; confirm by hand)"


def summary_page(figures: dict[str, Any], clusters: list[dict[str, Any]], cov: dict[str, Counter[str]]) -> str:
    f = figures
    lines = [
        "# fxtv hunt: campaign summary",
        "",
        f"torch {f['torch']}; seed {f['seed']}; {f['programs']} programs run ({f['pending']} pending), "
        f"{f['cpu_hours']:.2f} CPU-hours of validation, {f['per_cpu_hour']:.0f} programs per CPU-hour.",
        "",
        "| outcome | programs |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in sorted(f["outcomes"].items(), key=lambda kv: -kv[1])],
        "",
        f"Findings: {f['findings']} in {len(clusters)} clusters ({f['known']} known, {f['new']} new); "
        f"divergence clusters whose repro does not diverge end to end (counted as false alarms): {f['false_alarms']}.",
        "",
        "| cluster | outcome | programs | status | repro diverges | page |",
        "|---|---|---|---|---|---|",
    ]
    for c in clusters:
        status = "known" if c.get("known") else "new"
        rep = {True: "yes", False: "no", None: "-"}[c.get("reproduces")]
        lines.append(
            f"| `{c['signature'][:90]}` | {c['outcome']} | {c['programs']} | {status} | {rep} | {c.get('page') or ''} |"
        )
    for name, counter in (("trigger pattern", cov["patterns"]), ("dtype", cov["dtypes"]), ("variant", cov["variants"])):
        lines += ["", f"| {name} | programs |", "|---|---|", *[f"| {k} | {v} |" for k, v in counter.most_common()]]
    lines += ["", "Generator ops exercised: " + ", ".join(f"{k} {v}" for k, v in cov["ops"].most_common()), ""]
    return "\n".join(lines)

"""Summary tables of a benchmark run (markdown): per tool, per root-cause class, per stage."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any

TOOLS = ("fxtv", "e2e", "bisector")
TOOL_NAMES = {"fxtv": "fxtv", "e2e": "end-to-end assert_close", "bisector": "CompilerBisector (fp64)"}


def _rate(hits: int, n: int) -> str:
    return f"{hits}/{n} ({100 * hits / n:.0f}%)" if n else "-"


def _median(xs: Sequence[float]) -> str:
    return f"{statistics.median(xs):.1f}" if xs else "-"


def _get(rec: dict[str, Any], tool: str, key: str) -> Any:
    return (rec.get(tool) or {}).get(key)


def tool_table(records: Sequence[dict[str, Any]], label: str = "all") -> list[str]:
    faulty = [r for r in records if r["faulty"]]
    correct = [r for r in records if not r["faulty"]]
    rows = [
        f"| tool ({label}) | detected | exact step | node / culprit | false alarms | median s (faulty) |",
        "|---|---|---|---|---|---|",
    ]
    for tool in TOOLS:
        if not any(tool in r for r in records):
            continue
        det = sum(bool(_get(r, tool, "detected")) for r in faulty)
        step = sum(bool(_get(r, tool, "step_right")) for r in faulty) if tool != "e2e" else None
        node_cases = [r for r in faulty if _get(r, tool, "node_right") is not None]
        node = sum(bool(_get(r, tool, "node_right")) for r in node_cases)
        fa = sum(bool(_get(r, tool, "detected")) for r in correct)
        secs = [float(_get(r, tool, "seconds")) for r in faulty if _get(r, tool, "seconds") is not None]
        rows.append(
            f"| {TOOL_NAMES[tool]} | {_rate(det, len(faulty))} | "
            f"{_rate(step, len(faulty)) if step is not None else 'n/a'} | "
            f"{_rate(node, len(node_cases)) if tool != 'e2e' else 'n/a'} | {fa}/{len(correct)} | {_median(secs)} |"
        )
    return rows


def grouped_table(records: Sequence[dict[str, Any]], key: Callable[[dict[str, Any]], str], title: str) -> list[str]:
    faulty = [r for r in records if r["faulty"]]
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in faulty:
        groups.setdefault(key(r), []).append(r)
    rows = [
        f"| {title} | cases | fxtv detected | fxtv exact step | e2e detected | bisector detected | "
        "bisector exact step | median s fxtv / bisector |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in sorted(groups):
        rs = groups[name]
        n = len(rs)

        def count(tool: str, k: str, rs: list[dict[str, Any]] = rs) -> int:
            return sum(bool(_get(r, tool, k)) for r in rs)

        fx = [float(_get(r, "fxtv", "seconds") or 0) for r in rs]
        bi = [float(_get(r, "bisector", "seconds") or 0) for r in rs if "bisector" in r]
        rows.append(
            f"| {name} | {n} | {_rate(count('fxtv', 'detected'), n)} | {_rate(count('fxtv', 'step_right'), n)} | "
            f"{_rate(count('e2e', 'detected'), n)} | {_rate(count('bisector', 'detected'), n)} | "
            f"{_rate(count('bisector', 'step_right'), n)} | {_median(fx)} / {_median(bi)} |"
        )
    return rows


def time_ratio(records: Sequence[dict[str, Any]]) -> tuple[float | None, float | None]:
    """(total fxtv time / total bisector time, median per-case ratio) over the faulty cases both
    tools localized to a step (a bisector that sees no failure stops after one compile)."""
    pairs = [
        (float(_get(r, "fxtv", "seconds")), float(_get(r, "bisector", "seconds")))
        for r in records
        if r["faulty"] and _get(r, "fxtv", "step_right") and _get(r, "bisector", "step_right")
    ]
    if not pairs:
        return None, None
    total = sum(a for a, _ in pairs) / sum(b for _, b in pairs)
    return total, statistics.median(a / b for a, b in pairs)


def problems(records: Sequence[dict[str, Any]]) -> list[str]:
    """fxtv's misses, mislocalizations and false alarms, one line each, with what it said."""
    out = []
    for r in records:
        fx = r.get("fxtv") or {}
        named = fx.get("qualified_step") or fx.get("verdict") or fx.get("error")
        if fx.get("component"):
            named = f"{named} -> {fx['component']}: {fx.get('culprit')}"
        if r["faulty"] and not fx.get("detected"):
            fault_idle = r.get("fired") == 0 and r.get("fault") is not None
            why = "the fault did not fire" if fault_idle else f"verdict {fx.get('verdict')}"
            out.append(f"- miss: `{r['case']}` ({why}; {fx.get('error') or ''})")
        elif r["faulty"] and not fx.get("step_right"):
            t = r.get("truth") or {}
            out.append(f"- mislocalized: `{r['case']}`: expected {t.get('stage')}/{t.get('step')}, fxtv named {named}")
        elif r["faulty"] and fx.get("node_right") is False:
            out.append(f"- node not named: `{r['case']}`: expected ops {r['truth'].get('ops')}, named {fx.get('ops')}")
        elif not r["faulty"] and fx.get("detected"):
            out.append(f"- false alarm: `{r['case']}`: {named}")
        elif fx.get("detected") is None:
            out.append(f"- tool error: `{r['case']}`: {fx.get('error')}")
    return out


def is_real(r: dict[str, Any]) -> bool:
    """A real bug of the installed torch from the public tracker, reproduced by its own program."""
    return bool(r["faulty"]) and r.get("fault") is None and str(r.get("source", "")).startswith("pytorch/pytorch#")


def false_equivalents(records: Sequence[dict[str, Any]]) -> list[str]:
    """Faulty cases fxtv calls equivalent although torch.compile diverges (its own fidelity run, or
    the end-to-end baseline): the answer a validator must never give."""
    return [
        r["case"]
        for r in records
        if r["faulty"]
        and _get(r, "fxtv", "verdict") == "equivalent"
        and (_get(r, "fxtv", "compile_diverges") or _get(r, "e2e", "detected"))
    ]


def rounding(records: Sequence[dict[str, Any]]) -> list[str]:
    """Cases with verdict "rounding": no step diverges, but the user's compile fails
    torch.testing.assert_close against eager (neither detected nor called equivalent)."""
    return [r["case"] for r in records if _get(r, "fxtv", "verdict") == "rounding"]


def _mark(v: Any) -> str:
    return "yes" if v else ("no" if v is not None else "-")


def real_bug_table(records: Sequence[dict[str, Any]]) -> list[str]:
    """One row per real bug: the ground truth, what fxtv named, and both baselines."""
    rows = [
        "| case | issue | truth | fxtv names | fxtv exact | node | e2e detected | bisector detected / exact |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted((r for r in records if is_real(r)), key=lambda r: r["case"]):
        t = r.get("truth") or {}
        fx = r.get("fxtv") or {}
        truth = "/".join(str(x) for x in (t.get("stage"), t.get("component") or t.get("step"), t.get("feature")) if x)
        named = fx.get("step") or fx.get("verdict") or "?"
        if fx.get("component"):
            named = f"{named}: {fx['component']}"
        if fx.get("unlocalized"):
            named = f"unlocalized -> {fx.get('stage')}"
        issue = str(r.get("source", "")).replace("pytorch/pytorch#", "#")
        rows.append(
            f"| `{r['case'].removeprefix('real__')}` | {issue} | {truth} | {named} | {_mark(fx.get('step_right'))} | "
            f"{_mark(fx.get('node_right'))} | {_mark(_get(r, 'e2e', 'detected'))} | "
            f"{_mark(_get(r, 'bisector', 'detected'))} / {_mark(_get(r, 'bisector', 'step_right'))} |"
        )
    return rows


def markdown(records: Sequence[dict[str, Any]], *, command: str, seconds: float | None = None) -> str:
    real = [r for r in records if is_real(r)]
    injected = [r for r in records if not is_real(r)]
    faulty = [r for r in injected if r["faulty"]]
    hist = sum(1 for r in faulty if str(r.get("source", "")).startswith("pytorch/pytorch#"))
    live = sum(1 for r in faulty if str(r.get("source", "")).startswith("live"))
    total, median = time_ratio(records)
    lines = [
        f"{len(faulty)} cases with an injected fault or a live divergence ({len(faulty) - live} injected, {hist} "
        f"of them modelled on documented pytorch issues; {live} live divergences of the installed torch), "
        f"{len(injected) - len(faulty)} correct cases, and {len(real)} real bugs from the public tracker"
        + (f"; whole run {seconds / 60:.1f} min" if seconds else "")
        + ".",
        "",
        "Injected faults, live divergences and correct cases:",
        "",
        *tool_table(injected, "injected"),
        "",
        "Verdict \"rounding\" on these cases (no step diverges; torch.compile fails assert_close against eager): "
        + (", ".join(rounding(injected)) or "none")
        + ".",
        "",
    ]
    if real:
        wrong = false_equivalents(real)
        lines += [
            "Real bugs of torch " + str(real[0].get("torch", "")) + " (specs/cases/real__*.toml):",
            "",
            *tool_table(real, "real bugs"),
            "",
            f"fxtv says \"equivalent\" where torch.compile diverges: {len(wrong)}"
            + (f" ({', '.join(wrong)})" if wrong else "")
            + "; \"rounding\" (no step diverges, torch.compile fails assert_close against eager): "
            + (", ".join(rounding(real)) or "none")
            + ".",
            "",
            *real_bug_table(real),
            "",
        ]
    if total is not None:
        lines += [
            f"Localization time fxtv / CompilerBisector over the faulty cases both localized to the exact "
            f"step: total {total:.2f}, median per case {median:.2f}.",
            "",
        ]
    lines += ["### Per root cause", "", *grouped_table(records, lambda r: r.get("root_cause") or "?", "root cause"), ""]
    lines += [
        "### Per guilty stage",
        "",
        *grouped_table(records, lambda r: (r.get("truth") or {}).get("stage") or "?", "stage"),
        "",
    ]
    lines += ["### Where fxtv misses, mislocalizes or alarms", "", *(problems(records) or ["- none"]), ""]
    lines += ["Reproduce with:", "", f"    {command}", ""]
    return "\n".join(lines)

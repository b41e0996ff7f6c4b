"""Symbolic checker over the model zoo, static and dynamic: what is seen, proved, and how fast.

    .venv/bin/python benchmarks/symbolic.py [--cases a,b] [--timeout-ms 1000] [--samples 16] [--json OUT]

For each zoo case and each of static / dynamic shapes: compile once under capture, then prove
every recorded index rewrite (and loop merge) and every FX step's output shapes/strides/dtypes
and rewritten view chains. Prints counts per verdict, the median and p99 solver time over the
queries actually solved (cache hits excluded), and the soundness cross-check: every *proved*
index rewrite evaluated concretely at random points of its domain (must show 0 contradictions).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from validator.capture import capture
from validator.symbolic import INDEX, LOOP_MERGE, SymbolicOptions, check_trace
from validator.symbolic._crosscheck import crosscheck_rewrite
from validator.symbolic._solver import clear_cache
from validator.zoo import ZOO

STATUSES = ("proved", "refuted", "unknown", "unsupported", "error")


def _compile(case: Any, dynamic: bool) -> Any:
    fn, args = case.build()
    torch._dynamo.reset()
    with capture() as trace:
        compiled = torch.compile(fn, backend="inductor", dynamic=dynamic)
        if case.training:
            out = compiled(*args)
            (out if out.dim() == 0 else out.sum()).backward()
        else:
            with torch.no_grad():
                compiled(*args)
    torch._dynamo.reset()
    return trace


def _pct(counter: Counter[str], total: int) -> str:
    return "  ".join(f"{s} {100 * counter[s] / total:5.1f}%" for s in STATUSES if total) or "-"


def _quantile(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="", help="comma-separated zoo case names (default: all)")
    ap.add_argument("--timeout-ms", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=16, help="random points per proved rewrite for the cross-check")
    ap.add_argument("--json", default=None, help="write every obligation here")
    a = ap.parse_args()
    wanted = {c for c in a.cases.split(",") if c}
    cases = [c for c in ZOO if not wanted or c.name in wanted]
    clear_cache()
    index_status: Counter[str] = Counter()
    graph_status: Counter[str] = Counter()
    times: list[float] = []
    rows, dump = [], []
    points = contradictions = 0
    t_all = time.perf_counter()
    for case in cases:
        for dynamic in (False, True):
            mode = "dynamic" if dynamic else "static"
            try:
                trace = _compile(case, dynamic)
            except Exception as e:
                rows.append(f"{case.name:26s} {mode:7s} compile failed: {type(e).__name__}: {str(e)[:60]}")
                continue
            res = check_trace(trace, SymbolicOptions(timeout_ms=a.timeout_ms))
            idx = [o for o in res.obligations if o.kind in (INDEX, LOOP_MERGE)]
            gra = [o for o in res.obligations if o.kind not in (INDEX, LOOP_MERGE)]
            index_status.update(o.status for o in idx)
            graph_status.update(o.status for o in gra)
            times += [o.verdict.seconds for o in res.obligations if not o.verdict.cached and o.verdict.seconds > 0]
            # cross-check each proved index rewrite (obligations and rewrites are in the same order)
            proved = {id(o) for o in idx if o.status == "proved"}
            for rw, ob in zip(trace.index_rewrites, idx, strict=True):
                if id(ob) in proved:
                    cc = crosscheck_rewrite(rw, n=a.samples)
                    points += cc.points
                    contradictions += len(cc.contradictions)
                    if cc.contradictions:
                        print(f"UNSOUND: {case.name} {mode}: {ob.before} vs {ob.after} at {cc.contradictions[0]}")
            not_proved = [
                f"{o.kind}:{o.status}:{o.verdict.reason[:50]}" for o in res.obligations if o.status != "proved"
            ]
            rows.append(
                f"{case.name:26s} {mode:7s} rewrites {len(idx):4d}  graph obligations {len(gra):4d}  "
                f"{dict(Counter(o.status for o in res.obligations))}  {res.seconds:6.2f}s"
                + (f"  NOT PROVED: {not_proved[:3]}" if not_proved else "")
                + (f"  errors: {res.errors[:2]}" if res.errors else "")
            )
            print(rows[-1], flush=True)
            dump += [{"case": case.name, "mode": mode, **o.to_json()} for o in res.obligations]
    n_idx, n_gra = sum(index_status.values()), sum(graph_status.values())
    print()
    print(f"zoo cases: {len(cases)} x static/dynamic, torch {torch.__version__}, timeout {a.timeout_ms} ms")
    print(f"index rewrites seen: {n_idx}   {_pct(index_status, n_idx)}")
    print(f"graph obligations:   {n_gra}   {_pct(graph_status, n_gra)}")
    print(
        f"solver time over {len(times)} solved queries: median {1000 * _quantile(times, 0.5):.1f} ms, "
        f"p99 {1000 * _quantile(times, 0.99):.1f} ms, max {1000 * max(times, default=0):.1f} ms"
    )
    print(f"soundness cross-check: {points} random points over proved rewrites, {contradictions} contradictions")
    print(f"total {time.perf_counter() - t_all:.1f}s")
    if a.json:
        Path(a.json).write_text(json.dumps(dump, indent=1, default=str))
    return 1 if contradictions or index_status["refuted"] else 0


if __name__ == "__main__":
    raise SystemExit(main())

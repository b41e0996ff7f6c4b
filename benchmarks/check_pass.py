"""check_pass over generated programs: correct passes (alarms) and faulty passes (caught, shrunk).

    .venv/bin/python benchmarks/check_pass.py [--trials N] [--faulty-trials N] [PASS ...]

For every correct pass in ``passes.CORRECT_PASSES``: ``check_pass`` on ``--trials`` generated
programs (default 200; random, plus programs planted with the pass's trigger); a divergence is a
false alarm. For every faulty pass in ``passes.FAULTY_PASSES``: ``check_pass`` on
``--faulty-trials`` programs (default 100); "caught" means a divergence of the pass's own step,
with the generated program Hypothesis shrank and the node counts of the delta-debugged repro of
the guilty step. ``--random-only`` plants nothing: what purely random programs catch. Prints
one row per pass, time per program (median), and totals.

``--plain`` runs the plain-function passes of ``tests/plain_passes.py`` instead (no patterns, no
trigger: programs are built from the ops their code names), on ``--trials`` programs each, and
prints for each the programs checked before it first fired, its line coverage, whether it was
caught (faulty) or alarmed (correct), and the time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from passes import CORRECT_PASSES, FAULTY_PASSES
from validator.passcheck import PassReport, check_pass


def _row(report: PassReport, faulty: bool) -> str:
    gen = [p for p in report.programs if p.origin in ("generated", "targeted")]
    med = statistics.median(p.seconds for p in gen) if gen else float("nan")
    fired = sum(1 for p in gen if p.fired)
    cells = [report.pass_name, report.verdict, f"{len(gen)} progs", f"fired {fired}", f"{med:.3f} s/prog"]
    gen_fail = [f for f in report.failures if f.smallest.origin in ("generated", "targeted")]
    if faulty:
        f = (gen_fail or report.failures or [None])[0]
        if f is None:
            cells.append("NOT CAUGHT")
        else:
            ops = f.smallest.ops
            where = f.smallest.origin
            nodes = "/".join(map(str, f.repro.nodes)) if f.repro else f"no repro ({f.repro_error})"
            cells += [f"caught on {where}", f"smallest program {ops} ops", f"repro nodes {nodes}"]
    else:
        cells.append(f"alarms {len(report.failures)}")
    return " | ".join(cells)


def plain(trials: int, shrink_seconds: float) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    import plain_passes

    t0 = time.perf_counter()
    fired_all = caught = alarms = 0
    for faulty, group in ((False, plain_passes.CORRECT), (True, plain_passes.FAULTY)):
        for p in group:
            t = time.perf_counter()
            r = check_pass(p, stage="post_grad", corpus=("generated",), trials=trials, shrink_seconds=shrink_seconds)
            first = next((i + 1 for i, x in enumerate(r.programs) if x.fired), None)
            cov = r.coverage or {}
            fired_all += first is not None
            ok = bool(r.failures) and any(f.repro is not None for f in r.failures) if faulty else not r.failures
            caught += faulty and ok
            alarms += (not faulty) and not ok
            verdict = ("caught, repro" if ok else "NOT CAUGHT") if faulty else ("no alarm" if ok else "ALARM")
            print(
                f"{p.__name__} | {'faulty' if faulty else 'correct'} | {len(r.programs)} programs | "
                f"first fired at #{first} | fired on {r.fired} | coverage {cov.get('reached')}/{cov.get('lines')} "
                f"lines | {verdict} | {time.perf_counter() - t:.0f} s",
                flush=True,
            )
    n = len(plain_passes.CORRECT) + len(plain_passes.FAULTY)
    print(
        f"plain passes: {fired_all}/{n} fired, {caught}/{len(plain_passes.FAULTY)} faulty caught with a repro, "
        f"{alarms} alarms on {len(plain_passes.CORRECT)} correct; {time.perf_counter() - t0:.0f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--faulty-trials", type=int, default=100)
    ap.add_argument("--shrink-seconds", type=float, default=30.0)
    ap.add_argument("--random-only", action="store_true", help="plant no trigger or pattern in generated programs")
    ap.add_argument("--plain", action="store_true", help="the plain-function passes of tests/plain_passes.py")
    args = ap.parse_args()
    if args.plain:
        plain(args.trials, args.shrink_seconds)
        return
    t0 = time.perf_counter()
    totals = {"correct_programs": 0, "alarms": 0, "faulty": 0, "caught_generated": 0, "caught_any": 0}
    small = 0
    for faulty, group, trials in ((False, CORRECT_PASSES, args.trials), (True, FAULTY_PASSES, args.faulty_trials)):
        for p in group:
            if args.names and p.name not in args.names:
                continue
            r = check_pass(
                p,
                stage=p.info.hook,
                corpus=("generated",),
                trials=trials,
                shrink_seconds=args.shrink_seconds,
                targeted=not args.random_only,
            )
            print(_row(r, faulty), flush=True)
            if faulty:
                totals["faulty"] += 1
                gen_fail = [f for f in r.failures if f.smallest.origin in ("generated", "targeted")]
                totals["caught_generated"] += bool(gen_fail)
                totals["caught_any"] += bool(r.failures)
                f = (gen_fail or r.failures or [None])[0]
                small += bool(f is not None and f.repro is not None and max(f.repro.nodes) <= 10)
            else:
                totals["correct_programs"] += sum(1 for x in r.programs if x.origin in ("generated", "targeted"))
                totals["alarms"] += len(r.failures)
    print(
        f"correct passes: {totals['correct_programs']} generated programs, {totals['alarms']} alarms; "
        f"faulty passes: {totals['caught_generated']}/{totals['faulty']} caught on generated programs, "
        f"{totals['caught_any']}/{totals['faulty']} including the trigger, {small} with a repro of <= 10 nodes; "
        f"{time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()

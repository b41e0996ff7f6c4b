"""The campaign: draw programs batch by batch, validate each in a worker, store every result,
then cluster the findings, shrink one program per cluster, label known bugs, check each repro
end to end and write the pages (docs/hunt.md)."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from .._errors import UsageError
from ._coverage import coverage, dtypes, patterns
from ._evaluate import DIVERGED, FINDINGS
from ._known import label
from ._pages import cluster_page, summary_page
from ._pool import LocalPool, Result, Task
from ._programs import Drawn, generate_batch
from ._repro import repro_script, reproduces
from ._shrink import shrink
from ._state import State


@dataclass(frozen=True)
class HuntOptions:
    """How a campaign runs. ``seed``, ``batch_size``, ``max_ops`` and ``inject`` are fixed when it
    starts (a resumed campaign keeps them); the rest may change between runs."""

    programs: int = 100  # how many programs the campaign runs in all
    jobs: int = 2  # worker processes (or, with ``ray``, Ray CPUs for a local instance)
    seed: int = 0
    timeout: float = 300.0  # seconds one program may take before its worker is killed
    batch_size: int = 16  # programs drawn per Hypothesis batch
    max_ops: int = 8
    inject: str | None = None  # a fault of ``passes`` installed around every compile (testing)
    ray: str | None = None  # "local", "auto" or an address: run on Ray
    shrink: bool = True
    shrink_budget: int = 24  # evaluations per cluster
    check_repro: bool = True  # run each cluster's repro in a fresh process
    progress: bool = True
    recheck: bool = False  # rerun the findings of a resumed campaign first (after fxtv changed)
    repage: bool = False  # write every cluster's page again (known issues or repro rules changed)

    FIXED = ("seed", "batch_size", "max_ops", "inject")


@dataclass
class HuntSummary:
    directory: Path
    figures: dict[str, Any]
    clusters: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False


def hunt(directory: str | Path, options: HuntOptions | None = None, *, resume: bool = False) -> HuntSummary:
    """Run (or, with ``resume``, continue) a campaign in ``directory``; see the module docstring."""
    out = Path(directory)
    opts = options or HuntOptions()
    state = State(out)
    stored = state.meta()
    if stored and not resume:
        state.close()
        raise UsageError(f"{out} already holds a campaign: continue it with --resume {out}")
    if stored:
        opts = HuntOptions(**{**asdict(opts), **{k: stored[k] for k in HuntOptions.FIXED if k in stored}})
        if opts.recheck:
            print(f"hunt: {state.recheck_findings()} findings to run again", file=sys.stderr)
        if opts.repage:
            state.clear_pages()
    else:
        state.set_meta(**{k: getattr(opts, k) for k in HuntOptions.FIXED}, torch=torch.__version__, started=time.time())
    pool = _pool(opts, out)
    interrupted = False
    try:
        _run(state, pool, opts)
    except KeyboardInterrupt:
        interrupted = True
        print(f"\nstopped: continue with `fxtv hunt --resume {out}`", file=sys.stderr)
    try:
        if not interrupted:
            _clusters(state, pool, opts, out)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        pool.close()
    summary = export(state, out)
    summary.interrupted = interrupted
    state.close()
    return summary


def _pool(opts: HuntOptions, out: Path) -> Any:
    if opts.ray:
        try:
            from ._ray import RayPool
        except ImportError as e:
            raise UsageError('--ray needs Ray: pip install -e ".[ray]"') from e
        return RayPool(opts.ray, opts.jobs, opts.timeout, opts.inject)
    return LocalPool(opts.jobs, opts.timeout, opts.inject, log=str(out / "workers.log"), cache=str(out / "kernels"))


def _tasks(state: State, opts: HuntOptions) -> Iterator[Task]:
    """Pending programs first (a resumed campaign's), then new batches up to ``opts.programs``."""
    issued = state.ran()  # a finding made pending again (--recheck) was issued once already
    for task, again in state.pending():
        if again:  # so running it again does not count toward the target twice
            yield task
        elif issued < opts.programs:
            issued += 1
            yield task
    while issued < opts.programs:
        b = state.next_batch()
        try:
            batch = generate_batch(opts.seed, b, opts.batch_size, opts.max_ops)
        except Exception as e:  # a generator bug must not end the campaign: say so, draw the next
            print(f"hunt: batch {b} could not be drawn: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        state.add(batch)
        for d in batch:
            if issued >= opts.programs:
                return
            # a program an earlier batch already drew is skipped by add(); only new ones run
            stored, result = state.program(d.key)
            if result is None and stored["batch"] == d.batch:
                issued += 1
                yield d.to_json()


def _run(state: State, pool: Any, opts: HuntOptions) -> None:
    show = _Progress(opts.programs, state.count(done=True), opts.progress)
    try:
        for task, result in pool.run(_tasks(state, opts)):
            state.record(task["key"], result)
            show.update(result, state)
    finally:
        show.close()


def _clusters(state: State, pool: Any, opts: HuntOptions, out: Path) -> None:
    """Shrink, label, check and write a page for every cluster that has no page yet."""
    pages = out / "clusters"
    pages.mkdir(exist_ok=True)
    for n, cluster in enumerate(state.clusters()):
        if cluster["page"]:
            continue
        task, result = state.program(cluster["first_key"])
        drawn = Drawn.from_json(task)
        assert result is not None
        if cluster["shrunk"]:  # shrunk by an earlier run: only its page is written again
            drawn, result = Drawn.from_json(cluster["shrunk"]["task"]), cluster["shrunk"]["result"]
        elif opts.shrink and cluster["outcome"] in FINDINGS:

            def evaluate(d: Drawn) -> Result:
                return next(iter(pool.run(iter([{**d.to_json(), "key": d.key}]))))[1]

            small, small_result, _ = shrink(drawn, cluster["signature"], evaluate, opts.shrink_budget)
            if small_result is not None:
                drawn, result = small, small_result
        known = label(result, [s.expr for s in drawn.program.statements], dtypes(drawn.to_json()))
        slug = f"c{n:03d}_{drawn.key[:8]}"
        repro = pages / f"{slug}_repro.py"
        repro.write_text(repro_script(drawn, f"fxtv hunt cluster {cluster['signature']}", repro.name))
        # an injected fault lives in fxtv's workers only: the plain repro cannot show it
        reproduced = reproduces(repro) if opts.check_repro and not opts.inject else None
        cluster |= {"known": known, "reproduces": reproduced}
        (pages / f"{slug}.md").write_text(cluster_page(cluster, drawn, result, repro.name))
        state.update_cluster(
            cluster["signature"],
            known=cluster["known"],
            shrunk={"task": drawn.to_json(), "result": result},
            reproduces=None if reproduced is None else int(reproduced),
            page=f"clusters/{slug}.md",
        )


def export(state: State, out: Path) -> HuntSummary:
    """programs.jsonl, clusters.jsonl and summary.md from the campaign's state (schema: docs/hunt.md)."""
    rows = list(state.done())
    with (out / "programs.jsonl").open("w") as f:
        for task, r in rows:
            ops = [s[2] for s in task["program"]["statements"]]
            rec = {
                "key": task["key"],
                "batch": task["batch"],
                "index": task["index"],
                "variant": r.get("variant"),
                "ops": ops,
                "patterns": patterns(ops, str(r.get("variant") or "plain")),
                "dtypes": dtypes(task),
                "outcome": r.get("outcome"),
                "finding": r.get("outcome") in FINDINGS,
                "signature": r.get("signature") if r.get("outcome") in FINDINGS else None,
                "seconds": r.get("seconds"),
                **{
                    k: r.get(k)
                    for k in ("stage", "step", "component", "culprit", "node_op", "symptom", "compile_diverges")
                },
            }
            f.write(json.dumps(rec, default=str) + "\n")
    clusters = state.clusters()
    with (out / "clusters.jsonl").open("w") as f:
        for c in clusters:
            shrunk = c.get("shrunk") or {}
            rec = {k: v for k, v in c.items() if k != "shrunk"}
            rec["status"] = "known" if c.get("known") else "new"
            rec["shrunk_ops"] = [s[2] for s in shrunk["task"]["program"]["statements"]] if shrunk else None
            for k in ("stage", "step", "component", "culprit", "symptom"):
                rec[k] = (shrunk.get("result") or {}).get(k) if shrunk else None
            f.write(json.dumps(rec, default=str) + "\n")
    seconds = sum(float(r.get("seconds") or 0) for _, r in rows)
    outcomes = Counter(str(r.get("outcome")) for _, r in rows)
    meta = state.meta()
    figures = {
        "torch": meta.get("torch", torch.__version__),
        "seed": meta.get("seed"),
        "programs": len(rows),
        "pending": state.count(done=False),
        "cpu_hours": seconds / 3600,
        "per_cpu_hour": len(rows) / (seconds / 3600) if seconds else 0.0,
        "outcomes": dict(outcomes),
        "findings": sum(outcomes[o] for o in FINDINGS),
        "clusters": len(clusters),
        "known": sum(1 for c in clusters if c.get("known")),
        "new": sum(1 for c in clusters if not c.get("known")),
        "false_alarms": sum(1 for c in clusters if c["outcome"] == DIVERGED and c.get("reproduces") is False),
    }
    (out / "summary.md").write_text(summary_page(figures, clusters, coverage(rows)))
    (out / "summary.json").write_text(json.dumps(figures, indent=1))
    return HuntSummary(out, figures, clusters)


class _Progress:
    """A rich progress bar on a terminal; a line every 25 programs otherwise (logs)."""

    def __init__(self, total: int, done: int, enabled: bool) -> None:
        self.total, self.done, self.t0, self.start = total, done, time.monotonic(), done
        self.bar: Any = None
        self.enabled = enabled
        if enabled and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("hunt"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[stats]}"),
            )
            self.bar.start()
            self.task = self.bar.add_task("hunt", total=total, completed=done, stats="")

    def update(self, result: Result, state: State) -> None:
        self.done += 1
        rate = (self.done - self.start) / max(time.monotonic() - self.t0, 1e-9)
        stats = f"{rate:.2f} programs/s, {state.findings()} findings, {len(state.clusters())} clusters"
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done, stats=stats)
        elif self.enabled and (self.done % 25 == 0 or self.done == self.total):
            print(f"hunt: {self.done}/{self.total} programs, {stats}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()

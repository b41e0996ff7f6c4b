"""Run many cases (in worker processes with ``jobs > 1``), with progress and one JSON per case."""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import _compat
from ._spec import Spec, load_spec


def _warm_up() -> None:
    """One tiny compile, so no case pays for the process's first compile (imports, C++ prelude)."""
    import torch

    torch._dynamo.reset()
    with _compat.caches_off():
        torch.compile(lambda x: (x * 2).sum(), backend="inductor")(torch.ones(8))
    torch._dynamo.reset()


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)  # jobs share the cores: one thread each avoids oversubscription
    _warm_up()


def _run_path(path: str, baselines: bool) -> dict[str, Any]:
    from ._case import run_case

    return run_case(load_spec(path), baselines=baselines)


def run_bench(
    specs: Sequence[Spec],
    *,
    jobs: int = 1,
    baselines: bool = True,
    out_dir: str | Path | None = None,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Records of every case, in spec order; each is also written to ``out_dir/<case>.json``."""
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    records: dict[str, dict[str, Any]] = {}
    t0 = time.perf_counter()

    def done(rec: dict[str, Any]) -> None:
        records[rec["case"]] = rec
        if out is not None:
            (out / f"{rec['case']}.json").write_text(json.dumps(rec, indent=1, default=str))
        if progress is not None:
            progress(len(records), len(specs), rec)

    if jobs <= 1:
        _warm_up()
        for s in specs:
            done(_run_path(s.path, baselines))
    else:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker_init) as pool:
            futures = {pool.submit(_run_path, s.path, baselines): s for s in specs}
            for fut in cf.as_completed(futures):
                s = futures[fut]
                try:
                    done(fut.result())
                except Exception as e:  # a worker that died: record it, keep going
                    done({"case": s.name, "faulty": s.faulty, "fxtv": {"detected": None, "error": repr(e)}})
    ordered = [records[s.name] for s in specs if s.name in records]
    if out is not None:
        (out / "bench.json").write_text(
            json.dumps({"seconds": round(time.perf_counter() - t0, 1), "cases": ordered}, indent=1, default=str)
        )
    return ordered

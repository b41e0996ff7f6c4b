"""Worker processes for a campaign: one program at a time each, so that a segfault, a hang or an
out-of-memory kill costs one worker (restarted) and is recorded as a finding, never the campaign.

Workers are started with ``spawn`` (no torch state inherited), serve programs until they have
run ``recycle`` of them (bounding what compiled code and caches accumulate), and are killed when
a program runs past ``timeout`` seconds.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from ._evaluate import CRASH, TIMEOUT, signature

Result = dict[str, Any]
Task = dict[str, Any]


def _serve(conn: Connection, inject: str | None, evaluate: Callable[..., Result] | None, log: str | None) -> None:
    """A worker's loop: receive a task, send back its result, until told to stop (``None``)."""
    import warnings

    warnings.filterwarnings("ignore")
    if log:  # inductor logs what it fails to compile at CRITICAL level: keep it, off the terminal
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
    from ._evaluate import evaluate as validate

    run = evaluate or validate
    installed = _installer(inject)
    while True:
        task = conn.recv()
        if task is None:
            return
        conn.send(run(task, installed() if installed else None))


def _installer(inject: str | None) -> Callable[[], Any] | None:
    """A fault to install around every compile (``passes``' registry name), for testing campaigns."""
    if not inject:
        return None
    from passes import get_fault

    fault = get_fault(inject)
    return fault.installed


@dataclass
class _Worker:
    process: Any
    conn: Connection
    slot: int
    task: Task | None = None
    started: float = 0.0
    served: int = 0


class LocalPool:
    """``jobs`` worker processes; ``run`` yields ``(task, result)`` pairs in completion order."""

    def __init__(
        self,
        jobs: int = 2,
        timeout: float = 300.0,
        inject: str | None = None,
        recycle: int = 200,
        evaluate: Callable[..., Result] | None = None,
        log: str | None = None,
        cache: str | None = None,
    ) -> None:
        self.jobs, self.timeout, self.inject, self.recycle = max(1, jobs), timeout, inject, recycle
        self.log = log  # where workers write stdout and stderr (None: inherited)
        # inductor's kernel cache, one directory per worker slot: workers compiling the same kernel
        # at once in one shared cache have loaded each other's half-written .so files
        self.cache = cache
        self.evaluate = evaluate  # a module-level function (picklable); None: validation
        self._ctx = mp.get_context("spawn")
        self._workers: list[_Worker] = []

    def _start(self) -> _Worker:
        slot = min(set(range(len(self._workers) + 1)) - {w.slot for w in self._workers})
        parent, child = self._ctx.Pipe()
        p = self._ctx.Process(target=_serve, args=(child, self.inject, self.evaluate, self.log), daemon=True)
        # one program at a time per worker and one worker per core: compiling kernels in a pool of
        # subprocesses of its own would only make the workers compete for the cores
        env = {"TORCHINDUCTOR_COMPILE_THREADS": "1"}
        if self.cache:
            env["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(self.cache, f"w{slot}")
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # a spawned worker starts with the environment as it is now
        try:
            p.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        child.close()
        return _Worker(p, parent, slot)

    def run(self, tasks: Iterator[Task]) -> Iterator[tuple[Task, Result]]:
        """Run every task. The workers stay up for the next ``run`` unless the consumer stops
        iterating early or an exception (Ctrl-C) comes through: then every worker is killed."""
        pending = iter(tasks)
        exhausted = finished = False
        try:
            while True:
                while not exhausted and sum(w.task is not None for w in self._workers) < self.jobs:
                    task = next(pending, None)
                    if task is None:
                        exhausted = True
                        break
                    self._assign(task)
                busy = [w for w in self._workers if w.task is not None]
                if not busy:
                    finished = True
                    return
                ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=1.0)
                now = time.monotonic()
                for w in busy:
                    if w.conn in ready or w.process.sentinel in ready:
                        yield self._collect(w)
                    elif now - w.started > self.timeout:
                        yield self._kill(w, {"outcome": TIMEOUT, "signature": signature(TIMEOUT)})
        finally:
            if not finished:
                self.close()

    def _assign(self, task: Task) -> None:
        idle = [w for w in self._workers if w.task is None]
        w = idle[0] if idle else self._start()
        if w not in self._workers:
            self._workers.append(w)
        w.task, w.started = task, time.monotonic()
        w.conn.send(task)

    def _collect(self, w: _Worker) -> tuple[Task, Result]:
        task = w.task
        assert task is not None
        try:
            result: Result = w.conn.recv()
        except (EOFError, OSError):
            w.process.join(5)
            code = w.process.exitcode
            how = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
            return self._kill(
                w, {"outcome": CRASH, "error": f"the worker died: {how}", "signature": signature(CRASH, how)}
            )
        w.task, w.served = None, w.served + 1
        if w.served >= self.recycle:
            self._retire(w)
        return task, result

    def _kill(self, w: _Worker, result: Result) -> tuple[Task, Result]:
        task = w.task
        assert task is not None
        w.process.kill()
        w.process.join(5)
        w.conn.close()
        self._workers.remove(w)
        return task, {"key": task.get("key"), "seconds": time.monotonic() - w.started, **result}

    def _retire(self, w: _Worker) -> None:
        try:
            w.conn.send(None)
        except OSError:
            pass
        w.process.join(10)
        if w.process.is_alive():
            w.process.kill()
        w.conn.close()
        self._workers.remove(w)

    def close(self) -> None:
        """Stop every worker now (a program in flight is not recorded: a resumed campaign reruns it)."""
        for w in list(self._workers):
            w.process.kill()
            w.process.join(5)
            w.conn.close()
        self._workers.clear()

"""Running a campaign's programs on a Ray cluster: one Ray task per batch of programs, each batch
served by a worker process of its own inside the task (the same crash and timeout isolation as
a local run), results streamed back to the campaign as tasks finish.

``address``: ``"local"`` starts a Ray instance on this machine with ``jobs`` CPUs; ``"auto"``
joins the cluster this machine belongs to (``ray start --head`` on one node, ``ray start
--address=HEAD:6379`` on the others); anything else is passed to ``ray.init(address=...)``,
e.g. ``ray://head:10001``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

from ._evaluate import CRASH, signature
from ._pool import LocalPool, Result, Task


def _run_batch(tasks: list[Task], timeout: float, inject: str | None) -> list[tuple[Task, Result]]:
    # a kernel cache per Ray worker process (reused by its later tasks), none shared across them
    cache = os.path.join(tempfile.gettempdir(), f"fxtv-hunt-kernels-{os.getpid()}")
    pool = LocalPool(1, timeout, inject, log=os.devnull, cache=cache)
    try:
        return list(pool.run(iter(tasks)))
    finally:
        pool.close()


class RayPool:
    def __init__(
        self, address: str, jobs: int = 2, timeout: float = 300.0, inject: str | None = None, batch: int = 4
    ) -> None:
        import ray

        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            if address == "local":
                ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=address, log_to_driver=False)
            self._started = True
        self.width = max(1, int(ray.cluster_resources().get("CPU", jobs)))
        self.timeout, self.inject, self.batch = timeout, inject, batch
        self._remote = ray.remote(num_cpus=1, max_retries=0)(_run_batch)

    def run(self, tasks: Iterator[Task]) -> Iterator[tuple[Task, Result]]:
        ray = self._ray
        pending = iter(tasks)
        inflight: dict[Any, list[Task]] = {}
        exhausted = False
        while True:
            while not exhausted and len(inflight) < 2 * self.width:
                chunk = [t for _, t in zip(range(self.batch), pending, strict=False)]
                if not chunk:
                    exhausted = True
                    break
                inflight[self._remote.remote(chunk, self.timeout, self.inject)] = chunk
            if not inflight:
                return
            done, _ = ray.wait(list(inflight), num_returns=1)
            chunk = inflight.pop(done[0])
            try:
                yield from ray.get(done[0])
            except ray.exceptions.RayError as e:  # the task's node or worker went away
                how = type(e).__name__
                for t in chunk:
                    yield (
                        t,
                        {
                            "key": t.get("key"),
                            "outcome": CRASH,
                            "error": str(e)[:300],
                            "signature": signature(CRASH, how),
                        },
                    )

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False

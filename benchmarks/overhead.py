"""fxtv's cost against a plain compile of the same program, measured in one run.

    .venv/bin/python benchmarks/overhead.py [CASE ...]      (default: transformer_block{,_train})

For each zoo case: the wall time of a plain ``torch.compile`` + first call (caches off, like a
capture), the wall time of ``validate`` (capture + all checks), their ratio, and the number of
captured / changed steps. Each measurement is taken after a warm-up compile of the same case, so
the C++ compiler's on-disk kernel cache is equally warm for both.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from validator import validate
from validator.zoo import get_case


def plain_compile(case_name: str) -> float:
    case = get_case(case_name)
    fn, args = case.build()
    torch._dynamo.reset()
    t = time.perf_counter()
    with torch._inductor.config.patch(fx_graph_cache=False), torch._functorch.config.patch(
        enable_autograd_cache=False
    ):
        compiled = torch.compile(fn, backend="inductor", dynamic=case.dynamic)
        if case.training:
            compiled(*args).sum().backward()
        else:
            with torch.no_grad():
                compiled(*args)
    return time.perf_counter() - t


def main(names: list[str]) -> None:
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'case':28} {'plain s':>8} {'fxtv s':>8} {'ratio':>6} {'steps':>6} {'changed':>8}")
    for name in names:
        case = get_case(name)
        plain_compile(name)  # warm-up: fills the kernel cache for both measurements
        plain = plain_compile(name)
        fn, args = case.build()
        t = time.perf_counter()
        report = validate(fn, *args, dynamic=case.dynamic, training=case.training, name=name)
        full = time.perf_counter() - t
        c = report.counts()
        print(f"{name:28} {plain:8.2f} {full:8.2f} {full / plain:6.2f} {c['captured_steps']:6} {c['changed_steps']:8}"
              f"   verdict={report.verdict}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["transformer_block", "transformer_block_train"])

"""fxtv on real Hugging Face models (built from configs, random weights) against a plain compile.

For each model: a plain ``torch.compile`` + first call, then ``validate`` on the same model and
inputs, each in a fresh process with its own empty inductor cache directory (so neither reuses
the other's kernels) and inductor's FX / AOT caches off (as in a capture). Prints one table row a
model: wall seconds both, their ratio, peak RSS both, steps captured / changed, verdict.

    .venv/bin/python benchmarks/real_models.py                      # the suite at its small size
    .venv/bin/python benchmarks/real_models.py --models gpt2 --layers 3,6,12 --d-model 768 \
        --heads 12 --seq 64 --vocab 50257                           # GPT-2 small and its scaling
    .venv/bin/python benchmarks/real_models.py --training           # loss.backward through the model

Needs ``pip install -e ".[models]"``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

_CHILD = r"""
import json, resource, sys, time
import torch
from validator import _compat
from validator.zoo.transformers_models import Size, build

args = json.loads(sys.argv[1])
torch.set_num_threads(args["threads"])
model, inputs = build(args["model"], Size(**args["size"]), training=args["training"])
out = {}
t0 = time.perf_counter()
if args["what"] == "plain":
    with _compat.caches_off():
        compiled = torch.compile(model, backend="inductor", dynamic=args["dynamic"])
        result = compiled(*inputs)
        if args["training"]:
            loss = sum(v.float().sum() for v in result.values() if isinstance(v, torch.Tensor))
            loss.backward()
    out["seconds"] = time.perf_counter() - t0
else:
    from validator import validate

    report = validate(model, *inputs, training=args["training"], dynamic=args["dynamic"])
    out["seconds"] = time.perf_counter() - t0
    steps = [s for s in report.trace.steps if s.is_leaf]
    out["steps"] = len(steps)
    out["changed"] = sum(1 for s in steps if s.changed)
    out["verdict"] = str(report.verdict)
    out["guilty"] = report.guilty_step
    out["timing"] = report.timing
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(out))
"""


def _run(what: str, model: str, size: dict[str, int], training: bool, dynamic: bool, threads: int) -> dict[str, Any]:
    args = {"what": what, "model": model, "size": size, "training": training, "dynamic": dynamic, "threads": threads}
    with tempfile.TemporaryDirectory(prefix="fxtv-bench-inductor-") as cache:
        env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": cache}
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps(args)],
            capture_output=True,
            text=True,
            env=env,
            cwd=Path(__file__).resolve().parents[1],
        )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[len("RESULT ") :]))
    return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="gpt2,bert,llama,t5,vit,whisper")
    ap.add_argument("--layers", default="2", help="comma-separated layer counts")
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--seq", type=int, default=16)
    ap.add_argument("--vocab", type=int, default=256)
    ap.add_argument("--training", action="store_true")
    ap.add_argument("--dynamic", action="store_true")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", type=Path, help="also write the rows here")
    a = ap.parse_args()
    rows = []
    print(
        f"{'model':<9} {'layers':>6} {'plain s':>8} {'fxtv s':>8} {'ratio':>6} {'plain MB':>9} {'fxtv MB':>8} "
        f"{'steps':>6} {'changed':>7}  verdict   timing"
    )
    for model in a.models.split(","):
        for layers in (int(x) for x in a.layers.split(",")):
            size = {"layers": layers, "d_model": a.d_model, "heads": a.heads, "seq": a.seq, "vocab": a.vocab}
            plain = _run("plain", model, size, a.training, a.dynamic, a.threads)
            fxtv = _run("fxtv", model, size, a.training, a.dynamic, a.threads)
            row = {"model": model, "layers": layers, "size": size, "training": a.training, "plain": plain, "fxtv": fxtv}
            rows.append(row)
            if "error" in plain or "error" in fxtv:
                print(f"{model:<9} {layers:>6}  error: {plain.get('error') or fxtv.get('error')}")
                continue
            ratio = fxtv["seconds"] / plain["seconds"]
            print(
                f"{model:<9} {layers:>6} {plain['seconds']:>8.1f} {fxtv['seconds']:>8.1f} {ratio:>6.2f} "
                f"{plain['peak_rss_mb']:>9.0f} {fxtv['peak_rss_mb']:>8.0f} {fxtv['steps']:>6} {fxtv['changed']:>7}  "
                f"{fxtv['verdict']:<9} {fxtv['timing']}",
                flush=True,
            )
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

"""fxtv against inductor's CompilerBisector on faults below the FX graph, in one run.

    .venv/bin/python benchmarks/below_fx.py [FAULT ...]      (default: every fault in passes.below)

For each fault (a broken lowering, fusion decision or codegen rule, installed for the whole
run), on its trigger program:

- fxtv: ``validate`` (one capture, all checks, then the below-FX blame); the component and
  culprit it names, its recompiles of the last FX graph, and its wall time;
- ``CompilerBisector.do_bisect`` with an fp64 accuracy check (compiled vs eager float64 through
  ``torch._dynamo.utils.same``, as the accuracy minifier does); the backend / subsystem it names,
  how many compiles it ran, and its wall time.

"right" means the named component is the fault's (lowering / fusion / codegen) and the culprit
names the fault's guilty op or feature. Both sides run after one warm-up compile of the trigger,
so the C++ kernel cache is equally warm.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from passes.below import BELOW_FX_FAULTS, Fault
from validator import validate

# What each CompilerBisector subsystem is a component of, in fxtv's terms.
_BISECTOR_COMPONENT = {
    "lowerings": "lowering",
    "pre_grad_passes": "FX pass",
    "joint_graph_passes": "FX pass",
    "post_grad_passes": "FX pass",
    "decomposition": "decomposition",
    "inductor_emulate_precision_casts": "codegen",
    "inductor_fallback_random": "codegen",
    "inductor_layout_optimization": "layout",
    "inductor_comprehensive_padding": "layout",
    "cudagraphs": "cudagraphs",
}


def _clone(args: tuple[Any, ...]) -> list[Any]:
    return [a.clone() if isinstance(a, torch.Tensor) else a for a in args]


def _names_guilty(fault: Fault, text: str) -> bool:
    g = fault.info.guilty
    return g == "fusion" or g.split(".")[-1] in text


def run_fxtv(fault: Fault) -> dict[str, Any]:
    fn, args = fault.trigger()
    t = time.perf_counter()
    with fault.installed():
        report = validate(fn, *args)
    seconds = time.perf_counter() - t
    below = report.localization.below if report.localization else None
    component = below.component if below else ("FX pass" if report.guilty else "none")
    culprit = (below.culprit or below.note or "") if below else (report.guilty_step or "")
    right = below is not None and component == fault.info.component and _names_guilty(fault, culprit)
    return {
        "named": f"{component}: {culprit}",
        "right": right,
        "compiles": 1 + (below.recompiles if below else 0),
        "seconds": seconds,
    }


def run_bisector(fault: Fault) -> dict[str, Any]:
    from torch._dynamo.utils import same
    from torch._inductor.compiler_bisector import CompilerBisector

    fn, args = fault.trigger()
    calls = 0

    def good() -> bool:
        nonlocal calls
        calls += 1
        torch._dynamo.reset()
        a = _clone(args)
        with torch.no_grad():
            out = torch.compile(fn, backend="inductor")(*a)
            ref = fn(*_clone(args))
            ref64 = fn(*[x.double() if isinstance(x, torch.Tensor) else x for x in _clone(args)])
        return bool(same(ref, out, fp64_ref=ref64, tol=1e-4))

    t = time.perf_counter()
    with (
        fault.installed(),
        torch._inductor.config.patch(fx_graph_cache=False),
        torch._functorch.config.patch(enable_autograd_cache=False),
    ):
        result = CompilerBisector.do_bisect(good)
    seconds = time.perf_counter() - t
    if result is None:
        return {"named": "nothing (no failure seen)", "right": False, "compiles": calls, "seconds": seconds}
    sub = result.subsystem or ""
    component = _BISECTOR_COMPONENT.get(sub, sub or f"backend {result.backend}")
    detail = f"{result.backend} / {sub or '-'} #{result.bisect_number}: {(result.debug_info or '')[:90]}"
    right = component == fault.info.component and _names_guilty(fault, result.debug_info or "")
    return {"named": f"{component}: {detail}", "right": right, "compiles": calls, "seconds": seconds}


def main(names: list[str]) -> None:
    faults = [f for f in BELOW_FX_FAULTS if not names or f.name in names]
    torch.set_num_threads(max(1, torch.get_num_threads()))
    for f in faults:  # warm the kernel cache for both sides
        fn, args = f.trigger()
        torch._dynamo.reset()
        with f.installed(), torch.no_grad():
            torch.compile(fn, backend="inductor")(*_clone(args))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads\n")
    print("| fault | component | tool | names | right | compiles | seconds |")
    print("|---|---|---|---|---|---|---|")
    ratios = []
    for f in faults:
        ours = run_fxtv(f)
        theirs = run_bisector(f)
        ratios.append(ours["seconds"] / theirs["seconds"])
        for tool, r in (("fxtv", ours), ("CompilerBisector", theirs)):
            named = r["named"].replace("|", "/").replace("\n", " ")
            print(
                f"| {f.name} | {f.info.component} | {tool} | {named} | {'yes' if r['right'] else 'no'} "
                f"| {r['compiles']} | {r['seconds']:.1f} |"
            )
    print()
    for f, ratio in zip(faults, ratios, strict=True):
        print(f"wall-time ratio fxtv / CompilerBisector, {f.name}: {ratio:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])

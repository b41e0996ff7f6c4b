"""``check_pass``: validate one custom pass over a corpus of programs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from ..corpus import Program, Target, default_ops, programs
from ..numeric import DIVERGED
from ..report import build_repro
from ..zoo import ZOO, ZooCase
from ._install import Replacement, UserPass
from ._program_check import ProgramResult, RunOptions, check_program
from ._replacement import prove_replacement
from ._report import Failure, PassReport
from ._sweep import Sweep, signature

Corpus = Iterable[str | ZooCase | Program | tuple[Callable[..., Any], tuple[Any, ...]]]


def check_pass(
    pass_: Any,
    *,
    stage: str = "post_grad",
    corpus: Corpus = ("zoo", "generated"),
    trials: int = 200,
    max_ops: int = 6,
    lower: bool = False,
    targeted: bool = True,
    shrink_seconds: float = 60.0,
    symbolic: bool = True,
    random_trials: int = 2,
    special_values: bool = True,
    seed: int = 0,
    examples: Iterable[tuple[Callable[..., Any], tuple[Any, ...]]] = (),
    progress: Callable[[ProgramResult], None] | None = None,
) -> PassReport:
    """Install ``pass_`` on inductor's hook for ``stage``, compile every program of ``corpus``,
    and check only the pass's own step (plus the later steps its output fed, see below).

    ``pass_`` is what inductor accepts on a hook: a callable on a ``torch.fx.Graph``, a
    ``CustomGraphPass``, a ``PatternMatcherPass`` (patterns from ``register_replacement`` /
    ``register_graph_pattern`` live in one), or ``Replacement`` objects that fxtv registers itself
    (and then also proves each search/replacement pair equal, symbolically and numerically).
    ``stage`` is "pre_grad", "joint", "post_grad" or a hook name ("post_grad_custom_pre_pass").

    ``corpus`` mixes "zoo" (fxtv's correct programs), "generated" (``trials`` random programs
    of up to ``max_ops`` ops, built around the pass's patterns when it has any), zoo cases,
    ``corpus.Program`` objects and ``(fn, inputs)`` pairs. Each distinct divergence of a
    generated program is shrunk with Hypothesis (within ``shrink_seconds`` of compiles) and its
    guilty step by delta debugging into a standalone repro.

    With ``lower=False`` (default) compiles stop after the post-grad passes, which skips building
    kernels; ``lower=True`` also checks lowering + codegen downstream of the pass. With
    ``targeted=False`` generated programs are purely random (nothing is planted in them).

    Generated programs are built around what the pass rewrites: its patterns, its ``trigger()``,
    or, for a plain function, the ATen ops its code compares against (one op alone, one feeding
    another, a value used twice). ``examples`` (``(fn, inputs)`` pairs) are the author's own
    programs: each is checked, and planted into generated programs like a pattern.
    """
    t0 = time.perf_counter()
    user = UserPass(pass_, stage)
    opts = RunOptions(lower=lower, random_trials=random_trials, special_values=special_values, symbolic=symbolic)
    report = PassReport(user.name, user.hook, user.kind)
    for r in user.replacements:
        report.proofs.append(prove_replacement(r, random_trials=random_trials))

    def record(res: ProgramResult) -> None:
        report.programs.append(res)
        if progress is not None:
            progress(res)

    def run(fn: Any, inputs: tuple[Any, ...], name: str, origin: str, **kw: Any) -> None:
        record(check_program(user, fn, inputs, name=name, origin=origin, options=opts, **kw))

    targets = [*user.targets(), *(Target(f"example{i}", fn, tuple(x)) for i, (fn, x) in enumerate(examples))]
    for t in targets:
        origin = "pattern" if user.is_pattern_pass else "example" if t.name.startswith("example") else "trigger"
        run(t.fn, t.example_inputs, t.name, origin)
    items = list(corpus)  # walked twice: fixed programs first, then the generated ones
    for item in items:
        if item == "zoo":
            for case in ZOO:
                _run_case(run, case)
        elif item == "generated":
            continue  # after the fixed programs: its divergences are shrunk
        elif isinstance(item, ZooCase):
            _run_case(run, item)
        elif isinstance(item, Program):
            run(
                item.fn(),
                item.make_inputs(),
                f"program {len(report.programs)}",
                "given",
                source=item.source,
                ops=len(item.statements),
            )
        elif isinstance(item, tuple) and len(item) == 2 and callable(item[0]):
            fn, inputs = item
            run(fn, tuple(inputs), str(getattr(fn, "__name__", "fn")), "given")
        else:
            raise TypeError(f"corpus item {item!r}: use 'zoo', 'generated', a ZooCase, a Program or (fn, inputs)")
    by_sig: dict[str, Failure] = {}
    for res in report.programs:
        if res.verdict == DIVERGED and signature(res) not in by_sig:
            by_sig[signature(res)] = Failure(signature(res), res, res)

    if any(isinstance(c, str) and c == "generated" for c in items):
        strategy = programs(default_ops(), max_ops=max_ops, targets=targets if targeted else ())
        counter = iter(range(10**9))
        reached: dict[str, int] = {}
        cov = user.coverage

        def check_generated(p: Program) -> ProgramResult:
            name = f"generated #{next(counter)}"
            origin = "targeted" if "targeted" in p.tags else "generated"
            if cov is not None:
                cov.start_program()
            res = check_program(
                user,
                p.fn(),
                p.make_inputs(),
                name=name,
                origin=origin,
                options=opts,
                source=p.source,
                ops=len(p.statements),
            )
            if cov is not None:
                reached[name] = len(cov.program)
            return res

        score = (lambda r: float(reached.get(r.name, 0))) if cov is not None else None
        sweep = Sweep(check_generated, strategy, seed, score=score)
        # Kinds already seen on a fixed program are shrunk too: a generated program is smaller.
        for sig, found, smallest in sweep.explore(trials, shrink_seconds, set(), record):
            by_sig.setdefault(sig, Failure(sig, found, smallest)).smallest = smallest
    for f in by_sig.values():
        _attach_repro(f)
        report.failures.append(f)
    report.coverage = user.coverage.to_json() if user.coverage is not None else None
    _warn(report, bool(targets), user.looks_for)
    report.seconds = time.perf_counter() - t0
    return report


def _run_case(run: Callable[..., None], case: ZooCase) -> None:
    fn, inputs = case.build()
    run(fn, tuple(inputs), case.name, "zoo", training=case.training, dynamic=case.dynamic)


def _attach_repro(f: Failure) -> None:
    if f.smallest.report is None:
        return
    try:
        f.repro = build_repro(f.smallest.report)
    except Exception as e:  # aot / partition / lowering steps, or a refuted proof only
        f.repro_error = f"{type(e).__name__}: {e}"


def _warn(report: PassReport, has_targets: bool, looks_for: list[Any]) -> None:
    if not report.fired:
        ops = ", ".join(str(o) for o in looks_for) or "none found in its code"
        cov = report.coverage
        reached = f" It ran {cov['reached']} of its {cov['lines']} lines." if cov else ""
        report.warnings.append(
            f"the pass never fired on {len(report.programs)} programs: nothing of it was checked. Ops it looks "
            f"for: {ops}.{reached} "
            + (
                "Programs were built around them; "
                if has_targets
                else "It has no pattern or trigger() to build programs around; "
            )
            + "give it a trigger() or pass examples=[(fn, inputs)] to check_pass"
        )
    errors = [p for p in report.programs if p.verdict == "error"]
    if errors:
        report.warnings.append(f"{len(errors)} programs failed to compile, e.g. {errors[0].name}: {errors[0].note}")
    if not report.programs and not report.proofs:
        report.warnings.append("the corpus was empty")


__all__ = ["Replacement", "check_pass"]

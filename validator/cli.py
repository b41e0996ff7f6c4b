"""The ``fxtv`` command line.

    fxtv check FILE.py[:NAME] [--json PATH] [--html PATH] [--repro PATH] [--dynamic] [--training]
               [--trials N] [--no-special] [--ignore-signed-zero] [--no-fidelity]
    fxtv check-pass FILE.py[:NAME] [--stage STAGE] [--programs N] [--no-zoo] [--lower] [--json PATH]
                    [--html PATH] [--repro-dir DIR]
    fxtv demo [--pass NAME] [--json PATH]
    fxtv passes
    fxtv bench [--filter TEXT] [--jobs N] [--out DIR] [--markdown PATH] [--no-baselines]
    fxtv hunt [--out DIR | --resume DIR] [--programs N] [--jobs N] [--seed S] [--timeout S]
              [--ray ADDRESS] [--inject FAULT] [--no-shrink] [--recheck] [--repage]

``check`` loads FILE.py as a module. NAME (default ``model``) is the function or nn.Module to
validate; its inputs come from ``example_inputs`` (a tuple) or ``make_inputs()`` (a function
returning one) -- or ``NAME_inputs`` / ``make_NAME_inputs()`` when several programs share a
file. An optional ``fxtv_options = {"dynamic": True, "training": False}`` sets the defaults.
Exit codes: 0 every step equivalent, 1 a divergence was found, 2 usage or tool error.

``check-pass`` imports FILE.py and checks the object NAME (default ``custom_pass``) with
``validator.check_pass``. Exit codes: 0 no divergence, 1 a divergence, 2 usage error, 3 the pass
never fired (nothing of it was checked).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from .report import EXIT_ERROR, Report, render

# Reports have wide tables: when piped (CI logs, files) do not fall back to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 140)


def _import(path: Path) -> Any:
    """Import a user's file as a module (its directory on sys.path while it runs)."""
    from ._api import UsageError

    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    mod_spec = importlib.util.spec_from_file_location(f"fxtv_user_{path.stem}", path)
    if mod_spec is None or mod_spec.loader is None:
        raise UsageError(f"cannot import {path}")
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules[mod_spec.name] = module  # Dynamo looks functions' modules up when it inlines them
    sys.path.insert(0, str(path.parent.resolve()))
    try:
        mod_spec.loader.exec_module(module)
    except Exception as e:
        raise UsageError(f"importing {path} failed: {type(e).__name__}: {e}") from e
    finally:
        sys.path.pop(0)
    return module


def _load(spec: str) -> tuple[Any, tuple[Any, ...], dict[str, Any], str]:
    from ._api import UsageError

    path_s, _, name = spec.partition(":")
    path = Path(path_s)
    module = _import(path)
    name = name or "model"
    fn = getattr(module, name, None)
    if fn is None or not callable(fn):
        raise UsageError(f"{path} defines no callable {name!r} (fxtv check FILE.py[:NAME]; default name 'model')")
    inputs: Any = None
    for attr in (f"{name}_inputs", "example_inputs"):
        if hasattr(module, attr):
            inputs = getattr(module, attr)
            break
    else:
        for attr in (f"make_{name}_inputs", "make_inputs"):
            if callable(getattr(module, attr, None)):
                inputs = getattr(module, attr)()
                break
    if inputs is None:
        raise UsageError(f"{path} defines no inputs: add `example_inputs = (...)` or `def make_inputs(): ...`")
    if not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    opts = dict(getattr(module, "fxtv_options", {}) or {})
    return fn, tuple(inputs), opts, f"{path.name}:{name}"


def _progress_validate(fn: Any, inputs: tuple[Any, ...], **kw: Any) -> Report:
    from ._api import validate

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=console,
        transient=True,
    ) as prog:
        task = prog.add_task("compiling with every pass captured", total=None)

        def progress(i: int, n: int, step: Any) -> None:
            prog.update(task, total=n, completed=i, description=f"checking {step.name[:50]}")

        return validate(fn, *inputs, progress=progress, **kw)


def cmd_check(args: argparse.Namespace) -> int:
    fn, inputs, opts, label = _load(args.target)
    t0 = time.perf_counter()
    report = _progress_validate(
        fn,
        inputs,
        dynamic=args.dynamic or bool(opts.get("dynamic", False)),
        training=args.training or bool(opts.get("training", False)),
        random_trials=args.trials,
        special_values=not args.no_special,
        symbolic=args.symbolic,
        symbolic_timeout_ms=args.timeout_ms,
        below_fx=args.below_fx,
        signed_zero=not args.ignore_signed_zero,
        fidelity=args.fidelity,
        name=label,
    )
    render(report, console, all_steps=args.all_steps)
    console.print(f"[dim]fxtv total {time.perf_counter() - t0:.1f}s ({report.timing})[/dim]")
    if args.json:
        report.write_json(args.json)
        console.print(f"[dim]JSON report written to {args.json}[/dim]")
    if args.html:
        report.write_html(args.html)
        console.print(f"[dim]HTML report written to {args.html}[/dim]")
    if args.repro and report.guilty is not None:
        try:
            report.write_repro(args.repro)
            console.print(f"[dim]standalone repro (torch only, shrunk) written to {args.repro}[/dim]")
        except NotImplementedError as e:
            console.print(f"[yellow]no repro: {e}[/yellow]")
    return report.exit_code


def cmd_check_pass(args: argparse.Namespace) -> int:
    from ._api import UsageError
    from .passcheck import check_pass

    path_s, _, name = args.target.partition(":")
    module = _import(Path(path_s))
    name = name or "custom_pass"
    if not hasattr(module, name):
        raise UsageError(f"{path_s} defines no {name!r} (fxtv check-pass FILE.py[:NAME]; default name 'custom_pass')")
    corpus = ("generated",) if args.no_zoo else ("zoo", "generated")
    try:
        report = check_pass(
            getattr(module, name),
            stage=args.stage,
            corpus=corpus,
            trials=args.programs,
            max_ops=args.max_ops,
            lower=args.lower,
            shrink_seconds=args.shrink_seconds,
        )
    except (TypeError, ValueError) as e:
        raise UsageError(str(e)) from e
    console.print(report.summary(), markup=False, highlight=False)
    if args.json:
        report.write_json(args.json)
    if args.html:
        report.write_html(args.html)
    if args.repro_dir:
        out = Path(args.repro_dir)
        out.mkdir(parents=True, exist_ok=True)
        for i, f in enumerate(report.failures):
            if f.repro is not None:
                console.print(f"repro of {f.signature}: {f.write_repro(out / f'repro_{i}.py')}", markup=False)
    return {"diverged": 1, "never-fired": 3}.get(report.verdict, 0)


def cmd_passes(args: argparse.Namespace) -> int:
    from passes import ALL_PASSES

    for p in ALL_PASSES:
        i = p.info
        console.print(
            f"{'FAULTY ' if i.faulty else 'correct'} {i.name:28} {i.hook:28} {i.issue or ''}  {i.description}"
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(console, pass_name=args.pass_name, json_path=args.json)


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import SpecError, load_specs, markdown, run_bench

    try:
        specs = load_specs(args.specs, args.filter)
    except SpecError as e:
        console.print(f"[bold red]fxtv bench: malformed spec: {e}[/bold red]")
        return EXIT_ERROR
    if not specs:
        console.print("[bold red]fxtv bench: no case matches[/bold red]")
        return EXIT_ERROR
    console.print(f"{len(specs)} cases, {args.jobs} job(s), baselines {'on' if args.baselines else 'off'}")
    t0 = time.perf_counter()

    def progress(i: int, n: int, rec: dict[str, Any]) -> None:
        fx = rec.get("fxtv") or {}
        mark = "ok" if (fx.get("step_right") if rec.get("faulty") else not fx.get("detected")) else "MISS"
        console.print(
            f"[{i:3}/{n}] {mark:4} {rec['case']:44} fxtv {fx.get('verdict') or fx.get('error')} "
            f"{fx.get('step') or ''} ({fx.get('seconds', 0):.1f}s)"
            + (f"  e2e {rec['e2e']['detected']}  bisector {rec['bisector'].get('named')}" if "e2e" in rec else "")
        )

    records = run_bench(specs, jobs=args.jobs, baselines=args.baselines, out_dir=args.out, progress=progress)
    command = "fxtv " + " ".join(args.argv or ["bench"])
    text = markdown(records, command=command, seconds=time.perf_counter() - t0)
    console.print(text, markup=False, highlight=False)
    if args.markdown:
        Path(args.markdown).write_text(text)
    return 0


def cmd_hunt(args: argparse.Namespace) -> int:
    import signal

    from .hunt import HuntOptions, hunt

    # `kill` (and a scheduler's stop) ends a campaign as Ctrl-C does: results so far are kept
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    opts = HuntOptions(
        programs=args.programs,
        jobs=args.jobs,
        seed=args.seed,
        timeout=args.timeout,
        max_ops=args.max_ops,
        inject=args.inject,
        ray=args.ray,
        shrink=args.shrink,
        shrink_budget=args.shrink_budget,
        recheck=args.recheck,
        repage=args.repage,
    )
    summary = hunt(args.resume or args.out, opts, resume=args.resume is not None)
    f = summary.figures
    console.print(
        f"{f['programs']} programs ({f['per_cpu_hour']:.0f} per CPU-hour), {f['findings']} findings in "
        f"{f['clusters']} clusters ({f['known']} known, {f['new']} new; {f['false_alarms']} false alarms): "
        f"{summary.directory / 'summary.md'}"
    )
    return EXIT_ERROR if summary.interrupted else 0


def main(argv: list[str] | None = None) -> int:
    from ._api import UsageError

    parser = argparse.ArgumentParser(
        prog="fxtv", description="Find the torch.compile pass that changed your program's results."
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="validate a program defined in a Python file")
    c.add_argument("target", help="FILE.py[:NAME]")
    c.add_argument("--json", help="write the machine-readable report here")
    c.add_argument("--html", help="write a self-contained HTML report (graphs side by side) here")
    c.add_argument("--repro", help="on a divergence of an FX step, write a shrunk torch-only repro script here")
    c.add_argument("--dynamic", action="store_true", help="compile with dynamic=True")
    c.add_argument("--training", action="store_true", help="also compile and check the backward")
    c.add_argument("--trials", type=int, default=2, help="random input trials besides the real inputs (default 2)")
    c.add_argument("--no-special", action="store_true", help="skip the NaN/Inf/-0.0 trial")
    c.add_argument("--all-steps", action="store_true", help="list unchanged steps too")
    c.add_argument(
        "--symbolic",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="prove index, shape and stride arithmetic with Z3 (default on)",
    )
    c.add_argument("--timeout-ms", type=int, default=1000, help="per-query solver timeout (default 1000)")
    c.add_argument(
        "--below-fx",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="when only the compiled code diverges, recompile the last FX graph to name the guilty "
        "lowering, fusion or codegen feature (default on)",
    )
    c.add_argument(
        "--ignore-signed-zero",
        action="store_true",
        help="report a flipped sign of zero as a warning, even where the op defines it",
    )
    c.add_argument(
        "--fidelity",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="compile the program once more, plainly, and check that the capture judged the program "
        "torch.compile produces (default on; docs/fidelity.md)",
    )
    c.set_defaults(func=cmd_check)
    cp = sub.add_parser("check-pass", help="validate one custom pass over the zoo and generated programs")
    cp.add_argument("target", help="FILE.py[:NAME], NAME a pass, a PatternMatcherPass or Replacement(s)")
    cp.add_argument("--stage", default="post_grad", help="pre_grad, joint, post_grad or a hook name")
    cp.add_argument("--programs", type=int, default=200, help="generated programs (default 200)")
    cp.add_argument("--max-ops", type=int, default=6, help="ops per generated program (default 6)")
    cp.add_argument("--no-zoo", action="store_true", help="generated programs only")
    cp.add_argument("--lower", action="store_true", help="also lower and codegen (builds kernels: slower)")
    cp.add_argument("--shrink-seconds", type=float, default=60.0, help="compile budget per shrink (default 60)")
    cp.add_argument("--json", help="write the pass report's JSON here")
    cp.add_argument("--html", help="write a self-contained HTML page here")
    cp.add_argument("--repro-dir", help="write one standalone repro script per divergence into this directory")
    cp.set_defaults(func=cmd_check_pass)
    d = sub.add_parser("demo", help="bundled models compiled with a bundled faulty pass")
    d.add_argument("--pass", dest="pass_name", default=None, help="faulty pass to install (default: all, one by one)")
    d.add_argument("--json", help="write the demo's reports (a list) here")
    d.set_defaults(func=cmd_demo)
    p = sub.add_parser("passes", help="list the bundled example passes")
    p.set_defaults(func=cmd_passes)
    b = sub.add_parser("bench", help="run the bug benchmark (specs/cases) with fxtv and the baselines")
    b.add_argument("--specs", default=str(Path(__file__).resolve().parent.parent / "specs" / "cases"))
    b.add_argument("--filter", default=None, help="comma-separated substrings of case, program, fault, class or stage")
    b.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    b.add_argument("--out", default="out/bench", help="directory for one JSON per case and bench.json")
    b.add_argument("--markdown", default=None, help="also write the summary tables here")
    b.add_argument("--baselines", action=argparse.BooleanOptionalAction, default=True)
    b.set_defaults(func=cmd_bench)
    h = sub.add_parser("hunt", help="a bug-hunting campaign over generated programs (docs/hunt.md)")
    where = h.add_mutually_exclusive_group()
    where.add_argument("--out", default="out/hunt", help="a new campaign's directory (default out/hunt)")
    where.add_argument("--resume", default=None, metavar="DIR", help="continue the campaign in DIR")
    h.add_argument("--programs", type=int, default=100, help="programs the campaign runs in all (default 100)")
    h.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    h.add_argument("--seed", type=int, default=0)
    h.add_argument("--timeout", type=float, default=300.0, help="seconds per program before its worker is killed")
    h.add_argument("--max-ops", type=int, default=8)
    h.add_argument("--ray", default=None, metavar="ADDRESS", help="run on Ray: local, auto, or a cluster address")
    h.add_argument("--inject", default=None, metavar="FAULT", help="install a fault of `fxtv passes` (testing)")
    h.add_argument("--shrink", action=argparse.BooleanOptionalAction, default=True)
    h.add_argument("--shrink-budget", type=int, default=24, help="validations per cluster when shrinking")
    h.add_argument("--recheck", action="store_true", help="with --resume: run the findings again first")
    h.add_argument("--repage", action="store_true", help="with --resume: write every cluster's page again")
    h.set_defaults(func=cmd_hunt)
    args = parser.parse_args(argv)
    args.argv = argv if argv is not None else sys.argv[1:]
    try:
        return int(args.func(args))
    except UsageError as e:
        console.print(f"[bold red]fxtv: {e}[/bold red]")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())

"""``fxtv demo``: bundled models compiled with a bundled faulty pass; names the guilty pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from .report import EXIT_EQUIVALENT, EXIT_ERROR, Report, render

DEFAULT_PASS = "split_cat_order"
DEMO_MODELS = ("pattern_split_cat", "mlp", "transformer_block")


def run_demo(console: Console, pass_name: str | None = None, json_path: str | None = None) -> int:
    from passes import FAULTY_PASSES, get_pass

    from ._api import validate
    from .zoo import get_case

    chosen = FAULTY_PASSES if pass_name == "all" else [get_pass(pass_name or DEFAULT_PASS)]
    rows: list[tuple[str, str, Report]] = []
    for p in chosen:
        console.rule(f"[bold]faulty pass {p.name}[/bold] on hook {p.info.hook} ({p.info.issue})")
        programs: list[tuple[str, Any, tuple[Any, ...], bool, bool]] = []
        fn, args = p.trigger()
        programs.append((f"{p.name}.trigger", fn, args, False, False))
        if pass_name != "all":
            for name in DEMO_MODELS:
                case = get_case(name)
                cfn, cargs = case.build()
                programs.append((name, cfn, cargs, case.dynamic, case.training))
        for label, f, a, dyn, train in programs:
            p.reset_counters()
            with p.installed():
                report = validate(f, *a, dynamic=dyn, training=train, name=label)
            render(report, console)
            rows.append((p.name, f"{'fired' if p.total_rewrites else 'did not fire'}", report))
    table = Table(title="fxtv demo summary", header_style="bold")
    for col in ("faulty pass installed", "program", "pass", "verdict", "guilty step", "first diverging node"):
        table.add_column(col)
    for pname, fired, r in rows:
        blame = r.localization.blame if r.localization else None
        node = "-"
        if blame and blame.first_diverging:
            node = f"{blame.first_diverging} = {blame.op}"
            if blame.counterpart != blame.first_diverging:
                node += f" (replaced {blame.counterpart} = {blame.counterpart_op})"
        elif blame and blame.counterpart:
            node = f"removed {blame.counterpart} = {blame.counterpart_op}"
        table.add_row(pname, r.program, fired, r.verdict, r.guilty.qualified_name if r.guilty else "-", node)
    console.print(table)
    if json_path:
        Path(json_path).write_text(json.dumps([r.to_json() for _, _, r in rows], indent=2, default=str))
    # A demo that ran is a success (exit 0) whatever it found; errors still exit 2.
    return EXIT_ERROR if any(r.exit_code == EXIT_ERROR for _, _, r in rows) else EXIT_EQUIVALENT

"""fxtv hunt: seeded generation, crash isolation, resumable state, clusters, pages, Ray."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from validator.corpus import InputSpec, Program, Statement
from validator.hunt import Drawn, HuntOptions, Variant, evaluate, generate_batch, hunt
from validator.hunt._evaluate import _message_shape, _op_shape
from validator.hunt._known import label, match, program_ops
from validator.hunt._pool import LocalPool
from validator.hunt._programs import make_inputs, program_from_json, program_to_json
from validator.hunt._shrink import shrink


def test_batches_are_seeded_and_programs_round_trip_through_json() -> None:
    a, b = generate_batch(7, 3, 8), generate_batch(7, 3, 8)
    assert [d.key for d in a] == [d.key for d in b] and len({d.key for d in a}) == len(a)
    assert [d.key for d in generate_batch(7, 4, 8)] != [d.key for d in a]
    for d in a:
        again = Drawn.from_json(json.loads(json.dumps(d.to_json())))
        assert again.key == d.key and program_from_json(program_to_json(d.program)) == d.program
        xs, ys = make_inputs(d), make_inputs(again)
        assert all(torch.equal(x.nan_to_num(), y.nan_to_num()) for x, y in zip(xs, ys, strict=True))


def test_special_values_are_planted_and_survive_dropping_another_input() -> None:
    p = Program(
        (InputSpec("x0", (64,), torch.float32), InputSpec("x1", (64,), torch.float32)),
        (Statement(("v0",), "x0 + x1", "add"),),
        ("v0",),
    )
    d = Drawn(0, 0, p, Variant(special=True))
    x0, x1 = make_inputs(d)
    assert torch.isnan(x0).any() and torch.isinf(x0).any() and (torch.signbit(x0) & (x0 == 0)).any()
    alone = Program((p.inputs[1],), (Statement(("v0",), "x1 * 2", "mul"),), ("v0",))
    (y1,) = make_inputs(Drawn(0, 0, alone, Variant(special=True)))
    assert torch.equal(x1.nan_to_num(), y1.nan_to_num())


# ----------------------------------------------------------------------------- worker pool
def _misbehave(task: dict[str, Any], installed: Any = None) -> dict[str, Any]:
    """A stand-in for validation: crashes, hangs or answers, as the task says."""
    if task["do"] == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if task["do"] == "hang":
        time.sleep(600)
    return {"key": task["key"], "outcome": "equivalent", "pid": os.getpid()}


def test_a_crash_or_a_hang_costs_one_worker_and_is_recorded() -> None:
    tasks = [{"key": str(i), "do": do} for i, do in enumerate(["ok", "segfault", "ok", "hang", "ok", "ok"])]
    pool = LocalPool(jobs=2, timeout=20, evaluate=_misbehave)
    try:
        got = {t["key"]: r for t, r in pool.run(iter(tasks))}
    finally:
        pool.close()
    assert sorted(got) == [str(i) for i in range(6)]
    assert got["1"]["outcome"] == "crash" and "SIGSEGV" in got["1"]["signature"]
    assert got["3"]["outcome"] == "timeout"
    assert all(got[k]["outcome"] == "equivalent" for k in "0245")


# ----------------------------------------------------------------------------- units
def test_signatures_drop_what_varies_between_programs_of_one_bug() -> None:
    assert _op_shape("lowering of remainder_1 = aten.remainder.Scalar") == "lowering of aten.remainder"
    assert _message_shape("shape [4, 3] at buf12 of '/tmp/x.py'") == _message_shape("shape [2, 5] at buf3 of '/a/b.py'")


def test_known_issues_match_stage_and_op() -> None:
    finding = {
        "outcome": "diverged",
        "stage": "lowering",
        "component": "lowering",
        "culprit": "lowering of aten.remainder.Scalar",
    }
    k = match(finding, ["torch.remainder(x0, 1.7)"])
    assert k is not None and k.issue in (183083, 186875)
    assert match({**finding, "stage": "post_grad"}, ["torch.remainder(x0, 1.7)"]) is None
    assert program_ops(["torch.index_put(x0, (x1,), x2)", "x0[::2].mul_(2)"]) >= {"index_put", "mul"}
    crash = {"outcome": "compile-error", "error": "torch.compile failed: InductorError: AssertionError: "}
    known = match(crash, ["torch.index_put(x0, (x1,), x2, accumulate=True)"])
    assert known is not None and known.issue == 160391
    assert match(crash, ["torch.sin(x0)"]) is None
    # a codegen finding names no op: every issue whose ops the program runs is listed with the label
    codegen = {"outcome": "diverged", "stage": "lowering", "component": "codegen", "culprit": "loop-tail vectorisation"}
    found = label(codegen, ["torch.remainder(x0, 1.7)", "torch.abs(x1)"])
    assert found is not None and {found["issue"], *found["also"]} >= {198057, 187018}, found
    assert label(codegen, ["torch.remainder(x0, 1.7)"])["also"] == []  # type: ignore[index]


def test_a_symptom_seen_downstream_still_matches_the_issue_it_stands_for() -> None:
    # 188048: floor division of inf gives inf compiled, NaN eager; read by a comparison, the output
    # shows "int"; where a later op keeps the inf, "overflow"
    div = {"outcome": "diverged", "stage": "lowering", "component": "lowering", "culprit": "lowering of aten.div"}
    prog = ["torch.floor_divide(x0, 3.0)"]
    for symptom in ("nan", "int", "overflow"):
        found = label({**div, "symptom": symptom}, prog)
        assert found is not None and 188048 in (found["issue"], *found["also"]), symptom
    found = label({**div, "symptom": "shape"}, prog)
    assert found is None or 188048 not in (found["issue"], *found["also"])


def test_a_flipped_zero_read_by_a_sign_dependent_op_matches_as_a_value() -> None:
    # 187721: a size-1 sum of -0.0 is -0.0 compiled; atan2 of it is -pi where eager has pi
    total = {"outcome": "diverged", "stage": "lowering", "component": "lowering", "culprit": "lowering of aten.sum"}
    prog = ["torch.sum(x0, 0)", "torch.atan2(v0, x1)"]
    for symptom in ("value", "inf"):
        found = label({**total, "symptom": symptom}, prog)
        assert found is not None and found["issue"] == 187721, symptom
    # without an op that reads the sign, a changed value of a sum is not that bug
    assert label({**total, "symptom": "value"}, ["torch.sum(x0, 0)", "torch.sin(v0)"]) is None


def test_an_aot_finding_matches_by_its_node_op_and_an_issue_by_its_dtypes() -> None:
    # the complex add decomposition's lost -0.0: the program adds with "+", which runs no torch
    # function, so only the first diverging node names the op; a float program's aot add is not it
    finding = {"outcome": "diverged", "stage": "aot", "node_op": "add", "symptom": "signed-zero"}
    found = label(finding, ["v0 + v0"], ["complex64"])
    assert found is not None and found["case"] == "live__hunt_complex_add_signed_zero"
    assert label(finding, ["v0 + v0"], ["float32"]) is None
    assert label({**finding, "node_op": "placeholder"}, ["v0 + v0"], ["complex64"]) is None


def test_an_issue_may_name_its_culprit_instead_of_ops() -> None:
    gap = {
        "outcome": "diverged",
        "stage": "lowering",
        "component": "inductor's passes, lowering or code generation",
        "culprit": "codegen feature: precision casts (emulate_precision_casts=True) alone restores eager's result",
        "symptom": "value",
    }
    found = label(gap, ["x0.to(torch.bfloat16)", "torch.sin(v1)"])
    assert found is not None and found["issue"] == 185337
    assert label({**gap, "culprit": "codegen feature: loop-tail vectorisation"}, ["torch.sin(x0)"]) is None


def test_shrink_keeps_the_signature_and_drops_the_rest() -> None:
    p = Program(
        (InputSpec("x0", (4,), torch.float32), InputSpec("x1", (4,), torch.float32)),
        (
            Statement(("v0",), "torch.sin(x1)", "sin"),
            Statement(("v1",), "torch.remainder(x0, 1.7)", "remainder_scalar"),
            Statement(("v2",), "v1 + v0", "add"),
        ),
        ("v2",),
    )

    def evaluate(d: Drawn) -> dict[str, Any]:  # "the bug" is any remainder
        return {"signature": "R" if any(s.op == "remainder_scalar" for s in d.program.statements) else None}

    small, result, spent = shrink(Drawn(0, 0, p, Variant()), "R", evaluate)
    assert [s.op for s in small.program.statements] == ["remainder_scalar"]
    assert [i.name for i in small.program.inputs] == ["x0"] and result == {"signature": "R"} and spent <= 24


# ----------------------------------------------------------------------------- campaigns
def _remainder_third() -> int:
    """A seed whose third program, and not the first two, runs torch.remainder (which the injected
    fault breaks): found by drawing, since any change to the op tables changes what a seed draws."""
    o = HuntOptions()
    for seed in range(500):
        first = generate_batch(seed, 0, o.batch_size, o.max_ops)[:3]
        ops = [{s.op for s in d.program.statements} for d in first]
        if (
            "remainder_scalar" in ops[2]
            and not any(op.startswith("remainder") for x in ops[:2] for op in x)
            and not any(d.variant.training or d.variant.special for d in first)
        ):
            return seed
    raise AssertionError("no seed in 0..499 draws torch.remainder third")


def _campaign(tmp: Path, programs: int, **kw: Any) -> Any:
    opts = HuntOptions(
        programs=programs, jobs=2, seed=_remainder_third(), inject="remainder_as_fmod", shrink_budget=6, progress=False
    )
    return hunt(tmp, HuntOptions(**{**opts.__dict__, **kw}), resume=(tmp / "campaign.sqlite").exists())


def test_a_campaign_resumes_without_redoing_and_writes_its_findings(tmp_path: Path) -> None:
    first = _campaign(tmp_path, 2)
    assert first.figures["programs"] == 2 and first.figures["findings"] == 0
    db = sqlite3.connect(tmp_path / "campaign.sqlite")
    before = dict(db.execute("SELECT key, done_at FROM programs WHERE outcome IS NOT NULL"))
    summary = _campaign(tmp_path, 3)
    after = dict(db.execute("SELECT key, done_at FROM programs WHERE outcome IS NOT NULL"))
    assert len(after) == 3 and all(after[k] == t for k, t in before.items())  # nothing run twice
    assert summary.figures["findings"] == 1
    (cluster,) = summary.clusters
    assert cluster["signature"].startswith("diverged | lowering") and "remainder" in cluster["signature"]
    shrunk = cluster["shrunk"]["task"]["program"]["statements"]
    assert len(shrunk) < 5 and any(s[2] == "remainder_scalar" for s in shrunk)
    page = (tmp_path / cluster["page"]).read_text()
    assert "lowering of remainder" in page and "torch.remainder" in page and "status:" in page
    repro = next((tmp_path / "clusters").glob("*_repro.py"))
    assert "torch.compile(program" in repro.read_text()
    lines = [json.loads(x) for x in (tmp_path / "programs.jsonl").read_text().splitlines()]
    assert len(lines) == 3 and sum(r["finding"] for r in lines) == 1
    assert "remainder" in (tmp_path / "summary.md").read_text()
    # --recheck runs the finding again, and only it: no program is drawn to make up for it
    again = _campaign(tmp_path, 3, recheck=True)
    redone = dict(db.execute("SELECT key, done_at FROM programs WHERE outcome IS NOT NULL"))
    assert set(redone) == set(after) and sum(redone[k] != after[k] for k in after) == 1
    assert again.figures["programs"] == 3 and again.figures["findings"] == 1


def test_the_same_campaign_on_ray_finds_the_same_clusters(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    except Exception as e:  # pragma: no cover - depends on the machine
        pytest.skip(f"Ray cannot start here: {e}")
    try:
        local = _campaign(tmp_path / "local", 3, shrink=False)
        on_ray = _campaign(tmp_path / "ray", 3, shrink=False, ray="auto")
    finally:
        ray.shutdown()
    assert [c["signature"] for c in on_ray.clusters] == [c["signature"] for c in local.clusters]
    assert on_ray.figures["outcomes"] == local.figures["outcomes"]


# ----------------------------------------------------------------------------- false alarms found by hunting
_JOINT_FALSE_ALARMS = {
    # constant folding hands an incoming gradient (a tangent) on as a gradient output
    "grad_aliases_tangent": (
        [
            ["x0", [1], "float32", None],
            ["x1", [4, 1, 3], "float32", None],
            ["x2", [3], "int64", 3],
            ["x3", [4, 1, 3], "float32", None],
            ["x4", [1, 3], "float32", None],
            ["x5", [3], "int64", 1],
            ["x6", [3], "float32", None],
            ["x7", [], "float32", None],
        ],
        [
            "v0 = x1.index_add(2, x2, x3)",
            "v1 = torch.tanh(x3)",
            "v2 = torch.trunc(v0)",
            "v3 = torch.add(v2, x4, alpha=0.875)",
            "v4 = torch.index_add(x0, 0, x5, x6, alpha=-0.5)",
            "v5 = v0.to(torch.complex64)",
            "v6 = v3.reshape((4, 3))",
            "v7 = torch.where(torch.logical_not(v4 > 0), v4, x7)",
        ],
        ["v1", "v5", "v6", "v7"],
        True,
    ),
    # a zero gradient (floor's) whose sign the folded graph flips: no op defines it
    "grad_zero_sign": (
        [["x0", [5, 8, 5], "float32", None], ["x1", [5], "int64", 5], ["x2", [5, 8, 5], "float32", None]],
        [
            "v0 = x0.masked_fill(x0 > 0.5, -0.5)",
            "v1 = torch.floor(x0)",
            "v2 = v0.index_add(2, x1, x2)",
            "v3 = torch.rsqrt(x1.abs() + 1)",
            "v4 = torch.sort(x1, dim=-1)[0]",
        ],
        ["v1", "v2", "v3", "v4"],
        False,
    ),
}


@pytest.mark.parametrize("name", list(_JOINT_FALSE_ALARMS))
def test_joint_graph_gradients_may_alias_tangents_and_flip_zero_signs(name: str) -> None:
    inputs, lines, outputs, special = _JOINT_FALSE_ALARMS[name]
    statements = [{"targets": [ln.split(" = ")[0]], "expr": ln.split(" = ", 1)[1], "op": "x"} for ln in lines]
    program = program_from_json(
        {
            "inputs": inputs,
            "statements": [[s["targets"], s["expr"], s["op"]] for s in statements],
            "outputs": outputs,
            "seed": 0,
        }
    )
    result = evaluate(Drawn(0, 0, program, Variant(training=True, special=special)).to_json())
    assert result["outcome"] == "equivalent", result.get("signature")


def test_a_repro_rebuilds_the_campaign_inputs_exactly(tmp_path: Path) -> None:
    import runpy

    from validator.hunt._repro import repro_script

    drawn = next(d for d in generate_batch(5, 1, 16) if d.variant.special)
    laid_out = next(d for b in range(1, 20) for d in generate_batch(5, b, 16) if d.variant.layout)
    for d in (drawn, laid_out):
        path = tmp_path / "repro.py"
        path.write_text(repro_script(d, "a finding", path.name))
        ns = runpy.run_path(str(path))
        for a, b in zip(ns["make_inputs"](0), make_inputs(d), strict=True):
            assert a.dtype == b.dtype and torch.equal(torch.isnan(a), torch.isnan(b.detach()))
            assert torch.equal(a.nan_to_num(), b.detach().nan_to_num()) and a.stride() == b.stride()


def test_a_repro_counts_outputs_that_come_to_share_memory(tmp_path: Path) -> None:
    # remove_noop_ops (#191449) makes floor(v) and floor(v) of an integer v one buffer: values
    # alike, but an in-place write to one output changes the other
    import runpy

    from validator.hunt._repro import repro_script

    path = tmp_path / "repro.py"
    path.write_text(repro_script(generate_batch(5, 1, 4)[0], "a finding", path.name))
    shared = runpy.run_path(str(path))["shared"]
    x, y = torch.arange(4), torch.arange(4)
    assert shared([x, y, x.view(2, 2)]) == {(2, 0)}
    assert shared([x, y, torch.empty(0), torch.empty(0)]) == set()


def test_the_layout_variant_keeps_values_changes_strides_and_old_keys() -> None:
    from validator.hunt._programs import Variant, relayout

    x = torch.randn(2, 3, 4, 5)
    for t in (x, x[0], x[0, 0]):
        y = relayout(t)
        assert torch.equal(y, t) and not y.is_contiguous()
    # a program drawn before the variant existed keeps its key
    d = generate_batch(7, 3, 8)[0]
    plain = Drawn(d.batch, d.index, d.program, Variant(d.variant.dynamic, d.variant.training, d.variant.special))
    assert "layout" not in plain.to_json()["variant"]
    moved = Drawn(d.batch, d.index, d.program, Variant(d.variant.dynamic, d.variant.training, d.variant.special, True))
    assert moved.key != plain.key and Drawn.from_json(moved.to_json()).variant.layout

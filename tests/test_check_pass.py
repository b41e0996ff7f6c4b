"""check_pass: what a pass author gets for a correct pass, a faulty one, a replacement, and a
pass that never fires."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch._inductor.pattern_matcher import CallFunction, KeywordArg, PatternMatcherPass, register_graph_pattern

from passes import get_pass
from validator.passcheck import Replacement, check_pass, prove_replacement

aten = torch.ops.aten


def test_correct_pass_over_generated_programs_raises_no_alarm() -> None:
    p = get_pass("fold_mul_one")
    r = check_pass(p, stage=p.info.hook, corpus=("generated",), trials=40)
    gen = [x for x in r.programs if x.origin in ("generated", "targeted")]
    assert len(gen) == 40 and len({x.source for x in gen}) == 40
    assert r.verdict == "equivalent" and r.failures == []
    assert sum(1 for x in gen if x.fired) >= 10  # the trigger is planted into programs
    assert all(x.verdict in ("equivalent", "not-fired") for x in gen)


def test_faulty_pass_is_caught_on_a_shrunk_generated_program(tmp_path: Path) -> None:
    p = get_pass("mul_zero_fold")
    r = check_pass(p, stage=p.info.hook, corpus=("generated",), trials=20, shrink_seconds=20)
    assert r.verdict == "diverged" and not r.ok
    (f,) = r.failures
    assert f.smallest.origin in ("generated", "targeted") and f.smallest.source is not None
    assert f.smallest.ops is not None and f.smallest.ops <= 3  # shrunk to a couple of ops
    assert f.repro is not None and max(f.repro.nodes) <= 10
    assert "post_grad_custom_post_pass" in (f.smallest.guilty or "")
    script = f.write_repro(tmp_path / "repro.py")
    assert subprocess.run([sys.executable, str(script)], capture_output=True).returncode == 1
    assert "DIVERGED" in r.summary()


def _mm_add(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    return torch.mm(a, b) + c


def _addmm(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    return torch.addmm(c, a, b)


def _addmm_swapped(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    return torch.addmm(c, b, a)


_EX = (torch.randn(4, 4), torch.randn(4, 4), torch.randn(4, 4))


def test_replacement_pair_is_proved_and_fires_on_targeted_programs() -> None:
    r = check_pass(Replacement(_mm_add, _addmm, _EX), corpus=("generated",), trials=15)
    assert r.hook == "post_grad_custom_pre_pass"
    (proof,) = r.proofs
    assert proof.verdict == "proved", proof.lines()
    assert {o.kind for o in proof.obligations} >= {"shape", "stride"}
    assert len(proof.variants) >= 8  # shapes x dtypes
    assert r.verdict == "equivalent"
    assert sum(x.fired for x in r.programs if x.origin == "targeted") >= 5


def test_swapped_replacement_is_refuted_and_shrunk() -> None:
    proof = prove_replacement(Replacement(_mm_add, _addmm_swapped, _EX))
    assert proof.verdict == "refuted" and proof.diverged
    r = check_pass(Replacement(_mm_add, _addmm_swapped, _EX), corpus=("generated",), trials=10, shrink_seconds=15)
    assert r.verdict == "diverged"
    assert any("pattern" in (f.smallest.guilty or "") for f in r.failures)
    assert all(f.repro is not None and max(f.repro.nodes) <= 10 for f in r.failures)


def test_pattern_matcher_pass_targets_its_own_patterns() -> None:
    pmp = PatternMatcherPass()

    @register_graph_pattern(CallFunction(aten.mul.Tensor, KeywordArg("x"), KeywordArg("y")), pass_dict=pmp)
    def _mul_to_mul(match, x, y):  # type: ignore[no-untyped-def]
        def repl(x, y):  # type: ignore[no-untyped-def]
            return aten.mul.Tensor(y, x)

        match.replace_by_example(repl, [x, y])

    r = check_pass(pmp, stage="post_grad", corpus=("generated",), trials=10)
    assert r.kind == "pattern_matcher"
    assert r.verdict == "equivalent"
    assert sum(x.fired for x in r.programs) >= 5


def test_a_pass_that_never_fires_is_a_warning_not_a_pass() -> None:
    def nothing(graph: torch.fx.Graph) -> None:
        return None

    r = check_pass(nothing, corpus=("generated",), trials=5)
    assert r.verdict == "never-fired" and r.ok
    assert any("never fired" in w for w in r.warnings)
    assert all(x.verdict == "not-fired" for x in r.programs)


def test_given_programs_and_bad_arguments() -> None:
    def two_x(x: torch.Tensor) -> torch.Tensor:
        return x * 2.0 + 1

    p = get_pass("mul_two_to_add")
    r = check_pass(p, stage=p.info.hook, corpus=[(two_x, (torch.randn(3, 4),))])
    assert [x.name for x in r.programs] == ["trigger", "two_x"] and r.verdict == "equivalent"
    with pytest.raises(ValueError, match="unknown stage"):
        check_pass(p, stage="lowering", corpus=())
    with pytest.raises(ValueError, match="ATen"):
        check_pass(Replacement(_mm_add, _addmm, _EX), stage="pre_grad", corpus=())
    with pytest.raises(TypeError, match="not a pass"):
        check_pass(42, corpus=())


@pytest.mark.parametrize(
    ("source", "args", "code"),
    [
        ('from passes import get_pass\ncustom_pass = get_pass("fold_mul_one")\n', ["--stage", "joint"], 0),
        (
            'from passes import get_pass\ncustom_pass = get_pass("mul_zero_fold")\n',
            ["--stage", "post_grad_custom_post_pass"],
            1,
        ),
        ("def custom_pass(graph):\n    return None\n", [], 3),
    ],
)
def test_cli_check_pass_exit_codes(tmp_path: Path, source: str, args: list[str], code: int) -> None:
    from validator.cli import main

    (tmp_path / "p.py").write_text(source)
    argv = ["check-pass", str(tmp_path / "p.py"), "--programs", "5", "--no-zoo", "--shrink-seconds", "5"]
    assert main([*argv, *args, "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html")]) == code
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert '"schema": "fxtv-pass-report/1"' in (tmp_path / "r.json").read_text()


def _broken_later_pass(graph: torch.fx.Graph) -> None:
    """Stands for a later inductor pass with a bug: add(a, a) -> a * 3."""
    for n in list(graph.nodes):
        if n.op == "call_function" and n.target is aten.add.Tensor and len(n.args) == 2 and n.args[0] is n.args[1]:
            with graph.inserting_before(n):
                m = graph.call_function(aten.mul.Tensor, (n.args[0], 3.0))
            m.meta.update(n.meta)
            n.replace_all_uses_with(m)
            graph.erase_node(n)


def test_downstream_divergence_is_the_pass_s_only_without_it_the_program_agrees() -> None:
    p = get_pass("mul_two_to_add")  # correct: x * 2 -> x + x, which the later pass then breaks

    def only_through_the_pass(x: torch.Tensor) -> torch.Tensor:
        return x * 2.0

    def broken_anyway(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return x * 2.0 + (y + y)

    x, y = torch.randn(4, 4), torch.randn(4, 4)
    with torch._inductor.config.patch(post_grad_custom_post_pass=_broken_later_pass):
        r = check_pass(p, stage="post_grad", corpus=[(only_through_the_pass, (x,)), (broken_anyway, (x, y))])
    by_name = {res.name: res for res in r.programs}
    fed = by_name["only_through_the_pass"]
    assert fed.verdict == "diverged" and fed.downstream and "post_grad_custom_post_pass" in (fed.guilty or "")
    anyway = by_name["broken_anyway"]
    assert anyway.verdict == "equivalent" and "with or without the pass" in (anyway.note or "")


def test_a_capture_without_lowering_leaves_inductor_as_it_was() -> None:
    import torch._inductor.compile_fx as cfx

    from validator.capture import capture

    before = cfx._compile_fx_inner
    with capture(lower=False):
        assert cfx._compile_fx_inner is not before
    assert cfx._compile_fx_inner is before


def test_zoo_training_and_dynamic_cases_compile_without_lowering() -> None:
    from validator.zoo import ZOO

    cases = [c for c in ZOO if c.training][:2] + [c for c in ZOO if c.dynamic][:1]
    p = get_pass("fuse_permutes")
    r = check_pass(p, stage=p.info.hook, corpus=cases)
    zoo = [x for x in r.programs if x.origin == "zoo"]
    assert len(zoo) == 3 and all(x.verdict in ("equivalent", "not-fired") for x in zoo), [x.note for x in zoo]


def test_lower_true_also_checks_the_compiled_code_downstream() -> None:
    """With a broken lowering installed, only lower=True sees the compiled code diverge after the
    pass; the control compile shows it too, so it is not charged to the pass."""
    from passes import get_fault

    def fn(x: torch.Tensor) -> torch.Tensor:
        return torch.remainder(x * 1.0, 3.0)

    x = torch.randn(4, 8) * 4
    p = get_pass("fold_mul_one")  # fires on x * 1.0, and is correct
    with get_fault("remainder_as_fmod").installed():
        fx_only = check_pass(p, stage=p.info.hook, corpus=[(fn, (x,))])
        lowered = check_pass(p, stage=p.info.hook, corpus=[(fn, (x,))], lower=True)
    (a,) = [r for r in fx_only.programs if r.name == "fn"]
    (b,) = [r for r in lowered.programs if r.name == "fn"]
    assert a.verdict == b.verdict == "equivalent" and a.fired and b.fired
    assert a.note is None
    assert b.note is not None and "lowering + codegen diverges with or without the pass" in b.note


def test_a_corpus_given_as_a_generator_is_read_once() -> None:
    p = get_pass("fold_mul_one")
    r = check_pass(p, stage=p.info.hook, corpus=(c for c in ["generated"]), trials=3)
    assert sum(1 for x in r.programs if x.origin in ("generated", "targeted")) == 3

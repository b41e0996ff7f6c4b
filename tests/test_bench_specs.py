"""Benchmark specs: the schema rejects malformed cases clearly; the committed cases are sound."""

from pathlib import Path

import pytest

from validator.bench import SpecError, load_spec, load_specs, markdown, parse_spec, run_case
from validator.bench._resolve import known
from validator.bench._spec import ROOT_CAUSES

CASES = Path(__file__).resolve().parent.parent / "specs" / "cases"

GOOD = {
    "name": "x",
    "description": "d",
    "faulty": True,
    "program": {"ref": "pass:split_cat_order"},
    "fault": {"ref": "pass:split_cat_order"},
    "truth": {"stage": "post_grad", "step": "post_grad_custom_pre_pass", "ops": ["aten.cat.default"]},
    "taxonomy": {"root_cause": "Unsound Graph Optimization", "trigger": "Optimization-Triggering Sequence"},
    "source": {"issue": "pytorch/pytorch#99686"},
}


def _with(**changes: object) -> dict:
    d = {k: (dict(v) if isinstance(v, dict) else v) for k, v in GOOD.items()}
    for key, value in changes.items():
        table, _, field = key.partition("__")
        if not field:
            if value is None:
                d.pop(table)
            else:
                d[table] = value
        elif value is None:
            d[table].pop(field)
        else:
            d[table][field] = value
    return d


def test_good_spec_parses() -> None:
    s = parse_spec(Path("x.toml"), _with())
    assert s.faulty and s.truth is not None and s.truth.ops == ("aten.cat.default",) and s.historical


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "y"}, "name", "must equal the file name"),
        ({"truth__stage": "codegen"}, "[truth].stage", "is not one of"),
        ({"truth": None}, "faulty", "or a tracker issue's own zoo program), [truth] and [taxonomy]"),
        ({"fault": None}, "faulty", "needs [fault]"),
        ({"program__ref": "mlp"}, "[program].ref", "is not <zoo|pass|fault>:<name>"),
        ({"program__dynamic": "yes"}, "[program].dynamic", "expected bool"),
        ({"program__colour": "red"}, "[program].colour", "unknown field"),
        ({"taxonomy__root_cause": "Bad Luck"}, "[taxonomy].root_cause", "is not one of"),
        ({"faulty": False}, "[truth]", "a correct case has no guilty step"),
        ({"source": None}, "[source]", "missing table"),
        ({"truth__component": "fusion"}, "[truth].component", "needs stage = 'lowering'"),
        ({"extra": {"a": 1}}, "extra", "unknown table"),
    ],
)
def test_malformed_spec_is_rejected_with_its_field(changes: dict, field: str, message: str) -> None:
    with pytest.raises(SpecError) as e:
        parse_spec(Path("x.toml"), _with(**changes))
    assert e.value.field == field and message in str(e.value) and "x.toml" in str(e.value)


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text('name = "bad"\nfaulty = tru\n')
    with pytest.raises(SpecError, match=r"bad\.toml: toml"):
        load_spec(p)


def test_committed_cases_are_sound() -> None:
    specs = load_specs(CASES)
    faulty = [s for s in specs if s.faulty]
    correct = [s for s in specs if not s.faulty]
    assert len(faulty) >= 40 and len(correct) >= 60
    assert sum(s.historical for s in faulty) >= 20
    for s in specs:
        assert known(s.program), f"{s.name}: unknown program {s.program}"
        assert s.fault is None or known(s.fault), f"{s.name}: unknown fault {s.fault}"
    # every root cause that can live in a compiler step, and every stage, has faulty cases
    causes = {s.root_cause for s in faulty}
    assert causes >= set(ROOT_CAUSES) - {
        "Unfaithful Program Tracing",  # Dynamo, before any inductor step
        "External Dependency and Toolchain Misuse",
        "Unsound Compilation-Reuse Identity",  # caches: fxtv switches them off
    }
    steps = {s.truth.step for s in faulty if s.truth}
    assert {"aot_trace (functionalize + decompose)", "partition", "reinplace_inplaceable_ops"} <= steps
    assert {"pre_grad", "aot", "joint", "partition", "post_grad", "lowering"} <= {
        s.truth.stage for s in faulty if s.truth
    }
    assert {"lowering", "fusion", "codegen"} <= {s.truth.component for s in faulty if s.truth}


def test_truth_agrees_with_the_fault_metadata() -> None:
    from passes import get_fault, get_pass

    for s in load_specs(CASES):
        if not s.faulty or s.fault is None or s.truth is None:
            continue
        kind, _, name = s.fault.partition(":")
        if kind == "pass":
            info = get_pass(name).info
            assert info.faulty and s.truth.step == info.hook, s.name
            assert s.root_cause == info.bug_class, s.name
        else:
            finfo = get_fault(name).info
            assert (s.truth.stage, s.truth.step) == (finfo.stage, finfo.step), s.name
            assert s.truth.component == (finfo.component if finfo.stage == "lowering" else None), s.name


def test_one_case_runs_and_is_scored() -> None:
    spec = load_spec(CASES / "split_cat_order__trigger.toml")
    rec = run_case(spec, baselines=False)
    assert rec["fired"] > 0
    fx = rec["fxtv"]
    assert fx["detected"] and fx["step_right"] and fx["node_right"], fx
    correct = run_case(load_spec(CASES / "zoo__mlp.toml"), baselines=False)
    assert correct["fxtv"]["detected"] is False
    text = markdown([rec, correct], command="fxtv bench --filter x")
    assert "| fxtv | 1/1 (100%) | 1/1 (100%) | 1/1 (100%) | 0/1 |" in text
    assert "fxtv bench --filter x" in text

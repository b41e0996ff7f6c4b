"""The pytest plugin (validator/pytest_plugin.py), run on the example suite in tests/plugin_example/."""

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

EXAMPLES = Path(__file__).resolve().parent / "plugin_example"


def _run(pytester: pytest.Pytester, *opts: str) -> tuple[pytest.RunResult, list[dict]]:
    for src in sorted(EXAMPLES.glob("example_*.py")):
        pytester.makepyfile(**{src.stem: src.read_text()})
    out = pytester.path / "fxtv-json"
    # A subprocess: torch and inductor state must not leak between this run and the outer one.
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-o", "python_files=example_*.py", "--show-capture=no",
        "--fxtv-json", str(out), *opts,
    )  # fmt: skip
    reports = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    return result, reports


def test_plugin_registered(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.hasplugin("fxtv")
    assert any(m.startswith("fxtv:") for m in pytestconfig.getini("markers"))


def test_fxtv_validates_every_compile(pytester: pytest.Pytester) -> None:
    result, reports = _run(pytester, "--fxtv")
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*FAILED example_faulty.py::test_faulty_pass*",
            "*FAILED example_faulty.py::test_marked_faulty_pass*",
        ]
    )
    text = result.stdout.str()
    faulty = text[text.index("_ test_faulty_pass _") : text.index("_ test_marked_faulty_pass _")]
    assert "diverged" in faulty and "post_grad_custom_pre_pass" in faulty
    assert "guilty step:" in faulty and "diverging trials:" in faulty and "first diverging node:" in faulty
    assert "test_correct_pass" not in text.split("short test summary info")[-1]
    # one report per inductor compile; the backend="eager" compile and the recursion are not validated
    assert sorted(r["verdict"] for r in reports) == ["diverged", "diverged", "equivalent", "equivalent"]
    assert {r["guilty"]["name"] for r in reports if r["verdict"] == "diverged"} == {
        "post_grad_custom_pre_pass",
        "post_grad_custom_post_pass",
    }


def test_marker_without_fxtv(pytester: pytest.Pytester) -> None:
    result, reports = _run(pytester)
    # only the marked tests are validated: the unmarked faulty test passes unnoticed
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(["*FAILED example_faulty.py::test_marked_faulty_pass*"])
    assert sorted(r["verdict"] for r in reports) == ["diverged", "equivalent"]

"""CLI: the file convention, exit codes and clear messages for bad input."""

import json
import textwrap
from pathlib import Path

import pytest

from validator.cli import main


def _write(tmp_path: Path, body: str) -> str:
    p = tmp_path / "prog.py"
    p.write_text(textwrap.dedent(body))
    return str(p)


def test_check_equivalent_writes_json(tmp_path: Path) -> None:
    f = _write(
        tmp_path,
        """
        import torch
        def model(x):
            return torch.relu(x) + 1
        example_inputs = (torch.randn(4, 4),)
    """,
    )
    out = tmp_path / "r.json"
    assert main(["check", f, "--json", str(out), "--trials", "1"]) == 0
    data = json.loads(out.read_text())
    assert data["verdict"] == "equivalent" and data["schema"] == "fxtv-report/1"
    assert data["counts"]["captured_steps"] > 0
    assert data["symbolic"]["counts"].get("refuted", 0) == 0


def test_check_symbolic_switch(tmp_path: Path) -> None:
    f = _write(
        tmp_path,
        """
        import torch
        def model(x):
            return x.permute(0, 2, 1).reshape(2, -1) * 2
        example_inputs = (torch.randn(2, 3, 4),)
        fxtv_options = {"dynamic": True}
    """,
    )
    on, off = tmp_path / "on.json", tmp_path / "off.json"
    assert main(["check", f, "--json", str(on), "--trials", "0", "--no-special", "--timeout-ms", "5000"]) == 0
    assert main(["check", f, "--json", str(off), "--trials", "0", "--no-special", "--no-symbolic"]) == 0
    sym = json.loads(on.read_text())["symbolic"]
    assert sym["by_kind"]["index"] == {"proved": sym["by_kind"]["index"]["proved"]}  # all proved
    assert json.loads(off.read_text())["symbolic"] is None


def test_check_named_callable_and_make_inputs(tmp_path: Path) -> None:
    f = _write(
        tmp_path,
        """
        import torch
        def double(x):
            return x * 2
        def make_double_inputs():
            return (torch.randn(3),)
    """,
    )
    assert main(["check", f + ":double", "--trials", "0", "--no-special"]) == 0


@pytest.mark.parametrize(
    "body, message",
    [
        ("import torch\nx = 1\n", "no callable 'model'"),
        ("import torch\ndef model(x):\n    return x\n", "defines no inputs"),
        (
            "import torch\ndef model(x):\n    return x.foo()\nexample_inputs = (torch.randn(2),)\n",
            "fails when run eagerly",
        ),
        ("import torch\ndef model(x):\n    return x\nexample_inputs = ('text',)\n", "is a str"),
        ("raise ValueError('broken file')\n", "importing"),
    ],
)
def test_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str) -> None:
    f = _write(tmp_path, body)
    assert main(["check", f]) == 2
    assert message in capsys.readouterr().out


def test_missing_file_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "/nonexistent/prog.py"]) == 2
    assert "no such file" in capsys.readouterr().out


def test_a_list_of_tensors_is_an_input(tmp_path: Path) -> None:
    f = _write(
        tmp_path,
        """
        import torch
        def model(xs):
            return torch.cat(xs).relu()
        example_inputs = ([torch.randn(3), torch.randn(2)],)
    """,
    )
    assert main(["check", f, "--trials", "0", "--no-special"]) == 0

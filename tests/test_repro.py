"""Standalone repro scripts: shrunk by delta debugging, torch-only, exit 1 exactly when they diverge."""

import ast
import dataclasses
import functools
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from passes import get_pass
from validator import Report, validate
from validator.localize.minimize import literal, shrink_pair
from validator.report import write_repro
from validator.report._repro import _RUNTIME_HELPERS, repro_source

# Passes whose repro must run and diverge; the shrunk graphs must have <= 10 nodes each, where a
# node is anything but a placeholder or the output (get_attr and getitem nodes count too).
PASSES = [
    "split_cat_order",
    "mul_zero_fold",
    "add_zero_signed",
    "drop_input_copy",  # the divergence is an input's state after the run, not an output
    "stack_sum_axis",  # pre-grad (Dynamo) graph: torch.* functions and Tensor methods
    "where_not_swap",
    "conv_add_alpha",
    "index_put_drop_accumulate",
]
MAX_NODES = 10
ALLOWED_IMPORTS = {"torch", "importlib", "math", "sys", "types"}


@functools.cache
def _report(name: str) -> Report:
    p = get_pass(name)
    fn, args = p.trigger()
    with p.installed():
        return validate(fn, *args, name=name)


def _run(path: Path) -> subprocess.CompletedProcess[str]:
    # a fresh interpreter in an empty folder: the repo is not on its path
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=path.parent, timeout=120)


def _node_counts(text: str) -> tuple[int, int, int, int]:
    m = re.search(r"before-graph (\d+) -> (\d+) nodes, after-graph (\d+) -> (\d+) nodes", text)
    assert m, "the header reports the node counts"
    b0, b1, a0, a1 = map(int, m.groups())
    return b0, b1, a0, a1


def _assert_standalone(text: str) -> None:
    """Only torch and stdlib: no import (static or importlib) of the validator or the passes."""
    roots = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add((node.module or "").split(".")[0])
    assert roots <= ALLOWED_IMPORTS, roots
    dynamic = re.findall(r"(?:import_module|_resolve)\('([\w.]+)'", text)
    assert all(m.split(".")[0] == "torch" or m.split(".")[0] in sys.stdlib_module_names for m in dynamic), dynamic
    assert not re.search(r"\b(validator|passes)\.", text.split("\nimport ", 1)[1]), "no validator/passes names"


@pytest.mark.parametrize("name", PASSES)
def test_repro_diverges_and_is_small(name: str, tmp_path: Path) -> None:
    report = _report(name)
    assert report.guilty is not None and report.guilty.step.kind == "fx"
    path = report.write_repro(tmp_path / f"repro_{name}.py")
    text = path.read_text()
    _assert_standalone(text)
    assert report.guilty.qualified_name in text and torch.__version__ in text
    b0, b1, a0, a1 = _node_counts(text)
    assert b1 <= min(b0, MAX_NODES) and a1 <= min(a0, MAX_NODES), (b0, b1, a0, a1)
    res = _run(path)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "DIVERGED" in res.stdout


def test_shrinking_cuts_the_prefix_and_the_suffix(tmp_path: Path) -> None:
    """The trigger inside a longer program: everything but the split/cat rewrite goes."""

    def fn(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.tanh(x * 1.5 + 0.25).exp()
        z = y.cos() - y
        a, b, c = torch.split(z, [2, 1, 1], 0)
        return (torch.cat([b, a, c], 0) + 1).relu() * 2, x.sin()

    with get_pass("split_cat_order").installed():
        report = validate(fn, torch.randn(4, 8), symbolic=False, below_fx=False)
    text = write_repro(report, tmp_path / "repro.py").read_text()
    b0, b1, a0, a1 = _node_counts(text)
    # before: split_with_sizes, 3 getitems, cat fed by a placeholder `sub`; after: returns `sub`
    assert (b0, a0) == (15, 10) and (b1, a1) == (5, 0), (b0, b1, a0, a1)
    assert "cut upstream nodes): sub." in text
    assert _run(tmp_path / "repro.py").returncode == 1


def test_negative_control_exits_0(tmp_path: Path) -> None:
    """The shrunk pair with the after-graph replaced by a copy of the before-graph agrees."""
    report = _report("split_cat_order")
    g = report.guilty
    assert g is not None and g.check.first_failure is not None and g.check.first_failure.inputs is not None
    pair = shrink_pair(g.step.before, g.step.after, g.check.first_failure.inputs, blame=report.localization.blame)
    assert pair.mismatches
    control = dataclasses.replace(pair, after=_module_copy(pair.before), mismatches=[])
    path = tmp_path / "control.py"
    path.write_text(repro_source(control, ["negative control"]))
    res = _run(path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "equivalent" in res.stdout
    # a pair that agrees is not shrunk into something else
    whole = shrink_pair(g.step.before, _module_copy(g.step.before), g.check.first_failure.inputs)
    assert not whole.mismatches and not whole.cuts


def _copy_graph(graph: torch.fx.Graph) -> torch.fx.Graph:
    new = torch.fx.Graph()
    env: dict[torch.fx.Node, torch.fx.Node] = {}
    for n in graph.nodes:
        env[n] = new.node_copy(n, env.__getitem__)
    return new


def _module_copy(gm: torch.fx.GraphModule) -> torch.fx.GraphModule:
    return torch.fx.GraphModule(gm, _copy_graph(gm.graph))


def test_non_fx_step_is_not_supported(tmp_path: Path) -> None:
    report = _report("mul_zero_fold")
    loc = report.localization
    assert loc is not None and loc.guilty is not None
    lowering = dataclasses.replace(loc.guilty, step=dataclasses.replace(loc.guilty.step, kind="lowering"))
    fake = dataclasses.replace(report, localization=dataclasses.replace(loc, guilty=lowering))
    with pytest.raises(NotImplementedError, match=r"'fx'.*'lowering'"):
        fake.write_repro(tmp_path / "x.py")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_literals_round_trip_exactly(dtype: torch.dtype) -> None:
    ns: dict[str, object] = {"torch": torch, "inf": math.inf, "nan": math.nan}
    exec("import importlib, types\n" + _RUNTIME_HELPERS, ns)
    tiny = torch.finfo(dtype).tiny
    values = [0.0, -0.0, math.inf, -math.inf, math.nan, tiny / 4, 1 / 3, -torch.finfo(dtype).max, 2.5]
    x = torch.tensor(values + [0.1] * 3, dtype=dtype).reshape(3, 4).t()  # non-contiguous
    y = eval(literal(x), ns)
    assert y.dtype == x.dtype and y.shape == x.shape and y.stride() == x.stride()
    bits = {2: torch.int16, 4: torch.int32, 8: torch.int64}[x.element_size()]
    assert torch.equal(y.contiguous().view(bits), x.contiguous().view(bits))  # -0.0, subnormals, inf, nan
    z = torch.tensor([[1 + 2j, complex(math.nan, -0.0)]], dtype=torch.complex64)
    w = eval(literal((z, [torch.tensor([True, False]), 3, -0.0, torch.int64])), ns)
    assert torch.equal(torch.view_as_real(w[0]).view(torch.int32), torch.view_as_real(z).view(torch.int32))
    assert w[1][0].dtype == torch.bool and w[1][1:] == [3, -0.0, torch.int64]
    assert math.copysign(1.0, w[1][2]) == -1.0


def _lowering_handler(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    raise AssertionError("stands for a lowering-pattern handler: never runs eagerly")


def test_lowering_stub_nodes_are_inlined(tmp_path: Path) -> None:
    """A node calling a lowering-pattern handler becomes the subgraph its stub runs."""
    from validator.capture._stubs import LoweringStub

    def graph(body: str) -> torch.fx.GraphModule:
        g = torch.fx.Graph()
        x, y = g.placeholder("x"), g.placeholder("y")
        e = g.call_function(torch.ops.aten.exp.default, (x,))
        if body == "stub":
            out = g.call_function(_lowering_handler, (e, y))
        else:
            out = g.call_function(torch.ops.aten.add.Tensor, (g.call_function(torch.ops.aten.mul.Tensor, (e, 2)), y))
        g.output((out,))
        return torch.fx.GraphModule(torch.nn.Module(), g)

    # the stub's subgraph is wrong on purpose (x * 3 + y): the pair diverges
    sg = torch.fx.Graph()
    a, b = sg.placeholder("a"), sg.placeholder("b")
    sg.output(sg.call_function(torch.ops.aten.add.Tensor, (sg.call_function(torch.ops.aten.mul.Tensor, (a, 3)), b)))
    stub = LoweringStub(torch.fx.GraphModule(torch.nn.Module(), sg), [("arg", 0), ("arg", 1)])
    inputs = [torch.randn(3), torch.randn(3)]
    pair = shrink_pair(graph("ref"), graph("stub"), inputs, stubs={id(_lowering_handler): stub})
    assert pair.mismatches and pair.cuts == ["exp_default"] and pair.nodes == (2, 2)  # exp is cut
    path = tmp_path / "stub.py"
    path.write_text(repro_source(pair, ["stub"]))
    assert "_lowering_handler" not in path.read_text()
    assert _run(path).returncode == 1

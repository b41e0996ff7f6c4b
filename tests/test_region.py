"""Region-only step checks (``validator.numeric._region``): an FX step's after-graph computes only
what the step changed, and hands back exactly what a whole run would (values, strides,
aliasing), or runs whole and says why."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import torch
import torch.fx
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.fx.experimental.proxy_tensor import make_fx

from validator.capture import GraphRecord, Step, Trace
from validator.fx import run_graph, same_bits, snapshot
from validator.localize import localize
from validator.numeric import DIVERGED, EQUIVALENT, Checker, StepCheck
from validator.numeric._compare import alias_pairs

aten = torch.ops.aten


def _program(x: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, ...]:
    a = torch.sin(x) @ w
    b = a.view(a.shape) * 2  # a no-op view a pass may remove
    c = torch.cos(b) + a
    d = torch.tanh(c).sum(0)
    e = torch.exp(d) - 1
    return e, c.clone(), c.clone(), a  # two clones with one structure: distinct tensors


INPUTS = (torch.randn(6, 5), torch.randn(5, 4))


def _graph() -> torch.fx.GraphModule:
    return make_fx(_program)(*INPUTS)


def _node(gm: torch.fx.GraphModule, target: Any, nth: int = 0) -> torch.fx.Node:
    return [n for n in gm.graph.nodes if n.target == target][nth]


def _edited(gm: torch.fx.GraphModule, edit: Callable[[torch.fx.GraphModule], None]) -> torch.fx.GraphModule:
    out = snapshot(gm)
    edit(out)
    out.graph.lint()
    out.recompile()
    return out


def _remove_view(gm: torch.fx.GraphModule) -> None:
    view = _node(gm, aten.view.default)
    view.replace_all_uses_with(view.args[0])  # type: ignore[arg-type]
    gm.graph.erase_node(view)


def _trace(versions: Sequence[torch.fx.GraphModule], names: Sequence[str]) -> Trace:
    trace = Trace(graphs={"g": GraphRecord("g", "inference", runtime_inputs=list(INPUTS), param_mask=[False, False])})
    for i, (before, after) in enumerate(itertools.pairwise(versions)):
        trace.steps.append(Step(i, names[i], "post_grad", "g", changed=True, before=before, after=after))
    return trace


def _checks(trace: Trace) -> list[StepCheck]:
    return [v.check for v in localize(trace).verdicts]


def test_a_removed_no_op_reruns_only_its_users_and_a_wrong_edit_is_caught_in_its_region() -> None:
    v0 = _graph()
    v1 = _edited(v0, _remove_view)
    v2 = _edited(v1, lambda gm: setattr(_node(gm, aten.tanh.default), "target", aten.sigmoid.default))
    checks = _checks(_trace([v0, v1, v2], ["remove_noop_ops", "bad_pass"]))
    nodes = sum(1 for n in v0.graph.nodes if n.op not in ("placeholder", "output"))
    assert checks[0].verdict == EQUIVALENT
    assert checks[0].region == f"region: 1 of {nodes - 1} nodes run (1 re-joined the before-graph's values)"
    assert checks[1].verdict == DIVERGED
    # the edited node and what reads it (sum, exp, sub): not the sin, mm, mul, cos, add, clones
    assert checks[1].region == f"region: 4 of {nodes - 1} nodes run"


def test_a_graph_that_writes_runs_whole_and_says_so() -> None:
    def program(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        y = (x @ w).clone()
        y.add_(1)
        return y * 2

    v0 = make_fx(program)(*INPUTS)
    v1 = _edited(v0, lambda gm: setattr(_node(gm, aten.mul.Tensor), "target", aten.div.Tensor))
    (check,) = _checks(_trace([v0, v1], ["bad_pass"]))
    assert check.verdict == DIVERGED
    assert check.region is not None and check.region.startswith("whole graph: a node may write into tensors (add_")


_UNARY = [aten.sin.default, aten.cos.default, aten.tanh.default, aten.exp.default, aten.neg.default, aten.abs.default]


@settings(max_examples=40, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 50), st.sampled_from(_UNARY), st.booleans()), min_size=1, max_size=4))
def test_a_region_run_hands_back_what_a_whole_run_does(edits: list[tuple[int, Any, bool]]) -> None:
    """Random chains of edits (an elementwise node's op replaced, or a no-op view inserted after
    it): each step's region run equals the whole run bit for bit, strides and aliasing included."""
    versions = [_graph()]
    for where, op, view in edits:

        def edit(gm: torch.fx.GraphModule, where: int = where, op: Any = op, view: bool = view) -> None:
            nodes = [n for n in gm.graph.nodes if n.target in _UNARY or n.target == aten.mul.Tensor]
            n = nodes[where % len(nodes)]
            if not view:
                n.target, n.args = op, n.args[:1]
                return
            with gm.graph.inserting_after(n):
                v = gm.graph.call_function(aten.view.default, (n, list(n.meta["val"].shape)))
            n.replace_all_uses_with(v, delete_user_cb=lambda u: u is not v)

        versions.append(_edited(versions[-1], edit))
    trace = _trace(versions, [f"pass {i}" for i in range(len(edits))])
    checker = Checker(trace)
    for step in trace.steps:
        inputs = checker.inputs("g", checker.trials[0])
        assert inputs is not None
        before = checker._run_cached(step.before, inputs, ("g", "real inputs"))
        region, note = checker.regions.run("g", "real inputs", step.before, step.after, inputs, before, {})
        assert region is not None, note
        checker._last_run[("g", "real inputs")] = (step.after, region)
        whole = run_graph(step.after, inputs)
        assert len(region.outputs) == len(whole.outputs)
        for r, w in zip(region.outputs, whole.outputs, strict=True):
            assert (r.shape, r.stride(), r.dtype) == (w.shape, w.stride(), w.dtype)
            assert same_bits(r, w)
        assert alias_pairs(region.outputs, region.inputs_after) == alias_pairs(whole.outputs, whole.inputs_after)


@pytest.mark.parametrize("n_layers", [1])
def test_a_real_models_post_grad_steps_run_their_regions(n_layers: int) -> None:
    """GPT-2 (2 heads, d=64): remove_noop_ops, view_to_reshape and the pattern steps re-join
    right after their edits instead of rerunning the graph below them."""
    pytest.importorskip("transformers")
    from validator.pipeline import Settings, run
    from validator.zoo.transformers_models import SMALL, build

    model, inputs = build("gpt2", SMALL, layers=n_layers)[:2]
    report = run(model, inputs, Settings().but(random_trials=1), name="gpt2")
    assert str(report.verdict) == "equivalent"
    steps = {s["name"]: s for s in report.to_json()["steps"]}
    for name in ("remove_noop_ops", "view_to_reshape"):
        note = steps[name]["region"]
        run_, total = (int(x) for x in note.removeprefix("region: ").split(" nodes")[0].split(" of "))
        assert run_ < total / 3, note

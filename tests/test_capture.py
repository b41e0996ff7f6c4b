"""Capture: what it records, and that every patch is undone (also after an exception)."""

import pytest
import torch

from validator import _compat
from validator.capture import capture


def _patched_objects():
    cfx = _compat.compile_fx_module()
    obs = _compat.observer_class()
    entries = _compat.pattern_entry_classes()
    return (
        [getattr(cfx, n) for n in _compat.STAGE_FUNCTIONS]
        + [obs.__enter__, obs.__exit__]
        + [c.__dict__.get("apply") for c in entries.values()]
    )


def _config():
    import torch._functorch.config as fc
    import torch._inductor.config as ic

    return (ic.fx_graph_cache, ic.fallback_random, fc.enable_autograd_cache)


def test_patches_restored() -> None:
    before, cfg = _patched_objects(), _config()
    with capture():
        assert _patched_objects() != before
        assert _config()[0] is False
    assert _patched_objects() == before
    assert _config() == cfg


def test_patches_restored_after_exception() -> None:
    before = _patched_objects()
    with pytest.raises(RuntimeError), capture():
        raise RuntimeError("boom")
    assert _patched_objects() == before


def test_trace_records_stages_and_patterns() -> None:
    def f(x):
        a, b = torch.split(x, [2, 2], 1)
        return torch.cat([a, b], 1).relu() * 2

    with capture() as trace, torch.no_grad():
        torch.compile(f)(torch.randn(3, 4))
    stages = {s.stage for s in trace.steps}
    assert {"pre_grad", "aot", "joint", "post_grad", "lowering"} <= stages
    assert trace.tool_errors == []
    changed = trace.changed_steps()
    assert changed and all(s.before is not None and s.after is not None for s in changed)
    unchanged = [s for s in trace.steps if not s.changed]
    assert unchanged and all(s.before is None for s in unchanged), "unchanged steps keep no snapshot"
    rec = next(g for g in trace.graphs.values() if g.role == "inference")
    assert rec.runtime_inputs is not None and rec.compiled is not None


def test_compile_result_unchanged_by_capture() -> None:
    def f(x):
        return torch.softmax(x @ x.T, -1).sum(0)

    x = torch.randn(5, 5)
    with capture():
        got = torch.compile(f)(x)
    torch.testing.assert_close(got, f(x))


def test_parameters_a_graph_cannot_write_are_kept_not_cloned() -> None:
    # a large model's weights are not copied per graph; a buffer the graph writes is
    model = torch.nn.BatchNorm1d(4).train()
    torch._dynamo.reset()
    with capture() as trace:
        torch.compile(model, backend="inductor")(torch.randn(8, 4))
    torch._dynamo.reset()
    # the ATen graph AOT makes says what it writes; a Dynamo graph calls torch functions that
    # write without saying so (F.batch_norm): its parameters are held until AOT's trace says
    kept = [rec.runtime_inputs for rec in trace.graphs.values() if rec.runtime_inputs]
    assert {rec.role for rec in trace.graphs.values() if rec.runtime_inputs} >= {"pre_grad"}
    for inputs in kept:
        assert any(v is model.weight for v in inputs), [type(v) for v in inputs]
        assert not any(v is model.running_mean for v in inputs)  # written: cloned


def test_a_parameter_the_dynamo_graph_writes_is_kept_as_it_was_before_the_run() -> None:
    class Bump(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(4))
            self.v = torch.nn.Parameter(torch.full((4,), 2.0))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                self.w.add_(1.0)
            return x * self.w + self.v

    model = Bump()
    torch._dynamo.reset()
    with capture() as trace:
        torch.compile(model, backend="inductor")(torch.randn(4))
    torch._dynamo.reset()
    assert model.w.detach().eq(2.0).all()  # the run wrote it
    (dynamo,) = [rec.runtime_inputs for rec in trace.graphs.values() if rec.role == "pre_grad"]
    assert dynamo is not None
    w = dynamo[0]  # the graph's inputs: w, x, v
    assert w is not model.w and w.eq(1.0).all()  # a clone taken before the run, not what it wrote
    assert any(v is model.v for v in dynamo)  # unwritten: by reference

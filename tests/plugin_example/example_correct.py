"""Example suite for the fxtv pytest plugin (run by tests/test_pytest_plugin.py, not collected by the main run)."""

import pytest
import torch

from passes import get_pass
from validator.pytest_plugin import FxtvWarning

ORIGINAL_COMPILE = torch.compile  # at import, before any test wraps it


def test_correct_pass() -> None:
    p = get_pass("mul_two_to_add")
    fn, args = p.trigger()
    with p.installed():
        out = torch.compile(fn)(*args)
    torch.testing.assert_close(out, fn(*args), equal_nan=True)  # the trigger has NaN inputs


class Scale(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x * self.w) + 1


@pytest.mark.fxtv
def test_fixture_reports(fxtv_reports: list) -> None:
    model = Scale()
    compiled = torch.compile(model)
    assert isinstance(compiled, torch.nn.Module)  # still the OptimizedModule
    compiled(torch.randn(3, 4)).sum().backward()
    compiled(torch.randn(3, 4))  # validated once, on the first call only
    torch.compile(lambda x: x + 1, backend="eager")(torch.ones(2))  # not inductor: passes through
    assert [r.verdict for r in fxtv_reports] == ["equivalent"]
    assert fxtv_reports[0].program == "Scale" and fxtv_reports[0].training
    assert model.w.grad is not None  # the test's own backward ran on the real module


@pytest.mark.fxtv
def test_usage_error_is_a_warning(fxtv_reports: list) -> None:
    def pick(x: torch.Tensor, how: str) -> torch.Tensor:
        return x.sin() if how == "sin" else x.cos()

    with pytest.warns(FxtvWarning, match="could not validate"):  # fxtv takes no string inputs
        torch.compile(pick)(torch.ones(3), "sin")
    assert fxtv_reports == []


def test_compile_restored(request: pytest.FixtureRequest) -> None:
    # runs after the marked tests above: their torch.compile wrapper must be gone unless --fxtv is on
    assert (torch.compile is ORIGINAL_COMPILE) != request.config.getoption("fxtv")

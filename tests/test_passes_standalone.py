"""Standalone tests for the `passes` package: each pass fires through its official inductor
hook on its trigger; correct passes keep eager results, faulty ones change them."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
import torch
import torch._inductor.config as inductor_config
from torch.fx.experimental.proxy_tensor import make_fx

from passes import ALL_PASSES, CORRECT_PASSES, FAULTY_PASSES, HOOKS, GraphPass, get_pass
from passes.harness import (
    Observed,
    bitwise_same,
    close_same,
    observed_equal,
    run_compiled,
    run_eager,
)
from validator.bench._spec import ROOT_CAUSES

TAXONOMY = set(ROOT_CAUSES)  # the study's root-cause labels, as the benchmark specs use them


def _ids(passes: list[GraphPass]) -> list[str]:
    return [p.name for p in passes]


@pytest.fixture(autouse=True)
def _reset_dynamo() -> None:
    torch._dynamo.reset()


# --- registry and metadata -------------------------------------------------------------


def test_registry_shape() -> None:
    assert len(CORRECT_PASSES) >= 3
    assert len(FAULTY_PASSES) >= 8
    assert ALL_PASSES == CORRECT_PASSES + FAULTY_PASSES
    assert all(not p.info.faulty for p in CORRECT_PASSES)
    assert all(p.info.faulty for p in FAULTY_PASSES)
    assert len({p.name for p in ALL_PASSES}) == len(ALL_PASSES)
    faulty_hooks = {p.info.hook for p in FAULTY_PASSES}
    assert faulty_hooks & {"joint_custom_pre_pass", "joint_custom_post_pass"}
    assert "pre_grad_custom_pass" in faulty_hooks


def test_catalog_matches_modules() -> None:
    """Every public module of a subpackage has its catalog record, every record its module, and
    each list is in the catalog's order."""
    import importlib
    import pkgutil

    from passes import FAULTS
    from passes._registry import _catalog

    registered = [type(e) for e in ALL_PASSES + FAULTS]
    for package, records in _catalog().items():
        pkg = importlib.import_module(f"passes.{package}")
        modules = {m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")}
        assert modules == set(records), package
        in_package = [
            c.__module__.rpartition(".")[2] for c in registered if c.__module__.startswith(f"passes.{package}.")
        ]
        assert in_package == list(records), package


def test_register_needs_a_catalog_record() -> None:
    from passes import register

    stray = type("Stray", (GraphPass,), {"__module__": "passes.faulty.no_such_module"})
    with pytest.raises(RuntimeError, match=r"catalog.toml has no \[faulty.no_such_module\]"):
        register(stray)


def test_get_pass() -> None:
    for p in ALL_PASSES:
        assert get_pass(p.name) is p
    with pytest.raises(KeyError, match="split_cat_order"):
        get_pass("no_such_pass")


@pytest.mark.parametrize("p", ALL_PASSES, ids=_ids(ALL_PASSES))
def test_info(p: GraphPass) -> None:
    info = p.info
    assert info.hook in HOOKS
    assert info.guilty_targets and info.description
    for target in info.guilty_targets:
        ns, op, overload = target.split(".")
        assert str(getattr(getattr(getattr(torch.ops, ns), op), overload)) == target
    if info.faulty:
        assert info.issue is not None and info.issue.startswith(("pytorch/pytorch#", "synthetic:"))
        assert info.bug_class in TAXONOMY
        doc = sys.modules[type(p).__module__].__doc__ or ""
        # The docstring cites the issue the pass reintroduces, or says which real pass it mutates.
        if info.issue.startswith("pytorch/pytorch#"):
            assert info.issue.split("#")[1] in doc
        else:
            assert "ynthetic" in doc
    else:
        assert info.issue is None and info.bug_class is None


def test_uuid_stable_and_distinct() -> None:
    assert all(p.uuid() == type(p)().uuid() for p in ALL_PASSES)
    assert len({p.uuid() for p in ALL_PASSES}) == len(ALL_PASSES)


def test_installed_restores_config() -> None:
    p = get_pass("split_cat_order")
    before = getattr(inductor_config, p.info.hook)
    with p.installed():
        assert getattr(inductor_config, p.info.hook) is p
    assert getattr(inductor_config, p.info.hook) is before


# --- passes leave unrelated graphs alone ------------------------------------------------


@pytest.mark.parametrize("p", ALL_PASSES, ids=_ids(ALL_PASSES))
def test_no_match_no_change(p: GraphPass) -> None:
    def fn(x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x) * x

    x = torch.randn(4, 8)
    gm = torch.fx.symbolic_trace(fn) if p.is_pre_grad else make_fx(fn)(x)
    before = str(gm.graph)
    p.reset_counters()
    p(gm.graph)
    assert p.last_rewrites == 0 and p.calls == 1
    assert str(gm.graph) == before


def test_correct_guards_reject_promotion() -> None:
    # `bool * 2` and `int * 1.0` promote: neither is a no-op / an add of x with itself.
    def fn(b: torch.Tensor, i: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return b * 2, i * 1.0

    gm = make_fx(fn)(torch.ones(4, dtype=torch.bool), torch.ones(4, dtype=torch.int64))
    for name in ("mul_two_to_add", "fold_mul_one"):
        p = get_pass(name)
        p.reset_counters()
        p(gm.graph)
        assert p.last_rewrites == 0


# --- end to end through torch.compile ---------------------------------------------------


def _compile_with(
    p: GraphPass,
) -> tuple[Callable[..., object], tuple[torch.Tensor, ...], Observed]:
    fn, args = p.trigger()
    p.reset_counters()
    got = run_compiled(fn, args, p)
    assert p.calls >= 1, f"{p.info.hook} never called {p.name}"
    assert p.total_rewrites > 0, f"{p.name} did not fire on its trigger"
    if not p.is_pre_grad:
        # The nodes the pass touched include what a localizer should point at.
        assert set(p.info.guilty_targets) <= p.touched, (p.info.guilty_targets, p.touched)
    return fn, args, got


@pytest.mark.parametrize("p", CORRECT_PASSES, ids=_ids(CORRECT_PASSES))
def test_correct_pass_preserves_results(p: GraphPass) -> None:
    fn, args, got = _compile_with(p)
    ref = run_eager(fn, args)
    assert observed_equal(ref, got, close_same), f"{p.name} changed the result"


@pytest.mark.parametrize("p", FAULTY_PASSES, ids=_ids(FAULTY_PASSES))
def test_faulty_pass_changes_results(p: GraphPass) -> None:
    fn, args, got = _compile_with(p)
    ref = run_eager(fn, args)
    # Control: without the pass, inductor matches eager on the trigger. Where it already
    # matches bit for bit, any difference counts; otherwise the pass must break tolerance.
    base = run_compiled(fn, args)
    if observed_equal(ref, base, bitwise_same):
        assert not observed_equal(ref, got, bitwise_same), f"{p.name}: no observable change"
    else:
        assert observed_equal(ref, base, close_same), f"{p.name}: trigger differs without the pass"
        assert not observed_equal(ref, got, close_same), f"{p.name}: no observable change"


def test_mutation_loss_is_on_the_input() -> None:
    p = get_pass("drop_input_copy")
    fn, args, got = _compile_with(p)
    ref = run_eager(fn, args)
    assert all(close_same(a, b) for a, b in zip(ref.outputs, got.outputs, strict=True))
    assert torch.equal(got.args_after[0], args[0])  # input left unmutated
    assert not torch.equal(ref.args_after[0], args[0])


def test_signed_zero_is_the_difference() -> None:
    p = get_pass("add_zero_signed")
    fn, args, got = _compile_with(p)
    ref = run_eager(fn, args)
    zero = args[0] == 0
    (r,), (g,) = ref.outputs, got.outputs
    assert torch.equal(r[~zero], g[~zero])
    assert torch.equal(torch.signbit(r[zero]), ~torch.signbit(g[zero]))  # +inf vs -inf


class _Tiny(torch.nn.Module):
    """A model where every correct pass has something to rewrite, trained-mode (joint graph)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x) * 2
        y = y.permute(0, 2, 3, 1).permute(0, 1, 3, 2)
        return (y * 1.0) / 4.0


def test_correct_passes_together_on_a_model() -> None:
    torch.manual_seed(0)
    model, x = _Tiny(), torch.randn(1, 3, 4, 4)
    for p in CORRECT_PASSES:
        p.reset_counters()
    got = run_compiled(model, (x,), CORRECT_PASSES)
    fired = {p.name for p in CORRECT_PASSES if p.total_rewrites}
    assert fired == {p.name for p in CORRECT_PASSES}
    assert observed_equal(run_eager(model, (x,)), got, close_same)

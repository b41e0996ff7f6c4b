"""Stand-alone check that every zoo case is correct under plain inductor.

Uses only torch (not the validator), so a zoo case that fails here is a bug
in the zoo or in inductor, never a false alarm of fxtv.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
import torch._dynamo
import torch._functorch.config
import torch._inductor.config
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from validator.zoo import ZOO, ZooCase, get_case

COMPILE_TIMES: dict[str, float] = {}


def _tols(dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol): inductor reorders reductions and fuses differently."""
    if dtype in (torch.bfloat16, torch.float16):
        return 2e-2, 2e-2
    return 1e-4, 1e-5


def _clone(obj: Any) -> Any:
    # Fresh leaves per run: mutation cases write into inputs, and training
    # cases accumulate .grad on inputs.
    if isinstance(obj, torch.Tensor):
        return obj.detach().clone().requires_grad_(obj.requires_grad)
    return obj


def _close(actual: Any, expected: Any, what: str, low_precision: bool = False) -> None:
    """``low_precision``: the program rounds through fp16/bf16, which inductor may skip
    (``emulate_precision_casts`` is off), so float32 results get half-precision tolerances."""
    flat_a, spec_a = torch.utils._pytree.tree_flatten(actual)
    flat_e, spec_e = torch.utils._pytree.tree_flatten(expected)
    assert spec_a == spec_e, f"{what}: structure {spec_a} != {spec_e}"
    for i, (a, e) in enumerate(zip(flat_a, flat_e, strict=True)):
        if isinstance(e, torch.Tensor):
            rtol, atol = _tols(torch.float16 if low_precision and e.is_floating_point() else e.dtype)
            try:
                torch.testing.assert_close(a, e, rtol=rtol, atol=atol, equal_nan=True)
            except AssertionError as err:
                raise AssertionError(f"{what}[{i}]: {err}") from None
        else:
            assert a == e, f"{what}[{i}]: {a!r} != {e!r}"


def _grads(fn: Any, inputs: tuple[Any, ...]) -> dict[str, torch.Tensor | None]:
    grads: dict[str, torch.Tensor | None] = {}
    if isinstance(fn, nn.Module):
        for name, p in fn.named_parameters():
            grads[f"param:{name}"] = p.grad
    for i, x in enumerate(inputs):
        if isinstance(x, torch.Tensor) and x.requires_grad:
            grads[f"input:{i}"] = x.grad
    return grads


def _run(case: ZooCase, fn: Any, inputs: tuple[Any, ...]) -> Any:
    if "random" in case.tags:
        torch.manual_seed(1234)  # same RNG stream for eager and compiled
    out = fn(*inputs)
    if case.training:
        out.backward()
    return out


@pytest.fixture(autouse=True)
def _fresh_dynamo() -> Iterator[None]:
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


@pytest.fixture(scope="module", autouse=True)
def _report_times() -> Iterator[None]:
    yield
    if COMPILE_TIMES:
        print("\nzoo compile+first-run times:")
        for name, secs in COMPILE_TIMES.items():
            print(f"  {name:26s} {secs:6.2f}s")
        print(f"  {'total':26s} {sum(COMPILE_TIMES.values()):6.2f}s")


def test_zoo_shape() -> None:
    names = [c.name for c in ZOO]
    assert len(ZOO) >= 14
    assert len(set(names)) == len(names)
    for required in ("transformer_block", "transformer_block_train"):
        assert required in names
    assert get_case("transformer_block_train").training
    assert any(c.dynamic for c in ZOO)
    assert any("random" in c.tags for c in ZOO)
    # At most one case may take a non-tensor argument.
    with_ints = [
        c.name
        for c in ZOO
        if any(not isinstance(a, torch.Tensor) for a in c.build()[1])
    ]
    assert len(with_ints) <= 1, with_ints


def test_get_case_unknown_lists_names() -> None:
    with pytest.raises(KeyError, match="transformer_block"):
        get_case("no_such_case")


@pytest.mark.parametrize("case", ZOO, ids=lambda c: c.name)
def test_build_is_deterministic(case: ZooCase) -> None:
    fn1, in1 = case.build()
    fn2, in2 = case.build()
    _close(in2, in1, "inputs")
    if isinstance(fn1, nn.Module):
        assert isinstance(fn2, nn.Module)
        _close(fn2.state_dict(), fn1.state_dict(), "state_dict")
        grads = {p.requires_grad for p in fn1.parameters()}
        assert grads <= {case.training}, "params' requires_grad must match training"


@pytest.mark.parametrize("case", ZOO, ids=lambda c: c.name)
def test_compiled_matches_eager(case: ZooCase) -> None:
    fn, inputs = case.build()
    eager_in = tuple(_clone(x) for x in inputs)
    comp_in = tuple(_clone(x) for x in inputs)

    with torch._inductor.config.patch(fallback_random="random" in case.tags):
        expected = _run(case, fn, eager_in)
        eager_grads = _grads(fn, eager_in)
        # a fresh, identical copy for the compiled run: modules may hold state the run mutated
        fn, _ = case.build()

        compiled = torch.compile(fn, backend="inductor", dynamic=case.dynamic)
        with (
            torch._inductor.config.patch(fx_graph_cache=False),
            torch._functorch.config.patch(enable_autograd_cache=False),
        ):
            start = time.perf_counter()
            actual = _run(case, compiled, comp_in)
            COMPILE_TIMES[case.name] = time.perf_counter() - start

    print(f"[zoo] {case.name}: compile+run {COMPILE_TIMES[case.name]:.2f}s")
    _close(actual, expected, "output", low_precision=bool({"fp16", "bf16"} & set(case.tags)))
    # Mutated inputs are outputs too.
    _close(comp_in, eager_in, "inputs after call")
    if case.training:
        comp_grads = _grads(fn, comp_in)
        assert comp_grads.keys() == eager_grads.keys()
        assert all(g is not None for g in eager_grads.values())
        _close(comp_grads, eager_grads, "grads")

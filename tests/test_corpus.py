"""The program generator: valid, finite, shrinkable programs; op specs checked on load; targets."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings

from validator.corpus import Program, Target, default_ops, load_ops, programs, target_from_pattern
from validator.corpus._kinds import KINDS
from validator.hunt._programs import hunt_ops

_FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def test_every_kind_has_an_op_and_every_op_a_kind() -> None:
    ops = hunt_ops()  # ops.toml and the hunt's hunt_ops.toml together
    assert {o.kind for o in ops} == set(KINDS)
    assert {o.kind for o in default_ops()} <= set(KINDS)


@given(programs(hunt_ops(), max_ops=6, input_dtypes=(torch.bool, torch.int64, torch.complex64, torch.bfloat16)))
@_FAST
def test_hunt_ops_build_valid_programs_over_every_input_dtype(program: Program) -> None:
    outs = program.fn()(*program.make_inputs())
    assert outs and all(isinstance(o, torch.Tensor) for o in outs)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('[[op]]\nname = "a"\nkind = "nope"\nexpr = "{x}"\n', "unknown kind"),
        ('[[op]]\nname = "a"\nkind = "scalar"\nexpr = "{x} * {c}"\n', "needs consts"),
        ('[[op]]\nname = "a"\nkind = "unary"\n', "missing field"),
        ('[[op]]\nname = "a"\nkind = "unary"\nexpr = "{x}"\ncolour = 1\n', "unknown field"),
        ('[[op]]\nname = "a"\nkind = "unary"\nexpr = "{x}"\n[[op]]\nname = "a"\nkind = "unary"\nexpr = "{x}"\n', "dup"),
    ],
)
def test_bad_op_specs_are_refused(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "ops.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=error):
        load_ops(path)


@_FAST
@given(programs(max_ops=6))
def test_generated_programs_run_and_stay_finite(program) -> None:  # type: ignore[no-untyped-def]
    """What the generator promises: the source runs on its inputs, every output is finite (special
    values belong to their own trial), every input is used, and the op count is bounded."""
    assert 1 <= len(program.statements) <= 6
    out = program.fn()(*program.make_inputs())
    assert isinstance(out, tuple) and out
    for t in out:
        assert isinstance(t, torch.Tensor)
        if t.is_floating_point():
            assert torch.isfinite(t).all(), program.source
    used = {i.name for i in program.inputs}
    assert all(f"{name}" in program.source.split("\n", 1)[1] for name in used)


def test_inputs_are_reproducible_and_independent() -> None:
    from validator.corpus import InputSpec

    a, b = InputSpec("x0", (3, 4), torch.float32), InputSpec("x2", (3, 4), torch.float32)
    assert torch.equal(a.make(5), a.make(5))
    assert not torch.equal(a.make(5), b.make(5))


def _search(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.mm(a, b) * 2.0


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(programs(max_ops=3, targets=[Target("pattern0", _search, (torch.randn(4, 6), torch.randn(6, 5)))]))
def test_targeted_programs_plant_the_target_with_consistent_shapes(program) -> None:  # type: ignore[no-untyped-def]
    if "targeted" not in program.tags:
        return  # planting can fail only when the pattern rejects the drawn operands
    assert "pattern" in program.ops
    program.fn()(*program.make_inputs())  # the inner dimension was renamed consistently


def test_target_from_a_pattern_expression() -> None:
    from torch._inductor.pattern_matcher import CallFunction, KeywordArg

    aten = torch.ops.aten
    pattern = CallFunction(aten.add.Tensor, CallFunction(aten.mm.default, KeywordArg("a"), KeywordArg("b")), 1)
    t = target_from_pattern(pattern, "p")
    assert t is not None and len(t.example_inputs) == 2
    a, b = t.example_inputs
    torch.testing.assert_close(t.fn(a, b), a @ b + 1)

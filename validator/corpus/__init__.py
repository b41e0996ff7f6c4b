"""Corpora for checking a pass: random valid programs, and programs built around a pass's pattern.

    from hypothesis import given
    from validator.corpus import programs

    @given(programs(max_ops=6))
    def test_my_pass(program): check(program.fn(), program.make_inputs())

The generator is NNSmith-style (op specs with constraints in ``specs/ops.toml``, one kind per
shape rule) on Hypothesis draws, so a failing program shrinks to a few simple ops.
"""

from ._ops import OpSpec, default_ops, load_ops
from ._program import InputSpec, Program, Statement
from ._strategies import programs
from ._target import Target, target_from_pattern

__all__ = [
    "InputSpec",
    "OpSpec",
    "Program",
    "Statement",
    "Target",
    "default_ops",
    "load_ops",
    "programs",
    "target_from_pattern",
]

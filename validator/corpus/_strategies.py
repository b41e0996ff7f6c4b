"""Hypothesis strategies for random, valid programs (optionally built around a pass's targets)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from hypothesis import strategies as st

from ._builder import INPUT_DTYPES, Builder
from ._kinds import KINDS
from ._ops import OpSpec, default_ops
from ._program import Program
from ._target import Target, plant


def programs(
    ops: Sequence[OpSpec] | None = None,
    *,
    max_ops: int = 6,
    targets: Sequence[Target] = (),
    input_dtypes: Sequence[torch.dtype] = INPUT_DTYPES,
) -> st.SearchStrategy[Program]:
    """Programs of 1 to ``max_ops`` ops over 1-2 inputs of ``input_dtypes``; with ``targets``, each
    program also calls one of them somewhere among its ops (tagged "targeted")."""
    table = tuple(ops or default_ops())
    if not table:
        raise ValueError("no ops to generate from")

    @st.composite
    def program(draw: Any) -> Program:
        b = Builder({t.name: t.fn for t in targets}, input_dtypes=tuple(input_dtypes))
        for _ in range(draw(st.integers(1, 2))):
            b.draw_input(draw)
        target = draw(st.sampled_from(tuple(targets))) if targets else None
        n = draw(st.integers(0 if target else 1, max_ops))
        at = draw(st.integers(0, n)) if target else -1
        planted = False
        for i in range(n + 1):
            if i == at and target is not None:
                planted = plant(draw, b, target)
            if i < n:
                op = draw(st.sampled_from(table))
                KINDS[op.kind](draw, b, op)
        return b.build(("targeted",) if planted else ())

    return program()

"""Every rewrite of every zoo compile, static and dynamic, is proved (slow: ~2.5 min)."""

from __future__ import annotations

import pytest
import torch

from validator.capture import capture
from validator.symbolic import SymbolicOptions, check_trace
from validator.symbolic._crosscheck import crosscheck_rewrite
from validator.zoo import ZOO, ZooCase


@pytest.mark.slow
@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
@pytest.mark.parametrize("case", ZOO, ids=lambda c: c.name)
def test_zoo_obligations_proved(case: ZooCase, dynamic: bool) -> None:
    fn, args = case.build()
    with capture() as trace:
        out = torch.compile(fn, dynamic=dynamic)(*args)
        if case.training:
            (out if out.dim() == 0 else out.sum()).backward()
    res = check_trace(trace, SymbolicOptions(timeout_ms=20_000))
    assert res.errors == []
    not_proved = [(o.kind, o.subject, o.before, o.after, o.status, o.verdict.reason) for o in res.obligations
                  if o.status != "proved"]
    assert not_proved == []
    for rw in trace.index_rewrites:
        assert crosscheck_rewrite(rw, n=8).contradictions == []

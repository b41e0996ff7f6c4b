"""Inductor's default passes on the zoo: every checked step equivalent, nothing unexplained."""

import pytest

from validator import validate
from validator.zoo import ZOO, ZooCase


@pytest.mark.parametrize("case", ZOO, ids=lambda c: c.name)
def test_zoo_no_false_alarm(case: ZooCase) -> None:
    fn, args = case.build()
    report = validate(fn, *args, dynamic=case.dynamic, training=case.training, name=case.name)
    data = report.to_json()
    assert report.verdict == "equivalent", data["guilty"]
    assert data["tool_errors"] == []
    checked = [s for s in data["steps"] if s["trials"]]
    # at least the AOT trace and the lowering were really run on inputs
    assert any(s["kind"] == "aot" for s in checked)
    assert any(s["kind"] == "lowering" for s in checked)
    if case.training:
        assert any(s["kind"] == "partition" for s in checked)
        assert {g["role"] for g in data["graphs"]} >= {"joint", "forward", "backward"}

"""Each faulty pass is blamed on its own step and node; correct passes raise no alarm."""

import pytest

from passes import CORRECT_PASSES, FAULTY_PASSES, GraphPass
from validator import validate
from validator.fx import op_base

# Faults that fxtv must miss by design, with the reason (kept visible, not skipped silently).
BELOW_TOLERANCE = {
    # x / c -> x * (1/c) differs by at most 1 ulp (pytorch/pytorch#157959): within any
    # floating-point tolerance; a bitwise oracle would be needed to see it.
    "div_to_reciprocal_mul",
}


def _validate_with(p: GraphPass):
    """Compile the pass's trigger with the pass installed; the pass must fire."""
    fn, args = p.trigger()
    p.reset_counters()
    with p.installed():
        report = validate(fn, *args, name=p.name)
    assert p.total_rewrites > 0, "the trigger must make the pass fire"
    return report


@pytest.mark.parametrize("p", FAULTY_PASSES, ids=lambda p: p.name)
def test_faulty_pass_is_localized(p: GraphPass) -> None:
    report = _validate_with(p)
    if p.name in BELOW_TOLERANCE:
        assert report.verdict == "equivalent"
        return
    assert report.verdict == "diverged", report.to_json()["steps"]
    assert report.exit_code == 1
    guilty = report.guilty
    assert guilty is not None
    # the step is the hook the pass was installed on (or one pattern application inside it), not a neighbour
    assert p.info.hook in guilty.qualified_name.split(" > "), guilty.qualified_name
    blame = report.localization.blame
    assert blame is not None
    expected = {op_base(t) for t in p.info.guilty_targets}
    named = {op_base(blame.op), op_base(blame.counterpart_op)} | {op_base(o) for _, o in blame.created}
    assert expected & named, (expected, blame.to_json())


@pytest.mark.parametrize("p", CORRECT_PASSES, ids=lambda p: p.name)
def test_correct_pass_no_alarm(p: GraphPass) -> None:
    report = _validate_with(p)
    assert report.verdict == "equivalent", report.to_json()["guilty"]
    step = next(v for v in report.localization.verdicts if v.step.name == p.info.hook)
    assert step.verdict == "equivalent" and step.check.trials, "the pass's own step must have been checked"

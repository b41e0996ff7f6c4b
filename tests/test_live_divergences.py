"""Live divergences of the installed torch: fxtv reports each at its step, confirmed end to end.

No fault is injected: on these programs inductor itself changes results on special values (or
the output layout). fxtv must name the step, and for a difference seen only on special values,
confirm that the compiled program differs too (otherwise it is only a warning).
"""

import pytest

from validator import validate
from validator.zoo import LIVE, LiveDivergence


@pytest.mark.parametrize("live", LIVE, ids=lambda d: d.case.name)
def test_live_divergence_reported_and_confirmed(live: LiveDivergence) -> None:
    c = live.case
    fn, args = c.build()
    report = validate(fn, *args, dynamic=c.dynamic, training=c.training, name=c.name)
    g = report.guilty
    assert report.verdict == "diverged", f"{c.name}: {live.note}"
    if g is None:
        # a divergence no captured step shows: the fidelity check reports it and the bisector
        # names the stage and what it switched (live.step)
        gap = report.fidelity.gap
        assert report.unlocalized and gap is not None, report.to_json()["fidelity"]
        assert gap.stage == live.stage and live.step in (gap.detail or ""), gap.summary()
        return
    assert g.step.stage == live.stage and live.step in g.qualified_name, g.qualified_name
    bad = [t for t in g.check.trials if t.diverged]
    if bad and all(t.special for t in bad):
        assert g.check.confirmed, "a special-values-only divergence must be seen in the compiled program"
    elif not bad:
        assert g.refuted, "without a numeric divergence, a refuted proof (the layout) is the evidence"

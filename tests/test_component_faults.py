"""Faults outside FX passes (decompositions, partitioner, reinplacing, lowerings): each takes
effect on its trigger, fxtv blames its component's step, and installing it leaves no trace."""

import pytest
import torch

from passes.components import COMPONENT_FAULTS, Fault, needs_training
from validator import validate


def _state() -> dict[str, object]:
    from torch._inductor import decomposition, lowering
    from torch._inductor.fx_passes import post_grad

    return {
        "lowerings": dict(lowering.lowerings),
        "decompositions": dict(decomposition.decompositions),
        "reinplace": post_grad.reinplace_inplaceable_ops,
        "partitioner": torch._inductor.config.custom_partitioner_fn,
    }


@pytest.mark.parametrize("fault", COMPONENT_FAULTS, ids=lambda f: f.name)
def test_component_fault_is_blamed_on_its_step(fault: Fault) -> None:
    before = _state()
    fn, args = fault.trigger()
    with fault.installed():
        report = validate(fn, *args, training=needs_training(fault), name=fault.name)
    assert fault.fired > 0, "the trigger must make the fault take effect"
    assert _state() == before, "installing the fault must leave inductor as it was"
    g = report.guilty
    assert report.verdict == "diverged" and g is not None
    assert (g.step.stage, g.step.name) == (fault.info.stage, fault.info.step), g.qualified_name
    if fault.info.component == "lowering":
        below = report.localization.below
        assert below is not None and below.component == "lowering"
        assert fault.info.guilty.split(".")[-1] in below.culprit
    elif fault.info.component == "decomposition":
        blame = report.localization.blame
        assert blame is not None and blame.first_diverging is not None, blame

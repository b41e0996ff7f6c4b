"""Faults in compiler components that are not FX graph passes, each with its ground truth.

Broken decompositions (entries of inductor's decomposition table), a broken partitioner
(through ``config.custom_partitioner_fn``), a broken reinplacing pass (wrapping
``fx_passes.post_grad.reinplace_inplaceable_ops``) and broken lowerings (entries of
``lowering.lowerings``). ``fault.info.stage`` / ``fault.info.step`` name the captured step a
localizer must blame; partitioner faults need a training compile (``training=True``).
COMPONENT_FAULTS is every ``@register``-ed class in this package.
"""

from .._fault import COMPONENTS, Fault, FaultInfo
from .._registry import discover_faults

COMPONENT_FAULTS: list[Fault] = discover_faults(__name__)


def _of(component: str) -> list[Fault]:
    return [f for f in COMPONENT_FAULTS if f.info.component == component]


DECOMPOSITION_FAULTS = _of("decomposition")
PARTITIONER_FAULTS = _of("partitioner")
REINPLACE_FAULTS = _of("reinplace")
LOWERING_FAULTS = _of("lowering")


def needs_training(fault: Fault) -> bool:
    """Whether the fault's component only runs in a training compile (the partitioner)."""
    return fault.info.component == "partitioner"


__all__ = [
    "COMPONENTS",
    "COMPONENT_FAULTS",
    "DECOMPOSITION_FAULTS",
    "LOWERING_FAULTS",
    "PARTITIONER_FAULTS",
    "REINPLACE_FAULTS",
    "Fault",
    "FaultInfo",
    "needs_training",
]

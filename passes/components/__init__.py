"""Faults in compiler components that are not FX graph passes, each with its ground truth.

Broken decompositions (entries of inductor's decomposition table), a broken partitioner
(through ``config.custom_partitioner_fn``), a broken reinplacing pass (wrapping
``fx_passes.post_grad.reinplace_inplaceable_ops``) and broken lowerings (entries of
``lowering.lowerings``). ``fault.info.stage`` / ``fault.info.step`` name the captured step a
localizer must blame; partitioner faults need a training compile (``training=True``).
"""

from .._fault import COMPONENTS, Fault, FaultInfo
from .addcmul_value_dropped import AddcmulValueDropped
from .avg_pool_ceil_divisor import AvgPoolCeilDivisor
from .batch_norm_weight_view import BatchNormWeightView
from .clamp_min_nan_dropped import ClampMinNanDropped
from .gelu_tanh_ignored import GeluTanhIgnored
from .isin_scalar_shape import IsinScalarShape
from .logit_eps_unclamped import LogitEpsUnclamped
from .partition_drop_mutation import PartitionDropMutation
from .partition_swap_saved import PartitionSwapSaved
from .reinplace_live_input import ReinplaceLiveInput
from .reinplace_overlapping_views import ReinplaceOverlappingViews
from .std_mean_int_correction import StdMeanIntCorrection

DECOMPOSITION_FAULTS: list[Fault] = [
    BatchNormWeightView(),
    StdMeanIntCorrection(),
    LogitEpsUnclamped(),
    AddcmulValueDropped(),
    GeluTanhIgnored(),
    IsinScalarShape(),
]
PARTITIONER_FAULTS: list[Fault] = [PartitionSwapSaved(), PartitionDropMutation()]
REINPLACE_FAULTS: list[Fault] = [ReinplaceLiveInput(), ReinplaceOverlappingViews()]
LOWERING_FAULTS: list[Fault] = [AvgPoolCeilDivisor(), ClampMinNanDropped()]

COMPONENT_FAULTS: list[Fault] = DECOMPOSITION_FAULTS + PARTITIONER_FAULTS + REINPLACE_FAULTS + LOWERING_FAULTS

if len({f.name for f in COMPONENT_FAULTS}) != len(COMPONENT_FAULTS):
    raise RuntimeError("duplicate fault names")


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
    "AddcmulValueDropped",
    "AvgPoolCeilDivisor",
    "BatchNormWeightView",
    "ClampMinNanDropped",
    "Fault",
    "FaultInfo",
    "GeluTanhIgnored",
    "IsinScalarShape",
    "LogitEpsUnclamped",
    "PartitionDropMutation",
    "PartitionSwapSaved",
    "ReinplaceLiveInput",
    "ReinplaceOverlappingViews",
    "StdMeanIntCorrection",
    "needs_training",
]

"""Faults below the FX graph (lowering, fusion, codegen), each with its ground truth."""

from .._fault import COMPONENTS, Fault, FaultInfo
from .fuse_across_mutation import FuseAcrossMutation
from .remainder_as_fmod import RemainderAsFmod
from .vec_minimum_swapped import VecMinimumSwapped

BELOW_FX_FAULTS: list[Fault] = [RemainderAsFmod(), FuseAcrossMutation(), VecMinimumSwapped()]

__all__ = [
    "BELOW_FX_FAULTS",
    "COMPONENTS",
    "Fault",
    "FaultInfo",
    "FuseAcrossMutation",
    "RemainderAsFmod",
    "VecMinimumSwapped",
]

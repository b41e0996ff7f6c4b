"""Faults below the FX graph (lowering, fusion, codegen), each with its ground truth:
every ``@register``-ed class in this package."""

from .._fault import COMPONENTS, Fault, FaultInfo
from .._registry import discover_faults

BELOW_FX_FAULTS: list[Fault] = discover_faults(__name__)

__all__ = ["BELOW_FX_FAULTS", "COMPONENTS", "Fault", "FaultInfo"]

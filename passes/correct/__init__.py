"""Semantics-preserving passes (the control group): every ``@register``-ed class in this package."""

from .._base import GraphPass
from .._registry import discover_passes

CORRECT_PASSES: list[GraphPass] = discover_passes(__name__)

__all__ = ["CORRECT_PASSES"]

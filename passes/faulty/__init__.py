"""Passes that each reintroduce one documented historical torch.compile bug
or a synthetic mutant of a real inductor rewrite: every ``@register``-ed class in this package."""

from .._base import GraphPass
from .._registry import discover_passes

FAULTY_PASSES: list[GraphPass] = discover_passes(__name__)

__all__ = ["FAULTY_PASSES"]

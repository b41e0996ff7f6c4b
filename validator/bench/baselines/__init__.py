"""The techniques fxtv is measured against, one module each, run on the same cases."""

from . import bisector, e2e

__all__ = ["bisector", "e2e"]

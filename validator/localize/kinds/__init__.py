"""Step kinds: one module per kind of captured step, each owning how its two sides are fed the
same inputs, checked, observed through the compiled program, and blamed.

    fx         a pass rewrote an FX graph (pre-grad, joint-graph, post-grad, pattern, custom)
    aot        AOTAutograd traced a Dynamo graph into a functional ATen graph
    partition  the joint graph was split into forward and backward
    lowering   an FX graph became generated code (lowering, fusion, codegen; other devices)

A new kind is one module with a ``@register``-ed ``StepKindHandler`` subclass, imported below.
"""

from . import aot, fx, lowering, partition  # noqa: F401  (registration)
from ._base import Blame, BlameContext, StepKindHandler, handler_for, handlers, register, symbolic_blame

__all__ = ["Blame", "BlameContext", "StepKindHandler", "handler_for", "handlers", "register", "symbolic_blame"]

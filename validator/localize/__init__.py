"""Localize: check the trace's steps in pipeline order; the first that diverges is guilty."""

from ._nodes import NodeBlame, blame_nodes, op_name
from ._options import LocalizeOptions
from ._steps import Localization, check_step, localize
from ._verdict import StepVerdict
from .kinds import StepKindHandler, handler_for, register

__all__ = [
    "LocalizeOptions",
    "Localization",
    "NodeBlame",
    "StepKindHandler",
    "StepVerdict",
    "blame_nodes",
    "check_step",
    "handler_for",
    "localize",
    "op_name",
    "register",
]

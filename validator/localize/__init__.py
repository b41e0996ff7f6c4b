"""Localize: check the trace's steps in pipeline order; the first that diverges is guilty."""

from ._nodes import NodeBlame, blame_nodes, op_name
from ._steps import Localization, StepVerdict, localize

__all__ = ["Localization", "NodeBlame", "StepVerdict", "blame_nodes", "localize", "op_name"]

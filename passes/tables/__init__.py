"""Faults in the tables inductor reads at compile time, each placed where only that table holds it.

A fault in one table (and not its sibling) is the case a capture must not get wrong: inductor
picks the decomposition table by ``config.fallback_random`` (``select_decomp_table()``), the
lowering of a fallback op is a handler in ``lowerings`` built by ``fallback_handler``, and a code
path can depend on a config flag the capture itself sets. fxtv must see each fault exactly as the
user's own ``torch.compile`` does, and name it. The list is every ``@register``-ed class here.
"""

from .._fault import Fault
from .._registry import discover_faults

TABLE_FAULTS: list[Fault] = discover_faults(__name__)

__all__ = ["TABLE_FAULTS"]

"""Minimize: shrink a guilty FX step's before/after pair to a small pair that still diverges.

    shrunk = shrink_guilty(report.localization, report.trace.lowering_stubs)
    shrunk.pair.before, shrunk.pair.after, shrunk.pair.inputs   # the minimal diverging pair
    shrink_pair(before, after, inputs, mismatch, blame)         # any two graphs, same placeholders

Shrinking runs graphs: both sides return only what shows the divergence, then ddmin cuts the
nodes upstream of the rewrite (fed with their recorded values) while a mismatch of the same kind
remains under fxtv's own comparison rules (``pair_mismatches``). Only fx steps (two graphs with
one signature) are supported (``SUPPORTED_KINDS``).

``literal`` / ``float_literal`` write the exact Python source of the values a shrunk pair is fed
with and ``encodable`` says which values they can write (a cut is fed only with those); the repro
script printer (``validator.report``) builds on this package, never the reverse.
"""

from ._ddmin import shrink_pair
from ._literals import encodable, float_literal, literal
from ._pair import ShrunkPair, count_nodes, pair_mismatches
from ._step import SUPPORTED_KINDS, ShrunkGuilty, check_supported, shrink_guilty, shrink_step

__all__ = [
    "SUPPORTED_KINDS",
    "ShrunkGuilty",
    "ShrunkPair",
    "check_supported",
    "count_nodes",
    "encodable",
    "float_literal",
    "literal",
    "pair_mismatches",
    "shrink_guilty",
    "shrink_pair",
    "shrink_step",
]

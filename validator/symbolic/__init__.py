"""Symbolic checking: Z3 proofs that a compile keeps shape, stride and index arithmetic.

    result = check_trace(trace)              # after ``with capture() as trace: ...``
    for ob in result.refuted: print(ob.subject, ob.before, ob.after, ob.verdict.counterexample)

Expressions are translated to pure-integer Z3 terms, each inductor function with its own
semantics. A verdict is "proved", "refuted" (with a counterexample replayed concretely),
"unknown" (timeout) or "unsupported" (a function we do not model); never "proved" otherwise.
"""

from ._domain import Domain
from ._obligation import (
    DTYPE,
    FUSION,
    INDEX,
    INDEX_BASE,
    INT32,
    LOOP_MERGE,
    SHAPE,
    STRIDE,
    VIEW_MAP,
    Obligation,
    SymbolicResult,
)
from ._run import SymbolicOptions, check_trace
from ._solver import Verdict, prove_equal, prove_holds, prove_in_range

__all__ = [
    "DTYPE",
    "FUSION",
    "INDEX",
    "INDEX_BASE",
    "INT32",
    "LOOP_MERGE",
    "SHAPE",
    "STRIDE",
    "VIEW_MAP",
    "Domain",
    "Obligation",
    "SymbolicOptions",
    "SymbolicResult",
    "Verdict",
    "check_trace",
    "prove_equal",
    "prove_holds",
    "prove_in_range",
]

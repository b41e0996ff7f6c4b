"""Every closed vocabulary fxtv uses, as string enums (they compare equal to, and serialise as,
their values, so the JSON report and older callers that compare with strings are unchanged)."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """What a check says about one step, one program, or one report."""

    EQUIVALENT = "equivalent"
    DIVERGED = "diverged"
    UNCHANGED = "unchanged"  # the step did not change its graph: nothing to check
    NOT_RUN = "not-run"  # the step could not be checked (no inputs, no snapshot...): says why
    TOOL_ERROR = "tool-error"  # fxtv itself failed on the step
    ERROR = "error"  # the user's compile or compiled run failed (reports only)
    # reports only: no step diverges and the user's torch.compile agrees with eager by fxtv's
    # rounding model, but not by torch.testing.assert_close's default tolerances; neither a
    # divergence nor "equivalent", so the user's own test of the compile is not a surprise
    ROUNDING = "rounding"


class Stage(StrEnum):
    """Inductor's pipeline stages, in order; also the labels used in reports."""

    PRE_GRAD = "pre_grad"
    AOT = "aot"
    JOINT = "joint"
    PARTITION = "partition"
    POST_GRAD = "post_grad"
    LOWERING = "lowering"


class StepKind(StrEnum):
    """What a step's before and after sides are; each kind is checked by its own module in
    ``validator.localize.kinds``."""

    FX = "fx"  # both sides are GraphModules with the same signature
    AOT = "aot"  # Dynamo graph -> functionalized, decomposed aten graph
    PARTITION = "partition"  # joint graph -> (forward, backward)
    LOWERING = "lowering"  # last FX graph -> compiled callable


class ProofStatus(StrEnum):
    """A symbolic obligation's outcome; "proved" is never said of what was not proved."""

    PROVED = "proved"
    REFUTED = "refuted"
    UNKNOWN = "unknown"


class ObligationKind(StrEnum):
    """What a symbolic obligation claims."""

    INDEX = "index"  # an index rewrite inductor performed during lowering / scheduling
    LOOP_MERGE = "loop_merge"  # a merge of loop dimensions (formula under the merged loop nest)
    INT32 = "int32"  # an index printed with 32-bit arithmetic cannot overflow
    # a ModularIndexing base the rewrite introduced is never negative: the C++ printer takes its
    # modulus with C's ``%``, which is Python's only for non-negative operands
    INDEX_BASE = "index_base"
    SHAPE = "shape"  # an FX step keeps a graph output's size
    STRIDE = "stride"  # ... its strides
    DTYPE = "dtype"  # ... its dtype
    VIEW_MAP = "view_map"  # a rewritten chain of view ops maps every element to the same source element
    FUSION = "fusion"  # a fused kernel's loads and stores of one location are safe in a single loop


STAGES: tuple[Stage, ...] = tuple(Stage)

__all__ = ["STAGES", "ObligationKind", "ProofStatus", "Stage", "StepKind", "Verdict"]

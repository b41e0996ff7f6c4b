"""What to shrink: a step's pair, or a localization's guilty step on its diverging trial."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...capture import Step
from ...kinds import StepKind
from ...numeric import Mismatch, TrialResult
from .. import Localization, NodeBlame, StepVerdict
from ._ddmin import shrink_pair
from ._pair import ShrunkPair

# Step kinds whose sides are two FX graphs with the same signature (aot, partition and
# lowering steps change what a graph is).
SUPPORTED_KINDS = (StepKind.FX,)


def check_supported(step: Step, subject: str, note: str = "") -> None:
    """Raise NotImplementedError unless ``step`` (named ``subject`` in the message) can be shrunk."""
    if step.kind not in SUPPORTED_KINDS:
        raise NotImplementedError(
            f"repro scripts support graph-to-graph steps (kind {', '.join(map(repr, SUPPORTED_KINDS))}) only; "
            f"{subject} is a {step.kind!r} step{note}"
        )


def shrink_step(
    step: Step,
    inputs: Sequence[Any],
    mismatch: Mismatch | None = None,
    blame: NodeBlame | None = None,
    stubs: dict[int, Any] | None = None,
) -> ShrunkPair:
    """Shrink ``step``'s before/after pair on ``inputs`` (see ``shrink_pair``); fx steps only."""
    check_supported(step, f"step {step.name!r}")
    return shrink_pair(step.before, step.after, inputs, mismatch, blame, stubs)


@dataclass(frozen=True)
class ShrunkGuilty:
    """A localization's guilty step shrunk on its first diverging trial, and what chose the shrink."""

    verdict: StepVerdict  # the guilty step
    trial: TrialResult  # its first diverging trial: the inputs shrunk on
    mismatch: Mismatch | None  # that trial's first mismatch: its kind must survive every cut
    blame: NodeBlame | None  # the first diverging node: the smallest target tried
    pair: ShrunkPair


def shrink_guilty(localization: Localization | None, stubs: dict[int, Any] | None = None) -> ShrunkGuilty:
    """Shrink the guilty FX step of ``localization`` (``stubs``: the trace's lowering stubs).

    ValueError when there is no guilty step or no diverging trial inputs (a refuted proof only),
    NotImplementedError when the guilty step is not an fx step.
    """
    g = localization.guilty if localization is not None else None
    if localization is None or g is None:
        raise ValueError("the report has no guilty step: nothing to reproduce")
    check_supported(
        g.step,
        f"the guilty step {g.qualified_name!r}",
        " (aot, partition and lowering steps are not supported)",
    )
    failing = g.check.first_failure
    if failing is None or failing.inputs is None:
        raise ValueError(f"{g.qualified_name}: no diverging trial inputs (the divergence is a refuted proof only)")
    m = failing.mismatches[0] if failing.mismatches else None
    pair = shrink_step(g.step, failing.inputs, m, localization.blame, stubs)
    return ShrunkGuilty(g, failing, m, localization.blame, pair)

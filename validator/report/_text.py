"""Plain-text phrases the terminal and the HTML renderings share (each escapes them its own way)."""

from __future__ import annotations

from ..fidelity import Fidelity
from ..localize.below_fx import Probe
from ._model import Report


def tool_errors(report: Report) -> list[str]:
    """fxtv's own failures: the capture's, the symbolic check's and each step check's."""
    loc = report.localization
    return (
        report.trace.tool_errors
        + (report.symbolic.errors if report.symbolic else [])
        + [f"{v.qualified_name}: {v.check.reason}" for v in (loc.tool_errors if loc else [])]
    )


def fidelity_line(fid: Fidelity) -> str:
    """One line on the plain torch.compile against eager, when the capture did not miss it."""
    agree = "agree" if not fid.missed else "differ"
    line = f"fidelity: eager and torch.compile {agree} on the real inputs ({fid.seconds:.1f}s, one plain compile)"
    line += f"; {fid.agreement.summary()}" if fid.agreement.diverged else ""
    if fid.beyond_testing:
        line += (
            "; but not within torch.testing.assert_close's default tolerances (verdict rounding: what differs is "
            f"within rounding in the program's dtypes): {fid.beyond_testing[0]}"
            + (f" (+{len(fid.beyond_testing) - 1} more)" if len(fid.beyond_testing) > 1 else "")
        )
    return line


def probe_outcome(probe: Probe) -> str:
    """What one below-FX probe found: diverges, agrees or failed."""
    return "diverges" if probe.diverged else "agrees" if probe.diverged is False else f"failed: {probe.error}"

"""fxtv: pass-level translation validation for torch.compile (TorchInductor).

    from validator import validate
    report = validate(model, x)           # one compile, every pass captured and checked
    report.guilty_step, report.exit_code  # the first pass that changed the results

Pipeline packages: ``capture`` (record passes), ``numeric`` (run both sides of a step against a
float64 oracle), ``localize`` (first diverging step, then node), ``report`` (terminal, JSON).
"""

__version__ = "0.1.0"

from ._api import UsageError, validate
from .report import Report

__all__ = ["Report", "UsageError", "__version__", "validate"]

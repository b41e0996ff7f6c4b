"""fxtv: pass-level translation validation for torch.compile (TorchInductor).

    from validator import validate
    report = validate(model, x)           # one compile, every pass captured and checked
    report.guilty_step, report.exit_code  # the first pass that changed the results

    from validator import check_pass
    report = check_pass(my_pass, stage="post_grad", trials=200)   # a custom pass over a corpus
    print(report.summary())

Pipeline packages: ``capture`` (record passes), ``symbolic`` (Z3 proofs), ``numeric`` (run both
sides of a step against a float64 oracle), ``localize`` (first diverging step, then node),
``report`` (terminal, JSON, HTML, repro scripts). For pass authors: ``corpus`` (random programs)
and ``passcheck`` (one custom pass over a corpus).
"""

__version__ = "0.1.0"

from ._api import UsageError, validate
from .passcheck import PassReport, Replacement, check_pass
from .report import Report

__all__ = ["PassReport", "Replacement", "Report", "UsageError", "__version__", "check_pass", "validate"]

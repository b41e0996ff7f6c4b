"""The pass-author workflow: validate one custom pass over a corpus of programs.

    from validator.passcheck import check_pass
    report = check_pass(my_pass, stage="post_grad", trials=200)
    print(report.summary())            # fired how often, divergences with shrunk programs, proofs
    report.failures[0].write_repro("repro.py")
"""

from ._api import check_pass
from ._install import STAGE_HOOKS, Replacement
from ._program_check import ProgramResult
from ._replacement import ReplacementProof, prove_replacement
from ._report import Failure, PassReport

__all__ = [
    "STAGE_HOOKS",
    "Failure",
    "PassReport",
    "ProgramResult",
    "Replacement",
    "ReplacementProof",
    "check_pass",
    "prove_replacement",
]

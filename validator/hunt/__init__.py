"""Bug hunting: a resumable campaign that draws programs biased toward the patterns of real silent
miscompiles, validates each through a whole compile, and turns what diverges into clustered,
shrunk, issue-ready findings that name the guilty pass.

    from validator.hunt import HuntOptions, hunt
    summary = hunt("out/hunt", HuntOptions(programs=500, jobs=2))   # CLI: fxtv hunt

Campaign state lives in ``DIR/campaign.sqlite``; ``hunt(DIR, resume=True)`` (``fxtv hunt --resume
DIR``) continues where an interrupted run stopped. Outputs and their schema: docs/hunt.md.
"""

from ._campaign import HuntOptions, HuntSummary, export, hunt
from ._evaluate import evaluate
from ._programs import Drawn, Variant, generate_batch

__all__ = ["Drawn", "HuntOptions", "HuntSummary", "Variant", "evaluate", "export", "generate_batch", "hunt"]

"""Reports: the Report object (JSON for research), its terminal rendering, standalone repro scripts."""

from ._model import EXIT_DIVERGED, EXIT_EQUIVALENT, EXIT_ERROR, Report
from ._repro import write_repro
from ._terminal import render

__all__ = ["EXIT_DIVERGED", "EXIT_EQUIVALENT", "EXIT_ERROR", "Report", "render", "write_repro"]

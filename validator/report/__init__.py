"""Reports: the Report object (JSON for research) and its terminal rendering."""

from ._model import EXIT_DIVERGED, EXIT_EQUIVALENT, EXIT_ERROR, Report
from ._terminal import render

__all__ = ["EXIT_DIVERGED", "EXIT_EQUIVALENT", "EXIT_ERROR", "Report", "render"]

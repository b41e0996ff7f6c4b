"""Where fxtv's spec files are: the package ``validator.specs`` (read with importlib.resources).

The repository keeps them at the top level, ``specs/`` (the generator's ``ops.toml``, the bug
benchmark's ``cases/*.toml``); setup.py ships that directory inside the wheel as the package
``validator.specs``, and an editable install maps the same name onto it. A source checkout on
``sys.path`` without an install (or with an install older than that mapping) reads the
``specs/`` beside the package instead.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

PACKAGE = "validator.specs"


def specs_root() -> Traversable:
    try:
        return importlib.resources.files(PACKAGE)
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "specs"


def spec_file(name: str) -> Traversable:
    """A file of the specs, by its path relative to ``specs/`` (``"ops.toml"``)."""
    return specs_root().joinpath(name)


def cases_dir() -> Path:
    """The benchmark's case directory (``specs/cases``), as a file-system path."""
    root = specs_root().joinpath("cases")
    return root if isinstance(root, Path) else Path(str(root))

"""Small correct programs for the zoo, and the builders that instantiate them.

Every build starts from the same seed (the registry sets it), so builds are
reproducible. Shapes are tiny on purpose: each case must compile to a handful
of kernels on a CPU.
Inference modules are put in eval mode with gradients off so that compiling
them produces a forward-only graph; training builders leave grads on.
Each case is declared once, by the ``@case(...)`` decorator on its builder
(:mod:`validator.zoo._registry`), right below its program.
"""

from __future__ import annotations

from .._build import SEED as SEED
from .._build import Built as Built
from .._build import _inference as _inference
from .._case import ZooCase
from . import _networks, _programs

CASES: tuple[ZooCase, ...] = (*_networks.case.cases, *_programs.case.cases)

__all__ = ["CASES", "SEED", "Built"]

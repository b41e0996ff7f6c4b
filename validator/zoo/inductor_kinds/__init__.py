"""Correct programs modelled on the kinds of programs inductor's own tests compile.

Each group targets a family of inductor passes or lowerings: the pattern matcher (addmm,
mm epilogues, cat of mms, pointless views/conversions, scaled softmax), the fused-attention
patterns, the split/cat passes, normalisations, pooling, indexing and scatter, in-place
mutation (functionalization and re-inplacing), dynamic shapes, training (the joint graph and
partitioner) and reduced precision: one module each. The programs are written from the idea of
each test kind, not copied; they follow the conventions of :mod:`validator.zoo.models`: every
build starts from the same seed, shapes are tiny, inference modules have gradients off, training programs
return a scalar loss. Each case is declared once, by the ``@case(...)`` decorator on its builder
(:mod:`validator.zoo._registry`), right below its program.
"""

from __future__ import annotations

from .._case import ZooCase
from . import (
    _attention,
    _dynamic,
    _indexing,
    _low_precision,
    _mutation,
    _norms,
    _patterns,
    _pooling,
    _split_cat,
    _training,
)

# Theme by theme, in this order (the order the cases are listed, run and reported in).
INDUCTOR_KINDS: list[ZooCase] = [
    *_patterns.case.cases,
    *_attention.case.cases,
    *_split_cat.case.cases,
    *_norms.case.cases,
    *_pooling.case.cases,
    *_indexing.case.cases,
    *_mutation.case.cases,
    *_dynamic.case.cases,
    *_training.case.cases,
    *_low_precision.case.cases,
]

__all__ = ["INDUCTOR_KINDS"]

"""Semantics-preserving passes (the control group)."""

from .div_pow2_to_mul import DivPow2ToMul
from .fold_mul_one import FoldMulOne
from .fuse_permutes import FusePermutes
from .mul_two_to_add import MulTwoToAdd

__all__ = ["DivPow2ToMul", "FoldMulOne", "FusePermutes", "MulTwoToAdd"]

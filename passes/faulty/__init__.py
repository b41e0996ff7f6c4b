"""Passes that each reintroduce one documented historical torch.compile bug."""

from .add_zero_signed import AddZeroSigned
from .conv_add_alpha import ConvAddAlpha
from .div_to_reciprocal_mul import DivToReciprocalMul
from .drop_input_copy import DropInputCopy
from .mul_zero_fold import MulZeroFold
from .permute_compose_swap import PermuteComposeSwap
from .reshape_assume_contiguous import ReshapeAssumeContiguous
from .roundtrip_cast_fold import RoundtripCastFold
from .split_cat_order import SplitCatOrder
from .stack_sum_axis import StackSumAxis

__all__ = [
    "AddZeroSigned",
    "ConvAddAlpha",
    "DivToReciprocalMul",
    "DropInputCopy",
    "MulZeroFold",
    "PermuteComposeSwap",
    "ReshapeAssumeContiguous",
    "RoundtripCastFold",
    "SplitCatOrder",
    "StackSumAxis",
]

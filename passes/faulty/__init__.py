"""Passes that each reintroduce one documented historical torch.compile bug
or a synthetic mutant of a real inductor rewrite."""

from .add_zero_signed import AddZeroSigned
from .addmm_zero_beta import AddmmZeroBeta
from .cat_slice_off_by_one import CatSliceOffByOne
from .conv_add_alpha import ConvAddAlpha
from .div_self_to_one import DivSelfToOne
from .div_to_reciprocal_mul import DivToReciprocalMul
from .drop_input_copy import DropInputCopy
from .drop_unused_rand import DropUnusedRand
from .fold_side_effect import FoldSideEffect
from .index_put_drop_accumulate import IndexPutDropAccumulate
from .merge_unbind_stack import MergeUnbindStack
from .mixed_dtype_downcast import MixedDtypeDowncast
from .mul_zero_fold import MulZeroFold
from .pattern_addmm_swapped import PatternAddmmSwapped
from .permute_compose_swap import PermuteComposeSwap
from .reshape_assume_contiguous import ReshapeAssumeContiguous
from .roundtrip_cast_fold import RoundtripCastFold
from .sdpa_scale_sign import SdpaScaleSign
from .softmax_wrong_dim import SoftmaxWrongDim
from .split_cat_order import SplitCatOrder
from .stack_sum_axis import StackSumAxis
from .sum_keepdim_dropped import SumKeepdimDropped
from .transpose_mm_fold import TransposeMmFold
from .where_not_swap import WhereNotSwap

__all__ = [
    "AddZeroSigned",
    "AddmmZeroBeta",
    "CatSliceOffByOne",
    "ConvAddAlpha",
    "DivSelfToOne",
    "DivToReciprocalMul",
    "DropInputCopy",
    "DropUnusedRand",
    "FoldSideEffect",
    "IndexPutDropAccumulate",
    "MergeUnbindStack",
    "MixedDtypeDowncast",
    "MulZeroFold",
    "PatternAddmmSwapped",
    "PermuteComposeSwap",
    "ReshapeAssumeContiguous",
    "RoundtripCastFold",
    "SdpaScaleSign",
    "SoftmaxWrongDim",
    "SplitCatOrder",
    "StackSumAxis",
    "SumKeepdimDropped",
    "TransposeMmFold",
    "WhereNotSwap",
]

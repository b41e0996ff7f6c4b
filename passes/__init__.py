"""Custom inductor graph passes, installable through torch._inductor.config's official hooks.

CORRECT_PASSES preserve semantics; FAULTY_PASSES each reintroduce one documented
historical torch.compile bug (see each pass's ``info.issue``). Every pass exposes
``trigger()``, a tiny program on which it fires, and ``installed()`` to hook it in::

    p = get_pass("split_cat_order")
    fn, args = p.trigger()
    with p.installed():
        torch.compile(fn, backend="inductor")(*args)
    assert p.last_rewrites > 0
"""

from ._base import HOOKS, GraphPass, PassInfo, Trigger, installed_all
from .correct import DivPow2ToMul, FoldMulOne, FusePermutes, MulTwoToAdd
from .faulty import (
    AddZeroSigned,
    ConvAddAlpha,
    DivToReciprocalMul,
    DropInputCopy,
    MulZeroFold,
    PermuteComposeSwap,
    ReshapeAssumeContiguous,
    RoundtripCastFold,
    SplitCatOrder,
    StackSumAxis,
)

CORRECT_PASSES: list[GraphPass] = [MulTwoToAdd(), FoldMulOne(), FusePermutes(), DivPow2ToMul()]

FAULTY_PASSES: list[GraphPass] = [
    MulZeroFold(),
    AddZeroSigned(),
    SplitCatOrder(),
    ConvAddAlpha(),
    StackSumAxis(),
    PermuteComposeSwap(),
    RoundtripCastFold(),
    DropInputCopy(),
    DivToReciprocalMul(),
    ReshapeAssumeContiguous(),
]

ALL_PASSES: list[GraphPass] = CORRECT_PASSES + FAULTY_PASSES

_BY_NAME = {p.name: p for p in ALL_PASSES}
if len(_BY_NAME) != len(ALL_PASSES):
    raise RuntimeError("duplicate pass names")


def get_pass(name: str) -> GraphPass:
    """The registered pass instance called ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown pass {name!r}; known passes: {sorted(_BY_NAME)}") from None


__all__ = [
    "ALL_PASSES",
    "CORRECT_PASSES",
    "FAULTY_PASSES",
    "HOOKS",
    "GraphPass",
    "PassInfo",
    "Trigger",
    "get_pass",
    "installed_all",
]

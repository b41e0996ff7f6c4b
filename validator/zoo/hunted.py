"""Silent wrong results of torch 2.13.0 that were on no public tracker issue when found: three cut
by hand to a few ops from ``fxtv hunt`` programs, one from a targeted search of inductor's
decompositions (docs/live-bugs.md).

They are live divergences (``validator.zoo.live``): torch.compile changes the result, no fault
injected. Each builder's docstring says what differs and why, as the root cause was established
by disabling one inductor pass or table entry at a time.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ._build import Built
from ._registry import Registry

case = Registry()


@case(tags=("hunt", "mutation", "cat"))
def build_hunt_cat_input_index_put() -> Built:
    """cat([a, y]) then index_put(a, ...): reinplacing makes the index_put write `a` in place, and the
    cat lowering computed `a` straight into its slice of the cat's output (ConcatKernel), so the
    returned cat shows the written values (a relative of pytorch/pytorch#177821, the other way round)
    """

    def fn(x: Tensor, y: Tensor, idx: Tensor, val: Tensor) -> tuple[Tensor, Tensor]:
        a = x * 2
        c = torch.cat([a, y], 1)
        return c, torch.index_put(a, (idx,), val)

    return fn, (torch.ones(2, 4), torch.zeros(2, 4), torch.tensor([0]), torch.full((1, 4), 7.0))


@case(tags=("hunt", "aliasing", "cat"))
def build_hunt_cat_input_view_returned() -> Built:
    """cat([a, y]) returned with a view of a (a.t()): the cat lowering computes a straight into its
    slice of the cat's output (ConcatKernel), and the view is returned as a view of that slice, so
    the two outputs share memory: an in-place write to the cat changes the view, which eager keeps
    apart (a itself returned gets a buffer of its own)
    """

    def fn(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        a = x * 2
        return torch.cat([a, y], 0), a.t()

    return fn, (torch.arange(6.0).reshape(3, 2), torch.zeros(3, 2))


@case(tags=("hunt", "complex", "signed-zero"))
def build_hunt_complex_add_signed_zero() -> Built:
    """complex64 x + y with -0.0 real parts: inductor's complex add decomposition first adds 0 to
    each operand (to resolve the conjugate bit), -0.0 + 0 = +0.0, so the sum's real part is +0.0
    where eager gives -0.0; the in-place use of x keeps the x + 0 from being removed as a no-op
    """

    def fn(x: Tensor, y: Tensor) -> Tensor:
        z = x + y
        x.mul_(1)
        return z

    x = torch.tensor([complex(-0.0, 1.0)], dtype=torch.complex64)
    y = torch.tensor([complex(-0.0, 2.0)], dtype=torch.complex64)
    return fn, (x, y)


@case(tags=("hunt", "decomposition", "rounding"))
def build_hunt_round_decimals() -> Built:
    """round(x, decimals=-3) of halfway values and round(x, decimals=3) of whole numbers: inductor's
    round.decimals decomposition multiplies by the inexact 1 / 10**decimals instead of dividing by
    10**decimals, so 6500 becomes 7000 (eager, ties to even: 6000) and 3.0 becomes 3.0000002
    """

    def fn(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        return torch.round(x, decimals=-3), torch.round(y, decimals=3)

    return fn, (torch.tensor([6500.0, 10500.0, 12500.0, 2500.0]), torch.tensor([3.0, 6.0, 7.0, 1.0]))


HUNTED = case.cases

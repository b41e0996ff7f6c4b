"""Faulty: a mixed-dtype add/mul computed in its narrower operand's dtype, then cast back.

Synthetic: an operand down-cast mutant of the type promotion of mixed-dtype elementwise ops
(float16 + float32, int64 * float32, ...). Eager promotes both operands to the result dtype;
this rewrite casts the wider operand *down* to the narrower one's dtype, computes there and
converts the result back, so the result keeps its dtype but not its values: a float32
operand is rounded to float16 (~1e-3 relative error) or truncated to an integer.

The trigger uses an integer operand: for float16 + float32, inductor's C++ codegen folds the
fp32 -> fp16 -> fp32 round trip inside a fused kernel (unless emulate_precision_casts is
set), so that variant changes the FX graph's values but not the compiled program's.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._fx import aten, binary_args, prims
from .._registry import register

_LOW_FLOAT = (torch.float16, torch.bfloat16)


def _narrower(low: torch.dtype, high: torch.dtype) -> bool:
    """``low`` is what eager promotes away from when mixed with ``high``."""
    if low == torch.bool or not high.is_floating_point:
        return False
    if low.is_floating_point:
        return low in _LOW_FLOAT and high in (torch.float32, torch.float64)
    return not low.is_complex


@register
class MixedDtypeDowncast(NodeRewrite):
    targets = (aten.add.Tensor, aten.mul.Tensor)

    def replace(self, node: Node) -> Node | None:
        args = binary_args(node)
        if args is None:
            return None
        a, b = args
        fa, fb, out = fake_tensor(a), fake_tensor(b), fake_tensor(node)
        if fa is None or fb is None or out is None:
            return None
        if fb.dtype == out.dtype and _narrower(fa.dtype, fb.dtype):
            low, wide_first = fa.dtype, False
        elif fa.dtype == out.dtype and _narrower(fb.dtype, fa.dtype):
            low, wide_first = fb.dtype, True
        else:
            return None
        # BUG: the sound rewrite computes in the promoted dtype (out.dtype), casting the
        # narrow operand up; this one casts the wide operand down.
        wide = a if wide_first else b
        cast = self.emit(node, prims.convert_element_type.default, (wide, low))
        operands = (cast, b) if wide_first else (a, cast)
        low_op = self.emit(node, node.target, operands)
        return self.emit(node, prims.convert_element_type.default, (low_op, out.dtype))

    def trigger(self) -> Trigger:
        def fn(i: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
            return i + x

        # Finite floats only: float -> int of NaN/Inf is undefined behaviour in C++.
        return fn, (torch.arange(32).reshape(4, 8) % 5, torch.randn(4, 8) * 10)

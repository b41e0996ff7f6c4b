"""Tolerance model: how far an after-graph may stray from the float64 reference.

For a floating output of dtype D computed over accumulations of length K (the longest
reduction or matmul inner dimension in the before-graph), element i is accepted when

    |after_i - ref_i| <= rtol(D, K) * (max(|ref_i|, M_i) + rms(ref)) + 4 * max_j |before_j - ref_j|

with rtol(D, K) = u_D * (8 + 2 * sqrt(K)) and u_D the unit roundoff of D (eps / 2).
The first term is a rounding budget that grows like the expected error of a K-term sum, on the
scale of what element i was computed from. M_i is the magnitude of what it summed (``_magnitude``:
the quadrature sum sqrt(sum x_k^2) of the terms of a sum or matmul, carried through views and
linear arithmetic in the float64 run of the before-graph); a sum that cancels carries rounding
noise of the size of its terms, not of its value. M_i is only worked out for an output that fails
without it (a second float64 run), for outputs (not inputs' states after the run) of ATen
graphs; elsewhere it is |ref_i|. The
rms(ref) part absorbs cancellation where no magnitude is known. The second term says: a rewrite
may be as inaccurate as the program it replaced, a few times over, but not more -- the
before-graph's own error against the float64 reference is the yardstick, so rounding-order
changes never alarm while real bugs (errors of the size of the values, or of the terms summed)
always do. Without a float64 reference (graphs with random ops, or ops without float64 kernels)
the before-graph is the reference, rtol doubles and no magnitude is used.
Integers and bools must match exactly. NaN, +-Inf and signed zero follow IEEE rules (see
``_compare``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.fx

from .. import _compat

_MATMUL = {
    "mm",
    "bmm",
    "addmm",
    "baddbmm",
    "addbmm",
    "matmul",
    "linear",
    "dot",
    "mv",
    "addmv",
    "einsum",
    "_scaled_dot_product_flash_attention_for_cpu",
    "_scaled_dot_product_efficient_attention",
    "scaled_dot_product_attention",
    "_scaled_dot_product_flash_attention",
}
_REDUCE = {
    "sum",
    "mean",
    "var",
    "std",
    "var_mean",
    "std_mean",
    "amax",
    "amin",
    "max",
    "min",
    "_softmax",
    "softmax",
    "_log_softmax",
    "log_softmax",
    "native_layer_norm",
    "layer_norm",
    "native_group_norm",
    "group_norm",
    "native_batch_norm",
    "batch_norm",
    "_native_batch_norm_legit",
    "_native_batch_norm_legit_no_training",
    "_native_batch_norm_legit_functional",
    "prod",
    "logsumexp",
    "norm",
    "linalg_vector_norm",
    "cumsum",
    "cumprod",
    "rms_norm",
    "_fused_rms_norm",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "embedding_bag",
    "scatter_add",
    "index_add",
    "_unsafe_index_put",
    "index_put",
}
_CONV = {"convolution", "conv1d", "conv2d", "conv3d", "_convolution", "conv_transpose2d"}


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    before_factor: float = 4.0
    # Where the before side itself strays from the reference by more than this (absolute), the
    # reference does not model the program there (a Python scalar eager rounds to bfloat16, which
    # the float64 run keeps exact): the after side is held to the before side instead. None: off.
    oracle_cap: float | None = None

    def describe(self) -> str:
        return f"rtol={self.rtol:.2e}, before-error factor {self.before_factor:g}"


def unit_roundoff(dtype: torch.dtype) -> float:
    return float(torch.finfo(dtype).eps) / 2


def tolerance_for(
    dtype: torch.dtype,
    accumulation: int,
    *,
    have_reference: bool = True,
    program_scale: float | None = None,
    working: torch.dtype | None = None,
) -> Tolerance:
    """``program_scale`` (the largest rms of the program's reference values) turns the oracle
    check on: the before side may stray from the reference by at most sqrt(u_W) of that scale, W
    the value's working precision (``working``, a coarser dtype it was computed in; else D). A
    program computing in float32 strays by float32 rounding from a float64 reference that models it
    well; one whose scalar eager rounds to bfloat16 strays by more than the square root of that."""
    rtol = unit_roundoff(dtype) * (8 + 2 * math.sqrt(max(1, accumulation)))
    w = working if working is not None and unit_roundoff(working) > unit_roundoff(dtype) else dtype
    cap = math.sqrt(unit_roundoff(w)) * program_scale if program_scale is not None else None
    return Tolerance(rtol if have_reference else 2 * rtol, oracle_cap=cap)


def _numel(v: object) -> int:
    if isinstance(v, torch.Tensor):
        n = 1
        for s in v.shape:
            n *= _compat.concrete_int(s)
        return n
    return 1


def _shape(v: object) -> list[int]:
    return [_compat.concrete_int(s) for s in v.shape] if isinstance(v, torch.Tensor) else []


def _val(n: object) -> object:
    if isinstance(n, torch.fx.Node):
        return n.meta.get("val", n.meta.get("example_value"))
    return None


def accumulation_length(gm: torch.fx.GraphModule) -> int:
    """Longest accumulation in the graph, from node metadata (1 when nothing reduces)."""
    k = 1
    for n in gm.graph.nodes:
        if n.op not in ("call_function", "call_method"):
            continue
        name = getattr(n.target, "__name__", str(n.target)).split(".")[0]
        ins = [_val(a) for a in n.all_input_nodes]
        ins_t = [v for v in ins if isinstance(v, torch.Tensor)]
        try:
            if name in _MATMUL and ins_t:
                shapes = [_shape(v) for v in ins_t if v.dim() >= 1]
                k = max(k, *(s[-1] for s in shapes if s))
            elif name in _CONV and len(ins_t) >= 2:
                w = ins_t[1]
                k = max(k, _numel(w) // max(1, _shape(w)[0]))
            elif name in _REDUCE and ins_t:
                out = _val(n)
                out_t = out[0] if isinstance(out, (tuple, list)) and out else out
                k = max(k, max(_numel(v) for v in ins_t) // max(1, _numel(out_t)))
                if name in ("_softmax", "softmax", "_log_softmax", "log_softmax", "cumsum", "cumprod"):
                    dim = n.args[1] if len(n.args) > 1 else -1
                    k = max(k, _shape(ins_t[0])[int(dim)] if _shape(ins_t[0]) else 1)
        except Exception:  # metadata is best effort; a missing shape must not stop checking
            continue
    return k

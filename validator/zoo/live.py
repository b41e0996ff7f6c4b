"""Programs on which torch 2.13's inductor changes observable results: live divergences.

Most are the kinds of programs PyTorch's inductor tests compile (``inductor_kinds``), but on
fxtv's special-values trial (NaN, +-Inf, -0.0, huge magnitudes), or in output layout, the
compiled program differs from eager; the others are bugs ``fxtv hunt`` found (``hunted``). They
are not counted as correct programs (a report on them is not a false alarm) and are checked by
``tests/test_live_divergences.py``.
"""

from __future__ import annotations

from ._case import LiveDivergence
from .hunted import HUNTED
from .inductor_kinds import INDUCTOR_KINDS

_NAN_ROW = (
    "the fused-attention replacement calls the CPU flash-attention kernel, which returns a row of 0.0 "
    "where a NaN in the query row makes the written-out softmax return NaN"
)
_MASK_NAN = (
    "the replacement turns the where/masked_fill mask into an additive mask, so a NaN score at a "
    "masked-out position now spreads into the row (eager: finite)"
)
_LIVE: dict[str, tuple[str, str, str]] = {
    "sdpa_div_scale": ("joint", "_sfdp_pattern", _NAN_ROW),
    "sdpa_dropout_zero": ("joint", "_sfdp_pattern", _NAN_ROW),
    "sdpa_bmm_3d": ("joint", "_sfdp_pattern", _NAN_ROW),
    "lp_bf16_matmul_softmax": ("joint", "_sfdp_pattern", _NAN_ROW + " (bf16)"),
    "sdpa_gpt2_causal": ("joint", "_sfdp_pattern", _MASK_NAN + "; the output strides change too"),
    "sdpa_distilbert_masked_fill": ("joint", "_sfdp_pattern", _MASK_NAN + "; the output strides change too"),
    "sdpa_t5_position_bias": (
        "joint",
        "_sfdp_pattern",
        "the fused-attention output is not contiguous: strides (128, 8, 16, 1) against eager's (128, 64, 8, 1)",
    ),
    "dyn_interpolate": (
        "aot",
        "aot_trace",
        "the bilinear interpolate decomposition multiplies -inf by a weight of 0: NaN where eager gives -inf",
    ),
    "norm_layernorm_2d": (
        "aot",
        "aot_trace",
        "on a row of +-5.5e19 the float32 variance overflows; the decomposed layer norm + relu then gives "
        "-0.0 where eager gives +0.0 (both float32 results are overflow garbage)",
    ),
    # Caught by the fidelity check only: the lowering step's float64 reference widens the cast, so
    # the compiled code (which skips the rounding) is judged as accurate; the user sees eager's
    # rounding residual become 0.
    "pm_pointless_views_converts": (
        "lowering",
        "emulate_precision_casts",
        "x.to(float16).float() - x is the fp16 rounding residual in eager and 0.0 compiled: inductor "
        "computes the round trip in float32 (emulate_precision_casts=False, the default)",
    ),
}
# The hunted bugs' notes are their builders' docstrings (the case descriptions).
_LIVE.update(
    {
        "hunt_cat_input_index_put": ("lowering", "lowering + codegen", ""),
        "hunt_cat_input_view_returned": ("lowering", "lowering + codegen", ""),
        "hunt_complex_add_signed_zero": ("aot", "aot_trace", ""),
        "hunt_round_decimals": ("aot", "aot_trace", ""),
    }
)
_BY_NAME = {c.name: c for c in (*INDUCTOR_KINDS, *HUNTED)}

LIVE: list[LiveDivergence] = [
    LiveDivergence(_BY_NAME[name], stage, step, note or _BY_NAME[name].description)
    for name, (stage, step, note) in _LIVE.items()
]
LIVE_NAMES = frozenset(_LIVE)

"""Codegen features that can be switched to a conservative setting, per device.

Each feature is a set of inductor config values (or, for int32 indexing, a patch) that turns a
code-generation technique off. A feature whose conservative setting is already in force is not
tried. These switches change how a kernel is generated, never which FX nodes it computes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ... import _compat

_CFG = _compat.INDUCTOR_CONFIG


@dataclass(frozen=True)
class Feature:
    name: str
    devices: tuple[str, ...]  # "cpu", "cuda"
    safe: dict[str, Any] = field(default_factory=dict)  # inductor config -> conservative value
    patch: Callable[[], contextlib.AbstractContextManager[None]] | None = None
    what: str = ""
    # an edit of the recompiled graph the setting needs (what tracing under it would have left)
    edit: Callable[[Any], object] | None = None

    def active(self, device: str) -> bool:
        if device not in self.devices:
            return False
        if self.patch is not None:
            return True
        return any(_compat.config_value(_CFG, k) != v for k, v in self.safe.items())

    def describe(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.safe.items()) or "patched"
        return f"{self.name} ({settings})"


# Narrower switches first: when several fix a result (a bug in a vectorised loop tail is also
# fixed by turning vectorisation off), the halving search names the narrowest.
FEATURES: tuple[Feature, ...] = (
    Feature("loop-tail vectorisation", ("cpu",), {"cpp.enable_loop_tail_vec": False}, what="masked vector tails"),
    Feature("vectorisation", ("cpu",), {"cpp.simdlen": 1}, what="SIMD code for the C++ loops"),
    Feature("loop tiling", ("cpu",), {"cpp.enable_tiling_heuristics": False}, what="2-D tiling of transposes"),
    Feature("unsafe math", ("cpu",), {"cpp.enable_unsafe_math_opt_flag": False}, what="-ffast-math style flags"),
    Feature("fp contraction", ("cpu",), {"cpp.enable_floating_point_contract_flag": "off"}, what="fused multiply-add"),
    Feature("decomposed tanh", ("cpu",), {"cpp.use_decompose_tanh": False}, what="tanh through exp"),
    Feature(
        "precision casts",
        ("cpu", "cuda"),
        {"emulate_precision_casts": True},
        what="round low-precision intermediates as eager does",
        edit=_compat.mark_low_precision_ops,
    ),
    Feature(
        "loop reordering after fusion",
        ("cpu", "cuda"),
        {"loop_ordering_after_fusion": False, "loop_reindexing_after_fusion": False},
        what="loop order / index rewrites made to enable fusion",
    ),
    Feature("split reductions", ("cpu", "cuda"), {"split_reductions": False}, what="two-stage reductions"),
    Feature("int32 indexing", ("cuda",), patch=_compat.force_64bit_indexing, what="32-bit index arithmetic"),
    Feature("block pointers", ("cuda",), {"triton.use_block_ptr": False}, what="Triton block pointers"),
    Feature("persistent reductions", ("cuda",), {"triton.persistent_reductions": False}, what="one-block reductions"),
)


def active_features(device: str) -> list[Feature]:
    return [f for f in FEATURES if f.active(device)]


def settings(features: Sequence[Feature]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in features:
        out.update(f.safe)
    return out


@contextlib.contextmanager
def patched(features: Sequence[Feature]) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for f in features:
            if f.patch is not None:
                stack.enter_context(f.patch())
        yield


def edit_graph(gm: Any, features: Sequence[Feature]) -> None:
    """Apply the graph edits ``features`` need before ``gm`` is recompiled under them."""
    for f in features:
        if f.edit is not None:
            f.edit(gm)

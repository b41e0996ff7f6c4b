"""Faulty lowering on a code path that an inductor config flag switches off.

Many inductor code paths run only under some config (a hook unset, a heuristic on). A capture
that sets a flag of its own, as fxtv sets the post-fusion hook to record fusions, can take the
other path and miss the bug the user's compile has. Synthetic, of the config-dependent class
(cf. pytorch/pytorch#191499, which depends on the SIMD width): ``maximum`` lowered as
``minimum`` whenever no post-fusion pass is configured, the default.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import torch

from .._base import Trigger, seeded_randn
from .._fault import LoweringFault
from .._registry import register

aten = torch.ops.aten


@register
class ConfigGatedMaximum(LoweringFault):
    def lowerings(self, lowering: ModuleType) -> dict[Any, Callable[..., Any]]:
        import torch._inductor.config as config

        real = lowering.lowerings[aten.maximum.default]
        minimum = lowering.lowerings[aten.minimum.default]

        def faulty(*args: Any, **kwargs: Any) -> Any:
            if getattr(config, "_post_fusion_custom_pass", None) is None:
                self.fired += 1
                return minimum(*args, **kwargs)
            return real(*args, **kwargs)

        return {aten.maximum.default: faulty}

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return torch.maximum(x, y).sum(1)

        return fn, seeded_randn((8, 16), (8, 16))

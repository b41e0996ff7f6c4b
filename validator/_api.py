"""``validate``: compile once with every pass captured, then check and localize.

The keyword arguments are the flat names of ``pipeline.Settings`` leaves; ``settings=`` (a
profile) is the base they override.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ._errors import UsageError
from .pipeline import Settings, run
from .report import Report

__all__ = ["UsageError", "validate"]


def validate(
    fn: Callable[..., Any],
    *example_inputs: Any,
    dynamic: bool = False,
    training: bool = False,
    random_trials: int = 2,
    special_values: bool = True,
    stop_at_first: bool = False,
    symbolic: bool = True,
    symbolic_timeout_ms: int = 1000,
    below_fx: bool = True,
    other_devices: bool = True,
    signed_zero: bool = True,
    fidelity: bool = True,
    name: str | None = None,
    progress: Callable[[int, int, Any], None] | None = None,
    settings: Settings | None = None,
) -> Report:
    """Compile ``fn`` with inductor once, capture every pass, and find the first that diverges.

    ``fn`` is a function or ``nn.Module``; ``example_inputs`` are its real inputs (tensors and
    Python numbers). With ``training=True`` the backward is compiled and checked too (outputs
    requiring grad are reduced with fixed random weights). Returns a :class:`Report`; raises
    :class:`UsageError` when the program cannot be validated (it fails eagerly, bad inputs).
    The user's function is never changed, and a failure inside fxtv becomes a tool error in
    the report, not an exception.

    With ``symbolic`` (default) every index rewrite inductor performs and every FX step's output
    sizes, strides, dtypes and rewritten view chains are also proved equal with Z3, for all
    values of the shape symbols; ``symbolic_timeout_ms`` bounds each query.

    With ``below_fx`` (default), when every FX step agrees but the compiled code does not, the
    last FX graph is recompiled a few times to name the guilty lowering, fusion decision or
    codegen feature (``report.localization.below``; docs/below-fx.md). With ``other_devices``
    and a GPU present, every lowered graph is also compiled and checked on the other device.

    With ``signed_zero`` (default), a zero whose sign the producing op defines (minimum/maximum,
    copysign, atan2, division, complex literals...) and the compiled code flips is a divergence of
    class ``signed-zero``; ``False`` makes such flips warnings.

    With ``fidelity`` (default), the user's plain ``torch.compile`` runs once more after the
    checks and is compared with eager and with the captured compile (``report.fidelity``,
    docs/fidelity.md): a compile that is wrong is never reported "equivalent", even when no
    captured step shows why.

    ``settings`` (e.g. ``Settings.profile("thorough")``) is the base the keywords override; the
    keywords' defaults are the default profile's, so only those given explicitly override it.
    """
    given = {k: v for k, v in locals().items() if k in _DEFAULTS and v != _DEFAULTS[k]}
    base = settings or Settings()
    return run(fn, example_inputs, base.but(**given) if given else base, name=name, progress=progress)


# the keywords that are settings, with their defaults (read from the signature: one source)
_DEFAULTS = {
    p.name: p.default
    for p in inspect.signature(validate).parameters.values()
    if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in ("name", "progress", "settings")
}

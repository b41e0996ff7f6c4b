"""The settings tree of one validation, and its named profiles.

    Settings()                                   # the default profile
    Settings.profile("quick")                    # fewer trials, shorter proofs, no below-FX search
    Settings().but(random_trials=8, dynamic=True)  # any leaf by its flat name

Each branch is the options object of the package that reads it (``numeric.CheckOptions``,
``symbolic.SymbolicOptions``, ``localize.LocalizeOptions``), so a stage never sees settings that
are not its own. A branch set to None switches its stage off.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..localize import LocalizeOptions
from ..numeric import CheckOptions
from ..symbolic import SymbolicOptions


@dataclass(frozen=True)
class CompileSettings:
    """How the program is compiled and run."""

    dynamic: bool = False  # torch.compile(dynamic=True)
    training: bool = False  # also compile and check the backward
    lower: bool = True  # lower and generate code (False: the FX passes only)
    # None: forced only for programs that draw random numbers (otherwise no two runs compare),
    # else the user's own inductor config; it also selects inductor's decomposition table.
    fallback_random: bool | None = None
    # run the user's plain torch.compile once more and compare it with eager and the capture
    fidelity: bool = True


@dataclass(frozen=True)
class Settings:
    compile: CompileSettings = field(default_factory=CompileSettings)
    numeric: CheckOptions = field(default_factory=CheckOptions)
    symbolic: SymbolicOptions | None = field(default_factory=SymbolicOptions)  # None: no proofs
    localize: LocalizeOptions = field(default_factory=LocalizeOptions)

    @classmethod
    def profile(cls, name: str) -> Settings:
        """A named profile: ``quick``, ``default`` or ``thorough``."""
        try:
            return PROFILES[name]
        except KeyError:
            raise KeyError(f"unknown profile {name!r}; profiles: {', '.join(PROFILES)}") from None

    def but(self, **leaves: Any) -> Settings:
        """A copy with leaves replaced by their flat names (``validate``'s keywords): e.g.
        ``random_trials``, ``dynamic``, ``below_fx``; ``symbolic=False`` switches proofs off and
        ``symbolic_timeout_ms`` sets their bound."""
        branches: dict[str, dict[str, Any]] = {}
        for key, value in leaves.items():
            if key == "symbolic":
                if not value:
                    branches.setdefault("symbolic", {})["__off__"] = True
                continue
            if key == "stop_at_first":  # stops both the steps and each step's trials
                branches.setdefault("numeric", {})["stop_at_first_divergence"] = value
            branch, leaf = _FLAT.get(key, (None, key))
            if branch is None:
                raise TypeError(f"unknown setting {key!r}; settings: {', '.join(sorted([*_FLAT, 'symbolic']))}")
            branches.setdefault(branch, {})[leaf] = value
        out = self
        for branch, values in branches.items():
            current = getattr(out, branch)
            if values.pop("__off__", False):
                out = dataclasses.replace(out, symbolic=None)
                continue
            if current is None:  # a leaf of a branch that is off switches it on
                current = SymbolicOptions()
            out = dataclasses.replace(out, **{branch: dataclasses.replace(current, **values)})
        return out


def _leaves() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for branch, cls in (
        ("compile", CompileSettings),
        ("numeric", CheckOptions),
        ("symbolic", SymbolicOptions),
        ("localize", LocalizeOptions),
    ):
        for f in dataclasses.fields(cls):
            out[f.name] = (branch, f.name)
    # the flat names ``validate`` has always taken
    out["symbolic_timeout_ms"] = ("symbolic", "timeout_ms")
    del out["timeout_ms"]
    return out


_FLAT = _leaves()

PROFILES: dict[str, Settings] = {
    # one random trial, short proofs, the guilty step named but not searched below FX
    "quick": Settings().but(random_trials=1, symbolic_timeout_ms=250, below_fx=False, other_devices=False),
    "default": Settings(),
    # more trials and patient proofs; special values fail at the lowering step too
    "thorough": Settings().but(random_trials=8, symbolic_timeout_ms=10_000, special_values_at_lowering="fail"),
}

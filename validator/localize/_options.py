"""How far localization goes once a step diverges."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalizeOptions:
    stop_at_first: bool = False  # stop checking steps at the first that diverges
    # When only the lowering step diverges, recompile the last FX graph to name the guilty
    # lowering, fusion decision or codegen feature (a few recompiles of one graph).
    below_fx: bool = True
    # With a GPU present, also compile each lowered graph for the other device and check it.
    other_devices: bool = True

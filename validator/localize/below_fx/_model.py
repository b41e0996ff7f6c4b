"""What the below-FX blame found: the component, the kernel, its FX nodes and the evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...numeric import Mismatch

# Components of the compiler below the FX graph a divergence can be blamed on.
LOWERING, FUSION, CODEGEN, UNATTRIBUTED = "lowering", "fusion", "codegen", "unattributed"
INDEX = "index"  # an index simplification whose Z3 proof is refuted


@dataclass
class Probe:
    """One recompile of the last FX graph with something switched off, and what it showed."""

    what: str
    diverged: bool | None  # None: the recompile or its run failed
    seconds: float
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class BufferDivergence:
    """The first buffer the compiled code wrote that departs from the FX graph's value."""

    kernel: str  # the kernel or extern call that wrote it
    buffer: str  # the wrapper's variable: an IR buffer, or a graph input written in place
    fx_node: str  # the node of the last FX graph it was compared with
    group: str | None  # the scheduler's fused node that computed it
    fx_nodes: tuple[str, ...]  # every FX node lowered into that fused node
    mismatch: Mismatch


@dataclass
class BelowFxBlame:
    component: str  # LOWERING / FUSION / CODEGEN / UNATTRIBUTED
    culprit: str | None = None  # the lowering, fusion decision or codegen feature
    kernel: str | None = None
    buffer: BufferDivergence | None = None
    fx_nodes: list[str] = field(default_factory=list)
    buffers_compared: int = 0
    probes: list[Probe] = field(default_factory=list)
    devices: dict[str, str] = field(default_factory=dict)  # device -> verdict of the same graph there
    evidence: list[str] = field(default_factory=list)  # e.g. a refuted proof about the culprit
    note: str | None = None

    @property
    def recompiles(self) -> int:
        return len(self.probes)

    def summary(self) -> str:
        if self.component == UNATTRIBUTED:
            return f"below FX, unattributed: {self.note or 'no single component found'}"
        where = f" in kernel {self.kernel}" if self.kernel else ""
        nodes = f" (FX nodes {', '.join(self.fx_nodes)})" if self.fx_nodes else ""
        return f"{self.component}: {self.culprit}{where}{nodes}"

    def to_json(self) -> dict[str, Any]:
        b = self.buffer
        return {
            "component": self.component,
            "culprit": self.culprit,
            "kernel": self.kernel,
            "fx_nodes": self.fx_nodes,
            "first_diverging_buffer": None
            if b is None
            else {
                "buffer": b.buffer,
                "kernel": b.kernel,
                "fx_node": b.fx_node,
                "group": b.group,
                "group_fx_nodes": list(b.fx_nodes),
                "mismatch": b.mismatch.to_json(),
            },
            "buffers_compared": self.buffers_compared,
            "recompiles": self.recompiles,
            "probes": [p.to_json() for p in self.probes],
            "devices": self.devices,
            "evidence": self.evidence,
            "note": self.note,
        }

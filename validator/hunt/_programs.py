"""The programs of a campaign: drawn in seeded batches, biased toward silent-bug triggers, and
stored as JSON (so that a worker, a Ray task or a resumed campaign rebuilds the same program).

Batch ``b`` of a campaign with seed ``s`` is always the same list of programs: Hypothesis draws
it under ``@seed`` from the op tables (specs/ops.toml plus specs/hunt_ops.toml), with the input
dtypes, and each program's variant (dynamic shapes, training, special-value inputs), chosen by
a ``random.Random`` seeded with ``(s, b)``. Resuming regenerates a batch rather than storing it.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import torch
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from .._specs import spec_file
from ..corpus import InputSpec, OpSpec, Program, Statement, default_ops, load_ops, programs

# Input dtypes of a batch: floats most often, then the dtypes real silent bugs cluster in.
DTYPE_MIXES: tuple[tuple[torch.dtype, ...], ...] = (
    (torch.float32, torch.float64),
    (torch.float32,),
    (torch.bfloat16, torch.float32),
    (torch.float16, torch.float32),
    (torch.int64, torch.float32),
    (torch.bool, torch.float32),
    (torch.complex64, torch.float32),
)
# How often a program runs with dynamic shapes, as a training graph, on special values, and on
# inputs laid out non-contiguously (inductor's index and tiling code is chosen by strides: real
# silent bugs need channels-last or transposed inputs, e.g. pytorch/pytorch#191837, #193751, #197739).
DYNAMIC, TRAINING, SPECIAL, LAYOUT = 0.2, 0.15, 0.3, 0.25
# Special values planted into floating inputs (per dtype also a subnormal and +-sqrt(max)).
SPECIALS = (float("nan"), float("inf"), float("-inf"), 0.0, -0.0)


@cache
def hunt_ops() -> tuple[OpSpec, ...]:
    """The generator's op table for hunting: every op of ops.toml and of hunt_ops.toml."""
    return default_ops() + load_ops(spec_file("hunt_ops.toml"))


@dataclass(frozen=True)
class Variant:
    dynamic: bool = False
    training: bool = False
    special: bool = False  # special values (NaN, +-inf, +-0, subnormals) in the floating inputs
    layout: bool = False  # inputs of 2 or more dims laid out non-contiguously (``relayout``)

    def label(self) -> str:
        return "+".join(k for k, v in asdict(self).items() if v) or "plain"

    def to_json(self) -> dict[str, bool]:
        # ``layout`` only where set: programs drawn before it existed keep their keys
        return {k: v for k, v in asdict(self).items() if k != "layout" or v}


@dataclass(frozen=True)
class Drawn:
    """One program of a campaign, where it came from, and how it is run."""

    batch: int
    index: int
    program: Program
    variant: Variant

    @property
    def key(self) -> str:
        """Identifies the program and its variant (a campaign never runs the same pair twice)."""
        text = json.dumps([program_to_json(self.program), self.variant.to_json()])
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "index": self.index,
            "key": self.key,
            "program": program_to_json(self.program),
            "variant": self.variant.to_json(),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Drawn:
        return cls(int(d["batch"]), int(d["index"]), program_from_json(d["program"]), Variant(**d["variant"]))


def program_to_json(p: Program) -> dict[str, Any]:
    if p.namespace:
        raise ValueError("a program that calls planted targets cannot be stored")
    return {
        "inputs": [[i.name, list(i.shape), str(i.dtype).removeprefix("torch."), i.index_bound] for i in p.inputs],
        "statements": [[list(s.targets), s.expr, s.op] for s in p.statements],
        "outputs": list(p.outputs),
        "seed": p.seed,
        "tags": list(p.tags),
    }


def program_from_json(d: dict[str, Any]) -> Program:
    return Program(
        tuple(InputSpec(n, tuple(shape), getattr(torch, dt), bound) for n, shape, dt, bound in d["inputs"]),
        tuple(Statement(tuple(t), expr, op) for t, expr, op in d["statements"]),
        tuple(d["outputs"]),
        (),
        int(d["seed"]),
        tuple(d.get("tags", ())),
    )


def generate_batch(campaign_seed: int, batch: int, size: int, max_ops: int = 8) -> list[Drawn]:
    """Batch ``batch`` of the campaign: up to ``size`` programs (Hypothesis may find fewer distinct ones)."""
    rng = random.Random(f"fxtv-hunt:{campaign_seed}:{batch}")
    dtypes = rng.choice(DTYPE_MIXES)
    found: list[Program] = []

    @hypothesis_seed(rng.getrandbits(64))
    @settings(
        max_examples=size,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(programs(hunt_ops(), max_ops=max_ops, input_dtypes=dtypes))
    def draw(program: Program) -> None:
        found.append(program)

    draw()
    out: list[Drawn] = []
    seen: set[str] = set()
    # drawn from a stream of its own, so that batches drawn before layouts existed stay the same
    layouts = random.Random(f"fxtv-hunt-layout:{campaign_seed}:{batch}")
    for program in found:
        variant = Variant(
            dynamic=rng.random() < DYNAMIC,
            training=rng.random() < TRAINING and any(i.dtype in (torch.float32, torch.float64) for i in program.inputs),
            special=rng.random() < SPECIAL,
            layout=layouts.random() < LAYOUT and any(len(i.shape) >= 2 for i in program.inputs),
        )
        d = Drawn(batch, len(out), program, variant)
        if d.key not in seen:
            seen.add(d.key)
            out.append(d)
    return out


def make_inputs(d: Drawn) -> tuple[torch.Tensor, ...]:
    """The program's inputs for its variant: special values planted, leaves that need grad."""
    xs = d.program.make_inputs()
    if d.variant.special:  # seeded by the input's name: a shrunk program keeps the others' values
        xs = tuple(
            plant_specials(x, special_seed(d.program.seed, i.name)) for i, x in zip(d.program.inputs, xs, strict=True)
        )
    if d.variant.layout:
        xs = tuple(relayout(x) for x in xs)
    if d.variant.training:
        xs = tuple(x.requires_grad_(True) if x.dtype in (torch.float32, torch.float64) else x for x in xs)
    return xs


def relayout(x: torch.Tensor) -> torch.Tensor:
    """The same values laid out otherwise: channels-last for 4-D and 5-D tensors, the last two
    dimensions transposed in memory for other tensors of 2 or more dimensions."""
    if x.dim() == 4:
        return x.contiguous(memory_format=torch.channels_last)
    if x.dim() == 5:
        return x.contiguous(memory_format=torch.channels_last_3d)
    if x.dim() >= 2:
        return x.transpose(-1, -2).contiguous().transpose(-1, -2)
    return x


def special_seed(program_seed: int, name: str) -> int:
    return program_seed * 31 + int(name.lstrip("x") or 0) + 1


def plant_specials(x: torch.Tensor, seed: int) -> torch.Tensor:
    """About a third of a floating tensor's elements become special values (deterministic)."""
    if not (x.is_floating_point() or x.is_complex()) or x.numel() == 0:
        return x
    g = torch.Generator().manual_seed(seed)
    values = [*SPECIALS]
    if x.is_floating_point():  # a subnormal, and magnitudes whose square overflows (as fxtv's trial)
        fi = torch.finfo(x.dtype)
        values += [float(fi.tiny) / 4, float(fi.max) ** 0.5, -(float(fi.max) ** 0.5)]
    pick = torch.randint(0, len(values), x.shape, generator=g)
    mask = torch.rand(x.shape, generator=g) < 0.34
    table = torch.tensor(values, dtype=torch.float64)
    special = table[pick].to(x.dtype)
    return torch.where(mask, special, x)

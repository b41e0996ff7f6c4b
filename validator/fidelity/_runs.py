"""Running the user's program as the user does: eagerly, in float64, and through torch.compile.

Every run starts from the same state: inputs are fresh clones (keeping ``requires_grad``), a
module is deep-copied (so parameters, buffers and gradients of one run never leak into the
next), and the global RNG is reseeded. What a run shows is its outputs, the inputs' values after
the call (mutations) and, in training, the gradients of the inputs and the parameters.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.utils._pytree as pytree
from torch.utils._python_dispatch import TorchDispatchMode

from .._errors import UsageError
from ..fx import clone_value, flatten, float64_default, same_bits
from ..numeric import alias_pairs, floating_dtypes, result_precision
from ..numeric._signed_zero import call_defines_sign


def fresh(inputs: tuple[Any, ...] | list[Any]) -> list[Any]:
    """Clones that keep requires_grad, so a training compile sees the same leaves."""
    out = []
    for v in inputs:
        c = clone_value(v)
        if isinstance(v, torch.Tensor) and v.requires_grad and isinstance(c, torch.Tensor):
            c.requires_grad_(True)
        out.append(c)
    return out


def run_program(fn: Callable[..., Any], args: list[Any], training: bool) -> Any:
    """One call of ``fn``; in training also ``backward`` through its outputs (fixed random weights)."""
    torch.manual_seed(0)
    if not training:
        with torch.no_grad():
            return fn(*args)
    out = fn(*args)
    grads = [o for o in flatten(out) if isinstance(o, torch.Tensor) and o.requires_grad]
    if not grads:
        raise UsageError("training=True but no output requires grad")
    g = torch.Generator().manual_seed(0)
    # float64 outputs stay float64, so the float64 reference run keeps its precision
    loss = sum(
        ((o if o.dtype == torch.float64 else o.float()) * torch.randn(o.shape, generator=g)).sum() for o in grads
    )
    assert isinstance(loss, torch.Tensor)
    loss.backward()
    return out


@dataclass
class Observation:
    """What one run of the program shows the user."""

    values: list[Any] = field(default_factory=list)  # outputs, then gradients (training)
    labels: list[str] = field(default_factory=list)
    inputs_after: list[Any] = field(default_factory=list)
    error: str | None = None
    # what each random op returned, in dispatch order (recorded with ``ops``): the float64 run
    # replays them, so that the oracle draws the numbers eager drew
    random_draws: list[list[torch.Tensor]] = field(default_factory=list)
    # recorded with ``ops``, per value: whether the ops that made it define the sign of its zeros
    # (a gradient: no); per input: whether what the program wrote into it defines that sign
    sign_defined: list[bool] = field(default_factory=list)
    inputs_sign_defined: list[bool] = field(default_factory=list)
    # recorded with ``ops``, per value: its working precision (numeric._precision), None: its dtype's
    precisions: list[torch.dtype | None] = field(default_factory=list)
    # with ``note_state``, for a module: whether later runs may share it instead of copying it
    # (``observe(share=True)``): an inference run that left its parameters and buffers as they
    # were, bit for bit
    shareable: bool = False
    # the outputs that share memory with an input or an earlier output (numeric.alias_pairs)
    aliases: frozenset[tuple[str, int, int]] = frozenset()


def _random(func: Any) -> bool:
    return torch.Tag.nondeterministic_seeded in getattr(func, "tags", ())


def _tensors(out: Any) -> list[torch.Tensor]:
    return [t for t in flatten(out) if isinstance(t, torch.Tensor)]


class _OpRecorder(TorchDispatchMode):
    """Records the ATen overloads an eager run dispatches, what its random ops drew, and for each
    tensor whether its zeros' sign is defined and its working precision (keyed by ``id``: the
    values looked up at the end are alive, so their ids are theirs; an in-place op's result is its
    input, so an input the program wrote is looked up the same way). Changes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: set[torch._ops.OpOverload] = set()
        self.draws: list[list[torch.Tensor]] = []
        self.sign: dict[int, bool] = {}
        self.precision: dict[int, torch.dtype | None] = {}

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        self.ops.add(func)
        out = func(*args, **(kwargs or {}))
        if _random(func):
            self.draws.append([t.detach().clone() for t in _tensors(out)])
        inputs = _tensors((args, kwargs or {}))
        moved = [self.sign.get(id(t), False) for t in inputs if t.is_floating_point() or t.is_complex()]
        defined = call_defines_sign(func, args, kwargs, moved)
        floating = [t for t in inputs if t.is_floating_point() or t.is_complex()]
        working = result_precision(func, [(t.dtype, self.precision.get(id(t))) for t in floating], floating_dtypes(out))
        for t in _tensors(out):
            self.sign[id(t)] = defined
            self.precision[id(t)] = working
        return out


class _Float64Run(TorchDispatchMode):
    """The float64 run's dispatch mode: each random op returns what the eager run drew (widened),
    in order.

    With ``widen`` (the storages of a module's floating parameters and buffers), each op gets a
    float64 copy of any of them it reads, made for that op alone: the module runs in float64 as
    if converted, without a float64 copy of all its weights at once.
    """

    def __init__(self, draws: list[list[torch.Tensor]], widen: frozenset[int] = frozenset()) -> None:
        super().__init__()
        self.draws = list(draws)
        self.widen = widen

    def _wide(self, v: Any) -> Any:
        if isinstance(v, torch.Tensor) and v.dtype not in (torch.float64, torch.complex128):
            if (v.is_floating_point() or v.is_complex()) and v.untyped_storage().data_ptr() in self.widen:
                return _widen_tensor(v)
        return v

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        if self.widen:
            args, kwargs = pytree.tree_map(self._wide, (args, kwargs or {}))
        out = func(*args, **(kwargs or {}))
        if _random(func):
            got, drawn = _tensors(out), self.draws.pop(0) if self.draws else []
            if len(got) != len(drawn) or any(g.shape != d.shape for g, d in zip(got, drawn, strict=True)):
                raise RuntimeError(f"the float64 run of {func} draws differently from eager")
            with torch.no_grad():
                for g, d in zip(got, drawn, strict=True):
                    g.copy_(d)
        return out


def _leaf(a: Any) -> bool:
    return isinstance(a, torch.Tensor) and a.requires_grad


def _detached(v: Any) -> Any:
    return clone_value(v) if isinstance(v, torch.Tensor) else v


def observe(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...] | list[Any],
    training: bool,
    *,
    wrap: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None,
    ops: set[torch._ops.OpOverload] | None = None,
    mode: TorchDispatchMode | None = None,
    raise_errors: bool = False,
    share: bool = False,
    note_state: bool = False,
) -> Observation:
    """Run ``fn`` (through ``wrap``, e.g. ``torch.compile``) on fresh copies of ``inputs``.

    A module is run on a copy of its own, so that no run sees another's writes to its state;
    with ``share``, on ``fn`` itself, for a run that cannot write it (an inference run of a
    program whose eager run kept its state: ``note_state`` finds that out). A copy of a large
    model costs its whole size for as long as a compiled run holds it.

    With ``ops`` (a set), the ATen overloads the run dispatches are added to it (and what its
    random ops drew is kept in ``random_draws``). ``mode`` is entered around the run (the float64
    oracle's). An exception becomes ``Observation.error`` unless ``raise_errors``.
    """
    module = isinstance(fn, torch.nn.Module)
    program = copy.deepcopy(fn) if module and not share else fn
    target = wrap(program) if wrap is not None else program
    args = fresh(inputs)
    draws: list[list[torch.Tensor]] = []
    rec: _OpRecorder | None = None
    try:
        if ops is not None:
            with _OpRecorder() as rec:
                out = run_program(target, args, training)
            ops |= rec.ops
            draws = rec.draws
        elif mode is not None:
            with mode:
                out = run_program(target, args, training)
        else:
            out = run_program(target, args, training)
    except Exception as e:
        if raise_errors:
            raise
        return Observation(error=f"{type(e).__name__}: {e}")
    outputs = flatten(out)
    obs = Observation(
        inputs_after=[_detached(a) for a in args],
        random_draws=draws,
        aliases=frozenset(alias_pairs(outputs, list(args))),  # before the values are copied
    )
    shown = [(f"output {i}", v) for i, v in enumerate(outputs)]
    if training:
        shown += [(f"grad of input {i}", a.grad) for i, a in enumerate(args) if _leaf(a)]
        if isinstance(program, torch.nn.Module):
            shown += [(f"grad of {name}", p.grad) for name, p in program.named_parameters() if p.requires_grad]
    for label, v in shown:
        obs.values.append(_detached(v))
        obs.labels.append(label)
        if rec is not None:
            # a gradient's zeros come out of sums of +-0 terms: no sign is defined
            obs.sign_defined.append(rec.sign.get(id(v), False) and label.startswith("output"))
            obs.precisions.append(rec.precision.get(id(v)))
    if rec is not None:
        obs.inputs_sign_defined = [rec.sign.get(id(a), False) for a in args]
    if note_state and isinstance(fn, torch.nn.Module) and isinstance(program, torch.nn.Module) and program is not fn:
        obs.shareable = not training and _same_state(program, fn)
    return obs


def _same_state(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    """Whether two copies of a module hold the same parameters and buffers, bit for bit."""
    sa, sb = a.state_dict(keep_vars=True), b.state_dict(keep_vars=True)
    return sa.keys() == sb.keys() and all(same_bits(sa[k].detach(), sb[k].detach()) for k in sa)


def _wide(v: Any) -> Any:
    if isinstance(v, torch.Tensor) and (v.is_floating_point() or v.is_complex()):
        wide = torch.float64 if v.is_floating_point() else torch.complex128
        out = v.detach().to(wide)
        return out.requires_grad_(True) if v.requires_grad else out
    if isinstance(v, (list, tuple)):
        return type(v)(_wide(x) for x in v)
    return v


def observe_float64(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...] | list[Any],
    training: bool,
    eager: Observation | None = None,
    *,
    share: bool = False,
) -> Observation:
    """The program run in float64: the oracle. Module parameters and floating inputs are widened;
    explicit casts stay (their rounding is what the user's program computes, and what eager
    shows); random ops return what ``eager`` drew, widened. With ``share`` (see ``observe``) the
    module's weights are widened op by op as they are read, not copied into a float64 module:
    for a large model, that copy would be the largest thing fxtv holds. The module's dtype as
    Python code reads it (``weight.dtype``) then stays its own, so a cast to it stays a cast.

    A program that cannot run so (dtypes that then clash, ops without float64 kernels, random
    draws that do not line up) gets ``error`` set, and the comparison falls back to eager as the
    reference.
    """
    draws = [[_widen_tensor(t) for t in d] for d in eager.random_draws] if eager is not None else []
    try:
        with float64_default():  # what the program leaves to the default dtype is float64 too
            return _observe_float64(fn, inputs, training, draws, share)
    except Exception as e:
        return Observation(error=f"{type(e).__name__}: {e}")


def _observe_float64(
    fn: Callable[..., Any], inputs: tuple[Any, ...] | list[Any], training: bool, draws: list[Any], share: bool
) -> Observation:
    if share and isinstance(fn, torch.nn.Module):
        state = [*fn.parameters(), *fn.buffers()]
        widen = frozenset(t.untyped_storage().data_ptr() for t in state if t.is_floating_point() or t.is_complex())
        obs = observe(fn, [_wide(v) for v in inputs], training, mode=_Float64Run(draws, widen), share=True)
        if obs.error is None:
            return obs
        # a module that casts to its weights' dtype (``x.to(self.weight.dtype)``) now meets a
        # float64 weight with a float32 operand: it needs a converted copy
    # widened in place on observe's own copy of a module: one float64 copy, never two
    return observe(fn, [_wide(v) for v in inputs], training, wrap=_double, mode=_Float64Run(draws))


def _double(program: Callable[..., Any]) -> Callable[..., Any]:
    return program.double() if isinstance(program, torch.nn.Module) else program


def _widen_tensor(t: torch.Tensor) -> torch.Tensor:
    if t.is_floating_point():
        return t.to(torch.float64)
    return t.to(torch.complex128) if t.is_complex() else t


def draws_random(ops: set[torch._ops.OpOverload]) -> bool:
    """Whether an eager run that dispatched ``ops`` drew random numbers."""
    return any(_random(op) for op in ops)

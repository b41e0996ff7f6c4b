"""Run a captured graph on another device: rewrite its device literals, move its inputs.

A graph captured on one device carries that device in ``device=`` arguments (factory ops,
``_to_copy``), in ``torch.device`` arguments and in tensor constants. ``retarget`` rewrites all
three, so the last FX graph of a CPU compile can be compiled and run on CUDA (and back), and
the same graph's compiled code compared across devices against one float64 reference.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.fx

from ... import _compat
from ...capture import Step, Trace
from ...fx import snapshot
from ...kinds import StepKind
from ...numeric import Checker


def _move_arg(a: Any, device: torch.device) -> Any:
    if isinstance(a, torch.device):
        return device
    return a


def retarget(gm: torch.fx.GraphModule, device: str | torch.device) -> torch.fx.GraphModule:
    """A copy of ``gm`` whose device literals and tensor constants are on ``device``."""
    dev = torch.device(device)
    graph = copy.deepcopy(gm.graph)
    root: dict[str, Any] = {}
    for n in graph.nodes:
        n.args = torch.fx.node.map_aggregate(n.args, lambda a: _move_arg(a, dev))
        kwargs = dict(torch.fx.node.map_aggregate(n.kwargs, lambda a: _move_arg(a, dev)))
        if isinstance(kwargs.get("device"), str):
            kwargs["device"] = dev
        n.kwargs = kwargs
        if n.op == "get_attr" and n.target not in root:
            obj: Any = gm
            for part in str(n.target).split("."):
                obj = getattr(obj, part)
            root[str(n.target)] = obj.to(dev) if isinstance(obj, torch.Tensor | torch.nn.Module) else obj
    return torch.fx.GraphModule(root, graph)


def to_device(values: list[Any], device: str | torch.device) -> list[Any]:
    return [v.to(device) if isinstance(v, torch.Tensor) else v for v in values]


def graph_device(values: list[Any]) -> str:
    for v in values:
        if isinstance(v, torch.Tensor):
            return v.device.type
    return "cpu"


def on_device(fn: Any, device: str) -> Any:
    """A boxed callable that runs ``fn`` on ``device`` and hands results back where its
    arguments live, writing the device-side input mutations back into the caller's tensors."""

    def run(args: list[Any]) -> Any:
        home = graph_device(list(args))
        moved = to_device(list(args), device)
        out = fn(list(moved))
        for a, m in zip(args, moved, strict=True):
            if isinstance(a, torch.Tensor) and isinstance(m, torch.Tensor) and m is not a:
                a.copy_(m.to(a.device))
        return [o.to(home) if isinstance(o, torch.Tensor) else o for o in out]

    return run


def other_devices(home: str) -> list[str]:
    """Devices besides ``home`` this machine can run the graph on."""
    return [d for d in ("cpu", "cuda") if d != home and (d != "cuda" or torch.cuda.is_available())]


def device_steps(trace: Trace, checker: Checker) -> list[Step]:
    """For each lowered graph, a step "the same graph compiled on <other device>" (when one is here).

    The step's before-side is the last FX graph on its own device; its after-side the graph
    retargeted, compiled and run on the other device, so the ordinary lowering check compares
    the two against the one float64 reference.
    """
    out: list[Step] = []
    done = {(s.graph, s.device) for s in trace.steps if s.device}
    for step in list(trace.steps):
        if step.kind != StepKind.LOWERING or not step.changed or step.device:
            continue
        base = checker.base_inputs(step.graph)
        if base is None:
            continue
        home = graph_device(list(base[0]))
        for dev in other_devices(home):
            if (step.graph, dev) in done:  # localized before: the step is already in the trace
                continue
            new = Step(
                index=len(trace.steps) + len(out),
                name=f"lowering + codegen on {dev}",
                stage=step.stage,
                graph=step.graph,
                kind=StepKind.LOWERING,
                changed=True,
                before=step.before,
                device=dev,
            )
            try:
                gm = retarget(snapshot(step.before), dev)
                inputs = to_device(list(base[0]), dev)
                with _compat.config_patches(_compat.cache_off_patches()), _compat.lowering_only():
                    compiled = _compat.compile_lowered(gm, inputs, role=trace.graphs[step.graph].role)
                new.after = on_device(compiled, dev)
            except Exception as e:
                new.not_run = f"could not compile the graph on {dev}: {type(e).__name__}: {e}"
            out.append(new)
    return out

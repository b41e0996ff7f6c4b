"""What a differential tester observes of one run: outputs, inputs after the run, gradients."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch

from validator.fx import flatten


def _clone_args(args: tuple[Any, ...], dtype: torch.dtype | None = None) -> list[Any]:
    out = []
    for a in args:
        if isinstance(a, torch.Tensor):
            c = a.detach().clone()
            if dtype is not None and c.is_floating_point():
                c = c.to(dtype)
            c.requires_grad_(a.requires_grad)
            out.append(c)
        else:
            out.append(a)
    return out


def observe(
    fn: Callable[..., Any], args: tuple[Any, ...], *, training: bool, compile: bool, float64: bool = False
) -> list[torch.Tensor]:
    """Outputs, then every tensor argument after the call, then (training) the gradients of the
    parameters and inputs, from fresh copies of ``fn`` (a module is deep-copied: runs may mutate
    its buffers) and of ``args``; ``float64`` runs a widened copy."""
    dtype = torch.float64 if float64 else None
    f = copy.deepcopy(fn) if isinstance(fn, torch.nn.Module) else fn
    if float64 and isinstance(f, torch.nn.Module):
        f = f.to(torch.float64)
    a = _clone_args(args, dtype)
    if compile:
        torch._dynamo.reset()
        f_run: Callable[..., Any] = torch.compile(f, backend="inductor")
    else:
        f_run = f
    torch.manual_seed(0)
    if not training:
        with torch.no_grad():
            out = flatten(f_run(*a))
        return [o.detach() for o in out if isinstance(o, torch.Tensor)] + [x for x in a if isinstance(x, torch.Tensor)]
    out = flatten(f_run(*a))
    tensors = [o for o in out if isinstance(o, torch.Tensor)]
    g = torch.Generator().manual_seed(0)
    loss = sum((o.float() * torch.randn(o.shape, generator=g).to(o.device)).sum() for o in tensors if o.requires_grad)
    if isinstance(loss, torch.Tensor):
        loss.backward()
    params = list(f.parameters()) if isinstance(f, torch.nn.Module) else []
    leaves = [*params, *(x for x in a if isinstance(x, torch.Tensor))]
    grads = [p.grad.detach() for p in leaves if isinstance(p, torch.Tensor) and p.grad is not None]
    return [o.detach() for o in tensors] + [x.detach() for x in a if isinstance(x, torch.Tensor)] + grads

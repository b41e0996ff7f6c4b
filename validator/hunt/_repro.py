"""A finding's standalone repro: a torch-only script that runs the program eagerly and through
``torch.compile`` on the same inputs and exits 1 when they differ (0 when they agree).

"Differ" is what a user would report: ``torch.testing.assert_close`` fails (NaN equal to NaN),
or a NaN / inf / signed zero appears on one side only, or dtypes or shapes differ, or
torch.compile raises. Inputs are rebuilt exactly as the campaign made them (seeded generators),
so the script needs neither fxtv nor the campaign.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import torch

from ._programs import Drawn, special_seed

TEMPLATE = '''\
"""{title}

Found by fxtv hunt (torch {torch_version}); run: python {filename}
Exit code 1: eager and torch.compile differ; 0: they agree.
"""
import sys

import torch

{source}


def make_input(shape, dtype, seed, name_number, index_bound=None, special=None):
    g = torch.Generator().manual_seed(seed * 7919 + name_number)
    if index_bound is not None:
        return torch.randint(0, index_bound, shape, generator=g, dtype=dtype)
    x = torch.randn(shape, generator=g, dtype=torch.float64).to(dtype)
    if special is None or not (x.is_floating_point() or x.is_complex()):
        return x
    # about a third of the elements: NaN, +-inf, +-0.0, a subnormal or +-sqrt(max)
    g = torch.Generator().manual_seed(max(special, 0))
    values = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0]
    if x.is_floating_point():
        fi = torch.finfo(dtype)
        values += [float(fi.tiny) / 4, float(fi.max) ** 0.5, -(float(fi.max) ** 0.5)]
    if special == CYCLE:  # every element special, the values in turn
        pick = torch.arange(x.numel()).reshape(x.shape) % len(values)
        return torch.tensor(values, dtype=torch.float64)[pick].to(dtype)
    pick = torch.randint(0, len(values), x.shape, generator=g)
    mask = torch.rand(x.shape, generator=g) < 0.34
    return torch.where(mask, torch.tensor(values, dtype=torch.float64)[pick].to(dtype), x)


def relayout(x):
    # the same values laid out otherwise: channels-last (4-D, 5-D), else the last two dims transposed
    if x.dim() == 4:
        return x.contiguous(memory_format=torch.channels_last)
    if x.dim() == 5:
        return x.contiguous(memory_format=torch.channels_last_3d)
    return x.transpose(-1, -2).contiguous().transpose(-1, -2) if x.dim() >= 2 else x


SPECIAL = {special}  # input number -> the seed of its special values, where the campaign planted them
LAYOUT = {layout}  # the inputs were laid out non-contiguously
WITNESSES = 10
CYCLE = -1


def make_inputs(witness=0):
    # witness 0: the inputs the campaign ran; 1: every element special, in turn; 2 and on: special
    # values planted afresh (fxtv may have seen the divergence on its special-values trial only)
    def special(n):
        if witness == 0:
            return (SPECIAL or {{}}).get(n)
        return CYCLE if witness == 1 else 1000 * witness + n

    xs = (
{inputs}
    )
    return tuple(relayout(x) for x in xs) if LAYOUT else xs


def run(fn, training, witness):
    xs = make_inputs(witness)
    if training:
        xs = tuple(x.requires_grad_(True) if x.dtype in (torch.float32, torch.float64) else x for x in xs)
    torch.manual_seed(0)
    if not training:
        with torch.no_grad():
            return list(fn(*xs)) + list(xs)
    outs = fn(*xs)
    g = torch.Generator().manual_seed(0)
    grads = [o for o in outs if isinstance(o, torch.Tensor) and o.requires_grad]
    loss = sum(((o if o.dtype == torch.float64 else o.float()) * torch.randn(o.shape, generator=g)).sum()
               for o in grads)
    loss.backward()
    leaves = [x.grad for x in xs if isinstance(x, torch.Tensor) and x.requires_grad]
    return [o.detach() for o in outs] + [x.detach() for x in xs] + leaves


def differs(a, b):
    if not isinstance(a, torch.Tensor) or not isinstance(b, torch.Tensor):
        return None if a == b else f"{{a!r}} vs {{b!r}}"
    if a.dtype != b.dtype or a.shape != b.shape:
        return f"{{a.dtype}}{{list(a.shape)}} vs {{b.dtype}}{{list(b.shape)}}"
    if not (a.is_floating_point() or a.is_complex()):
        return None if torch.equal(a, b) else f"values differ: {{a}} vs {{b}}"
    ra, rb = (torch.view_as_real(a.resolve_conj()), torch.view_as_real(b.resolve_conj())) if a.is_complex() else (a, b)
    for what, f in (("NaN", torch.isnan), ("inf", torch.isinf), ("-0.0", lambda t: (t == 0) & torch.signbit(t))):
        if not torch.equal(f(ra), f(rb)):
            return f"{{what}} where the other has none"
    try:
        torch.testing.assert_close(b, a, equal_nan=True)
    except AssertionError as e:
        return " ".join(str(e).split())[:300]
    return None


def shared(values):
    # pairs of values one storage holds: an output that comes to share its memory with another
    # (or with an input) changes what a later in-place write does
    def key(v):
        return v.untyped_storage().data_ptr() if isinstance(v, torch.Tensor) and v.untyped_storage().nbytes() else None

    keys = [key(v) for v in values]
    return {{(i, j) for i in range(len(keys)) for j in range(i) if keys[i] is not None and keys[i] == keys[j]}}


def main():
    compiled_program = torch.compile(program, backend="inductor", dynamic={dynamic})
    for witness in range(WITNESSES):
        eager = run(program, {training}, witness)
        try:
            compiled = run(compiled_program, {training}, witness)
        except Exception as e:
            print(f"torch.compile raises: {{type(e).__name__}}: {{str(e)[:300]}}")
            return 1
        found = [(i, d) for i, (a, b) in enumerate(zip(eager, compiled)) if (d := differs(a, b))]
        for i, d in found:
            print(f"inputs #{{witness}}, value {{i}}:\\neager    {{eager[i]}}\\ncompiled {{compiled[i]}}\\n{{d}}")
        for i, j in sorted(shared(compiled) - shared(eager)):
            print(f"inputs #{{witness}}: values {{j}} and {{i}} share memory in torch.compile, not eagerly")
            found.append((i, "aliasing"))
        if found:
            print("DIVERGES")
            return 1
    print("agrees")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def repro_script(d: Drawn, title: str, filename: str) -> str:
    p = d.program
    lines = []
    for i in p.inputs:
        number = int(i.name.lstrip("x") or 0)
        lines.append(
            f"        make_input({tuple(i.shape)!r}, torch.{str(i.dtype).removeprefix('torch.')}, {p.seed}, {number}, "
            f"index_bound={i.index_bound!r}, special=special({number})),"
        )
    special = None
    if d.variant.special:
        special = {int(i.name.lstrip("x") or 0): special_seed(p.seed, i.name) for i in p.inputs}
    return TEMPLATE.format(
        title=title,
        torch_version=torch.__version__,
        filename=filename,
        source=p.source,
        inputs="\n".join(lines),
        special=special,
        layout=d.variant.layout,
        training=d.variant.training,
        dynamic=d.variant.dynamic,
    )


def reproduces(path: Path, timeout: float = 600) -> bool | None:
    """Run the repro in a fresh process: True when it diverges, False when eager and compile agree,
    None when it could not run (it crashed or hung, which the page then says)."""
    try:
        proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return {0: False, 1: True}.get(proc.returncode)

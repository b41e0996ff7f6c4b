"""Custom inductor graph passes, installable through torch._inductor.config's official hooks.

CORRECT_PASSES preserve semantics; FAULTY_PASSES each reintroduce one documented
historical torch.compile bug (see each pass's ``info.issue``). Every pass exposes
``trigger()``, a tiny program on which it fires, and ``installed()`` to hook it in::

    p = get_pass("split_cat_order")
    fn, args = p.trigger()
    with p.installed():
        torch.compile(fn, backend="inductor")(*args)
    assert p.last_rewrites > 0

Each list is built from its subpackage (``passes/_registry.py``): a new pass or fault is one new
file there, a class decorated with ``@register``, plus its record in ``passes/catalog.toml``.
"""

from ._base import HOOKS, GraphPass, NodeRewrite, PassInfo, Trigger, installed_all
from ._fault import Fault
from ._registry import register
from .below import BELOW_FX_FAULTS
from .components import COMPONENT_FAULTS
from .correct import CORRECT_PASSES
from .faulty import FAULTY_PASSES
from .tables import TABLE_FAULTS

if any(p.info.faulty for p in CORRECT_PASSES) or not all(p.info.faulty for p in FAULTY_PASSES):
    raise RuntimeError("a pass in passes/correct is faulty, or one in passes/faulty is not")

ALL_PASSES: list[GraphPass] = CORRECT_PASSES + FAULTY_PASSES

_BY_NAME = {p.name: p for p in ALL_PASSES}
if len(_BY_NAME) != len(ALL_PASSES):
    raise RuntimeError("duplicate pass names")


# Faults outside FX passes (passes/_fault.py): decompositions, partitioner, reinplacing,
# lowerings, fusions, codegen, and faults placed in one of the tables inductor reads.
FAULTS: list[Fault] = [*COMPONENT_FAULTS, *BELOW_FX_FAULTS, *TABLE_FAULTS]
if len({f.name for f in FAULTS} | set(_BY_NAME)) != len(FAULTS) + len(_BY_NAME):
    raise RuntimeError("duplicate fault names")


def get_fault(name: str) -> Fault:
    """The registered fault instance called ``name``."""
    for f in FAULTS:
        if f.name == name:
            return f
    raise KeyError(f"unknown fault {name!r}; known faults: {sorted(f.name for f in FAULTS)}")


def get_pass(name: str) -> GraphPass:
    """The registered pass instance called ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown pass {name!r}; known passes: {sorted(_BY_NAME)}") from None


__all__ = [
    "ALL_PASSES",
    "CORRECT_PASSES",
    "FAULTS",
    "FAULTY_PASSES",
    "Fault",
    "HOOKS",
    "GraphPass",
    "NodeRewrite",
    "PassInfo",
    "Trigger",
    "get_fault",
    "get_pass",
    "installed_all",
    "register",
]

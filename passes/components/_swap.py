"""Install helpers shared by the component faults: swap table entries, wrap the partitioner or
the reinplacing pass, each undone on exit (also after an exception)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
import torch._inductor.config as inductor_config
from torch._inductor.custom_graph_pass import CustomPartitionerFn

from .._fault import swapped


@contextlib.contextmanager
def decompositions_swapped(
    make: Callable[[Callable[..., Any] | None], Callable[..., Any]], *ops: Any
) -> Iterator[None]:
    """Replace inductor's decomposition of each overload in ``ops`` by ``make(real_or_None)``.

    Both tables inductor can select are patched: ``decompositions`` itself (what
    ``select_decomp_table()`` returns with ``config.fallback_random``) and the cached copy
    ``fast_random_decomps()`` returns without it, so the fault holds under either setting.
    """
    from torch._inductor import decomposition

    tables = [decomposition.decompositions, decomposition.fast_random_decomps()]
    with contextlib.ExitStack() as stack:
        for table in tables:
            stack.enter_context(swapped(table, {op: make(table.get(op)) for op in ops}))
        yield


class CorruptingPartitioner(CustomPartitionerFn):
    """Inductor's min-cut partitioner followed by ``corrupt(fw, bw)`` (returns the number of edits)."""

    def __init__(
        self, corrupt: Callable[[torch.fx.GraphModule, torch.fx.GraphModule], int], on_fire: Callable[[int], None]
    ):
        self._corrupt = corrupt
        self._on_fire = on_fire

    def __call__(
        self, gm: torch.fx.GraphModule, joint_inputs: Sequence[object], **kwargs: Any
    ) -> tuple[torch.fx.GraphModule, torch.fx.GraphModule]:
        from torch._functorch.partitioners import min_cut_rematerialization_partition

        fw, bw = min_cut_rematerialization_partition(gm, joint_inputs, **kwargs)
        n = self._corrupt(fw, bw)
        if n:
            for g in (fw, bw):
                g.graph.lint()
                g.recompile()
            self._on_fire(n)
        return fw, bw

    def uuid(self) -> Any | None:
        return None  # never cache a compile made with a broken partitioner


@contextlib.contextmanager
def partitioner_installed(partitioner: CorruptingPartitioner) -> Iterator[None]:
    with inductor_config.patch(custom_partitioner_fn=partitioner):
        yield


@contextlib.contextmanager
def reinplace_wrapped(extra: Callable[[torch.fx.Graph], int], on_fire: Callable[[int], None]) -> Iterator[None]:
    """Run the real ``reinplace_inplaceable_ops``, then ``extra(graph)`` (returns the number of rewrites).

    ``post_grad_passes`` looks the pass up as a global of ``fx_passes.post_grad`` at call time,
    so swapping that global is enough.
    """
    from torch._inductor.fx_passes import post_grad

    real = post_grad.reinplace_inplaceable_ops

    @functools.wraps(real)
    def faulty(fake_tensor_updater: Any, graph: torch.fx.Graph) -> None:
        real(fake_tensor_updater, graph)
        n = extra(graph)
        if n:
            graph.lint()
            on_fire(n)

    post_grad.reinplace_inplaceable_ops = faulty
    try:
        yield
    finally:
        post_grad.reinplace_inplaceable_ops = real

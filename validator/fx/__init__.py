"""The low-level FX core every stage shares: snapshots, running graphs, values and node metadata.

    snap = snapshot(gm)                        # a frozen copy, meta and all
    res = run_graph(to_float64(snap), inputs)  # float64 oracle run, random ops replayed from one seed
    meta_value(node), op_name(node)            # what a node carries and how reports name it

Nothing here knows about passes, steps or verdicts; capture, numeric, symbolic, localize and
passcheck build on it, and custom passes may too.
"""

from ._meta import (
    VAL_KEYS,
    ancestors,
    fake_tensor,
    meta_value,
    op_base,
    op_name,
    output_node,
    output_nodes,
    target_base,
)
from ._run import (
    RNG_SEED,
    RunResult,
    fetch_attr,
    float64_default,
    has_random_ops,
    may_write,
    mutates,
    output_args,
    possibly_written_inputs,
    run_compiled,
    run_graph,
    same_bits,
    to_float64,
    widen_value,
    written_args,
)
from ._snapshot import SEMANTIC_META, fingerprint, snapshot
from ._values import clone_inputs, clone_tensor, clone_value, describe, flatten, is_fake, leaves, real_view

__all__ = [
    "RNG_SEED",
    "SEMANTIC_META",
    "VAL_KEYS",
    "ancestors",
    "RunResult",
    "clone_inputs",
    "clone_tensor",
    "clone_value",
    "describe",
    "fake_tensor",
    "fetch_attr",
    "fingerprint",
    "flatten",
    "float64_default",
    "has_random_ops",
    "may_write",
    "is_fake",
    "leaves",
    "meta_value",
    "mutates",
    "op_base",
    "op_name",
    "output_args",
    "possibly_written_inputs",
    "output_node",
    "output_nodes",
    "real_view",
    "run_compiled",
    "run_graph",
    "same_bits",
    "snapshot",
    "target_base",
    "to_float64",
    "widen_value",
    "written_args",
]

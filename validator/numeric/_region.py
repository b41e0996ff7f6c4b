"""Region-only runs of an FX step's after-graph: only what the step changed is computed.

Consecutive versions of a graph lineage share most of their nodes. A node's *key* is its
structure (op, target, constant arguments, its inputs' keys) and name, interned, so that two
nodes with one key compute one value on one trial: every op involved is pure (a graph that
writes into a tensor or draws random numbers is run whole). The after-graph of a step then
needs to compute only the nodes whose key its before-graph lacks (the step's *region*: what it
created or edited, and their downstream cone); every other value is the before-graph's, kept
from the before-graph's run for exactly the nodes the region reads (its *boundary*).

The cone is cut where values re-join: a region node with a same-named counterpart in the
before-graph (a node whose target or inputs the pass edited: ``view_to_reshape``, the users of
a removed no-op) that computes the very bits of that counterpart, with the same sizes, strides,
storage offset and dtype, takes the counterpart's key, so nothing downstream of it is recomputed
(not in a graph that reads storage beyond a tensor: ``as_strided``).

Kept values are bounded (``KEEP_BYTES`` per lineage and trial); where the boundary is larger,
or a graph cannot be cut, the whole after-graph runs and the step's check says why.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.fx

from ..capture import Trace
from ..fx import RunResult, fetch_attr, flatten, has_random_ops, may_write, op_name, output_args, same_bits, target_base

# values kept from one run for the next step's region, per lineage and trial
KEEP_BYTES = 16 << 20

_Value = Any
Store = dict[int, _Value]  # node key -> value


@dataclass(frozen=True)
class _Plan:
    """How the after-graph of one step (``before`` -> ``after``) is run."""

    why_whole: str | None  # None: the region is run
    new: frozenset[torch.fx.Node] = frozenset()  # after-graph nodes whose key the before-graph lacks
    # after-graph region node -> key of its same-named before-graph node, whose bits it may re-join
    rejoin: Mapping[torch.fx.Node, int] | None = None
    boundary: frozenset[int] = frozenset()  # before-graph keys the region reads


class Regions:
    """The region plan of every FX step of a trace, and the values kept between runs."""

    def __init__(self, trace: Trace) -> None:
        # one table for the whole trace: a key is found only in a graph of one lineage's chain
        self._table: dict[tuple[Any, ...], int] = {}
        self._keys: dict[int, tuple[torch.fx.GraphModule, dict[torch.fx.Node, int]]] = {}
        self._next: dict[int, tuple[str, torch.fx.GraphModule, torch.fx.GraphModule]] = {}
        for s in trace.steps:
            if s.is_leaf and s.changed and _is_gm(s.before) and _is_gm(s.after) and s.before is not s.after:
                self._next[id(s.before)] = (s.graph, s.before, s.after)
        self._plans: dict[tuple[int, int], _Plan] = {}
        self._required: dict[int, frozenset[int]] = {}
        self._unsafe: dict[int, str | None] = {}
        # (lineage, trial) -> (the graph last run, the values kept from that run)
        self._stores: dict[tuple[str, str], tuple[torch.fx.GraphModule, Store]] = {}

    # ------------------------------------------------------------------ keys and plans
    def keys(self, gm: torch.fx.GraphModule) -> dict[torch.fx.Node, int]:
        hit = self._keys.get(id(gm))
        if hit is not None and hit[0] is gm:
            return hit[1]
        keyer = _Keyer(self._table, gm)
        out = {n: keyer.key(n) for n in gm.graph.nodes if n.op != "output"}
        self._keys[id(gm)] = (gm, out)  # the entry holds gm, so its id is not reused while cached
        return out

    def unsafe(self, gm: torch.fx.GraphModule) -> str | None:
        """Why nodes of ``gm`` with one key might not compute one value (None: they do)."""
        if id(gm) not in self._unsafe:
            writer = next((n for n in gm.graph.nodes if may_write(n)), None)
            self._unsafe[id(gm)] = (
                f"a node may write into tensors ({writer.name} = {op_name(writer)})"
                if writer is not None
                else "the graph draws random numbers"
                if has_random_ops(gm)
                else None
            )
        return self._unsafe[id(gm)]

    def plan(self, before: torch.fx.GraphModule, after: torch.fx.GraphModule) -> _Plan:
        key = (id(before), id(after))
        if key not in self._plans:
            self._plans[key] = self._make_plan(before, after)
        return self._plans[key]

    def _make_plan(self, before: torch.fx.GraphModule, after: torch.fx.GraphModule) -> _Plan:
        why = self.unsafe(before) or self.unsafe(after)
        if why is not None:
            return _Plan(why)
        kb, ka = self.keys(before), self.keys(after)
        old = set(kb.values())
        new = frozenset(n for n in ka if ka[n] not in old)
        # A region node the pass edited (its target, constants or inputs by name differ from its
        # same-named counterpart's: ``view_to_reshape``, the users of a removed no-op) may compute
        # its counterpart's bits: the counterpart's value is kept to compare. Nodes that differ
        # only by what flows into them re-join on their own once their inputs do.
        named = {n.name: n for n in kb}
        rejoin = {n: kb[named[n.name]] for n in new if n.name in named and _by_name(n) != _by_name(named[n.name])}
        if any(_reads_storage(n) for n in after.graph.nodes):
            rejoin = {}  # equal values may lie in storages that differ beyond them
        # What an edited node reads may itself be in the region only because of an edit upstream
        # that re-joins: its value is then the before-graph's, kept too (found by name).
        upstream = {kb[named[m.name]] for n in rejoin for m in n.all_input_nodes if m.name in named}
        upstream -= {kb[m] for m in kb if m.op in ("placeholder", "get_attr")}
        # the before-graph's outputs come with its run: only other values are kept
        given = {kb[m] for m in _output_nodes(before)}
        reads = {m for n in new for m in n.all_input_nodes} | set(_output_nodes(after))
        boundary = {ka[m] for m in reads if m not in new and m.op not in ("placeholder", "get_attr")} - given
        return _Plan(None, new, rejoin, frozenset(boundary | upstream | set(rejoin.values())))

    def required(self, gm: torch.fx.GraphModule) -> frozenset[int]:
        """Keys of ``gm``'s nodes whose values the next steps' regions read from a run of ``gm``."""
        if id(gm) in self._required:
            return self._required[id(gm)]
        chain = [gm]  # gm and the versions after it, while their steps run as regions
        while True:
            link = self._next.get(id(chain[-1]))
            if link is None or link[1] is not chain[-1] or link[2] in chain:
                break
            if self.plan(chain[-1], link[2]).why_whole is not None:
                break
            chain.append(link[2])
        out: frozenset[int] = frozenset()
        for v, w in reversed(list(itertools.pairwise(chain))):
            # what w's region reads, and what later regions read of w's nodes, which w's run takes
            # from v's: unchanged nodes, and (where they re-join) same-named ones
            kv, kw = self.keys(v), self.keys(w)
            own = set(kv.values())
            named = {n.name: k for n, k in kv.items()}
            carried = {k if k in own else named.get(n.name) for n, k in kw.items() if k in out}
            out = self.plan(v, w).boundary | frozenset(k for k in carried if k is not None)
            self._required[id(v)] = out
        self._required.setdefault(id(gm), frozenset())
        return self._required[id(gm)]

    # ------------------------------------------------------------------ runs
    def recorder(
        self, lineage: str | None, trial: str, gm: torch.fx.GraphModule
    ) -> tuple[Callable[[torch.fx.Node, Any], None] | None, Callable[[RunResult], None]]:
        """For a whole run of ``gm``: an observer keeping what later regions read, and what to
        call with the run's result."""
        if lineage is None:
            return None, lambda r: None
        self._stores.pop((lineage, trial), None)
        link = self._next.get(id(gm))
        wanted = self.required(gm) if link is not None and link[0] == lineage else frozenset()
        keys = self.keys(gm)
        store: Store = {}

        def observe(n: torch.fx.Node, value: Any) -> None:
            k = keys.get(n)
            if k is not None and k in wanted:
                store[k] = value

        def done(r: RunResult) -> None:
            if r.error is None and self.unsafe(gm) is None and _nbytes(store.values()) <= KEEP_BYTES:
                self._stores[(lineage, trial)] = (gm, store)

        return (observe if wanted else None), done

    def forget(self, keep_lineage: str) -> None:
        self._stores = {k: v for k, v in self._stores.items() if k[0] == keep_lineage}

    def run(
        self,
        lineage: str,
        trial: str,
        before: torch.fx.GraphModule,
        after: torch.fx.GraphModule,
        inputs: Sequence[Any],
        b: RunResult,
        stubs: Mapping[int, Any],
    ) -> tuple[RunResult | None, str]:
        """The after-graph's run on ``inputs`` computing only its region, given the before-graph's
        run ``b`` on them; (None, why) where it must run whole."""
        link = self._next.get(id(before))
        if link is None or link[0] != lineage or link[1] is not before or link[2] is not after:
            return None, "not a captured step of this graph"
        p = self.plan(before, after)
        if p.why_whole is not None:
            return None, p.why_whole
        kept = self._stores.pop((lineage, trial), None)
        if kept is None or kept[0] is not before:
            return None, (
                f"the {len(p.boundary)} values of the before-graph the region reads were not kept "
                f"(at most {KEEP_BYTES >> 20} MB are, per graph and trial)"
            )
        run = _RegionRun(self, before, after, p, kept[1], inputs, b, stubs)
        try:
            with torch.no_grad():
                result = run.execute()
                store = run.keep(self.required(after))
        except Exception as e:  # the whole graph's run says how the after-graph fails
            return None, f"the region raised {type(e).__name__}"
        if store is not None:
            self._stores[(lineage, trial)] = (after, store)
        total = sum(1 for n in after.graph.nodes if n.op not in ("placeholder", "output"))
        note = f"region: {run.computed} of {total} nodes run"
        if run.rejoined:
            note += f" ({run.rejoined} re-joined the before-graph's values)"
        return result, note


class _Keyer:
    """Keys of one graph's nodes, in graph order. A key holds the node's name as well as its
    structure: no two nodes of one graph share a key, so each key stands for one value object and
    a run cut into a region hands back the aliasing a whole run would. (A pass that recreates a
    node under another name makes it part of the region; its users re-join.)"""

    def __init__(self, table: dict[tuple[Any, ...], int], gm: torch.fx.GraphModule) -> None:
        self.table, self.gm = table, gm
        self.of: dict[torch.fx.Node, int] = {}
        self._position = 0

    def key(self, n: torch.fx.Node) -> int:
        if n.op == "placeholder":
            sig: tuple[Any, ...] = ("placeholder", self._position)
            self._position += 1
        elif n.op == "get_attr":
            sig = ("get_attr", n.target, id(fetch_attr(self.gm, str(n.target))))
        else:
            sig = (n.op, n.target, _shape(n.args, self.of), _shape(n.kwargs, self.of), n.name)
        self.of[n] = k = _intern(self.table, sig)
        return k


class _RegionRun:
    """One region run: dynamic keys (static ones, but for re-joined nodes), values by node."""

    def __init__(
        self,
        regions: Regions,
        before: torch.fx.GraphModule,
        after: torch.fx.GraphModule,
        plan: _Plan,
        store: Store,
        inputs: Sequence[Any],
        b: RunResult,
        stubs: Mapping[int, Any],
    ) -> None:
        self.after, self.plan = after, plan
        self.store, self.stubs = store, stubs
        self.static = regions.keys(after)
        self.old = set(regions.keys(before).values())
        self.table = regions._table
        # the before-graph's outputs, by key: a value every node with that key has
        self.outputs: dict[int, Any] = {}
        kb = regions.keys(before)
        flat = output_args(before)
        if len(flat) == len(b.outputs):
            for a, v in zip(flat, b.outputs, strict=True):
                if isinstance(a, torch.fx.Node) and a in kb:
                    self.outputs.setdefault(kb[a], v)
        self.key: dict[torch.fx.Node, int] = {}  # keys as the run finds them (re-joins included)
        self.env: dict[torch.fx.Node, Any] = {}
        placeholders = [n for n in after.graph.nodes if n.op == "placeholder"]
        for n, v in zip(placeholders, inputs, strict=False):
            self.env[n] = v
        self.computed = self.rejoined = 0

    def execute(self) -> RunResult:
        rejoin = self.plan.rejoin or {}
        keyer = _Keyer(self.table, self.after)
        keyer.of = self.key  # re-joined nodes pass their counterpart's key on downstream
        for n in self.after.graph.nodes:
            if n.op == "output":
                continue
            self.key[n] = k = keyer.key(n)
            if k in self.old or n.op == "placeholder":
                continue  # the before-graph's value: fetched only where something reads it
            self.env[n] = value = self._compute(n)
            twin = rejoin.get(n)
            if twin is not None and twin in self.store and _identical(value, self.store[twin]):
                self.key[n] = twin
                self.rejoined += 1
        out_node = next(n for n in self.after.graph.nodes if n.op == "output")
        out = torch.fx.node.map_arg(out_node.args[0], self._value)
        placeholders = [n for n in self.after.graph.nodes if n.op == "placeholder"]
        return RunResult(flatten(out), [self.env[n] for n in placeholders])

    def _compute(self, n: torch.fx.Node) -> Any:
        self.computed += 1
        if n.op == "get_attr":
            return fetch_attr(self.after, str(n.target))
        args = torch.fx.node.map_arg(n.args, self._value)
        kwargs = torch.fx.node.map_arg(n.kwargs, self._value)
        if n.op == "call_method":
            return getattr(args[0], str(n.target))(*args[1:], **kwargs)
        stub = self.stubs.get(id(n.target))
        if stub is not None:
            return stub(args, kwargs)
        return n.target(*args, **kwargs)  # type: ignore[operator]

    def _known(self, n: torch.fx.Node) -> bool:
        k = self.key[n]
        return n in self.env or k in self.store or k in self.outputs

    def _value(self, n: torch.fx.Node) -> Any:
        if not self._known(n):
            # below a re-join, a value the region did not compute and nobody kept: computed now,
            # with whatever it reads that is not known either, in graph order
            missing: set[torch.fx.Node] = set()
            stack = [n]
            while stack:
                m = stack.pop()
                if m not in missing and not self._known(m):
                    missing.add(m)
                    stack += m.all_input_nodes
            for m in self.after.graph.nodes:
                if m in missing:
                    self.env[m] = self._compute(m)
        if n in self.env:
            return self.env[n]
        k = self.key[n]
        return self.store[k] if k in self.store else self.outputs[k]

    def keep(self, wanted: frozenset[int]) -> Store | None:
        """The values of this run that the next regions read, or None past ``KEEP_BYTES``."""
        store = {k: self._value(n) for n, k in self.static.items() if k in wanted}
        return store if _nbytes(store.values()) <= KEEP_BYTES else None


def _is_gm(x: object) -> bool:
    return isinstance(x, torch.fx.GraphModule)


def _intern(table: dict[tuple[Any, ...], int], sig: tuple[Any, ...]) -> int:
    k = table.get(sig)
    if k is None:
        k = table[sig] = len(table)
    return k


def _shape(a: Any, keys: Mapping[torch.fx.Node, Any]) -> Any:
    """A hashable stand-in for a node's arguments: nodes by key, constants by type and value."""
    if isinstance(a, torch.fx.Node):
        return ("node", keys[a])
    if isinstance(a, (list, tuple)):
        return (type(a).__name__, tuple(_shape(x, keys) for x in a))
    if isinstance(a, dict):
        return ("dict", tuple((k, _shape(v, keys)) for k, v in a.items()))
    if isinstance(a, torch.Tensor):
        return ("tensor", id(a))
    # repr keeps what equality loses: -0.0 is not 0.0, 1 is not 1.0 nor True
    return (type(a).__name__, repr(a))


# ops that read a tensor's storage beyond the tensor: two tensors with the same sizes, strides and
# bits are not interchangeable before them
_STORAGE_OPS = frozenset({"as_strided", "as_strided_copy", "as_strided_scatter", "_reinterpret_tensor", "set"})


def _reads_storage(n: torch.fx.Node) -> bool:
    return n.op in ("call_function", "call_method") and target_base(n.target) in _STORAGE_OPS


def _by_name(n: torch.fx.Node) -> tuple[Any, ...]:
    """A node's own structure, its inputs by name."""
    names = {m: m.name for m in n.all_input_nodes}
    return (n.op, n.target, _shape(n.args, names), _shape(n.kwargs, names))


def _output_nodes(gm: torch.fx.GraphModule) -> list[torch.fx.Node]:
    return [a for a in output_args(gm) if isinstance(a, torch.fx.Node)]


def _identical(a: Any, b: Any) -> bool:
    """Whether ``a`` can stand for ``b`` downstream: same type, sizes, strides, dtype and bits."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        if (a.dtype, a.shape, a.stride(), a.storage_offset(), a.device) != (
            b.dtype,
            b.shape,
            b.stride(),
            b.storage_offset(),
            b.device,
        ):
            return False
        if a.layout != torch.strided or a.is_conj() != b.is_conj() or a.is_neg() != b.is_neg():
            return False
        return a is b or same_bits(a, b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and repr(a) == repr(b)


def _nbytes(values: Any) -> int:
    seen: set[int] = set()
    total = 0
    for v in values:
        for t in flatten(v):
            if isinstance(t, torch.Tensor) and t.layout == torch.strided:
                s = t.untyped_storage()
                if s.data_ptr() not in seen:
                    seen.add(s.data_ptr())
                    total += s.nbytes()
    return total

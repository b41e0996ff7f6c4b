"""Below the FX graph: lowering, fusion, generated code and the tables inductor reads."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.fx

from ._core import compile_fx_module, compiled_callable_attr, inductor_config, module

# Inductor config hook called with the scheduler nodes after fusion (list -> list).
POST_FUSION_HOOK = "_post_fusion_custom_pass"


def post_fusion_pass() -> Any:
    return getattr(inductor_config(), POST_FUSION_HOOK, None)


def graph_buffers() -> list[Any]:
    """The IR buffers of the graph inductor is lowering now."""
    from torch._inductor.virtualized import V

    return list(V.graph.buffers)


def graph_shape_env() -> Any:
    from torch._inductor.virtualized import V

    return V.graph.sizevars.shape_env


def fuse_scheduler_nodes(a: Any, b: Any) -> Any:
    """Fuse two scheduler nodes as the device backend does (legality is the caller's business)."""
    return a.scheduler.get_backend(a.get_device()).fuse(a, b)


@contextlib.contextmanager
def lowering_only(fallback_nodes: frozenset[str] = frozenset()) -> Iterator[None]:
    """Recompile an already post-grad-processed graph: skip the post-grad passes, and lower the
    FX nodes named in ``fallback_nodes`` to their eager ATen kernels (as the bisector does)."""
    cfx = compile_fx_module()
    graph_mod = module("torch._inductor.graph")
    saved = {
        (cfx, "_recursive_post_grad_passes"): getattr(cfx, "_recursive_post_grad_passes", None),
        (cfx, "view_to_reshape"): getattr(cfx, "view_to_reshape", None),
        (graph_mod, "fallback_node_due_to_unsupported_type"): getattr(
            graph_mod, "fallback_node_due_to_unsupported_type", None
        ),
    }
    unsupported = saved[(graph_mod, "fallback_node_due_to_unsupported_type")]
    if unsupported is None and fallback_nodes:
        raise RuntimeError("this torch has no per-node lowering fallback switch")

    def fallback(n: torch.fx.Node, *a: Any, **k: Any) -> bool:
        assert unsupported is not None
        return n.name in fallback_nodes or bool(unsupported(n, *a, **k))

    try:
        for owner, name in saved:
            if saved[(owner, name)] is not None:
                setattr(owner, name, lambda *a, **k: None)
        if unsupported is not None:
            graph_mod.fallback_node_due_to_unsupported_type = fallback
        yield
    finally:
        for (owner, name), value in saved.items():
            if value is not None:
                setattr(owner, name, value)


def compile_lowered(gm: torch.fx.GraphModule, inputs: list[Any], *, role: str) -> Any:
    """Compile a post-grad FX graph with inductor (inside ``lowering_only``); the boxed callable."""
    cfx = compile_fx_module()
    out = cfx.compile_fx_inner(gm, inputs, is_backward=role == "backward", is_inference=role == "inference")
    attr = compiled_callable_attr(out)
    if attr is None:
        raise RuntimeError(f"compiled artifact {type(out).__name__} exposes no callable")
    return getattr(out, attr)


class EagerOutput:
    """Stands in for inductor's OutputCode when lowering is skipped: runs the post-grad graph eagerly.

    AOT autograd calls it boxed (one list of arguments, which it may clear); the capture finds
    the runnable through ``compiled_callable_attr`` like any compiled artifact.
    """

    lowering_skipped = True

    def __init__(self, gm: torch.fx.GraphModule) -> None:
        # An instance attribute: AOT wraps the backward with functools.wraps, which copies __dict__.
        self._boxed_call = True
        self.gm = gm
        self.current_callable: Callable[[list[Any]], Any] = self._run

    def _run(self, args: list[Any]) -> Any:
        out = self.gm(*args)
        args.clear()
        return out

    def __call__(self, args: list[Any]) -> Any:
        return self.current_callable(args)


@contextlib.contextmanager
def skip_lowering() -> Iterator[None]:
    """Compile up to and including the post-grad passes only; the graph then runs eagerly.

    For checks of FX passes alone: no kernel is generated or built (a C++ build is most of a
    small compile). Enter it before ``capture`` so the capture records the passes it still runs.
    """
    cfx = compile_fx_module()
    orig = cfx._compile_fx_inner
    fake_context = module("torch._guards").detect_fake_mode
    virtualized = module("torch._inductor.virtualized").V

    def post_grad_only(gm: torch.fx.GraphModule, example_inputs: Any, *a: Any, **k: Any) -> EagerOutput:
        # What inductor's codegen_and_compile does before it lowers (layout optimisation aside).
        cfx.view_to_reshape(gm)
        with torch.no_grad():
            fake_mode = cfx.fake_tensor_prop(gm, example_inputs)
        with virtualized.set_fake_mode(fake_mode or fake_context(example_inputs)):
            cfx._recursive_post_grad_passes(gm, is_inference=bool(k.get("is_inference", False)))
        return EagerOutput(gm)

    cfx._compile_fx_inner = functools.wraps(orig)(post_grad_only)
    try:
        yield
    finally:
        cfx._compile_fx_inner = orig


def compiled_source(fn: Any) -> tuple[str, dict[str, Any], Any] | None:
    """(wrapper module source, its globals, bound self or None) of an inductor callable."""
    func = getattr(fn, "__func__", fn)
    code = getattr(func, "__code__", None)
    if code is None:
        return None
    try:
        with open(code.co_filename) as f:
            return f.read(), func.__globals__, getattr(fn, "__self__", None)
    except OSError:
        return None


@contextlib.contextmanager
def force_64bit_indexing() -> Iterator[None]:
    """Make Triton kernels index with int64 even where inductor would pick int32."""
    simd = module("torch._inductor.codegen.simd")
    cls = simd.SIMDScheduling
    orig = cls.__dict__.get("can_use_32bit_indexing")
    if orig is None:
        raise RuntimeError("this torch has no SIMDScheduling.can_use_32bit_indexing")
    cls.can_use_32bit_indexing = staticmethod(lambda *a, **k: False)
    try:
        yield
    finally:
        cls.can_use_32bit_indexing = orig


def force_stride_order() -> Any:
    """Inductor's prim that gives a value exactly the strides asked for (a clone's layout is
    inductor's to choose, and it may keep the operand's)."""
    return module("torch._inductor.inductor_prims").force_stride_order


def mark_low_precision_ops(gm: torch.fx.GraphModule) -> int:
    """Mark the nodes of an already traced graph as a trace under ``emulate_precision_casts``
    would have: inductor's lowering rounds a node's fp16 / bf16 operands and result only where
    the trace left ``low_precision_pointwise_barrier``, so the config alone changes nothing in a
    recompile. A node the trace made itself (not from inside a decomposition: its
    ``original_aten`` is its own target) with a low-precision result or operand is marked; the
    number marked."""
    low = (torch.float16, torch.bfloat16)

    def lowp(v: Any) -> bool:
        return isinstance(v, torch.Tensor) and v.dtype in low

    marked = 0
    for n in gm.graph.nodes:
        if n.op != "call_function" or not isinstance(n.target, torch._ops.OpOverload):
            continue
        if str(n.meta.get("original_aten", n.target)) != str(n.target):  # copies of a graph copy ops
            continue
        if lowp(n.meta.get("val")) or any(lowp(a.meta.get("val")) for a in n.all_input_nodes):
            n.meta["low_precision_pointwise_barrier"] = True
            marked += 1
    return marked


def decomposition_table(fallback_random: bool) -> dict[Any, Callable[..., Any]]:
    """The decompositions AOTAutograd applies in a compile with that ``fallback_random`` setting
    (inductor selects one of two tables by it)."""
    decomp = module("torch._inductor.decomposition")
    with inductor_config().patch(fallback_random=fallback_random):
        return dict(decomp.select_decomp_table())


def pointwise_ops_name(op: Any) -> str | None:
    """The ``ops.<name>`` an aten overload's inductor lowering is, when the lowering is the plain
    pointwise wrapper ``register_pointwise`` makes (``make_pointwise(ops_wrapper(name))``); None for
    any other lowering (a hand-written one, a fallback, a wrapper around it)."""
    fn = module("torch._inductor.lowering").lowerings.get(op)
    for _ in range(4):  # make_pointwise's inner -> its decomp_fn / fn -> ops_wrapper's fn
        if fn is None or not hasattr(fn, "__code__"):
            return None
        cells = dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__ or ()), strict=True))
        qual = fn.__qualname__
        if qual.startswith("ops_wrapper."):
            name = cells.get("name")
            return name if isinstance(name, str) else None
        if not qual.startswith("make_pointwise."):
            return None
        fn = cells.get("fn", cells.get("decomp_fn"))
    return None


def run_as_reinplaced(node: torch.fx.Node, args: Any, kwargs: Any) -> Any:
    """Run an ``auto_functionalized`` node the way inductor will: cloning only the inputs the
    reinplacing pass decided to clone (``node.meta["only_clone_these_tensors"]``, which
    ``decompose_auto_functionalized`` turns into graph nodes later). NotImplemented for any other
    node, or when no decision was recorded (eager HOP semantics: clone everything)."""
    only = node.meta.get("only_clone_these_tensors")
    if only is None:
        return NotImplemented
    hop = torch.ops.higher_order
    af = module("torch._higher_order_ops.auto_functionalize")
    if node.target is getattr(hop, "auto_functionalized", None):
        return af.auto_functionalized_dense(args[0], tuple(only), **kwargs)
    if node.target is getattr(hop, "auto_functionalized_v2", None):
        return af.auto_functionalized_v2_dense(args[0], tuple(only), **kwargs)
    return NotImplemented


def accuracy_same(ref: Any, res: Any, *, fp64_ref: Any = None, tol: float = 1e-4, equal_nan: bool = False) -> bool:
    """Dynamo's ``same`` (``dynamo.utils.same``), the accuracy minifier's oracle: ``res`` matches
    ``ref`` within ``tol``, judged against the float64 run ``fp64_ref`` where one is given."""
    same = module("torch._dynamo.utils").same
    return bool(same(ref, res, fp64_ref=fp64_ref, tol=tol, equal_nan=equal_nan))


def compiler_bisector() -> Any:
    """Inductor's ``CompilerBisector`` (torch 2.5+): ``do_bisect(good) -> BisectionResult | None``."""
    return module("torch._inductor.compiler_bisector").CompilerBisector


def symbolic_examples(gm: torch.fx.GraphModule) -> tuple[list[Any], Any] | None:
    """(example inputs, fake mode) to recompile a graph captured with dynamic shapes at its symbolic
    sizes: the placeholders' ``val`` metadata, when any of them is symbolic; else None."""
    vals = [n.meta.get("val") for n in gm.graph.nodes if n.op == "placeholder"]
    if any(v is None for v in vals):
        return None
    fake = next((v.fake_mode for v in vals if isinstance(v, torch.Tensor) and hasattr(v, "fake_mode")), None)
    symbolic = any(
        isinstance(v, torch.SymInt)
        or (isinstance(v, torch.Tensor) and any(isinstance(d, torch.SymInt) for d in v.shape))
        for v in vals
    )
    return (vals, fake) if symbolic and fake is not None else None


@contextlib.contextmanager
def tracing_with(fake_mode: Any) -> Iterator[None]:
    """Inductor compiles symbolic example inputs inside a tracing context holding their fake mode."""
    guards = module("torch._guards")
    with guards.tracing(guards.TracingContext(fake_mode)):
        yield

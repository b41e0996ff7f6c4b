"""The one adapter between fxtv and version-specific torch internals (torch 2.11 - 2.14).

Everything fxtv patches or reads from ``torch._inductor`` / ``torch._functorch`` goes through
this module, so a torch upgrade that moves a symbol means editing one file. Each accessor
degrades to ``None`` (and callers report "not captured") rather than failing the compile.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Callable, Iterator
from typing import Any

import sympy
import torch
import torch.fx

TORCH_VERSION = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2])
SUPPORTED = ((2, 11), (2, 14))


def version_supported() -> bool:
    return SUPPORTED[0] <= TORCH_VERSION <= SUPPORTED[1]


# Dotted names of the private modules fxtv reaches, for ``module``, ``config_value`` and the
# module-keyed patch dicts of ``config_patches`` (``{INDUCTOR_CONFIG: {"fallback_random": True}}``).
INDUCTOR_CONFIG = "torch._inductor.config"
FUNCTORCH_CONFIG = "torch._functorch.config"
COMPILE_FX = "torch._inductor.compile_fx"
PATTERN_MATCHER = "torch._inductor.pattern_matcher"
SIZEVARS_CLASS = "torch._inductor.sizevars.SizeVarAllocator"


def module(name: str) -> Any:
    return importlib.import_module(name)


def compile_fx_module() -> Any:
    return module(COMPILE_FX)


def inductor_config() -> Any:
    """Inductor's config module (``inductor.config``)."""
    return module(INDUCTOR_CONFIG)


def inductor_patch(values: dict[str, Any]) -> contextlib.AbstractContextManager[Any]:
    """Patch inductor's config with ``values`` as given: an unknown key is an error (unlike
    ``config_patches``, which skips options this torch lacks)."""
    return inductor_config().patch(values)  # type: ignore[no-any-return]


def pattern_matcher_module() -> Any:
    return module(PATTERN_MATCHER)


def observer_class() -> type:
    from torch.fx.passes.graph_transform_observer import GraphTransformObserver

    return GraphTransformObserver


def pattern_entry_classes() -> dict[str, type]:
    pm = pattern_matcher_module()
    names = ("ReplacementPatternEntry", "GraphPatternEntry", "LoweringPatternEntry")
    return {n: getattr(pm, n) for n in names if hasattr(pm, n)}


# The inductor config attributes a custom graph pass is installed on, in pipeline order.
CUSTOM_PASS_HOOKS = (
    "pre_grad_custom_pass",
    "joint_custom_pre_pass",
    "joint_custom_post_pass",
    "post_grad_custom_pre_pass",
    "post_grad_custom_post_pass",
)


def pattern_matcher_pass_class() -> type:
    return pattern_matcher_module().PatternMatcherPass  # type: ignore[no-any-return]


def custom_graph_pass_class() -> type:
    return module("torch._inductor.custom_graph_pass").CustomGraphPass  # type: ignore[no-any-return]


# Names in inductor's ``compile_fx`` module (``COMPILE_FX``) looked up at call time, so wrapping the module
# global intercepts the stage. Missing names are skipped (and reported) by the capture.
STAGE_FUNCTIONS = (
    "run_pre_grad_passes",
    "_recursive_joint_graph_passes",
    "partition_fn",
    "view_to_reshape",
    "post_grad_passes",
    "_compile_fx_inner",
)


def cache_off_patches() -> dict[str, dict[str, Any]]:
    """Config patches that make every pass run (a cache hit skips them all).

    ``force_disable_caches`` is avoided on purpose: it also rebuilds the C++ prelude (~15 s).
    """
    return {
        INDUCTOR_CONFIG: {"fx_graph_cache": False, "fx_graph_remote_cache": False},
        FUNCTORCH_CONFIG: {"enable_autograd_cache": False},
    }


def caches_off() -> contextlib.AbstractContextManager[None]:
    """Inductor's FX-graph cache and AOTAutograd's cache off for the block (``cache_off_patches``)."""
    return config_patches(cache_off_patches())


@contextlib.contextmanager
def config_patches(patches: dict[str, dict[str, Any]]) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for modname, values in patches.items():
            cfg = module(modname)
            present = {k: v for k, v in values.items() if _has_option(cfg, k)}
            stack.enter_context(cfg.patch(present))
        yield


def _has_option(cfg: Any, key: str) -> bool:
    """Whether a config module has ``key``; dotted keys ("cpp.simdlen") name nested options."""
    obj = cfg
    for part in key.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def config_value(modname: str, key: str) -> Any:
    obj: Any = module(modname)
    for part in key.split("."):
        obj = getattr(obj, part, None)
    return obj


def register_node_hooks(
    gm: torch.fx.GraphModule,
    on_create: Callable[[torch.fx.Node], None],
    on_erase: Callable[[torch.fx.Node], None],
    on_replace: Callable[[torch.fx.Node, str, torch.fx.Node], None],
) -> Callable[[], None]:
    """Register create/erase/replace hooks; returns the function that removes them."""
    regs: list[tuple[str, str, Callable[..., Any]]] = [
        ("_register_create_node_hook", "_unregister_create_node_hook", on_create),
        ("_register_erase_node_hook", "_unregister_erase_node_hook", on_erase),
        ("_register_replace_node_hook", "_unregister_replace_node_hook", on_replace),
    ]
    done: list[tuple[str, Callable[..., Any]]] = []
    for reg, unreg, fn in regs:
        if hasattr(gm, reg):
            getattr(gm, reg)(fn)
            done.append((unreg, fn))

    def remove() -> None:
        for unreg, fn in done:
            with contextlib.suppress(Exception):
                getattr(gm, unreg)(fn)

    return remove


def tracing_fw_metadata() -> Any:
    """AOTAutograd's ViewAndMutationMeta of the graph being compiled, if reachable."""
    with contextlib.suppress(Exception):
        ctx = torch._guards.TracingContext.try_get()
        if ctx is not None:
            return getattr(ctx, "fw_metadata", None)
    return None


def concrete_int(value: Any) -> int:
    """A concrete int for a size that may be a SymInt (its hint)."""
    if isinstance(value, torch.SymInt):
        node = value.node
        hint = getattr(node, "hint", None)
        if hint is not None:
            return int(hint)
        shape_env = node.shape_env
        return int(shape_env.size_hint(node.expr))
    return int(value)


def compiled_callable_attr(output_code: Any) -> str | None:
    """Name of the attribute holding the boxed compiled callable of an OutputCode."""
    if hasattr(output_code, "current_callable"):
        return "current_callable"
    return None


# ---------------------------------------------------------------------- index arithmetic
# SizeVarAllocator methods whose results fxtv proves equal to their inputs. The instance-level
# caches (``simplify_with_ranges``, ``_simplify_loops``) call these class methods on a miss.
SIZEVAR_REWRITES = (
    "_simplify_with_ranges",
    "_simplify_loops_impl",
    "combine_modular_indexing_pairs",
    "expand_floor_div",
)


def sizevars_class() -> type | None:
    mod, _, name = SIZEVARS_CLASS.rpartition(".")
    with contextlib.suppress(Exception):
        return getattr(module(mod), name)  # type: ignore[no-any-return]
    return None


def index_symbol(name: str) -> Any:
    """A sympy symbol as inductor makes index variables (integer, non-negative)."""
    return module("torch._inductor.utils").sympy_index_symbol(name)


def sympy_subs(expr: Any, replacements: dict[Any, Any]) -> Any:
    """Inductor's ``sympy_subs``: substitution that keeps its symbols' assumptions."""
    return module("torch._inductor.utils").sympy_subs(expr, replacements)


def shape_env_ranges(shape_env: Any) -> dict[Any, tuple[Any, Any]]:
    """Symbol -> (lower, upper) sympy bounds of a ShapeEnv (may be +-int_oo)."""
    out: dict[Any, tuple[Any, Any]] = {}
    for sym, vr in dict(getattr(shape_env, "var_to_range", {}) or {}).items():
        with contextlib.suppress(Exception):
            out[sym] = (vr.lower, vr.upper)
    return out


def shape_env_axioms(shape_env: Any) -> tuple[Any, ...]:
    """Guards and deferred runtime asserts: facts the compiled code may rely on."""
    with contextlib.suppress(Exception):
        return tuple(shape_env.get_axioms())
    return ()


def shape_env_replacements(shape_env: Any) -> dict[Any, Any]:
    with contextlib.suppress(Exception):
        return dict(shape_env.replacements)
    return {}


def symint_expr(value: Any) -> Any:
    """The sympy expression behind a SymInt/SymBool, or the plain int."""
    if isinstance(value, torch.SymInt | torch.SymBool):
        return value.node.expr
    return value


def shape_env_of(values: Any) -> Any:
    """The ShapeEnv behind the first symbolic size found in ``values`` (tensors / SymInts)."""
    for v in values:
        items: list[Any] = []
        if isinstance(v, torch.Tensor):
            items = [*v.shape, *(v.stride() if v.layout == torch.strided else ())]
        elif isinstance(v, torch.SymInt):
            items = [v]
        for s in items:
            if isinstance(s, torch.SymInt):
                return s.node.shape_env
    return None


@functools.cache
def buffer_owner_classes() -> tuple[type, ...]:
    """Inductor classes whose ``get_name()`` names the buffer an index belongs to."""
    out: list[type] = []
    owners = (
        ("torch._inductor.ir", "Buffer"),
        ("torch._inductor.ir", "Operation"),
        ("torch._inductor.scheduler", "BaseSchedulerNode"),
    )
    for mod, name in owners:
        with contextlib.suppress(Exception):
            out.append(getattr(module(mod), name))
    return tuple(out)


def statically_true(shape_env: Any, cond: Any) -> bool:
    """Whether ``cond`` follows from the ShapeEnv's value ranges and guards (never adds a guard)."""
    try:
        if isinstance(cond, sympy.GreaterThan) and bool(shape_env.bound_sympy(cond.lhs - cond.rhs).lower >= 0):
            return True
        return bool(shape_env._maybe_evaluate_static(cond) == sympy.true)
    except Exception:  # symbols it does not know, or an API change: "cannot tell"
        return False


# ---------------------------------------------------------------------- below the FX graph
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

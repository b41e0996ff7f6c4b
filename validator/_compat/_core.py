"""Versions, module names, config patches and graph hooks (the core of the adapter)."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from typing import Any

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


def outputs_rebuilt_from_inputs(fw_metadata: Any) -> frozenset[int]:
    """Graph outputs AOTAutograd's runtime wrapper rebuilds from an input (user outputs that are an
    input or a view of one): the storage the compiled graph returns for them is never handed out.

    Graph outputs are the mutated inputs first, then the user outputs (ViewAndMutationMeta)."""
    with contextlib.suppress(Exception):
        first = int(fw_metadata.num_mutated_inp_runtime_indices)
        return frozenset(
            first + u
            for u, info in enumerate(fw_metadata.output_info)
            if getattr(info.output_type, "name", "") in ("alias_of_input", "is_input")
        )
    return frozenset()


def real_tensors() -> contextlib.AbstractContextManager[Any]:
    """A context where tensor ops run on real tensors though a fake mode is active (AOT's trace)."""
    return torch._subclasses.fake_tensor.unset_fake_temporarily()


def mutated_inputs(fw_metadata: Any) -> frozenset[int] | None:
    """The inputs of the graph AOTAutograd traced that it writes, data or metadata (None: unknown)."""
    with contextlib.suppress(Exception):
        return frozenset(
            i for i, info in enumerate(fw_metadata.input_info) if info.mutates_data or info.mutates_metadata
        )
    return None


def forward_output_count(fw_metadata: Any) -> int | None:
    """How many of a joint graph's outputs belong to the forward (the rest are gradients)."""
    with contextlib.suppress(Exception):
        return int(fw_metadata.num_forward_returns)
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

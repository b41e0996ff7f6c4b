"""Unit tests of the below-FX machinery: wrapper parsing, fusion vetoes, search, devices, features."""

import ast

import pytest
import sympy
import torch

from validator.capture import Access, FusionHook, KernelGroup, Schedule, capture
from validator.localize.below_fx import retarget
from validator.localize.below_fx._features import FEATURES, active_features
from validator.localize.below_fx._search import culprit
from validator.numeric._probe import kernel_params, writes
from validator.symbolic._fusion_checks import group_obligations

WRAPPER = '''
cpp_fused_add_0 = async_compile.cpp_pybinding(['const float*', 'float*', 'float*'], r"""
extern "C"  void kernel(const float* in_ptr0, float* in_out_ptr0, float* out_ptr1, const int64_t ks0)
{ }
""")
triton_poi_fused_mul_1 = async_compile.triton('triton_poi_fused_mul_1', """
@triton.jit
def triton_poi_fused_mul_1(in_ptr0, out_ptr0, xnumel, XBLOCK : tl.constexpr):
    pass
""", device_str='cuda')
def call(args):
    buf0 = empty_strided_cpu((4, 4), (4, 1), torch.float32)
    extern_kernels.mm(arg0_1, arg1_1, out=buf0)
    buf1 = buf0; del buf0  # reuse
    buf2 = reinterpret_tensor(buf1, (16,), (1,), 0)
    cpp_fused_add_0(arg0_1, buf1, buf3, s0)
    triton_poi_fused_mul_1.run(buf1, buf4, 16, stream=stream0)
    buf5 = torch.ops.aten.sort.stable(buf4, dim=0)
    buf6, buf7 = some_fallback(buf5)
    return (buf1, )
'''


def _stmts() -> tuple[dict[str, list[str]], list[ast.stmt]]:
    tree = ast.parse(WRAPPER)
    call = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    return kernel_params(tree), call.body


def test_kernel_params_from_cpp_and_triton_sources() -> None:
    params, _ = _stmts()
    assert params["cpp_fused_add_0"] == ["in_ptr0", "in_out_ptr0", "out_ptr1", "ks0"]
    assert params["triton_poi_fused_mul_1"] == ["in_ptr0", "out_ptr0", "xnumel", "XBLOCK"]


def test_written_buffers_follow_inductor_argument_names() -> None:
    params, body = _stmts()
    found = [writes(s, params) for s in body]
    assert found == [
        None,  # allocation
        ("extern_kernels.mm", ["buf0"]),
        None,  # storage reuse: nothing written
        None,  # ... and its ``del``
        None,  # reinterpret_tensor: a view
        ("cpp_fused_add_0", ["buf1", "buf3"]),  # in_out_ptr0 and out_ptr1, not the input or the size
        ("triton_poi_fused_mul_1", ["buf4"]),
        ("torch.ops.aten.sort.stable", ["buf5"]),
        ("some_fallback", ["buf6", "buf7"]),
        None,
    ]


def test_culprit_search_finds_one_item_in_log_steps() -> None:
    for guilty in range(9):
        asked: list[list[int]] = []

        def fixes(items: list[int], g: int = guilty, log: list[list[int]] = asked) -> bool:
            log.append(list(items))
            return g in items

        assert culprit(list(range(9)), fixes) == [guilty]
        assert len(asked) <= 2 * 4  # at most two questions per halving of 9 items
    # two items that only fail together are reported together
    assert culprit([0, 1, 2, 3], lambda xs: 1 in xs and 2 in xs) == [0, 1, 2, 3]


def test_veto_splits_every_fused_group_and_keeps_results() -> None:
    def fn(x: torch.Tensor) -> torch.Tensor:
        return (x.sin() + 1).relu() * x.sum(1, keepdim=True)

    x = torch.randn(8, 32)
    seen: list[Schedule] = []
    after: list[list[int]] = []

    def observe(nodes: list) -> list:  # runs after the veto, through a second hook
        after.append([len(n.get_nodes()) for n in nodes])
        return nodes

    veto = FusionHook(None, seen.append, lambda: "g", keep=set())
    torch._dynamo.reset()
    with torch._inductor.config.patch(fx_graph_cache=False, _post_fusion_custom_pass=lambda ns: observe(veto(ns))):
        out = torch.compile(fn)(x)
    torch.testing.assert_close(out, fn(x))
    assert seen and seen[0].merges, "the program has fusions to veto"
    assert after and all(k == 1 for k in after[0]), "every group was split back into single nodes"


def test_hook_survives_config_deepcopy() -> None:
    """inductor deep-copies its config (repro strings); the hook must not drag the trace along."""
    with capture():
        text = torch._inductor.config.codegen_config()
    assert "FusionHook" in text


def test_retarget_rewrites_device_literals_and_constants() -> None:
    from torch.fx.experimental.proxy_tensor import make_fx

    c = torch.ones(3)

    def fn(x: torch.Tensor) -> torch.Tensor:  # a factory op, a device copy and a tensor constant
        return x + c + torch.zeros(3, device="cpu") + x.to(device=torch.device("cpu"), copy=True)

    gm = make_fx(fn)(torch.randn(3))
    assert any(isinstance(v, torch.device) for n in gm.graph.nodes for v in n.kwargs.values())
    moved = retarget(gm, "meta")
    devices = [v for n in moved.graph.nodes for v in n.kwargs.values() if isinstance(v, torch.device)]
    assert devices and all(d.type == "meta" for d in devices)
    out = moved(torch.empty(3, device="meta"))
    assert out.device.type == "meta" and out.shape == (3,)
    consts = [getattr(gm, n.target) for n in gm.graph.nodes if n.op == "get_attr"]
    assert consts and all(t.device.type == "cpu" for t in consts), "the original graph is untouched"


def test_features_by_device_and_current_setting() -> None:
    names = {f.name for f in active_features("cpu")}
    assert "vectorisation" in names and "int32 indexing" not in names
    assert {f.name for f in FEATURES} >= {"vectorisation", "precision casts", "int32 indexing"}
    with torch._inductor.config.patch({"cpp.simdlen": 1}):
        assert "vectorisation" not in {f.name for f in active_features("cpu")}


C0, C1 = sympy.symbols("c0 c1", integer=True, nonnegative=True)


def _group(read_index: sympy.Expr, reader_first: bool, sizes: tuple[object, ...]) -> KernelGroup:
    """op0 and op1 fused: one reads x[read_index] over ``sizes`` (c0, c1), the other writes x flat."""
    t = sympy.Symbol("d0", integer=True, nonnegative=True)
    n = sympy.Mul(*sizes)
    read = Access(0 if reader_first else 1, "read", "x", read_index, (C0, C1), sizes)
    write = Access(1 if reader_first else 0, "write", "x", t, (t,), (n,))
    return KernelGroup(
        "op0_op1",
        "FusedSchedulerNode",
        ("op0", "op1"),
        (),
        (),
        accesses=(read, write),
        reductions=(False, False),
        loop=((n,), ()),
    )


@pytest.mark.parametrize("symbolic", [False, True], ids=["static", "dynamic"])
def test_fusion_hazard_refuted_for_a_mirrored_read(symbolic: bool) -> None:
    a, b = C0, C1
    w = sympy.Symbol("s0", integer=True, positive=True) if symbolic else sympy.Integer(16)
    sched = Schedule("g")
    flipped = _group(a * w + (w - 1 - b), reader_first=True, sizes=(4, w))
    (ob,) = group_obligations(flipped, sched, 0, timeout_ms=5000)
    assert ob.status == "refuted", ob.verdict
    aligned = _group(a * w + b, reader_first=True, sizes=(4, w))
    (ob,) = group_obligations(aligned, sched, 0, timeout_ms=5000)
    assert ob.status == "proved", ob.verdict
    # a consumer must read what its producer wrote in the same iteration
    shifted = _group(a * w + b + 1, reader_first=False, sizes=(4, w))
    (ob,) = group_obligations(shifted, sched, 0, timeout_ms=5000)
    assert ob.status == "refuted", ob.verdict


def test_device_steps_check_the_graph_compiled_for_another_device(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a GPU, pretend the CPU is "the other device": the extra step is built, compiled and checked."""
    from validator import validate
    from validator.localize.below_fx import _devices

    monkeypatch.setattr(_devices, "other_devices", lambda home: ["cpu"])

    def fn(x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x) * 2 + torch.zeros(4, 8, device="cpu")

    report = validate(fn, torch.randn(4, 8))
    extra = [v for v in report.localization.verdicts if v.step.device == "cpu"]
    assert len(extra) == 1 and extra[0].step.name == "lowering + codegen on cpu"
    assert extra[0].verdict == "equivalent" and extra[0].check.trials


def test_a_cat_input_written_in_place_is_charged_on_the_cat() -> None:
    """The charge rule for ConcatKernel aliasing (docs/below-fx.md): a cat of n, then an in-place
    write of n or of the cat's result; only a cat whose eager kernel also fixes it is charged."""
    from validator.localize.below_fx import _charged_on

    aten = torch.ops.aten
    g = torch.fx.Graph()
    x, y, i, v = (g.placeholder(n) for n in "xyiv")
    a = g.call_function(aten.mul.Tensor, (x, 2.0))
    c = g.call_function(aten.cat.default, ([a, y], 1))
    w = g.call_function(aten.index_put_.default, (a, [i], v))
    g.output((c, w))
    found = _charged_on(a, lambda ns: True)
    assert found is not None and found[0] is c and f"writes {a.name} in place" in found[1]
    assert _charged_on(a, lambda ns: c.name not in ns) is None  # the cat's own fallback does not fix it
    # a cat read, not written around: nothing to charge
    g2 = torch.fx.Graph()
    x2, y2 = g2.placeholder("x"), g2.placeholder("y")
    a2 = g2.call_function(aten.mul.Tensor, (x2, 2.0))
    g2.output((g2.call_function(aten.cat.default, ([a2, y2],)), a2))
    assert _charged_on(a2, lambda ns: True) is None
    # a view of n returned beside the cat: the two outputs share the cat's buffer
    g3 = torch.fx.Graph()
    x3, y3 = g3.placeholder("x"), g3.placeholder("y")
    a3 = g3.call_function(aten.mul.Tensor, (x3, 2.0))
    c3 = g3.call_function(aten.cat.default, ([a3, y3],))
    g3.output((c3, g3.call_function(aten.t.default, (a3,))))
    found = _charged_on(a3, lambda ns: True)
    assert found is not None and found[0] is c3 and f"a view of {a3.name} is returned" in found[1]
    assert _charged_on(a3, lambda ns: c3.name not in ns) is None

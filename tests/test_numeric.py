"""The comparison rules and tolerance model, on hand-made values."""

import torch

from validator.fx import has_random_ops, run_graph, to_float64
from validator.numeric import compare_values, tolerance_for

TOL = tolerance_for(torch.float32, 16)


def kinds(b, a, ref=None, tol=TOL):
    return [m.kind for m in compare_values("output 0", b, a, ref, tol)]


def test_rounding_noise_is_accepted_and_real_errors_are_not() -> None:
    x = torch.randn(64, dtype=torch.float64)
    b = x.float()
    assert kinds(b, (x * (1 + 1e-7)).float(), x) == []
    assert kinds(b, b * 1.01, x) == ["value"]


def test_ieee_rules() -> None:
    nan, inf = float("nan"), float("inf")
    assert kinds(torch.tensor([1.0, nan]), torch.tensor([1.0, 0.0])) == ["nan"]  # lost NaN
    assert kinds(torch.tensor([1.0, 2.0]), torch.tensor([nan, 2.0])) == ["nan"]  # new NaN
    assert kinds(torch.tensor([nan]), torch.tensor([nan])) == []
    assert kinds(torch.tensor([inf]), torch.tensor([-inf])) == ["inf"]
    assert kinds(torch.tensor([-0.0, 1.0]), torch.tensor([0.0, 1.0])) == ["signed-zero"]


def test_exact_kinds() -> None:
    assert kinds(torch.tensor([1, 2]), torch.tensor([1, 3])) == ["int"]
    assert kinds(torch.tensor([True]), torch.tensor([True])) == []
    assert kinds(torch.zeros(2, 3), torch.zeros(3, 2)) == ["shape"]
    assert kinds(torch.zeros(2), torch.zeros(2, dtype=torch.float64)) == ["dtype"]
    assert kinds(3, 4) == ["int"]


def test_tolerance_grows_with_dtype_and_accumulation() -> None:
    assert tolerance_for(torch.bfloat16, 1).rtol > tolerance_for(torch.float32, 1).rtol
    assert tolerance_for(torch.float32, 4096).rtol > tolerance_for(torch.float32, 1).rtol
    assert tolerance_for(torch.float32, 1, have_reference=False).rtol == 2 * tolerance_for(torch.float32, 1).rtol


def test_float64_copy_widens_explicit_dtypes() -> None:
    def f(x):
        return x.to(torch.bfloat16).to(torch.float32) + torch.ones(3, dtype=torch.float32)

    gm = torch.fx.symbolic_trace(f)
    out = to_float64(gm)(torch.randn(3, dtype=torch.float64))
    assert out.dtype == torch.float64


def test_random_detection_ignores_zero_dropout() -> None:
    g = torch.fx.Graph()
    x = g.placeholder("x")
    g.output(g.call_function(torch.ops.aten.native_dropout.default, (x, 0.5, True)))
    assert has_random_ops(torch.fx.GraphModule(torch.nn.Module(), g))
    assert not has_random_ops(torch.fx.symbolic_trace(lambda x: x + 1))


def test_a_view_of_an_input_returned_after_reinplacing_is_not_a_divergence() -> None:
    # reinplacing writes x[::2] in place, so the returned view now shares x's storage: AOT rebuilds
    # that output from x at run time anyway, as eager returns a view of x (found by fxtv hunt)
    from validator import validate

    def f(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        v = x[::2].copy_(x[::2] * -0.5)
        return torch.roll(x, -2, -2), v

    report = validate(f, torch.randn(4, 8, 3), special_values=False, random_trials=0)
    assert report.verdict == "equivalent", report.guilty_step
    reinplace = [v for v in report.localization.verdicts if v.step.name == "reinplace_inplaceable_ops"]
    assert reinplace and reinplace[0].step.changed


# ---------------------------------------------------------------- cancelling sums
def _sum_graph():
    from torch.fx.experimental.proxy_tensor import make_fx

    return make_fx(lambda x: (x.sum(0) * 2.0).reshape(2, 4))(torch.zeros(3, 8))


def _cancelling_rows() -> torch.Tensor:
    """Rows a, -a, e: in this order float32 sums each column exactly (to e); e is below half an
    ulp of a, so a sum that adds e to a first loses it."""
    a = 1.0 + torch.arange(8, dtype=torch.float32) * 2.0**-20
    return torch.stack([a, -a, torch.full((8,), 2.0**-30)])


def _check(after):
    from validator.capture import Trace
    from validator.fx import RunResult
    from validator.numeric import Checker, Trial

    x = _cancelling_rows()
    runner = lambda inp: RunResult([after(inp[0])], list(inp))  # noqa: E731
    return Checker(Trace()).run_trials(_sum_graph(), runner, lambda t: [x], trials=[Trial("real inputs", 0)])


def test_reordered_cancelling_sum_is_rounding_noise() -> None:
    # (a + e) - a = 0: off by e = 9.3e-10 from the exact e, where the before-graph is exact and the
    # sum's own size (e) allows 1e-15; the terms summed (|a| ~ 1) allow 1e-6
    check = _check(lambda x: ((x[0] + x[2] + x[1]) * 2.0).reshape(2, 4))
    assert check.verdict == "equivalent", check.trials[0].mismatches


def test_a_wrong_sum_is_still_caught() -> None:
    check = _check(lambda x: ((x[0] + x[2]) * 2.0).reshape(2, 4))  # a term dropped
    assert check.verdict == "diverged"
    assert [m.kind for m in check.trials[0].mismatches] == ["value"]


def test_a_dropped_term_of_a_long_cancelling_sum_is_caught() -> None:
    from torch.fx.experimental.proxy_tensor import make_fx

    from validator.fx import RunResult, run_graph, to_float64
    from validator.numeric import compare_runs, output_magnitudes

    x = torch.randn(4096, 8, generator=torch.Generator().manual_seed(0))
    x[-1] = -x[:-1].double().sum(0).float()  # columns sum to rounding noise
    gm = make_fx(lambda x: x.sum(0))(x)
    b, ref = run_graph(gm, [x]), run_graph(to_float64(gm), [x.double()])
    wrong = RunResult([x[torch.arange(4096) != 100].sum(0)], b.inputs_after)  # one term of 4096 left out
    mags = output_magnitudes(to_float64(gm), [x.double()])
    assert mags is not None
    assert [m.kind for m in compare_runs(b, wrong, ref, 4096, magnitudes=lambda: mags)] == ["value"]


def test_magnitudes_follow_sums_and_products() -> None:
    from torch.fx.experimental.proxy_tensor import make_fx

    from validator.numeric import output_magnitudes

    a, b = torch.randn(3, 5, dtype=torch.float64), torch.randn(5, 2, dtype=torch.float64)

    def f(a, b):
        return (a @ b).t(), a.sum(1) - a.mean(1), torch.exp(a.sum())

    mags = output_magnitudes(make_fx(f)(a, b), [a, b])
    assert mags is not None
    # never below the value itself (terms of one sign: the partial sums reach the sum)
    torch.testing.assert_close(mags[0], torch.maximum(((a * a) @ (b * b)).sqrt(), (a @ b).abs()).t())
    row = torch.maximum((a * a).sum(1).sqrt(), a.sum(1).abs())
    diff = a.sum(1) - a.mean(1)
    torch.testing.assert_close(mags[1], torch.maximum(row + torch.maximum(row / 5, a.mean(1).abs()), diff.abs()))
    assert mags[2] is None  # exp: nothing known beyond the value itself


def test_a_value_written_after_its_magnitude_was_taken_has_none() -> None:
    g = torch.fx.Graph()
    x = g.placeholder("x")
    s = g.call_function(torch.ops.aten.sum.dim_IntList, (x, [0], True))
    g.call_function(torch.ops.aten.mul_.Tensor, (s, 2.0))
    g.output(s)
    from validator.numeric import output_magnitudes

    assert output_magnitudes(torch.fx.GraphModule(torch.nn.Module(), g), [torch.randn(4, 3, dtype=torch.float64)]) == [
        None
    ]


def test_inputs_a_graph_may_write_are_found_through_views_and_torch_ir() -> None:
    import operator

    import torch.fx

    from validator.fx import possibly_written_inputs, run_graph

    def aten_fn(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        torch.ops.aten.add_.Tensor(torch.ops.aten.view.default(x, [-1]), 1.0)  # writes x through a view
        return torch.ops.aten.mm.default(w, y)

    g = torch.fx.Graph()  # a torch-IR graph as Dynamo writes it: y[0] = 0.0 through operator.setitem
    w_, x_, y_ = (g.placeholder(n) for n in "wxy")
    g.call_function(operator.setitem, (y_, 0, 0.0))
    g.output(g.call_method("relu", (g.call_method("matmul", (x_, w_)),)))
    torch_ir = torch.fx.GraphModule(torch.nn.Module(), g)

    def stats(x: torch.Tensor, mean: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
        # a torch function that writes without an in-place name: the running statistics
        return torch.nn.functional.batch_norm(x, mean, var, training=True)

    def opaque(w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return _scale_in_place(w) + x  # a Python function may do anything to w

    assert possibly_written_inputs(torch.fx.symbolic_trace(aten_fn)) == {1}
    assert possibly_written_inputs(torch_ir) == {2}
    assert possibly_written_inputs(torch.fx.symbolic_trace(stats)) == {0, 1, 2}
    assert possibly_written_inputs(torch.fx.symbolic_trace(opaque)) == {0}

    # a run shares what the graph cannot write and clones what it may
    w, x, y = torch.randn(2, 2), torch.randn(2, 2), torch.randn(2, 2)
    x0 = x.clone()
    res = run_graph(torch.fx.symbolic_trace(aten_fn), [w, x, y])
    assert res.inputs_after[0] is w and res.inputs_after[1] is not x
    assert torch.equal(x, x0) and torch.equal(res.inputs_after[1], x0 + 1)


def test_a_higher_order_op_writes_what_its_subgraph_writes() -> None:
    # inductor's control_deps(deps, subgraph, *operands) only orders a call: it writes what the
    # subgraph does, so weights it reads are not copied for every run
    import torch.fx

    from validator.fx import possibly_written_inputs

    hop = torch._ops.HigherOrderOperator  # any higher-order op: an instance made for the test

    class Ordered(hop):  # type: ignore[misc,valid-type]
        def __init__(self) -> None:
            super().__init__("ordered_call_for_test")

        def __call__(self, deps: object, subgraph: torch.fx.GraphModule, *operands: torch.Tensor) -> torch.Tensor:
            return subgraph(*operands)  # type: ignore[no-any-return]

    def body(reads: torch.Tensor, writes: torch.Tensor) -> torch.Tensor:
        torch.ops.aten.add_.Tensor(writes, 1.0)
        return torch.ops.aten.mul.Tensor(reads, 2.0)

    g = torch.fx.Graph()
    w, x = g.placeholder("w"), g.placeholder("x")
    sub = g.get_attr("body")
    g.output(g.call_function(Ordered(), ((), sub, w, x)))
    root = torch.nn.Module()
    root.body = torch.fx.symbolic_trace(body)
    assert possibly_written_inputs(torch.fx.GraphModule(root, g)) == {1}


@torch.fx.wrap
def _scale_in_place(t: torch.Tensor) -> torch.Tensor:
    return t.mul_(2.0)


def test_trials_share_scaled_weights_and_never_plant_special_values_in_them() -> None:
    from validator.capture import Trace
    from validator.numeric import Checker
    from validator.numeric._inputs import trials

    w = torch.nn.Parameter(torch.randn(300, 300))  # past the tiling period
    copy = w.detach().clone()  # a parameter the capture had to clone
    x = torch.randn(4, 300)
    checker = Checker(Trace())
    random, random2, special = trials(2, True)[1:]
    first = checker._of_trial([x, w, copy], [False, True, True], random)
    second = checker._of_trial([w, x], [True, False], random)  # another graph, other positions
    assert second[0] is first[1]  # one scaled copy of a weight for every graph that takes it
    other = checker._of_trial([x, w, copy], [False, True, True], random2)
    assert other[1] is first[1]  # and for every random trial: trials differ in their inputs
    assert not torch.equal(other[0], first[0]) and not torch.equal(other[2], first[2])
    ratio = first[1] / w.detach()
    assert float(ratio.min()) >= 0.5 - 1e-6 and float(ratio.max()) <= 1.5 + 1e-6 and float(ratio.std()) > 0.2
    planted = checker._of_trial([x, w, copy], [False, True, True], special)
    assert planted[1] is w and planted[2] is copy  # parameters keep their values
    assert bool(torch.isnan(planted[0]).any())


def test_outputs_alias_where_their_memory_overlaps_and_inputs_by_storage() -> None:
    from validator.numeric._compare import alias_pairs

    base = torch.randn(2, 4)
    a, b, c, _ = base.unbind(1)  # four columns of one fresh storage, no element shared
    assert alias_pairs([a, b, c], []) == set()
    assert alias_pairs([a, base[:, 0:2]], []) == {("out", 1, 0)}  # the same elements
    x = torch.randn(8)
    # an output in the caller's storage, even beside the input's own elements, is the caller's
    assert alias_pairs([x.view(2, 4)[1]], [x.view(2, 4)[0]]) == {("in", 0, 0)}
    # every pair: an output that shares with two earlier ones in one run and one in the other
    # gains no alias (a first-match record saw (2, 0) against (2, 1) and called it new)
    eager = alias_pairs([base[0], base[:, 0], base], [])
    compiled = alias_pairs([base[0], base[:, 0].clone(), base], [])
    assert eager == {("out", 1, 0), ("out", 2, 0), ("out", 2, 1)} and compiled == {("out", 2, 0)}
    assert not compiled - eager
    assert alias_pairs([x[:2]], [x, x[4:]]) == {("in", 0, 0), ("in", 0, 1)}


def test_inputs_a_graph_may_write_are_copied_when_read_and_kept_only_if_written() -> None:
    from validator.fx import run_graph

    def f(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        v = z.view(-1)  # z's last read: v may still write it
        s = torch.nn.functional.relu(y)  # a torch function: y may be written, is not
        x.add_(1)
        v.mul_(2)
        return x * s

    gm = torch.fx.symbolic_trace(f)
    x, y, z = torch.zeros(3), torch.ones(3), torch.ones(3)
    res = run_graph(gm, [x, y, z])
    assert res.error is None and bool((x == 0).all()) and bool((z == 1).all())  # inputs untouched
    assert bool((res.inputs_after[0] == 1).all()) and bool((res.inputs_after[2] == 2).all())  # writes seen
    assert res.inputs_after[1] is y  # its copy was written by nothing: dropped


def test_inputs_are_widened_when_first_read_not_all_at_the_top() -> None:
    import gc

    from validator.fx import run_graph, to_float64

    def f(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (a * 2).sum() + b.sum()

    gm = to_float64(torch.fx.symbolic_trace(f))
    b = torch.randn(1234)
    wide_b: list[int] = []

    def seen(n: torch.fx.Node, _: object) -> None:
        if n.name == "mul":  # a's first use: b is not read yet, so not widened yet
            gc.collect()
            wide_b.append(
                sum(
                    isinstance(o, torch.Tensor) and o.dtype == torch.float64 and o.shape == b.shape
                    for o in gc.get_objects()
                )
            )

    res = run_graph(gm, [torch.randn(5), b], widen=True, observe=seen)
    assert res.error is None and res.outputs[0].dtype == torch.float64
    assert wide_b == [0]


def test_a_compiled_run_keeps_the_inputs_it_is_told_to_and_clones_the_rest() -> None:
    from validator.fx import run_compiled

    got: list[list[torch.Tensor]] = []

    def compiled(args: list[torch.Tensor]) -> tuple[torch.Tensor]:
        got.append(list(args))
        args.clear()
        return (got[0][0] + got[0][1],)

    w, x = torch.randn(3), torch.randn(3)
    res = run_compiled(compiled, [w, x], keep={0})
    assert res.error is None and got[0][0] is w and got[0][1] is not x


def test_a_write_that_moves_no_version_counter_is_still_seen() -> None:
    from validator.fx import run_graph

    def f(x: torch.Tensor, mean: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.batch_norm(x, mean, var, training=True, momentum=0.5)

    gm = torch.fx.symbolic_trace(f)
    x, mean, var = torch.randn(6, 3) + 4, torch.zeros(3), torch.ones(3)
    res = run_graph(gm, [x, mean, var])
    assert res.error is None and bool((mean == 0).all())  # the input itself is untouched
    assert bool((res.inputs_after[1] > 1).all())  # the running mean the graph wrote is reported


def test_a_float64_input_a_widened_run_writes_is_copied_not_aliased() -> None:
    from validator.fx import run_graph, to_float64

    def f(x: torch.Tensor) -> torch.Tensor:
        return x.add_(1).sin()

    x = torch.zeros(4, dtype=torch.float64)  # widening it is a no-op that shares its memory
    res = run_graph(to_float64(torch.fx.symbolic_trace(f)), [x], widen=True)
    assert res.error is None and bool((x == 0).all()) and bool((res.inputs_after[0] == 1).all())


def test_conjugate_views_are_compared() -> None:
    """A complex backward hands back conjugate views, which have no real view until resolved: the
    comparison resolves them (a campaign's tool error, tests the values not the flag)."""
    from validator.numeric import compare_values, tolerance_for

    x = torch.tensor([1 + 2j, -0.0 - 1j], dtype=torch.complex64)
    tol = tolerance_for(torch.float32, 1, have_reference=False)
    assert compare_values("out", x.conj(), x.conj().resolve_conj(), None, tol) == []
    found = compare_values("out", x.conj(), x, None, tol)
    assert found and found[0].kind != "error"


def test_float64_runs_take_float64_as_the_default_dtype() -> None:
    """What a program leaves to the default dtype (``cos`` of a bool) is float64 in the float64
    runs too, so it meets widened operands (an ``index_put`` of a float input) without a clash,
    in the graph-level oracle and the whole-program one alike."""
    from validator import validate

    def program(mask: torch.Tensor, i: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return torch.index_put(torch.cos(torch.logical_not(mask)), (i,), v, accumulate=True) * 1.5

    inputs = (torch.tensor([[0, 1, 2], [1, 0, 0]]), torch.tensor([0]), torch.randn(1, 3))
    g = torch.fx.symbolic_trace(program)
    r = run_graph(to_float64(g), inputs, widen=True)
    assert r.error is None and r.outputs[0].dtype == torch.float64
    assert torch.get_default_dtype() == torch.float32, "the default is restored"
    report = validate(program, *inputs).to_json()
    references = {t["reference"] for s in report["steps"] for t in s.get("trials", [])}
    assert references == {"float64"}, references
    assert report["fidelity"]["plain"]["reference"] == "float64"

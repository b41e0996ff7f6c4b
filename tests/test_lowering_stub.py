"""Nodes made by register_lowering_pattern run eagerly through a copy of the matched subgraph."""

import copy
from types import SimpleNamespace

import torch

from validator.capture._stubs import LoweringStub
from validator.numeric import run_graph

aten = torch.ops.aten


def _handler(match, x, y):  # stands for a lowering handler: it would build IR, never run eagerly
    raise AssertionError("lowering handlers cannot run eagerly")


def test_stub_replaces_handler_node() -> None:
    g = torch.fx.Graph()
    x, y = g.placeholder("x"), g.placeholder("y")
    r = g.call_function(aten.relu.default, (x,))
    s = g.call_function(aten.mul.Tensor, (r, y))
    out = g.call_function(aten.add.Tensor, (s, 1.0))
    g.output(out)
    before = torch.fx.GraphModule(torch.nn.Module(), copy.deepcopy(g))
    match = SimpleNamespace(nodes=[r, s], args=[x, y], kwargs={})
    stub = LoweringStub.from_match(match)

    # what LoweringPatternEntry.apply does: one call to the handler replaces the match
    target = lambda *a: _handler(None, *a)  # noqa: E731
    with g.inserting_before(s):
        repl = g.call_function(target, (x, y))
    s.replace_all_uses_with(repl)
    g.erase_node(s)
    g.erase_node(r)
    after = torch.fx.GraphModule(torch.nn.Module(), g)

    inp = [torch.randn(4), torch.randn(4)]
    want = run_graph(before, inp).outputs[0]
    got = run_graph(after, inp, stubs={id(target): stub})
    assert got.error is None
    torch.testing.assert_close(got.outputs[0], want)
    assert run_graph(after, inp).error is not None  # without the stub the handler would run

"""The sympy -> Z3 translation and the prover: exact semantics, verdicts, replay, cache."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from typing import Any

import pytest
import sympy
import torch.utils._sympy.functions as tf
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy.logic.boolalg import BooleanAtom

from validator.symbolic._domain import Domain
from validator.symbolic._solver import cache_info, clear_cache, prove_equal, prove_holds, prove_in_range
from validator.symbolic._translate import Unsupported, Z3Translator, evaluate

X, Y, Z = sympy.symbols("x y z", integer=True)
SYMS = (X, Y, Z)
# FXTV_SOLVER_EXAMPLES=5000 for a long soak of the property tests.
FAST = settings(
    max_examples=int(os.environ.get("FXTV_SOLVER_EXAMPLES", "75")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture(autouse=True)
def _reset_dynamo() -> Any:
    """Override conftest's dynamo reset: nothing here compiles, and importing dynamo costs a second."""
    yield


# -- helpers ------------------------------------------------------------------------------------
def z3_at(expr: sympy.Basic, point: dict[sympy.Symbol, int]) -> tuple[bool, Any] | None:
    """(defined, value) of the Z3 translation at ``point`` by z3.simplify; None outside the
    float-exact region (huge numerators under a float-based rounding)."""
    t = Z3Translator()
    term = t.translate(expr)
    pairs = [(v, z3.IntVal(point[s])) for s, v in t.symbols.items()]

    def ev(e: Any) -> Any:
        return z3.simplify(z3.substitute(e, *pairs) if pairs else e)

    if not all(z3.is_true(ev(a)) for a in t.assumptions):
        return None
    defined = z3.is_true(ev(z3.And(*t.definedness)))
    value = ev(term)
    if z3.is_int_value(value):
        return defined, value.as_long()
    if z3.is_true(value) or z3.is_false(value):
        return defined, z3.is_true(value)
    return defined, None


def _plain(value: Any) -> Any:
    if value is sympy.true or value is sympy.false:
        return bool(value)
    return int(value) if isinstance(value, sympy.Integer) else None


def sympy_at(expr: sympy.Basic, point: dict[sympy.Symbol, int]) -> Any:
    """Value at ``point`` by the replay evaluator (None: undefined), cross-checked against a plain
    ``xreplace`` wherever that yields a number.

    Only without ``Identity``: sympy never unwraps it, ``Eq(Identity(0), 0)`` is False, and
    stripping it before substituting lets sympy re-simplify symbolically with assumptions that are
    wrong for negative operands (``ModularIndexing(1, -1, x) < 0`` -> True).
    """
    subs = {s: sympy.Integer(v) for s, v in point.items()}
    value = _plain(evaluate(expr, subs)[0])
    if expr.has(tf.Identity):
        return value
    try:
        plain = _plain(expr.xreplace(subs))
    except Exception:
        plain = None
    assert plain is None or value is None or plain == value, (expr, point, plain, value)
    return value


def assert_agrees(expr: sympy.Basic, point: dict[sympy.Symbol, int]) -> None:
    got = z3_at(expr, point)
    if got is None:
        return
    defined, value = got
    expected = sympy_at(expr, point)
    assert defined == (expected is not None), (expr, point, defined, expected)
    if defined:
        assert value == expected and type(value) is type(expected), (expr, point, value, expected)


# -- random expression trees ------------------------------------------------------------------
def _build(f: Callable[..., Any], *args: Any) -> Any:
    try:
        return f(*args)
    except Exception:  # construction may raise (division by a literal zero, ...)
        return None


INT_OPS: list[tuple[int, Callable[..., Any]]] = [
    (2, lambda a, b: a + b),
    (2, lambda a, b: a * b),
    (1, lambda a, b: a - b),
    (2, tf.FloorDiv),
    (1, tf.CleanDiv),
    (1, tf.CeilDiv),
    (1, tf.PythonMod),
    (1, sympy.Mod),
    (1, tf.Mod),
    (1, tf.Min),
    (1, tf.Max),
    (1, sympy.Min),
    (1, sympy.Max),
    (1, lambda a, b: tf.CeilToInt(tf.IntTrueDiv(a, b))),
    (1, lambda a, b: tf.FloorToInt(tf.IntTrueDiv(a, b))),
    (1, lambda a, b: tf.TruncToInt(tf.IntTrueDiv(a, b))),
    (1, lambda a, b: tf.RoundToInt(tf.IntTrueDiv(a, b))),
    (1, lambda a, b: sympy.floor(a / 2 + b / 3)),
    (1, lambda a, b: sympy.ceiling(a / 4 - b)),
    # exponents capped: sympy computes literal powers exactly, and 3**(20**20) never finishes
    (1, lambda a, b: tf.PowByNatural(a, tf.Min(sympy.Abs(b), 6))),
    (1, lambda a, b: tf.RShift(a, tf.Min(b, 6))),
    (1, lambda a, b: tf.LShift(a, tf.Min(b, 6))),
]
UNARY_OPS: list[Callable[[Any], Any]] = [
    sympy.Abs,
    tf.Identity,
    lambda a: a**2,
    lambda a: a**3,
    tf.CeilToInt,
    tf.RoundToInt,
    tf.TruncToInt,
    tf.FloorToInt,
    lambda a: -a,
]
REL_OPS = [sympy.Lt, sympy.Le, sympy.Gt, sympy.Ge, sympy.Eq, sympy.Ne]

INT_LEAVES = st.one_of(st.sampled_from(SYMS), st.integers(-20, 20).map(sympy.Integer))


@st.composite
def conds(draw: st.DrawFn, depth: int) -> Any:
    rel = _build(draw(st.sampled_from(REL_OPS)), draw(int_exprs(depth)), draw(int_exprs(depth)))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return rel
    if kind == 3:
        return _build(sympy.Not, rel)
    other = _build(draw(st.sampled_from(REL_OPS)), draw(int_exprs(depth)), draw(int_exprs(depth)))
    return _build(sympy.And if kind == 1 else sympy.Or, rel, other)


@st.composite
def int_exprs(draw: st.DrawFn, depth: int = 3) -> Any:
    """A random integer expression over x, y, z using every supported function (or a leaf)."""
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(INT_LEAVES)
    sub = int_exprs(depth - 1)
    kind = draw(st.integers(0, 5))
    if kind <= 2:
        op = draw(st.sampled_from([f for w, f in INT_OPS for _ in range(w)]))
        return _build(op, draw(sub), draw(sub))
    if kind == 3:
        return _build(draw(st.sampled_from(UNARY_OPS)), draw(sub))
    if kind == 4:
        return _build(tf.ModularIndexing, draw(sub), draw(sub), draw(sub))
    c, a, b = draw(conds(depth - 1)), draw(sub), draw(sub)
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return _build(tf.Where, c, a, b)
    # evaluate=False: sympy's Piecewise simplification can take minutes on nested conditions
    pairs = [(a, c), (b, sympy.true)] if choice == 1 else [(a, c)]
    pw = _build(lambda: sympy.Piecewise(*pairs, evaluate=False))
    return pw if pw is not None and pw.args else None


def _usable(e: Any) -> bool:
    """An integer expression without nan/oo/float atoms (which sympy makes of some literal cases)."""
    try:
        if not isinstance(e, sympy.Expr) or (e.is_number and not isinstance(e, sympy.Integer)):
            return False
        return all(isinstance(a, sympy.Symbol | sympy.Rational | BooleanAtom) for a in e.atoms())
    except Exception:  # sympy's assumption system can fail on odd trees
        return False


exprs = int_exprs().filter(_usable)
points = st.fixed_dictionaries({s: st.integers(-20, 20) for s in SYMS})


def _pure_integer(term: Any) -> bool:
    return all(z3.is_int(t) or z3.is_bool(t) for t in _subterms(term))


def _subterms(term: Any) -> list[Any]:
    out, todo, seen = [], [term], set()
    while todo:
        t = todo.pop()
        if t.get_id() in seen:
            continue
        seen.add(t.get_id())
        out.append(t)
        todo.extend(t.children())
    return out


# -- semantics: Z3 vs sympy vs Python -----------------------------------------------------------
@FAST
@given(exprs, points)
def test_translation_agrees_with_sympy_on_random_trees(expr: sympy.Expr, point: dict[sympy.Symbol, int]) -> None:
    try:
        t = Z3Translator()
        term = t.translate(expr)
    except Unsupported as exc:  # sympy sometimes pulls a non-integer Rational out of floor(...)
        assert exc.name == "Rational", expr
        return
    assert _pure_integer(z3.And(*t.definedness, *t.assumptions, term == term))
    assert_agrees(expr, point)


def _py_defined(f: Callable[..., Any], *args: int) -> Any:
    try:
        return f(*args)
    except (ZeroDivisionError, ValueError):
        return None


A_VALUES = (-7, -6, -5, -1, 0, 1, 4, 7)
B_VALUES = (-3, -2, -1, 0, 1, 2, 3)

# (sympy builder over x, y; Python oracle, None where undefined; extra definedness of the contract)
TABLE: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "FloorDiv": (tf.FloorDiv, lambda a, b: a // b),
    "CleanDiv": (tf.CleanDiv, lambda a, b: a // b if a % b == 0 else None),
    "CeilDiv": (tf.CeilDiv, lambda a, b: (a + b - 1) // b),
    "PythonMod": (tf.PythonMod, lambda a, b: a % b),
    "sympy.Mod": (sympy.Mod, lambda a, b: a % b),
    "Mod": (tf.Mod, lambda a, b: a % b if a >= 0 and b >= 1 else None),
    "ModularIndexing(a,b,3)": (lambda a, b: tf.ModularIndexing(a, b, 3), lambda a, b: (a // b) % 3),
    "ModularIndexing(a,2,b)": (lambda a, b: tf.ModularIndexing(a, 2, b), lambda a, b: (a // 2) % b),
    "ModularIndexing(a,-2,b)": (lambda a, b: tf.ModularIndexing(a, -2, b), lambda a, b: (a // -2) % b),
    "CeilToInt(IntTrueDiv)": (lambda a, b: tf.CeilToInt(tf.IntTrueDiv(a, b)), lambda a, b: -((-a) // b)),
    "FloorToInt(IntTrueDiv)": (lambda a, b: tf.FloorToInt(tf.IntTrueDiv(a, b)), lambda a, b: a // b),
    "TruncToInt(IntTrueDiv)": (lambda a, b: tf.TruncToInt(tf.IntTrueDiv(a, b)), lambda a, b: int(a / b)),
    "RoundToInt(IntTrueDiv)": (lambda a, b: tf.RoundToInt(tf.IntTrueDiv(a, b)), lambda a, b: round(a / b)),
    "floor(a/2+b/3)": (lambda a, b: sympy.floor(a / 2 + b / 3), lambda a, b: (3 * a + 2 * b) // 6),
    "ceiling(a/4-b)": (lambda a, b: sympy.ceiling(a / 4 - b), lambda a, b: -((4 * b - a) // 4)),
    "PowByNatural": (tf.PowByNatural, lambda a, b: a**b if b >= 0 else None),
    "LShift": (tf.LShift, lambda a, b: a << b),
    "RShift": (tf.RShift, lambda a, b: a >> b),
    "Min": (tf.Min, min),
    "Max": (tf.Max, max),
    "sympy.Min": (sympy.Min, min),
    "sympy.Max": (sympy.Max, max),
    "Abs": (lambda a, b: sympy.Abs(a - b), lambda a, b: abs(a - b)),
    "Where": (lambda a, b: tf.Where(a < b, b, a), max),
    "Piecewise": (lambda a, b: sympy.Piecewise((a, a > b), (b, True)), max),
    "Piecewise-partial": (lambda a, b: sympy.Piecewise((a, a > b)), lambda a, b: a if a > b else None),
    "Identity": (lambda a, b: tf.Identity(a * b), lambda a, b: a * b),
    "Pow": (lambda a, b: (a - b) ** 3, lambda a, b: (a - b) ** 3),
}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_function_semantics_match_python(name: str) -> None:
    """Each function on negative operands and divisors: Z3 == Python (and sympy) on a grid."""
    build, oracle = TABLE[name]
    expr = build(X, Y)
    t = Z3Translator()
    term = t.translate(expr)
    defined = z3.And(*t.definedness)
    for a, b in itertools.product(A_VALUES, B_VALUES):
        subs = [(t.symbols[s], z3.IntVal(v)) for s, v in ((X, a), (Y, b)) if s in t.symbols]
        want = _py_defined(oracle, a, b)
        is_defined = z3.is_true(z3.simplify(z3.substitute(defined, *subs)))
        assert is_defined == (want is not None), (name, a, b, want)
        if want is not None:
            got = z3.simplify(z3.substitute(term, *subs))
            assert got.as_long() == want, (name, a, b, got, want)
            assert sympy_at(expr, {X: a, Y: b}) == want, (name, a, b)


def test_python_vs_euclidean_division_spot_values() -> None:
    """The cases where Z3's Euclidean div/mod (and C truncation) differ from Python's floor rounding."""
    a, b, c = sympy.symbols("a b c", integer=True)
    cases = [
        (tf.FloorDiv(a, b), {a: -7, b: -2}, 3),  # Euclidean div: 4
        (tf.PythonMod(a, b), {a: -7, b: -2}, -1),  # Euclidean mod: 1
        (tf.PythonMod(a, b), {a: 7, b: -2}, -1),
        (sympy.Mod(a, b), {a: 7, b: -2}, -1),
        (tf.ModularIndexing(a, b, c), {a: -7, b: 2, c: -3}, -1),
        (tf.ModularIndexing(a, b, c), {a: -7, b: 2, c: 3}, 2),  # C: (-7 / 2) % 3 == -0
        (tf.TruncToInt(tf.IntTrueDiv(a, b)), {a: -7, b: 2}, -3),
        (tf.CeilToInt(tf.IntTrueDiv(a, b)), {a: -7, b: 2}, -3),
        (tf.RoundToInt(tf.IntTrueDiv(a, b)), {a: -5, b: 2}, -2),  # half to even
        (tf.RoundToInt(tf.IntTrueDiv(a, b)), {a: 7, b: 2}, 4),
        (tf.RShift(a, b), {a: -7, b: 1}, -4),
    ]
    for expr, point, want in cases:
        assert z3_at(expr, point) == (True, want), (expr, point)
        assert sympy_at(expr, point) == want, (expr, point)


# -- proofs --------------------------------------------------------------------------------------
Q0, Q1 = sympy.symbols("q0 q1", integer=True, nonnegative=True)
S0, S1, S2 = sympy.symbols("s0 s1 s2", integer=True, positive=True)


def test_permute_reshape_static_proves() -> None:
    """x of shape (4, 6, 8) permuted (0, 2, 1) and reshaped to (4, 48): two equal element maps."""
    clear_cache()
    ref = 48 * Q0 + 8 * tf.ModularIndexing(Q1, 1, 6) + tf.FloorDiv(Q1, 6)
    inductor = 48 * Q0 + 8 * tf.ModularIndexing(Q1, 1, 6) + tf.ModularIndexing(Q1, 6, 8)
    v = prove_equal(ref, inductor, Domain({Q0: (0, 3), Q1: (0, 47)}))
    assert v.status == "proved", v
    assert v.seconds < 0.5
    bad = prove_equal(ref, inductor, Domain({Q0: (0, 3), Q1: (0, 48)}))  # one past the loop
    assert bad.status == "refuted" and bad.counterexample is not None and bad.counterexample["q1"] == 48


def test_permute_reshape_symbolic_sizes_proves() -> None:
    clear_cache()
    ref = S1 * S2 * Q0 + S2 * tf.ModularIndexing(Q1, 1, S1) + tf.FloorDiv(Q1, S1)
    inductor = S1 * S2 * Q0 + S2 * tf.ModularIndexing(Q1, 1, S1) + tf.ModularIndexing(Q1, S1, S2)
    bounds = {Q0: (0, None), Q1: (0, None), S0: (1, None), S1: (1, None), S2: (1, None)}
    dom = Domain(bounds, facts=(sympy.Lt(Q0, S0), sympy.Lt(Q1, S1 * S2)))
    v = prove_equal(ref, inductor, dom)
    assert v.status == "proved", v
    # without the loop bound on q1 the rewrite is wrong, and the counterexample replays
    loose = prove_equal(ref, inductor, Domain(bounds, facts=(sympy.Lt(Q0, S0),)))
    assert loose.status == "refuted" and loose.replay is not None and loose.replay.differs


def test_modular_indexing_dropped() -> None:
    x = sympy.Symbol("x", integer=True)
    assert prove_equal(tf.ModularIndexing(x, 1, 8), x, Domain({x: (0, 7)})).status == "proved"
    v = prove_equal(tf.ModularIndexing(x, 1, 8), x, Domain({x: (0, 8)}))
    assert v.status == "refuted" and v.counterexample == {"x": 8}
    assert v.replay is not None and v.replay.in_domain and (v.replay.lhs, v.replay.rhs) == (0, 8)


def test_off_by_one_refuted() -> None:
    x = sympy.Symbol("x", integer=True)
    dom = Domain({x: (0, 63)})
    v = prove_equal(tf.FloorDiv(x, 8), tf.FloorDiv(x + 1, 8), dom)
    assert v.status == "refuted" and v.counterexample is not None and v.counterexample["x"] % 8 == 7
    r = prove_in_range(x + 1, 0, 63, dom)
    assert r.status == "refuted" and r.counterexample == {"x": 63} and r.replay is not None and r.replay.lhs == 64
    assert prove_in_range(x + 1, 1, 64, dom).status == "proved"


def test_c_vs_python_division_refuted() -> None:
    x = sympy.Symbol("x", integer=True)
    python = tf.FloorDiv(x - 1, 2)
    c_style = tf.TruncToInt(tf.IntTrueDiv(x - 1, 2))
    v = prove_equal(python, c_style, Domain({x: (0, 10)}))
    assert v.status == "refuted" and v.counterexample == {"x": 0}
    assert v.replay is not None and (v.replay.lhs, v.replay.rhs) == (-1, 0)
    assert prove_equal(python, c_style, Domain({x: (1, 10)})).status == "proved"


def test_where_swapped_branches_refuted() -> None:
    x = sympy.Symbol("x", integer=True)
    v = prove_equal(tf.Where(x < 4, x, 4), tf.Where(x < 4, 4, x), Domain({x: (0, 10)}))
    assert v.status == "refuted" and v.replay is not None and v.replay.differs
    assert v.counterexample is not None and v.counterexample["x"] != 4
    assert prove_equal(tf.Where(x < 4, x, 4), tf.Min(x, 4), Domain({x: (0, 10)})).status == "proved"


def test_rhs_undefined_is_a_counterexample() -> None:
    x, y = sympy.symbols("x y", integer=True)
    guarded = tf.Where(y > 100, tf.FloorDiv(x, y), x)  # strict: the untaken branch must be defined too
    v = prove_equal(x, guarded, Domain({x: (0, 5), y: (0, 5)}))
    assert v.status == "refuted" and v.counterexample is not None and v.counterexample["y"] == 0
    assert v.replay is not None and v.replay.rhs is None and "division by zero" in v.replay.detail
    assert prove_equal(x, guarded, Domain({x: (0, 5), y: (1, 5)})).status == "proved"
    # lhs definedness is assumed: where lhs divides by y, y != 0 is known
    assert prove_equal(tf.FloorDiv(x, y) * 0 + x + tf.PythonMod(x, y) * 0, x, Domain({x: (0, 5)})).status == "proved"
    # an inexact CleanDiv on the rhs is undefined (sympy evaluates it silently)
    c = prove_equal(tf.FloorDiv(x, 2), tf.CleanDiv(x, 2), Domain({x: (0, 5)}))
    assert c.status == "refuted" and c.replay is not None and "inexact CleanDiv" in c.replay.detail


def test_unsupported_functions() -> None:
    x = sympy.Symbol("x", integer=True)
    dom = Domain({x: (0, 7)})
    v = prove_equal(sympy.Function("foo")(x), x, dom)
    assert (v.status, v.reason) == ("unsupported", "unsupported: foo")
    v = prove_equal(tf.BitwiseFn_bitwise_and(x, 3), tf.ModularIndexing(x, 1, 4), dom)
    assert (v.status, v.reason) == ("unsupported", "unsupported: BitwiseFn_bitwise_and")
    assert prove_equal(x / 2, x, dom).reason == "unsupported: Rational"
    assert prove_equal(x ** -1, x, dom).reason == "unsupported: Pow"
    assert prove_equal(tf.FloatTrueDiv(x, 2), x, dom).status == "unsupported"
    assert prove_equal(tf.IntTrueDiv(x, 2), x, dom).reason == "unsupported: IntTrueDiv"
    assert prove_equal(tf.IsNonOverlappingAndDenseIndicator(x, 2, x, 1), 1, dom).status == "unsupported"
    with pytest.raises(Unsupported) as info:
        Z3Translator().translate(tf.OpaqueUnaryFn_sqrt(x))
    assert info.value.name == "OpaqueUnaryFn_sqrt"


def test_unsupported_fact_is_dropped_soundly() -> None:
    x = sympy.Symbol("x", integer=True)
    fact = sympy.Eq(tf.BitwiseFn_bitwise_and(x, 1), 0)
    v = prove_equal(tf.ModularIndexing(x, 1, 8), x, Domain({x: (0, 7)}, facts=(fact,)))
    assert v.status == "proved" and "ignored 1 unsupported fact" in v.reason
    # the dropped fact would exclude x = 9, 11, ...; the counterexample may violate it -> not "refuted"
    odd = sympy.Eq(tf.BitwiseFn_bitwise_and(x, 1), 1)
    w = prove_equal(tf.ModularIndexing(x, 1, 8), x, Domain({x: (8, 9)}, facts=(odd,)))
    assert w.status in ("refuted", "unknown")
    if w.status == "refuted":
        assert w.counterexample == {"x": 9}


def test_timeout_is_unknown_never_an_unreplayed_refutation() -> None:
    x, y, z = sympy.symbols("x y z", integer=True)
    dom = Domain({x: (1, None), y: (1, None), z: (1, None)})
    v = prove_holds(sympy.Ne(x**3 + y**3, z**3), dom, timeout_ms=1)  # Fermat, n = 3
    assert v.status in ("unknown", "proved"), v
    if v.status == "unknown":
        assert v.reason.startswith("timeout after 1 ms") or v.reason
    w = prove_equal(x * y * z - z**3, x**3 + y**3 - 2 * z**3, dom, timeout_ms=1)
    assert w.status != "refuted" or (w.replay is not None and w.replay.differs and w.replay.in_domain)
    assert w.status != "proved"


def test_cache_hit_on_second_call() -> None:
    clear_cache()
    x = sympy.Symbol("x", integer=True)
    first = prove_equal(tf.ModularIndexing(x, 1, 8), x, Domain({x: (0, 7)}))
    second = prove_equal(tf.ModularIndexing(x, 1, 8), x, Domain({x: (0, 7)}))
    assert not first.cached and second.cached and second.status == first.status == "proved"
    assert cache_info() == {"hits": 1, "misses": 1, "size": 1}
    # a different domain is a different query
    assert not prove_equal(tf.ModularIndexing(x, 1, 8), x, Domain({x: (0, 6)})).cached
    # unknown verdicts are not cached (a longer timeout may decide them)
    clear_cache()
    y, z = sympy.symbols("y z", integer=True)
    dom = Domain({x: (1, None), y: (1, None), z: (1, None)})
    u = prove_holds(sympy.Ne(x**3 + y**3, z**3), dom, timeout_ms=1)
    if u.status == "unknown":
        assert cache_info()["size"] == 0


def test_holds_range_and_types() -> None:
    x, c = sympy.symbols("x c", integer=True)
    dom = Domain({x: (0, 100), c: (-5, 5)})
    # sympy calls ModularIndexing(xn, 1, c) non-negative for a non-negative xn, whatever c's sign
    xn = sympy.Symbol("xn", integer=True, nonnegative=True)
    assert sympy.Le(0, tf.ModularIndexing(xn, 1, c)) is sympy.true
    assert tf.ModularIndexing(xn, 1, c).xreplace({xn: 5, c: -3}) == -1
    v = prove_in_range(tf.ModularIndexing(xn, 1, c), 0, 100, Domain({xn: (0, 100), c: (-5, 5)}, (sympy.Ne(c, 0),)))
    assert v.status == "refuted" and v.counterexample is not None and v.counterexample["c"] < 0
    assert prove_in_range(tf.ModularIndexing(x, 1, c), 0, 4, Domain({x: (0, 100), c: (1, 5)})).status == "proved"
    assert prove_holds(sympy.Ge(tf.FloorDiv(x, 3), 0), dom).status == "proved"
    h = prove_holds(sympy.Lt(tf.FloorDiv(x, 3), 33), dom)
    assert h.status == "refuted" and h.replay is not None and h.replay.rhs is False
    e = prove_equal(sympy.Lt(x, 3), x, dom)
    assert e.status == "error" and "type mismatch" in e.reason
    assert prove_equal(sympy.And(x >= 0, x < 101), sympy.true, dom).status == "proved"


def test_int32_overflow_check() -> None:
    dom = Domain({S0: (1, 2**16), S1: (1, 2**16)})
    v = prove_in_range(S0 * S1 - 1, -(2**31), 2**31 - 1, dom)
    assert v.status == "refuted" and v.replay is not None and v.replay.lhs is not None and v.replay.lhs >= 2**31
    assert prove_in_range(S0 * S1 - 1, -(2**31), 2**31 - 1, Domain({S0: (1, 2**15), S1: (1, 2**16)})).status == "proved"


def test_vacuous_proof_is_flagged() -> None:
    x = sympy.Symbol("x", integer=True)
    v = prove_equal(tf.Mod(x, 4), x + 1, Domain({x: (-5, -1)}))  # torch Mod needs x >= 0
    assert v.status == "proved" and v.reason.startswith("vacuous")


def test_float_rounding_assumption_is_reported() -> None:
    x = sympy.Symbol("x", integer=True)
    v = prove_equal(tf.CeilToInt(tf.IntTrueDiv(x, 4)), tf.FloorDiv(x + 3, 4), Domain({x: (None, None)}))
    assert v.status == "proved" and "float-based rounding" in v.reason


def test_same_name_different_assumptions_stay_distinct() -> None:
    a, b = sympy.Symbol("n", integer=True), sympy.Symbol("n", integer=True, positive=True)
    v = prove_equal(a, b, Domain({a: (0, 3), b: (0, 3)}))
    assert v.status == "refuted" and "share a name" in v.reason
    assert v.counterexample is not None and set(v.counterexample) == {"n", "n!1"}


def test_syntactic_quick_path_and_json() -> None:
    x = sympy.Symbol("x", integer=True)
    v = prove_equal(tf.FloorDiv(x, 0 + 3), tf.FloorDiv(x, 3), Domain())
    assert (v.status, v.reason) == ("proved", "syntactically equal")
    j = prove_equal(tf.ModularIndexing(x, 1, 8), x, Domain({x: (0, 8)})).to_json()
    assert j["status"] == "refuted" and j["counterexample"] == {"x": 8} and j["replay"]["differs"] is True


def test_domain_key_contains_restrict() -> None:
    x, y = sympy.symbols("x y", integer=True)
    d1 = Domain({x: (0, 3), y: (1, None)}, facts=(sympy.Lt(x, y), sympy.Ne(y, 2)))
    d2 = Domain({y: (1, None), x: (0, 3)}, facts=(sympy.Ne(y, 2), sympy.Lt(x, y)))
    assert d1.key() == d2.key() and d1 == d2 and hash(d1) == hash(d2)
    assert d1.contains({x: 0, y: 1}) and not d1.contains({x: 1, y: 1}) and not d1.contains({x: 0, y: 2})
    assert not d1.contains({x: 0})  # y unassigned
    r = d1.restrict({y})
    assert dict(r.bounds) == {y: (1, None)} and r.facts == (sympy.Ne(y, 2),)
    assert Domain(facts=(sympy.Eq(tf.FloorDiv(x, y), 0),)).contains({x: 1, y: 0}) is False


# -- soundness properties -----------------------------------------------------------------------
BX, BY = sympy.symbols("bx by", integer=True)
BOX = Domain({BX: (-3, 3), BY: (-3, 3)})
BOX_POINTS = [{BX: a, BY: b} for a in range(-3, 4) for b in range(-3, 4)]
box_exprs = int_exprs(depth=2).map(lambda e: _build(lambda: e.xreplace({X: BX, Y: BY, Z: BX + BY}))).filter(_usable)


def _value(expr: sympy.Basic, point: dict[sympy.Symbol, int]) -> Any:
    return _plain(evaluate(expr, {s: sympy.Integer(v) for s, v in point.items()})[0])


def _check_verdict_against_box(lhs: sympy.Basic, rhs: sympy.Basic, status: str) -> None:
    """A proof must hold at every box point where lhs is defined (brute force)."""
    if status != "proved":
        return
    for p in BOX_POINTS:
        lv = _value(lhs, p)
        if lv is not None:
            assert _value(rhs, p) == lv, (lhs, rhs, p)


@FAST
@given(box_exprs)
def test_never_proves_e_equals_e_plus_one(expr: sympy.Expr) -> None:
    v = prove_equal(expr, expr + 1, BOX)
    if v.status == "unsupported":
        return
    if v.status == "proved":  # only vacuously: lhs undefined on the whole box
        assert v.reason.startswith("vacuous") and all(_value(expr, p) is None for p in BOX_POINTS)
        return
    assert v.status in ("refuted", "unknown"), v  # unknown: a nonlinear query timed out (machine load)
    if v.status == "refuted":
        assert v.replay is not None and v.replay.in_domain and v.replay.differs


REWRITES: list[Callable[[sympy.Basic], sympy.Basic]] = [
    sympy.expand,
    lambda e: e.replace(lambda n: isinstance(n, tf.ModularIndexing), lambda n: tf.FloorDiv(n.args[0], n.args[1])),
    lambda e: e.replace(lambda n: isinstance(n, tf.FloorDiv), lambda n: tf.TruncToInt(tf.IntTrueDiv(*n.args))),
    lambda e: e.replace(lambda n: isinstance(n, tf.PythonMod), lambda n: tf.Mod(*n.args)),
    lambda e: e.replace(lambda n: isinstance(n, tf.Min | tf.Max), lambda n: tf.Where(n.args[0] < n.args[1], *n.args)),
    lambda e: e.xreplace({BX: sympy.Abs(BX)}),
]


@FAST
@given(box_exprs, st.sampled_from(range(len(REWRITES))))
def test_proofs_hold_and_counterexamples_replay(expr: sympy.Expr, which: int) -> None:
    """Often-but-not-always valid rewrites: every proof is checked by brute force on the box."""
    rewritten = _build(REWRITES[which], expr)
    if not _usable(rewritten):
        return
    v = prove_equal(expr, rewritten, BOX)
    assert v.status != "error", v
    _check_verdict_against_box(expr, rewritten, v.status)
    if v.status == "refuted":
        assert v.replay is not None and v.replay.in_domain and v.replay.differs
    if which == 0:
        assert v.status in ("proved", "unknown", "unsupported"), v

"""pytest plugin: validate every inductor ``torch.compile`` a test performs.

Enable it for a whole run with ``pytest --fxtv`` or for one test with ``@pytest.mark.fxtv``.
While such a test runs (setup, call and teardown), ``torch.compile`` is replaced by a wrapper:
the first call of each compiled callable first runs :func:`validator.validate` on the same
arguments, then calls the real compiled program, so the test sees its normal results. A test
with a diverged report fails with the rendered report; an ``error`` verdict or a
:class:`~validator.UsageError` is only a :class:`FxtvWarning`. ``--fxtv-json DIR`` writes each
report's JSON; the ``fxtv_reports`` fixture returns the reports recorded so far in the test.

Choices: ``training`` is on when grad mode is on and a tensor argument (or, for a module, a
parameter) requires grad. ``dynamic`` follows the compile's ``dynamic=True``; ``None`` counts as
static. ``mode``/``options`` are not forwarded: validate compiles under the current inductor
config (passes the test installs on inductor's hooks included). A module is validated on a
deep copy, so its buffers and grads are untouched; a function is validated as is.
"""

from __future__ import annotations

import copy
import functools
import io
import re
import warnings
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from rich.console import Console

from ._api import UsageError, validate
from .fx import leaves
from .report import Report, render

_REPORTS = pytest.StashKey[list[Report]]()
_INDUCTOR = (None, "inductor")  # None: torch.compile's documented default backend


class FxtvWarning(UserWarning):
    """fxtv could not validate a compile (usage error or tool error); the test is not failed."""


class _Active:
    """The test being validated; module-level because torch.compile is a process-wide global."""

    def __init__(self) -> None:
        self.reports: list[Report] | None = None
        self.nodeid = ""
        self.json_dir: Path | None = None
        # Set while validate runs: its own torch.compile, and compiled callables the program
        # calls from inside, must pass through or we would validate recursively.
        self.validating = False


_ACTIVE = _Active()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fxtv", "fxtv translation validation of torch.compile")
    group.addoption("--fxtv", action="store_true", help="validate every inductor torch.compile of every test")
    group.addoption("--fxtv-json", metavar="DIR", default=None, help="write each fxtv report's JSON into DIR")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fxtv: validate every inductor torch.compile this test performs with fxtv")


@pytest.fixture
def fxtv_reports(request: pytest.FixtureRequest) -> list[Report]:
    """The fxtv reports recorded so far in this test (stays empty unless --fxtv or the marker is on)."""
    return request.node.stash.setdefault(_REPORTS, [])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    reports: list[Report] = []
    item.stash[_REPORTS] = reports
    if not (item.config.getoption("fxtv") or item.get_closest_marker("fxtv") is not None):
        return (yield)
    json_dir = item.config.getoption("fxtv_json")
    mp = pytest.MonkeyPatch()
    mp.setattr(torch, "compile", _wrap_compile(torch.compile))
    _ACTIVE.reports, _ACTIVE.nodeid = reports, item.nodeid
    _ACTIVE.json_dir = Path(json_dir) if json_dir else None
    try:
        return (yield)
    finally:
        mp.undo()
        _ACTIVE.reports, _ACTIVE.json_dir = None, None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    try:
        result = yield
    except BaseException:
        # The test failed by itself: still show why, as a report section.
        text = _failure_text(item)
        if text:
            item.add_report_section("call", "fxtv", text)
        raise
    text = _failure_text(item)
    if text:
        pytest.fail(text, pytrace=False)
    return result


def _failure_text(item: pytest.Item) -> str:
    diverged = [r for r in item.stash.get(_REPORTS, []) if r.verdict == "diverged"]
    if not diverged:
        return ""
    buf = io.StringIO()
    console = Console(file=buf, width=140, color_system=None, soft_wrap=False)
    for r in diverged:
        render(r, console)
        console.print()
    return f"fxtv: {len(diverged)} torch.compile program(s) diverged (guilty: {_guilty(diverged)})\n\n{buf.getvalue()}"


def _guilty(reports: list[Report]) -> str:
    return ", ".join(f"{r.program}: {r.guilty_step}" for r in reports)


def _wrap_compile(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def compile(model: Any = None, **kwargs: Any) -> Any:
        if model is None:  # decorator with arguments: @torch.compile(dynamic=True)
            return functools.partial(compile, **kwargs)
        compiled = original(model, **kwargs)
        if _ACTIVE.validating or kwargs.get("backend") not in _INDUCTOR or kwargs.get("disable"):
            return compiled
        return _watch(model, compiled, dynamic=kwargs.get("dynamic") is True)

    return compile


def _watch(model: Any, compiled: Any, *, dynamic: bool) -> Any:
    """``compiled``, validated once on its first call's arguments."""
    if isinstance(compiled, torch.nn.Module):
        # Keep the OptimizedModule itself (attributes, state_dict, train()); a pre-hook sees the call.
        def hook(_mod: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            handle.remove()
            _check(model, args, kwargs, dynamic)

        handle = compiled.register_forward_pre_hook(hook, with_kwargs=True)
        return compiled

    pending = [True]

    @functools.wraps(compiled)
    def run(*args: Any, **kwargs: Any) -> Any:
        if pending:
            pending.clear()
            _check(model, args, kwargs, dynamic)
        return compiled(*args, **kwargs)

    return run


def _tensors(value: Any) -> Iterator[torch.Tensor]:
    return (v for v in leaves(value) if isinstance(v, torch.Tensor))


def _check(model: Any, args: tuple[Any, ...], kwargs: dict[str, Any], dynamic: bool) -> None:
    reports = _ACTIVE.reports
    if reports is None or _ACTIVE.validating:  # called outside a validated test, or from inside validate
        return
    name = str(getattr(model, "__qualname__", None) or type(model).__name__)
    is_module = isinstance(model, torch.nn.Module)
    training = torch.is_grad_enabled() and (
        any(t.requires_grad for t in _tensors((args, kwargs)))
        or (is_module and any(p.requires_grad for p in model.parameters()))
    )
    target = model
    if is_module:
        try:
            target = copy.deepcopy(model)
        except Exception:  # not copyable: validate the module itself
            target = model
    fn = functools.partial(target, **kwargs) if kwargs else target
    _ACTIVE.validating = True
    try:
        # validate seeds torch's RNG; keep the test's random stream as it was.
        with torch.random.fork_rng(devices=[]):
            report = validate(fn, *args, dynamic=dynamic, training=training, name=name)
    except UsageError as e:
        warnings.warn(FxtvWarning(f"fxtv could not validate {name}: {e}"), stacklevel=2)
        return
    except Exception as e:  # a tool failure must not break the user's test
        warnings.warn(FxtvWarning(f"fxtv failed on {name}: {type(e).__name__}: {e}"), stacklevel=2)
        return
    finally:
        _ACTIVE.validating = False
    reports.append(report)
    if _ACTIVE.json_dir is not None:
        _ACTIVE.json_dir.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", _ACTIVE.nodeid).strip("_")
        report.write_json(_ACTIVE.json_dir / f"{stem}-{len(reports)}.json")
    if report.verdict == "error":
        warnings.warn(FxtvWarning(f"fxtv: {name}: {report.error}"), stacklevel=2)

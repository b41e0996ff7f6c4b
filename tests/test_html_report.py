"""The HTML report: its structure (no browser), then what a real headless Chromium makes of it.

One ``validate`` per program for the whole module (module-scoped fixtures): the rendering is
what is tested here, not the validation.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from passes import get_pass
from validator import validate
from validator.capture import Trace
from validator.cli import main
from validator.report import Report, html_page, render_html, report_section
from validator.report._html import RED


def _validate_with(pass_name: str) -> Report:
    p = get_pass(pass_name)
    fn, args = p.trigger()
    with p.installed():
        return validate(fn, *args)


@pytest.fixture(scope="module")
def diverged() -> Report:
    r = _validate_with("split_cat_order")
    assert r.verdict == "diverged" and r.guilty is not None and r.guilty.step.kind == "fx"
    return r


@pytest.fixture(scope="module")
def equivalent() -> Report:
    r = _validate_with("fold_mul_one")
    assert r.verdict == "equivalent"
    return r


def _side_headers(doc: str) -> list[str]:
    return re.findall(r'<th class="side">([^<]*)</th>', doc)


# --------------------------------------------------------------------------- structure
def test_diverged_report_shows_the_guilty_step_and_its_graphs(diverged: Report) -> None:
    doc = render_html(diverged)
    g = diverged.guilty
    assert g is not None
    assert g.step.name in doc and "Guilty step" in doc
    assert f'style="background:{RED}">diverged</span>' in doc, "the red verdict badge"
    assert 'id="fxtv-guilty"' in doc and 'href="#fxtv-guilty"' in doc, "the guilty row and the link to it"
    assert _side_headers(doc)[:2] == ["before", "after"]
    assert g.step.erased, "the pass erases the split, its getitems and the cat"
    for name in g.step.erased:
        assert re.search(rf'class="node erased[^"]*" data-node="{name}"', doc), name
    blame = diverged.localization.blame if diverged.localization else None
    assert blame is not None and blame.first_diverging
    assert re.search(rf'class="node[^"]*blamed" data-node="{blame.first_diverging}"', doc), "outlined"
    for old, new in g.step.replaced.items():
        assert f"&#8594; {new}</span>" in doc and f"takes over {old}" in doc
    assert "values differ beyond tolerance" in doc and (g.check.tolerance or "") in doc
    assert doc.count("<html") == 1 and doc.rstrip().endswith("</html>")


def test_equivalent_report_has_no_guilty_section(equivalent: Report) -> None:
    doc = render_html(equivalent)
    assert "Guilty step" not in doc and 'id="fxtv-guilty"' not in doc and "jump to the guilty" not in doc
    assert "No step changed the program" in doc
    assert ">equivalent</span>" in doc


def test_strings_are_escaped(diverged: Report) -> None:
    doc = render_html(dataclasses.replace(diverged, program="<script>alert('x')</script>"))
    assert "<script" not in doc, "no JavaScript, and the program name cannot inject any"
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in doc


@pytest.mark.parametrize("which", ["diverged", "equivalent"])
def test_document_is_self_contained(which: str, request: pytest.FixtureRequest) -> None:
    doc = render_html(request.getfixturevalue(which))
    assert "http://" not in doc and "https://" not in doc
    assert not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc=|url\(", doc), "no external resources"


def test_error_report_renders_the_failure() -> None:
    trace = Trace(tool_errors=["capture hook <x> failed"])
    doc = render_html(Report("prog.py:model", trace, None, error="RuntimeError: boom\n  at <a>"))
    assert 'class="box error"' in doc and "RuntimeError: boom" in doc and "at &lt;a&gt;" in doc
    assert "capture hook &lt;x&gt; failed" in doc and ">error</span>" in doc


def test_sections_embed_in_one_page(diverged: Report, equivalent: Report) -> None:
    doc = html_page("two reports", report_section(diverged, prefix="a") + report_section(equivalent, prefix="b"))
    ids = re.findall(r'\bid="([^"]+)"', doc)
    assert len(ids) == len(set(ids)), "the prefixes keep element ids unique"
    assert 'href="#a-guilty"' in doc and 'id="a-guilty"' in doc and doc.count("<style>") == 1


def test_write_html_and_cli_option(tmp_path: Path, equivalent: Report) -> None:
    equivalent.write_html(tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == render_html(equivalent)
    prog = tmp_path / "prog.py"
    prog.write_text(
        textwrap.dedent(
            """
            import torch
            def model(x):
                return torch.relu(x) + 1
            example_inputs = (torch.randn(4, 4),)
            """
        )
    )
    out = tmp_path / "cli.html"
    assert main(["check", str(prog), "--html", str(out), "--trials", "0", "--no-special"]) == 0
    assert "prog.py:model" in out.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- a real browser
@pytest.fixture(scope="module")
def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("Chromium is not installed (`make browser` installs it): the HTML report is not rendered")
    return exe


def _chromium(exe: str, tmp_path: Path, html_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"  # a fresh profile per run
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,1800",
        *args,
        html_file.as_uri(),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def test_chromium_renders_the_report(chromium: str, diverged: Report, tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image", reason="Pillow decodes the screenshot")
    page = tmp_path / "report.html"
    diverged.write_html(page)
    png = tmp_path / "shot.png"
    run = _chromium(chromium, tmp_path, page, f"--screenshot={png}")
    assert png.is_file() and png.stat().st_size > 0, run.stderr[-2000:]
    with image.open(png) as im:
        rgb = im.convert("RGB")
        assert rgb.size == (1400, 1800)
        colours = rgb.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50, "a blank or one-colour page"
    red = tuple(int(RED[i : i + 2], 16) for i in (1, 3, 5))
    red_pixels = sum(n for n, c in colours if c == red)
    assert red_pixels > 200, "the diverged badge and the erased-node marks are drawn in red"

    run = _chromium(chromium, tmp_path, page, "--dump-dom")
    dom = run.stdout
    assert run.returncode == 0 and "</html>" in dom, run.stderr[-2000:]
    assert diverged.guilty is not None and diverged.guilty.step.name in dom
    assert 'id="fxtv-guilty"' in dom
    assert _side_headers(dom)[:2] == ["before", "after"], "both graph columns were parsed"

"""Real Hugging Face models, built from configs (no download), validate without false alarms.

Each model is compiled as a user would: its own forward and ``ModelOutput``. Skipped without the
``models`` extra (``pip install -e ".[models]"``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from validator import Report, validate
from validator.zoo.transformers_models import MODELS, SMALL, available, build

pytestmark = pytest.mark.skipif(not available(), reason="transformers is not installed (the models extra)")


# No false alarm: no step diverges. "rounding" is allowed too: a compile of a deep model (its
# gradients above all) may differ from eager by more than assert_close's float32 defaults while
# agreeing by fxtv's rounding model (docs/fidelity.md).
NO_DIVERGENCE = ("equivalent", "rounding")


def _judged(report: Report) -> str:
    leaves = [s for s in report.trace.steps if s.is_leaf]
    return f"{report.verdict} ({sum(s.changed for s in leaves)} of {len(leaves)} steps changed)"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_inference_is_equivalent(name: str) -> None:
    model, inputs = build(name, SMALL)
    report = validate(model, *inputs)
    assert report.error is None, report.error
    assert report.verdict in NO_DIVERGENCE, (_judged(report), report.guilty_step)
    assert not report.localization.tool_errors
    # the fidelity check ran the user's own compile and found it agreeing with eager
    assert report.fidelity is not None and not report.fidelity.missed
    assert any(s.changed for s in report.trace.steps if s.is_leaf)


# vit: its key-bias gradient is a sum that cancels to rounding noise, which the lowering's
# vectorised sum reorders (docs/tolerance.md, "Magnitudes of reduced values")
@pytest.mark.parametrize("name", ["gpt2", "bert", "vit"])
def test_model_training_is_equivalent(name: str) -> None:
    model, inputs = build(name, SMALL, training=True, layers=1)
    report = validate(model, *inputs, training=True)
    assert report.error is None, report.error
    assert report.verdict in NO_DIVERGENCE, (_judged(report), report.guilty_step)
    assert any(s.stage == "partition" for s in report.trace.steps), "the backward was not compiled"


@pytest.mark.parametrize("name", ["gpt2", "llama"])
def test_model_dynamic_is_equivalent(name: str) -> None:
    model, inputs = build(name, SMALL, layers=1)
    report = validate(model, *inputs, dynamic=True)
    assert report.error is None, report.error
    assert report.verdict in NO_DIVERGENCE, (_judged(report), report.guilty_step)


def test_cli_checks_a_model_from_a_user_file_unchanged(tmp_path: Path) -> None:
    """A user's file as they would write it: the model class from transformers with its default
    config options (KV cache on, so the output carries a cache object), no wrapper."""
    from validator.cli import main

    user = tmp_path / "my_model.py"
    user.write_text(
        textwrap.dedent(
            """
            import torch
            from transformers import GPT2Config, GPT2LMHeadModel

            torch.manual_seed(0)
            model = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=64,
                                               bos_token_id=1, eos_token_id=2, pad_token_id=0)).eval()
            example_inputs = (torch.randint(3, 64, (1, 8)),)
            """
        )
    )
    out = tmp_path / "report.json"
    assert main(["check", str(user), "--json", str(out)]) == 0
    assert '"verdict": "equivalent"' in out.read_text()

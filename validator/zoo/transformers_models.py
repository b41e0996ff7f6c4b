"""Real models from Hugging Face ``transformers``, built from configs with random weights.

Nothing is downloaded: every model is made from a config (``transformers`` is the optional
extra ``fxtv[models]``). Each builder takes a :class:`Size` and returns ``(model, inputs)`` with
the model exactly as a user would compile it (its own ``forward``, its own ``ModelOutput``),
in eval mode without grads for inference, or with grads for training (``validate(...,
training=True)`` then compiles and checks the backward too).

    from validator.zoo.transformers_models import MODELS, SMALL
    model, inputs = MODELS["gpt2"](SMALL, training=False)
    report = validate(model, *inputs)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypedDict

import torch
from torch import nn

from ._build import Built, _inference, seeded


@dataclass(frozen=True)
class Size:
    """The few numbers every config here is built from."""

    layers: int = 2
    d_model: int = 64
    heads: int = 4
    seq: int = 16
    vocab: int = 256
    batch: int = 1

    @property
    def ffn(self) -> int:
        return 4 * self.d_model

    @property
    def positions(self) -> int:
        """Length of a position-embedding table: the sequence, and never under 64."""
        return max(self.seq, 64)


SMALL = Size()  # the test suite's size
GPT2_SMALL = Size(layers=12, d_model=768, heads=12, seq=64, vocab=50257)  # GPT-2 small, for the benchmark


def available() -> bool:
    """Whether ``transformers`` is installed (``pip install -e ".[models]"``)."""
    try:
        import transformers  # noqa: F401
    except ImportError:
        return False
    return True


def _finish(model: nn.Module, inputs: tuple[Any, ...], training: bool) -> Built:
    if training:
        model.train()
        # dropout draws random numbers: validation would then need fallback_random on every run
        for m in model.modules():
            if isinstance(m, nn.Dropout):
                m.p = 0.0
    else:
        _inference(model)
    return model, inputs


def _tokens(size: Size, n: int | None = None) -> torch.Tensor:
    # ids from 3 up: 0, 1, 2 are the ids of _SPECIAL_TOKENS
    return torch.randint(3, size.vocab, (size.batch, n or size.seq))


class _SpecialTokens(TypedDict):
    pad_token_id: int
    bos_token_id: int
    eos_token_id: int


# the pad / bos / eos ids of the configs below, kept out of ``_tokens``' draws
_SPECIAL_TOKENS = _SpecialTokens(pad_token_id=0, bos_token_id=1, eos_token_id=2)


class _BertDims(TypedDict):
    num_hidden_layers: int
    hidden_size: int
    num_attention_heads: int
    intermediate_size: int


def _bert_dims(size: Size) -> _BertDims:
    """``size`` in the names that the configs of BERT and the models patterned on it use."""
    return _BertDims(
        num_hidden_layers=size.layers,
        hidden_size=size.d_model,
        num_attention_heads=size.heads,
        intermediate_size=size.ffn,
    )


@seeded
def gpt2(size: Size, training: bool = False) -> Built:
    from transformers import GPT2Config, GPT2LMHeadModel

    cfg = GPT2Config(
        n_layer=size.layers,
        n_embd=size.d_model,
        n_head=size.heads,
        n_positions=size.positions,
        vocab_size=size.vocab,
        use_cache=False,
        **_SPECIAL_TOKENS,
    )
    return _finish(GPT2LMHeadModel(cfg), (_tokens(size),), training)


@seeded
def bert(size: Size, training: bool = False) -> Built:
    from transformers import BertConfig, BertModel

    cfg = BertConfig(
        **_bert_dims(size),
        vocab_size=size.vocab,
        max_position_embeddings=size.positions,
        pad_token_id=_SPECIAL_TOKENS["pad_token_id"],
    )
    ids = _tokens(size)
    mask = torch.ones_like(ids)
    mask[:, -size.seq // 4 :] = 0  # padded tail: the attention mask matters
    return _finish(BertModel(cfg), (ids, mask), training)


@seeded
def llama(size: Size, training: bool = False) -> Built:
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(
        **_bert_dims(size),
        num_key_value_heads=max(1, size.heads // 2),  # grouped-query attention
        vocab_size=size.vocab,
        max_position_embeddings=size.positions,
        use_cache=False,
        **_SPECIAL_TOKENS,
    )
    return _finish(LlamaForCausalLM(cfg), (_tokens(size),), training)


@seeded
def t5(size: Size, training: bool = False) -> Built:
    from transformers import T5Config, T5ForConditionalGeneration

    cfg = T5Config(
        num_layers=size.layers,
        num_decoder_layers=size.layers,
        d_model=size.d_model,
        d_kv=size.d_model // size.heads,
        num_heads=size.heads,
        d_ff=size.ffn,
        vocab_size=size.vocab,
        use_cache=False,
        pad_token_id=_SPECIAL_TOKENS["pad_token_id"],
        eos_token_id=_SPECIAL_TOKENS["eos_token_id"],
    )
    ids = _tokens(size)
    mask = torch.ones_like(ids)
    return _finish(T5ForConditionalGeneration(cfg), (ids, mask, _tokens(size, max(2, size.seq // 2))), training)


@seeded
def vit(size: Size, training: bool = False) -> Built:
    from transformers import ViTConfig, ViTModel

    image = 32
    cfg = ViTConfig(**_bert_dims(size), image_size=image, patch_size=8, num_channels=3)
    return _finish(ViTModel(cfg, add_pooling_layer=True), (torch.randn(size.batch, 3, image, image),), training)


@seeded
def whisper(size: Size, training: bool = False) -> Built:
    from transformers import WhisperConfig, WhisperModel

    frames = 2 * size.seq  # the encoder's two convolutions halve the frames
    cfg = WhisperConfig(
        encoder_layers=size.layers,
        decoder_layers=size.layers,
        d_model=size.d_model,
        encoder_attention_heads=size.heads,
        decoder_attention_heads=size.heads,
        encoder_ffn_dim=size.ffn,
        decoder_ffn_dim=size.ffn,
        num_mel_bins=16,
        max_source_positions=size.seq,
        max_target_positions=size.positions,
        vocab_size=size.vocab,
        use_cache=False,
        decoder_start_token_id=_SPECIAL_TOKENS["bos_token_id"],
        **_SPECIAL_TOKENS,
    )
    features = torch.randn(size.batch, cfg.num_mel_bins, frames)
    mask = torch.ones(size.batch, frames, dtype=torch.long)
    return _finish(WhisperModel(cfg), (features, mask, _tokens(size, max(2, size.seq // 2))), training)


MODELS: dict[str, Callable[..., Built]] = {
    "gpt2": gpt2,
    "bert": bert,
    "llama": llama,
    "t5": t5,
    "vit": vit,
    "whisper": whisper,
}


def build(name: str, size: Size = SMALL, training: bool = False, **changes: int) -> Built:
    """``MODELS[name]`` at ``size`` with ``changes`` (e.g. ``layers=6``)."""
    return MODELS[name](replace(size, **changes), training)


__all__ = ["GPT2_SMALL", "MODELS", "SMALL", "Size", "available", "build"]

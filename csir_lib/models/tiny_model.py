"""The smoke profile's encoder: a tiny randomly initialised BERT with a BPE tokenizer trained on the given texts.

The tokenizer is trained with the `tokenizers` library as BPE, not WordPiece or Unigram: in tokenizers 0.23 the
WordPiece and Unigram trainers give a different vocabulary (WordPiece) or different scores (Unigram) from one
process to the next, while the BPE trainer is repeatable, and the same seed must give the same bytes. It is shaped
like XLM-R's (NFKC, Metaspace, `<s> A </s></s> B </s>`, no token types; characters never seen become `<unk>`), so
code written for the demo encoder runs unchanged. Weights are drawn with numpy from the seed (BERT's init:
normal(0, 0.02) matrices, zero biases, unit LayerNorm), independent of torch's random streams.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from csir_lib.core.atomic import atomic_dir
from csir_lib.core.errors import InputError
from csir_lib.core.hashing import sha256_hex
from csir_lib.models.encoder import XLMR_SPECIALS, publish_permissions, save_bert_folder, save_tokenizer_files

TINY_VERSION = 1
SPECIAL_ORDER = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")  # ids 0..4, as in XLM-R
TINY_SHAPE = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
              "max_position_embeddings": 512, "type_vocab_size": 2}


def train_tokenizer(texts: list[str], vocab_size: int):
    """A BPE `tokenizers.Tokenizer` trained on `texts`, with XLM-R's special tokens and pair template."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(SPECIAL_ORDER), show_progress=False)
    tok.train_from_iterator(texts, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))],
    )
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in SPECIAL_ORDER])
    return tok


def tiny_state_dict(config: dict, seed: int) -> dict[str, np.ndarray]:
    """BERT-initialised weights for every BertModel parameter of `config`, drawn from numpy's generator."""
    import torch
    from transformers import BertConfig, BertModel

    with torch.device("meta"):
        shapes = {k: tuple(v.shape) for k, v in BertModel(BertConfig(**config)).state_dict().items()}
    rng = np.random.default_rng(seed)
    state = {}
    for name in sorted(shapes):
        shape = shapes[name]
        if name.endswith("LayerNorm.weight"):
            state[name] = np.ones(shape)
        elif name.endswith("bias"):
            state[name] = np.zeros(shape)
        else:
            state[name] = rng.normal(0.0, config["initializer_range"], shape)
            if name.endswith("word_embeddings.weight"):
                state[name][config["pad_token_id"]] = 0.0  # the padding row, as nn.Embedding(padding_idx) has it
    return state


def build_tiny_model(out_dir: Path, texts: Iterable[str], seed: int = 0, vocab_size: int = 3000) -> Path:
    """Write a tiny random BERT (2 layers, hidden 32) and a tokenizer trained on `texts` to `out_dir`, atomically."""
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise InputError("no text to train the tiny model's tokenizer on", expected="at least one non-empty text")
    tok = train_tokenizer(texts, vocab_size)
    config = {
        **TINY_SHAPE, "architectures": ["BertModel"], "vocab_size": tok.get_vocab_size(), "hidden_act": "gelu",
        "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": tok.token_to_id("<pad>"),
        "bos_token_id": tok.token_to_id("<s>"), "eos_token_id": tok.token_to_id("</s>"),
    }
    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        save_bert_folder(tmp, tiny_state_dict(config, seed), config, seed=seed)
        save_tokenizer_files(tmp, tok, TINY_SHAPE["max_position_embeddings"], XLMR_SPECIALS)
        publish_permissions(tmp)
    return out_dir


def ensure_smoke_model(cache_root: str | Path | None, texts: Iterable[str], seed: int = 0,
                       vocab_size: int = 3000) -> Path:
    """The tiny model for `texts` and `seed` in the cache, built on first use."""
    from csir_lib.core.cache import artefact_path, cache_key

    texts = list(texts)
    digest = sha256_hex(json.dumps(texts, ensure_ascii=False))
    out_dir = artefact_path("models", cache_key("tiny-bert", TINY_VERSION, digest, seed, vocab_size), "tiny-bert",
                            root=cache_root)
    if not out_dir.is_dir():  # folders appear whole (atomic_dir), so existing means complete
        build_tiny_model(out_dir, texts, seed, vocab_size)
    return out_dir

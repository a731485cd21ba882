"""Offline substitute for MUSE: static word vectors read off a multilingual encoder's input embeddings.

A word's vector is the mean of the input-embedding rows of its sentence pieces (no forward pass), so English and
any other language share one space without alignment. It is a substitute for MUSE's aligned fastText vectors and
is labelled so wherever its lexicons are used. Hand-written: no library exposes pooled input embeddings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import numpy as np

from csir_lib.core.errors import InputError
from csir_lib.data.tokenise import words
from csir_lib.models.encoder import load_check


def vocabulary(texts: Iterable[str], max_size: int, min_count: int = 1, *, lang: str) -> list[str]:
    """The `max_size` most frequent words of `texts` in `lang` (ties by the word), each seen `min_count` times."""
    counts = Counter(w for text in texts for w in words(text, lang))
    ranked = sorted((c, w) for w, c in counts.items() if c >= min_count)
    ranked.sort(key=lambda cw: (-cw[0], cw[1]))
    return [w for _, w in ranked[:max_size]]


def _embedding_matrix(model_dir: Path) -> np.ndarray:
    """The input word-embedding matrix of a model folder's safetensors weights (read-only, shared)."""
    weights = Path(model_dir) / "model.safetensors"
    stat = weights.stat()
    return _read_embedding_matrix(str(weights), stat.st_mtime_ns, stat.st_size)


@cache  # the lexicon stage embeds many vocabularies with one model: read its 384 MB of weights once per file version
def _read_embedding_matrix(path: str, mtime_ns: int, size: int) -> np.ndarray:
    """The one `*word_embeddings.weight` tensor of a safetensors file."""
    from safetensors import safe_open

    with safe_open(path, framework="numpy") as weights:
        names = [n for n in weights.keys() if n.endswith("word_embeddings.weight")]
        if len(names) != 1:
            raise InputError(f"found {len(names)} word-embedding tensors", path=path,
                             expected="exactly one '*word_embeddings.weight' tensor")
        matrix = weights.get_tensor(names[0]).astype(np.float32)
    matrix.setflags(write=False)  # shared by every caller
    return matrix


def encoder_word_vectors(model_dir: str | Path, vocab: list[str]) -> np.ndarray:
    """One vector per word of `vocab`: the mean input embedding of its pieces (special tokens excluded)."""
    from tokenizers import Tokenizer

    path = load_check(model_dir)
    if not vocab:
        raise InputError("empty vocabulary", expected="at least one word to embed")
    matrix = _embedding_matrix(path)
    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    encodings = tokenizer.encode_batch(vocab, add_special_tokens=False)
    out = np.zeros((len(vocab), matrix.shape[1]), dtype=np.float32)
    for row, encoding in enumerate(encodings):
        ids = [i for i, piece in zip(encoding.ids, encoding.tokens, strict=True) if piece != "▁"] or encoding.ids
        out[row] = matrix[ids].mean(axis=0)
    return out

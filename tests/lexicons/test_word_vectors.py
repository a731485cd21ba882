"""Encoder-derived word vectors (the offline MUSE substitute) and the word tokeniser behind vocabularies."""

from __future__ import annotations

import numpy as np
import pytest
from safetensors.numpy import load_file

from csir_lib.core.errors import InputError
from csir_lib.data.tokenise import words
from csir_lib.lexicons.word_vectors import encoder_word_vectors, vocabulary
from csir_lib.models.tiny_model import build_tiny_model


def test_words_keep_marks_and_drop_digits():
    assert words("Wo ist Köln? 2020 l’été, Ọjọ́ कांग्रेस", "de") == ["wo", "ist", "köln", "l’été", "ọjọ́", "कांग्रेस"]


def test_vocabulary_orders_by_count_then_word():
    assert vocabulary(["b a c", "a b", "a d"], max_size=3, lang="en") == ["a", "b", "c"]
    assert vocabulary(["b a c", "a b", "a d"], max_size=10, min_count=2, lang="en") == ["a", "b"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny model whose tokenizer knows a few words."""
    texts = ["the cat sat on the mat", "der Hund und die Katze", "a cat and a dog"] * 20
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", texts, seed=0, vocab_size=300)


def test_word_vector_is_mean_of_piece_embeddings(tiny):
    from tokenizers import Tokenizer

    weights = load_file(str(tiny / "model.safetensors"))
    matrix = next(v for k, v in weights.items() if k.endswith("word_embeddings.weight"))
    tokenizer = Tokenizer.from_file(str(tiny / "tokenizer.json"))
    vectors = encoder_word_vectors(tiny, ["cat", "katze"])
    for word, vector in zip(["cat", "katze"], vectors, strict=True):
        encoding = tokenizer.encode(word, add_special_tokens=False)
        pieces = [i for i, t in zip(encoding.ids, encoding.tokens, strict=True) if t != "▁"]
        np.testing.assert_allclose(vector, matrix[pieces].mean(axis=0), rtol=1e-6)
    assert vectors.shape == (2, matrix.shape[1]) and vectors.dtype == np.float32


def test_empty_vocabulary_and_missing_model(tiny, tmp_path):
    with pytest.raises(InputError, match="empty vocabulary"):
        encoder_word_vectors(tiny, [])
    with pytest.raises(InputError, match="model folder does not exist"):
        encoder_word_vectors(tmp_path / "nope", ["cat"])

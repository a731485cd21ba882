"""How good and how useful a lexicon is: precision against a gold dictionary, and coverage of words and tokens.

Precision follows MUSE's word-translation evaluation: P@k is the share of evaluated gold source words with at
least one gold translation among the lexicon's k best targets. MUSE evaluates the gold words its vocabulary
has; here those are the gold source words the lexicon has an entry for, and `coverage` says what share of the
gold source words that is. Given the lexicon's target vocabulary (the words it could translate into), P@1 is
also reported over the evaluated gold words with a gold translation in that vocabulary (`P@1_in_vocab`: the
others cannot be hits whatever the vectors), with the share of evaluated words that have none
(`gold_target_oov`). Hand-written: a few set operations, and MUSE is not a package.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Literal

from csir_lib.lexicons.lexicon import Lexicon

Side = Literal["source", "target"]


def normalised(lexicon: Lexicon, form: str) -> Lexicon:
    """The lexicon with both sides in Unicode normal form `form` (NFC, NFKC, ...), merged in first-seen order."""
    import unicodedata

    out = Lexicon(source_lang=lexicon.source_lang, target_lang=lexicon.target_lang, provenance=lexicon.provenance)
    for source, target, score in lexicon.pairs():
        out.add(unicodedata.normalize(form, source), unicodedata.normalize(form, target), score)
    return out


def evaluate_lexicon(lexicon: Lexicon, gold: Lexicon, ks: Iterable[int] = (1, 5),
                     target_vocab: Collection[str] | None = None,
                     form: str | None = "NFC") -> dict[str, float | int | None]:
    """{"P@1", "P@5", "coverage", "n_gold", "n_evaluated"}: precision over covered gold words (None if none).

    With `target_vocab` also {"P@1_in_vocab", "gold_target_oov", "n_in_vocab"} (see the module docstring). Both
    dictionaries (and the vocabulary) are compared in Unicode normal form `form` (NFC by default, as
    `csir lexicon evaluate`), so "é" as one code point and as "e" + combining accent are one word: FreeDict's
    eng-ara gold has 306 pairs that are not in NFC. None compares words as written.
    """
    if form:
        import unicodedata

        lexicon, gold = normalised(lexicon, form), normalised(gold, form)
        target_vocab = None if target_vocab is None else {unicodedata.normalize(form, w) for w in target_vocab}
    gold_words = [w for w, targets in gold.entries.items() if targets]
    covered = [w for w in gold_words if lexicon.entries.get(w)]
    result: dict[str, float | int | None] = {}
    for k in ks:
        hits = sum(1 for w in covered if set(lexicon.targets(w, k)) & set(gold.targets(w)))
        result[f"P@{k}"] = hits / len(covered) if covered else None
    result["coverage"] = len(covered) / len(gold_words) if gold_words else None
    result["n_gold"], result["n_evaluated"] = len(gold_words), len(covered)
    if target_vocab is not None:
        vocab = target_vocab if isinstance(target_vocab, set | frozenset | dict) else set(target_vocab)
        reachable = [w for w in covered if any(t in vocab for t in gold.targets(w))]
        hits = sum(1 for w in reachable if set(lexicon.targets(w, 1)) & set(gold.targets(w)))
        result["P@1_in_vocab"] = hits / len(reachable) if reachable else None
        result["gold_target_oov"] = (len(covered) - len(reachable)) / len(covered) if covered else None
        result["n_in_vocab"] = len(reachable)
    return result


def _side_words(lexicon: Lexicon, side: Side) -> set[str] | dict[str, list[tuple[str, float]]]:
    """The words a lexicon can translate from: its sources, or (read in reverse) its targets."""
    if side == "source":
        return lexicon.entries
    if side == "target":
        return lexicon.target_words()
    raise ValueError(f"side {side!r}: expected 'source' or 'target'")


def vocab_coverage(lexicon: Lexicon, words: Iterable[str], side: Side = "source") -> float:
    """Share of the distinct `words` found on the lexicon's `side` (0.0 for no words)."""
    known, distinct = _side_words(lexicon, side), set(words)
    return sum(1 for w in distinct if w in known) / len(distinct) if distinct else 0.0


def token_coverage(
    lexicon: Lexicon,
    texts: Iterable[str],
    tokenize: Callable[[str], list[str]],
    side: Side = "source",
    lowercase: bool = True,
) -> float:
    """Share of the tokens of `texts` found on the lexicon's `side` (0.0 for no tokens).

    For text in language X: `side="source"` with an X->EN lexicon, `side="target"` with an EN->X lexicon read
    in reverse. Tokens are lower-cased first unless told not to, as code-switching looks words up.
    """
    known = _side_words(lexicon, side)
    total = found = 0
    for text in texts:
        for token in tokenize(text):
            total += 1
            found += (token.lower() if lowercase else token) in known
    return found / total if total else 0.0

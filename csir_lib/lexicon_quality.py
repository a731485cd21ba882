"""How good and how useful a lexicon is: precision against a gold dictionary, and coverage of words and tokens.

Precision follows MUSE's word-translation evaluation: P@k is the share of evaluated gold source words with at
least one gold translation among the lexicon's k best targets. MUSE evaluates the gold words its vocabulary
has; here those are the gold source words the lexicon has an entry for, and `coverage` says what share of the
gold source words that is. Hand-written: a few set operations, and MUSE is not a package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from csir_lib.lexicon import Lexicon

Side = Literal["source", "target"]


def normalised(lexicon: Lexicon, form: str) -> Lexicon:
    """The lexicon with both sides in Unicode normal form `form` (NFC, NFKC, ...), merged in first-seen order."""
    import unicodedata

    out = Lexicon(source_lang=lexicon.source_lang, target_lang=lexicon.target_lang, provenance=lexicon.provenance)
    for source, target, score in lexicon.pairs():
        out.add(unicodedata.normalize(form, source), unicodedata.normalize(form, target), score)
    return out


def evaluate_lexicon(lexicon: Lexicon, gold: Lexicon, ks: Iterable[int] = (1, 5),
                     form: str | None = None) -> dict[str, float | int | None]:
    """{"P@1", "P@5", "coverage", "n_gold", "n_evaluated"}: precision over covered gold words (None if none).

    With `form` (e.g. "NFC", what `csir lexicon evaluate` uses) both dictionaries are compared in that Unicode
    normal form, so "é" as one code point and as "e" + combining accent are one word; without it words are
    compared as written (the pipeline's lexicon report, whose committed numbers predate the option).
    """
    if form:
        lexicon, gold = normalised(lexicon, form), normalised(gold, form)
    gold_words = [w for w, targets in gold.entries.items() if targets]
    covered = [w for w in gold_words if lexicon.entries.get(w)]
    result: dict[str, float | int | None] = {}
    for k in ks:
        hits = sum(1 for w in covered if set(lexicon.targets(w, k)) & set(gold.targets(w)))
        result[f"P@{k}"] = hits / len(covered) if covered else None
    result["coverage"] = len(covered) / len(gold_words) if gold_words else None
    result["n_gold"], result["n_evaluated"] = len(gold_words), len(covered)
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

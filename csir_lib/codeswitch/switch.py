"""Artificial code-switching of training pairs (paper section 3): BL-CS, ML-CS, Wiki-CS and Translate Test.

Hand-written because no library switches words of a text from a lexicon. The choices, where the paper or its
code (mainlp/CodeSwitchCLIR) left room:

- Tokens are NLTK's Treebank tokens, as in the paper, but the output is built by replacing the character
  spans of the switched tokens in the original string instead of detokenising: unswitched text stays byte
  for byte (p = 0 returns the input), and the detokeniser's normalisations (quotes, spacing) never touch it.
  The spans come from `token_spans`, which runs NLTK on each whitespace-separated chunk in its one-character
  context and caches the result: tested equal to NLTK on whole texts, and far faster.
- Translate Test reads text in X: zh, ja and th are cut into words by csir_lib.data.tokenise's segmenters (the one
  tokenisation of every stage), and switched words that would touch other words get a space between them.
- Look-up by the lower-cased token; unswitched tokens keep their casing (Translate Test included, where the
  released code lower-cased the whole text).
- Randomness: one `random.Random` per row, seeded from (seed, row index), so the output depends neither on
  batching nor on parallelism; Python's hash() is never used.
- BL-CS: a token whose lower-cased form is in the side's lexicon switches when its draw is below p; any other
  token stays English (no resampling). Only covered tokens use a draw (the paper drew for every token: the
  same distribution).
- ML-CS: like the paper's code, a token's language is drawn uniformly among the side's languages and the
  token switches (with probability p) only if it is in that language's lexicon. We draw the language for
  every token and then the switch; the paper drew the language after a successful switch draw: the same
  distribution. `eligible` in the statistics counts tokens covered by their drawn language.
- Wiki-CS, against the released code (src/train_data/codeswitch_wiki_{1.ipynb,2.py}): all four of its choices
  below are kept, because the paper's Wiki-CS numbers were made with them and each changes what the model sees
  (how many titles switch, how much English stays, the casing); one bug is fixed:
  1. single-word titles that are NLTK English stopwords are skipped, with NLTK's own 179-word list shipped as
     data/stopwords/english.txt (not stopwordsiso's 1,298 words, which hold content words such as "world",
     "state" or "new": with them such titles never switched);
  2. each side draws its language from the languages it is given, which for the `wiki_cs` system are English
     and the seen languages (csir_lib.training.sets), as the released code drew from all six: about a sixth of
     the sides stay English;
  3. a side switched toward a language other than English is lower-cased as a whole before matching, as the
     released code lower-cased the text of its per-language Wiki-CS files (targets are inserted as the lexicon
     gives them; titles lexicons are lower-case); a side drawn English keeps its text and casing, and so does
     every side at p = 0;
  4. candidates (word n-grams of up to 3 tokens) are taken longest first by characters, ties leftmost, never
     overlapping;
  fixed: matching is on whole tokens (the released code replaced substrings, e.g. "new" inside "newark", and
  could re-match text it had just inserted: corrupted words, not a design choice). A token with a period attached
  inside the text ("york." in "new york. the") is matched without it. One language per side and training
  instance; each match replaced with probability p (1.0 by default).
- "en" as a side's language keeps that side English (e.g. BL-CS for the pair EN-DE switches passages only).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from csir_lib.codeswitch.stats import CodeSwitchStats, SideCounts
from csir_lib.core.errors import InputError
from csir_lib.core.faults import failpoint
from csir_lib.data import tokenise
from csir_lib.data.treebank_spans import replace_spans, switch_chunks, wiki_spans

MODES = ("bilingual", "multilingual", "wiki", "translate")
DEFAULT_P = {"bilingual": 0.5, "multilingual": 0.5, "wiki": 1.0, "translate": 1.0}
ENGLISH = "en"
MAX_NGRAM = 3


def _normal_key(source: str) -> str:
    """A lexicon key as tokens are looked up: lower-cased, words joined by one space."""
    return " ".join(source.lower().split())


def load_switch_table(path: str | Path) -> dict[str, str]:
    """Best target per lower-cased source from a lexicon TSV `source TAB target TAB score` (first line wins).

    Read by `lexicon.read_lexicon`, the one parser of the format (finite scores, three fields, no empty word).
    """
    from csir_lib.lexicons.lexicon import read_lexicon

    table: dict[str, str] = {}
    for source, target in read_lexicon(path).table().items():
        table.setdefault(_normal_key(source), target.strip())
    return table


class CodeSwitcher:
    """Switches (query, passage) pairs in one mode; the result depends only on (seed, row index) and the text."""

    def __init__(self, lexicons: Mapping[str, Mapping[str, str]], mode: str, p: float | None = None, seed: int = 1,
                 query_langs: str | Sequence[str] | None = None, doc_langs: str | Sequence[str] | None = None,
                 stopwords: Iterable[str] | None = None) -> None:
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}", path="mode", expected=" or ".join(MODES))
        p = DEFAULT_P[mode] if p is None else p
        if not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
            raise InputError(f"p = {p!r} is outside [0, 1]", path="p", expected="a number from 0 to 1")
        if not isinstance(seed, int) or seed < 0:
            raise InputError(f"seed {seed!r}", path="seed", expected="an integer >= 0")
        if not lexicons:
            raise InputError("no lexicon given", path="lexicons", expected="a lexicon of at least one language")
        if ENGLISH in lexicons:
            raise InputError("'en' names no lexicon: it keeps a side English", path="lexicons",
                             expected="a lexicon per non-English language")
        self.mode, self.p, self.seed = mode, float(p), seed
        self.lexicons = {lang: _normalised(lexicon) for lang, lexicon in lexicons.items()}
        self.query_langs = self._side(query_langs, "query_langs")
        self.doc_langs = self._side(doc_langs, "doc_langs")
        self.stopwords: frozenset[str] = frozenset()
        self.max_n = {lang: min(MAX_NGRAM, max((key.count(" ") + 1 for key in lexicon), default=1))
                      for lang, lexicon in self.lexicons.items()}
        if mode == "wiki":
            if stopwords is None:
                from csir_lib.data.shipped import english_stopwords

                stopwords = english_stopwords()
            self.stopwords = frozenset(_normal_key(word) for word in stopwords)

    def _side(self, langs: str | Sequence[str] | None, argument: str) -> tuple[str, ...]:
        """The side's languages, sorted, checked against the lexicons ("en" keeps the side English)."""
        one = self.mode in ("bilingual", "translate")
        if langs is None:
            if not one or len(self.lexicons) == 1:
                return tuple(sorted(self.lexicons))
            raise InputError(f"mode {self.mode} with {len(self.lexicons)} lexicons needs a language per side",
                             path=argument, expected="query_langs and doc_langs, one language each")
        names = [lang.strip() for lang in (langs.split(",") if isinstance(langs, str) else langs)]
        known = ", ".join(sorted(self.lexicons)) + f" or {ENGLISH} (keep English)"
        for lang in names:
            if lang != ENGLISH and lang not in self.lexicons:
                raise InputError(f"language {lang!r} has no lexicon", path=argument, expected=known)
        if not names or len(set(names)) != len(names) or (one and len(names) != 1):
            raise InputError(f"languages {names!r}", path=argument,
                             expected=("one language: " if one else "distinct languages among: ") + known)
        return tuple(sorted(names))

    def new_stats(self) -> CodeSwitchStats:
        """Empty statistics carrying this switcher's mode, p and seed."""
        return CodeSwitchStats(mode=self.mode, p=self.p, seed=self.seed)

    def switch_pair(self, query: str, passage: str, row: int = 0,
                    stats: CodeSwitchStats | None = None) -> tuple[str, str]:
        """The pair switched with the random stream of `row`; counts are added to `stats` when given."""
        if not 0 <= row < 1 << 64:
            raise ValueError(f"row index {row} outside [0, 2**64)")
        rng = random.Random((self.seed << 64) | row)
        query_counts, passage_counts = (None, None) if stats is None else (stats.query, stats.passage)
        switched = (self._switch(query, self.query_langs, rng, query_counts),
                    self._switch(passage, self.doc_langs, rng, passage_counts))
        if stats is not None:
            stats.pairs += 1
        return switched

    def __call__(self, query: str, passage: str) -> tuple[str, str]:
        """The pair switched as row 0 (a strategy for `switch_examples`)."""
        return self.switch_pair(query, passage, 0)

    def _switch(self, text: str, langs: tuple[str, ...], rng: random.Random, counts: SideCounts | None) -> str:
        """One side of a pair switched toward `langs`."""
        if langs == (ENGLISH,):
            return text
        counts = SideCounts() if counts is None else counts
        if self.mode == "wiki":
            return self._switch_wiki(text, langs, rng, counts)
        lexicons = [self.lexicons.get(lang) for lang in langs]
        n_langs, p, draw = len(langs), self.p, rng.random
        tally = [0, 0, 0] + [0] * n_langs  # tokens, eligible, switched, switched per language

        def pick(lowered: str) -> str | None:
            """The target a token switches to, or None; one language draw per token (ML), a switch draw if covered."""
            tally[0] += 1
            k = min(int(draw() * n_langs), n_langs - 1)
            lexicon = lexicons[k]
            target = None if lexicon is None else lexicon.get(lowered)
            if target is None:
                return None
            tally[1] += 1
            if draw() >= p:
                return None
            tally[2] += 1
            tally[3 + k] += 1
            return target

        def pick_one(lowered: str, lexicon: dict[str, str] = lexicons[0]) -> str | None:
            """`pick` with a single language: no language draw."""
            tally[0] += 1
            target = lexicon.get(lowered)
            if target is None:
                return None
            tally[1] += 1
            if draw() >= p:
                return None
            tally[2] += 1
            tally[3] += 1
            return target

        pick = pick_one if n_langs == 1 else pick
        source = langs[0] if self.mode == "translate" else ENGLISH  # the language the text is written in
        switched = switch_chunks(text, pick) if source not in tokenise.SEGMENTED else None
        if switched is None:
            replacements = []
            for a, b in tokenise.token_spans(text, source):
                target = pick(text[a:b].lower())
                if target is not None:
                    replacements.append((a, b, target))
            switched = replace_spans(text, tokenise.spaced(text, replacements) if source in tokenise.SEGMENTED
                                     else replacements)
        _count(counts, tally[0], tally[1], tally[2], tally[2], langs, tally[3:])
        return switched

    def _switch_wiki(self, text: str, langs: tuple[str, ...], rng: random.Random, counts: SideCounts) -> str:
        """Wiki-CS of one side: one language for the whole (lower-cased) text, its n-grams replaced longest first."""
        lang = langs[min(int(rng.random() * len(langs)), len(langs) - 1)]
        lexicon = self.lexicons.get(lang)
        if lexicon is not None and self.p > 0:  # p = 0 returns the input, in this mode too
            text = text.lower()
        spans = wiki_spans(text)
        chosen: list[tuple[int, int, str]] = []
        if lexicon is not None:
            lowers = [text[a:b] for a, b in spans]
            found = [(-len(key), i, n, key) for n in range(self.max_n[lang], 0, -1)
                     for i in range(len(spans) - n + 1)
                     if (key := " ".join(lowers[i:i + n])) not in self.stopwords and key in lexicon]
            taken = [False] * len(spans)
            for _, i, n, key in sorted(found):  # longest first by characters, then leftmost
                if True not in taken[i:i + n]:
                    chosen.append((i, n, lexicon[key]))
                    taken[i:i + n] = [True] * n
        replacements, eligible, switched = [], 0, 0
        for i, n, target in sorted(chosen):
            eligible += n
            if rng.random() < self.p:
                replacements.append((spans[i][0], spans[i + n - 1][1], target))
                switched += n
        _count(counts, len(spans), eligible, switched, len(replacements), (lang,), [switched])
        return replace_spans(text, replacements)


def _normalised(lexicon: Mapping[str, str]) -> dict[str, str]:
    """The lexicon with keys as tokens are looked up (lower-cased, single spaces); the first of equal keys wins."""
    if all(key == _normal_key(key) for key in lexicon):
        return dict(lexicon)
    table: dict[str, str] = {}
    for key, target in lexicon.items():
        table.setdefault(_normal_key(key), target)
    return table


def _count(counts: SideCounts, tokens: int, eligible: int, switched: int, replacements: int,
           langs: Sequence[str], per_language: Sequence[int]) -> None:
    """Add one text's numbers to `counts`."""
    counts.tokens += tokens
    counts.eligible += eligible
    counts.switched += switched
    counts.replacements += replacements
    for lang, count in zip(langs, per_language, strict=True):
        if count:
            counts.per_language[lang] = counts.per_language.get(lang, 0) + count


def codeswitch_pairs(pairs: Iterable[tuple[str, str, int]], switcher: CodeSwitcher,
                     stats: CodeSwitchStats | None = None, start_row: int = 0) -> Iterator[tuple[str, str, int]]:
    """Stream `pairs` switched row by row (row indices from `start_row`), labels and order kept."""
    for row, (query, passage, label) in enumerate(pairs, start=start_row):
        switched_query, switched_passage = switcher.switch_pair(query, passage, row, stats)
        yield switched_query, switched_passage, label
        failpoint("codeswitch")  # kill tests (csir_lib.core.faults): no-op unless CSIR_FAILPOINT names it


def switch_examples(query: str, passage: str,
                    strategies: Mapping[str, Callable[[str, str], tuple[str, str]]]) -> list[dict[str, str]]:
    """One training instance under every strategy (a Table 5 of the paper): rows of strategy, query, passage."""
    rows = []
    for name, strategy in strategies.items():
        switched_query, switched_passage = strategy(query, passage)
        rows.append({"strategy": name, "query": switched_query, "passage": switched_passage})
    return rows

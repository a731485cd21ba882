"""The paper profile's lexicons (clwe_source muse): MUSE CLWE lexicons, Wikipedia titles, MUSE gold.

The paper's method (STUDY.md section 1, mainlp/CodeSwitchCLIR `codeswitch_clwe.py`, `create_translatetest.py`):
- English words: the lower-cased Treebank tokens of the English training pairs that MUSE's English vectors
  have, most frequent first, at most `lexicon.vocab_size`; only the first VOCAB_PAIRS pairs are read;
- `clwe-nn`: each English word's nearest target word by dot product, vectors as MUSE ships them (not
  normalised, no CSLS); `clwe-csls` (CSLS over cosines) is kept as a second source; `x2en`: each target word's
  nearest English word by `lexicon.method` (Translate Test); both sides read their first `vocab_size` vectors;
- a language without MUSE aligned vectors: fastText's `wiki.{lang}.vec` rotated onto MUSE's English space by one
  orthogonal Procrustes over MUSE's `en-{lang}.0-5000` training pairs (MUSE's `supervised.py` adds five
  refinement rounds; the paper only used MUSE's aligned languages);
- titles: linguatools or Wikipedia langlinks (csir_lib.lexicons.sources), cleaned as in csir_lib.lexicons.titles.
Where the files come from and which language lacks what: csir_lib.lexicons.sources. Hand-written: MUSE is not a
package and its scripts need faiss and a GPU; the pieces are csir_lib.lexicons.vectors and csir_lib.lexicons.induction.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import numpy as np

from csir_lib.core.atomic import atomic_open
from csir_lib.core.cache import artefact_path, cache_key
from csir_lib.core.config import Config
from csir_lib.core.errors import InputError
from csir_lib.data.formats import iter_lines
from csir_lib.data.treebank_spans import token_spans
from csir_lib.lexicons import sources
from csir_lib.lexicons.base import Built, Vocabulary, lexicon_languages, local_gold
from csir_lib.lexicons.induction import induce_lexicon, procrustes, seed_indices
from csir_lib.lexicons.lexicon import Lexicon, read_muse
from csir_lib.lexicons.titles import cldr_lexicon, read_langlinks, read_linguatools
from csir_lib.lexicons.vectors import read_vectors

log = logging.getLogger(__name__)
VERSION = 1
#: English training pairs read for the vocabulary: 1M MS MARCO pairs (200k queries, 1 positive to 4 negatives)
#: take about 1.5 min to tokenise and hold nearly every word MUSE's 200k English vectors can translate.
VOCAB_PAIRS = 1_000_000


def training_tokens(text: str) -> list[str]:
    """The lower-cased Treebank tokens of `text`, as code-switching looks them up."""
    return [text[a:b].lower() for a, b in token_spans(text)]


def training_vocabulary(pairs: Iterable[tuple[str, str, int]], known: set[str], max_size: int,
                        max_pairs: int = VOCAB_PAIRS) -> list[tuple[str, int]]:
    """(word, count) of the tokens of the first `max_pairs` pairs' queries and passages found in `known`.

    Most frequent first (ties by the word), at most `max_size`.
    """
    counts: Counter[str] = Counter()
    for query, passage, _ in islice(pairs, max_pairs):
        counts.update(training_tokens(query))
        counts.update(training_tokens(passage))
    ranked = sorted(((w, c) for w, c in counts.items() if w in known), key=lambda wc: (-wc[1], wc[0]))
    return ranked[:max_size]


def align_onto(words: list[str], vecs: np.ndarray, en_words: list[str], en_vecs: np.ndarray, seed: Lexicon,
               seed_path: Path) -> np.ndarray:
    """`vecs` rotated onto the English space by orthogonal Procrustes over the EN-X seed pairs both sides have."""
    en_idx, x_idx = seed_indices(seed, en_words, words)
    if not en_idx.size:
        raise InputError("no seed pair has both words in the vector vocabularies", path=seed_path,
                         expected="MUSE training pairs 'english target' whose words have vectors")
    log.info("Procrustes onto English over %d seed pairs of %s", en_idx.size, seed_path.name)
    return vecs @ procrustes(vecs[x_idx], en_vecs[en_idx]).T


def clwe_lexicons(lang: str, english: list[str], en_words: list[str], en_vecs: np.ndarray, x_words: list[str],
                  x_vecs: np.ndarray, method: str, k: int, tag: str) -> dict[str, Lexicon]:
    """EN->X by nearest neighbour and by CSLS for the `english` words, and X->EN by `method` over all words."""
    position = {w: i for i, w in reversed(list(enumerate(en_words)))}
    src = en_vecs[[position[w] for w in english]]
    out = {f"clwe-{m}": induce_lexicon(english, src, x_words, x_vecs, m, k, source_lang="en", target_lang=lang,
                                       provenance=f"clwe-{m}: {tag}") for m in ("nn", "csls")}
    out["x2en"] = induce_lexicon(x_words, x_vecs, en_words, en_vecs, method, k, source_lang=lang, target_lang="en",
                                 provenance=f"x2en: {tag}")
    return out


def wikipedia_titles(lang: str, remotes: dict[str, sources.Remote]) -> Lexicon:
    """EN->X titles: linguatools' corpus when the plan has it, else the language's langlinks and page dumps."""
    if "linguatools" in remotes:
        return read_linguatools(sources.check_gzip(remotes["linguatools"]), target_lang=lang)
    return read_langlinks(remotes["langlinks"].path, remotes["page"].path, wiki_lang=lang, link_lang="en")


def check_required(config: Config, plans: dict[str, sources.Plan]) -> None:
    """Raise when a language code-switching needs (languages.seen, training.bl_cs_pairs) has no CLWE lexicon."""
    needed = set(config.languages.seen) | {x for pair in config.training.bl_cs_pairs for x in pair.split("-")}
    lacking = sorted(lang for lang in needed & set(plans) if "clwe-nn" in plans[lang].missing)
    if lacking:
        why = "; ".join(f"{lang}: {plans[lang].missing['clwe-nn']}" for lang in lacking)
        raise InputError(f"languages.seen / training.bl_cs_pairs name {', '.join(lacking)}, which code-switching "
                         f"needs a CLWE lexicon for ({why})",
                         expected="seen languages with MUSE aligned vectors or an en-X MUSE dictionary")


class PaperLexicons:
    """The lexicon stage of a profile with clwe_source muse: a cache key and the lexicons of each language."""

    def __init__(self, config: Config, cache_root: str | Path | None = None) -> None:
        """Plan every language (no download yet) and check the languages code-switching needs have a lexicon."""
        self.config, self.cache_root = config, cache_root
        self.plans = {lang: sources.plan(lang, config.lexicon, cache_root) for lang in lexicon_languages(config)}
        check_required(config, self.plans)
        self._english_vectors: tuple[list[str], np.ndarray] | None = None

    def english_path(self) -> Path:
        """The English vocabulary file (`word TAB count`), made on first use from the training pairs."""
        en = sources.english_vectors(self.cache_root)
        sources.fetch(en)
        cfg = self.config
        key = cache_key(VERSION, "english-vocabulary", cfg.data, cfg.training, cfg.lexicon.vocab_size, VOCAB_PAIRS,
                        sources.identity(en))
        path = artefact_path("lexicons", key, "en.vocabulary.tsv", self.cache_root)
        if not path.exists():
            from csir_lib.data.training_data import english_pairs

            words, _ = self.english_vectors()
            ranked = training_vocabulary(english_pairs(cfg, self.cache_root), set(words),
                                         cfg.lexicon.vocab_size)
            if not ranked:
                raise InputError("no English training token is in MUSE's English vocabulary", path=en.path,
                                 expected="English training pairs and MUSE's wiki.multi.en.vec")
            with atomic_open(path) as fh:
                fh.writelines(f"{w}\t{c}\n" for w, c in ranked)
        return path

    def english(self) -> Vocabulary:
        """The English words the EN->X lexicons translate."""
        words = [line.split("\t", 1)[0] for _, line in iter_lines(self.english_path())]
        origin = (f"lower-cased Treebank tokens of the first {VOCAB_PAIRS:,} English training pairs "
                  f"({self.config.data.training_source}) that MUSE's English vectors have")
        return Vocabulary(words, origin)

    def english_vectors(self) -> tuple[list[str], np.ndarray]:
        """MUSE's English words and vectors (the first vocab_size), read once."""
        if self._english_vectors is None:
            path = sources.fetch(sources.english_vectors(self.cache_root))
            self._english_vectors = read_vectors(path, self.config.lexicon.vocab_size, skip_bad_lines=True)
        return self._english_vectors

    def key(self, lang: str) -> str:
        """The cache key of `lang`'s lexicons: the lexicon config, the English vocabulary and every file used."""
        files = {}
        for role, item in sorted(self.plans[lang].remotes.items()):
            sources.fetch(item)
            files[role] = sources.identity(item)
        return cache_key(VERSION, lang, self.config.lexicon, self.english_path(), files)

    def build(self, lang: str) -> Built:
        """Every lexicon of `lang` the plan allows, and why the others are missing."""
        plan, lexicon = self.plans[lang], self.config.lexicon
        made, missing = {}, dict(plan.missing)
        if "vectors" in plan.remotes:
            made |= self._clwe(lang, plan.remotes)
        made["titles"] = wikipedia_titles(lang, plan.remotes) if lexicon.titles_source == "wikipedia" \
            else cldr_lexicon(lang)
        if "gold" in plan.remotes:
            made["gold"] = read_muse(plan.remotes["gold"].path, source_lang="en", target_lang=lang,
                                     provenance=f"muse:{plan.remotes['gold'].path.name}")
        elif "gold" not in missing:
            gold, why = local_gold(lang, self.config)
            if gold is None:
                missing["gold"] = why
            else:
                made["gold"] = gold
        note = "\n".join(f"{role}: {item.url}" for role, item in sorted(plan.remotes.items()))
        return Built(made, missing, note + "\n")

    def _clwe(self, lang: str, remotes: dict[str, sources.Remote]) -> dict[str, Lexicon]:
        """clwe-nn, clwe-csls and x2en of `lang` over MUSE's (or Procrustes-aligned fastText) vectors."""
        lexicon = self.config.lexicon
        en_words, en_vecs = self.english_vectors()
        vectors = remotes["vectors"].path
        x_words, x_vecs = read_vectors(vectors, lexicon.vocab_size, skip_bad_lines=True)
        tag = f"MUSE {vectors.name}"
        if "seed" in remotes:
            seed_path = remotes["seed"].path
            seed = read_muse(seed_path, source_lang="en", target_lang=lang)
            x_vecs = align_onto(x_words, x_vecs, en_words, en_vecs, seed, seed_path)
            tag = f"fastText {vectors.name} + Procrustes over MUSE {seed_path.name}"
        return clwe_lexicons(lang, self.english().words, en_words, en_vecs, x_words, x_vecs, lexicon.method,
                             lexicon.csls_k, tag)

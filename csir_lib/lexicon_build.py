"""The lexicon stage of a profile: for every language, the lexicons code-switching and Translate Test use.

Per language X (files `<cache>/lexicons/<key>/<X>.<source>.tsv`):
- `clwe-nn`, `clwe-csls`: EN->X by nearest neighbour and by CSLS over cross-lingual word vectors (offline: the
  encoder's pooled input embeddings, a substitute for MUSE; paper: MUSE's aligned fastText vectors);
- `x2en`: X->EN by the profile's method (Translate Test);
- `titles`: EN->X named-entity pairs (offline: CLDR display names, a proxy for Wikipedia titles; paper:
  linguatools Wikipedia titles, or Wikipedia langlinks for other languages);
- `gold`: the gold dictionary where one exists (offline: Debian FreeDict; paper: MUSE's test dictionary).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from csir_lib.cache import artefact_path, cache_key
from csir_lib.config import Config
from csir_lib.induction import induce_lexicon
from csir_lib.lexicon import Lexicon, freedict_paths, read_freedict, read_lexicon, write_lexicon
from csir_lib.titles import cldr_lexicon
from csir_lib.vectors import center_rows, normalise_rows
from csir_lib.word_vectors import encoder_word_vectors, vocabulary, words
from csir_lib.xquad import XQUAD_LANGUAGES, load_language, split_articles

VERSION = 1
SOURCES = ("clwe-nn", "clwe-csls", "x2en", "titles", "gold")


@dataclass(frozen=True)
class Vocabulary:
    """The words a lexicon is induced over, and where they came from."""

    words: list[str]
    origin: str


def lexicon_languages(config: Config) -> list[str]:
    """Every non-English language the profile needs lexicons for, sorted."""
    langs = config.languages
    return sorted({*langs.seen, *langs.unseen, *langs.miracl} - {"en"})


def english_vocabulary(config: Config) -> Vocabulary:
    """The most frequent words of the English training text (XQuAD-R's training articles)."""
    train, _ = split_articles(config.data.xquad_articles, config.data.test_fraction, config.data.split_seed)
    data = load_language("en", config.data.xquad_dir)
    texts = [q.text for q in data.questions if q.article in train] + [s.text for s in data.sentences
                                                                       if s.article in train]
    return Vocabulary(vocabulary(texts, config.lexicon.vocab_size), "XQuAD-R English training articles")


def gold_lexicon(lang: str) -> Lexicon | None:
    """The gold EN->X dictionary available here (Debian FreeDict), or None when it is not installed."""
    paths = freedict_paths("en", lang)
    if paths is None:
        return None
    return read_freedict(*paths, source_lang="en", target_lang=lang, provenance="freedict")


def target_vocabulary(lang: str, config: Config, english: list[str], gold: Lexicon | None,
                      titles: Lexicon) -> Vocabulary:
    """X words to translate into: XQuAD-R text in X, the gold translations of the English words, CLDR names."""
    found, origin = [], []
    if lang in XQUAD_LANGUAGES:
        data = load_language(lang, config.data.xquad_dir)
        found += vocabulary([q.text for q in data.questions] + [s.text for s in data.sentences],
                            config.lexicon.vocab_size)
        origin.append("XQuAD-R text")
    if gold is not None:
        found += [w for e in english for t in gold.targets(e) for w in words(t)]
        origin.append("FreeDict translations of the English words")
    found += [w for t in titles.target_words() for w in words(t)]
    origin.append("CLDR names")
    return Vocabulary(sorted(set(found)), " + ".join(origin))


def _encoder_lexicons(lang: str, config: Config, model_dir: Path, english: Vocabulary,
                      target: Vocabulary) -> dict[str, Lexicon]:
    """EN->X by NN and CSLS, and X->EN by the profile's method, over the encoder's word vectors."""
    # mean-centred and unit-length per language: +2.6 P@1 (NN) against FreeDict en-de over raw dot products
    en_vecs = normalise_rows(center_rows(encoder_word_vectors(model_dir, english.words)))
    x_vecs = normalise_rows(center_rows(encoder_word_vectors(model_dir, target.words)))
    k, tag = config.lexicon.csls_k, "encoder word vectors (substitute for MUSE)"
    out = {f"clwe-{m}": induce_lexicon(english.words, en_vecs, target.words, x_vecs, m, k, source_lang="en",
                                       target_lang=lang, provenance=f"clwe-{m}: {tag}") for m in ("nn", "csls")}
    out["x2en"] = induce_lexicon(target.words, x_vecs, english.words, en_vecs, config.lexicon.method, k,
                                 source_lang=lang, target_lang="en", provenance=f"x2en: {tag}")
    return out


def build_lexicons(config: Config, model_dir: Path, cache_root: Path | None = None,
                   force: bool = False) -> dict[str, dict[str, Path]]:
    """Induce (or reuse from the cache) every lexicon of the profile: {lang: {source: TSV path}}."""
    if config.lexicon.clwe_source != "encoder" or config.lexicon.titles_source != "cldr":
        raise NotImplementedError("the paper profile's MUSE and Wikipedia-titles lexicons: see csir_lib.download")
    english = english_vocabulary(config)
    model_key = cache_key(Path(model_dir) / "config.json", Path(model_dir).name)
    out: dict[str, dict[str, Path]] = {}
    for lang in tqdm(lexicon_languages(config), desc="lexicons", unit="lang"):
        key = cache_key(VERSION, lang, config.lexicon, config.data, model_key)
        folder = artefact_path("lexicons", key, "", cache_root)
        paths = {s: folder / f"{lang}.{s}.tsv" for s in SOURCES}
        done = folder / f"{lang}.done"
        if not force and done.exists():
            out[lang] = {s: p for s, p in paths.items() if p.exists()}
            continue
        titles, gold = cldr_lexicon(lang), gold_lexicon(lang)
        target = target_vocabulary(lang, config, english.words, gold, titles)
        made = dict(_encoder_lexicons(lang, config, model_dir, english, target), titles=titles)
        if gold is not None:
            made["gold"] = gold
        for source, lexicon in made.items():
            write_lexicon(paths[source], lexicon)
        done.write_text(f"{target.origin}\n{len(target.words)} target words\n", encoding="utf-8")  # written last
        out[lang] = {s: paths[s] for s in made}
    return out


def load(paths: dict[str, dict[str, Path]], lang: str, source: str) -> Lexicon:
    """One lexicon of the stage's output."""
    return read_lexicon(paths[lang][source])

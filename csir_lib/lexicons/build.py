"""The lexicon stage of a profile: for every language, the lexicons code-switching and Translate Test use.

Per language X (files `<cache>/lexicons/<key>/<X>.<source>.tsv`):
- `clwe-nn`, `clwe-csls`: EN->X by nearest neighbour and by CSLS over cross-lingual word vectors (offline: the
  encoder's pooled input embeddings, a substitute for MUSE; paper: MUSE's aligned fastText vectors, or fastText
  vectors aligned by Procrustes over MUSE's training dictionary);
- `x2en`: X->EN by the profile's method (Translate Test);
- `titles`: EN->X named-entity pairs (offline: CLDR display names, a proxy for Wikipedia titles; paper:
  linguatools Wikipedia titles, or Wikipedia langlinks for other languages);
- `gold`: the gold dictionary where one exists (offline: Debian FreeDict; paper: MUSE's test dictionary).
Beside them `<X>.missing.json` says which sources X could not get and why (also `LexiconPaths.missing`), and
`<X>.done`, written last, marks the folder complete (it names where the target words came from).
`lexicon.clwe_source` picks the stage (encoder: here; muse: csir_lib.lexicons.muse); titles and gold follow
`lexicon.titles_source` and `lexicon.gold`.

Target words of the encoder stage (`target_vocabulary`): the words of X's XQuAD-R training articles, then
wordfreq's most frequent X words up to `lexicon.vocab_size` words, and the CLDR names; a language with neither
text nor list and a script of its own gets the encoder tokenizer's whole-word pieces. Never the gold dictionary's
translations nor the test articles: P@1 against gold would otherwise grade a candidate list holding the answers.
`x2en` has one entry per target word (in the muse stage too), so its sources are the vocabulary the quality table
checks gold targets against. Words are csir_lib.data.tokenise's: zh, ja and th words are segmented ones.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import regex
from tqdm.auto import tqdm

from csir_lib.core.atomic import write_json, write_text
from csir_lib.core.cache import artefact_path, cache_key
from csir_lib.core.config import Config
from csir_lib.core.errors import InputError
from csir_lib.core.languages import get
from csir_lib.data.tokenise import words
from csir_lib.data.xquad import XQUAD_LANGUAGES, load_language, split_articles
from csir_lib.lexicons.base import Built, LexiconPaths, Stage, Vocabulary, lexicon_languages, local_gold
from csir_lib.lexicons.induction import induce_lexicon
from csir_lib.lexicons.lexicon import Lexicon, read_lexicon, write_lexicon
from csir_lib.lexicons.titles import cldr_lexicon
from csir_lib.lexicons.vectors import center_rows, normalise_rows
from csir_lib.lexicons.word_vectors import encoder_word_vectors, vocabulary

log = logging.getLogger(__name__)
VERSION = 2  # 2: target words independent of the gold dictionary and the test articles
SOURCES = ("clwe-nn", "clwe-csls", "x2en", "titles", "gold")


def english_vocabulary(config: Config, cache_root: Path | None = None) -> Vocabulary:
    """The English words the EN->X lexicons translate (clwe_source muse: see csir_lib.lexicons.muse)."""
    if config.lexicon.clwe_source == "muse":
        from csir_lib.lexicons.muse import PaperLexicons

        return PaperLexicons(config, cache_root).english()
    return xquad_english_vocabulary(config)


def xquad_english_vocabulary(config: Config) -> Vocabulary:
    """The most frequent words of the English training text (XQuAD-R's training articles)."""
    found = vocabulary(_training_texts("en", config), config.lexicon.vocab_size, lang="en")
    return Vocabulary(found, "XQuAD-R English training articles")


def _training_texts(lang: str, config: Config) -> list[str]:
    """Questions and sentences of XQuAD-R's training articles in `lang` (the test articles never enter a lexicon)."""
    train, _ = split_articles(config.data.xquad_articles, config.data.test_fraction, config.data.split_seed)
    data = load_language(lang, config.data.xquad_dir)
    return [q.text for q in data.questions if q.article in train] + [s.text for s in data.sentences
                                                                     if s.article in train]


def frequency_words(lang: str, size: int) -> list[str]:
    """The `size` most frequent words of `lang` in wordfreq that are single words ([] without a wordfreq list)."""
    import wordfreq

    if lang not in wordfreq.available_languages("best"):  # wordfreq would fall back to English
        return []
    found = []
    for entry in wordfreq.top_n_list(lang, size, wordlist="best"):
        if lang == "el":  # wordfreq folds Greek final sigma into σ
            entry = regex.sub(r"σ\b", "ς", entry)
        if words(entry, lang) == [entry]:
            found.append(entry)
    return found


def tokenizer_words(model_dir: Path, lang: str, size: int) -> list[str]:
    """The encoder tokenizer's first `size` whole-word pieces written only in `lang`'s script ([] for Latin)."""
    script = get(lang).script
    if script == "Latn":  # Latin pieces are mostly English and other languages' words
        return []
    vocab = json.loads((Path(model_dir) / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    pieces = [entry[0] if isinstance(entry, list) else entry for entry in vocab]
    in_script = regex.compile(rf"\p{{sc={script}}}[\p{{sc={script}}}\p{{M}}]*")
    found = [piece[1:].lower() for piece in pieces if piece.startswith("▁") and in_script.fullmatch(piece[1:])]
    return found[:size]


def target_vocabulary(lang: str, config: Config, titles: Lexicon, model_dir: Path) -> Vocabulary:
    """X words to translate into, none from the gold dictionary or the test articles (see the module docstring)."""
    size, found, origin = config.lexicon.vocab_size, {}, []

    def add(more: list[str], what: str) -> None:
        """Add words in order until `size` words are there; name the source if it added one."""
        before = len(found)
        for word in more:
            if len(found) >= size:
                break
            found.setdefault(word, None)
        if len(found) > before:
            origin.append(what)

    if lang in XQUAD_LANGUAGES:
        add(vocabulary(_training_texts(lang, config), size, lang=lang), "XQuAD-R training articles")
    frequent = frequency_words(lang, size)
    add(frequent, "wordfreq frequency list")
    if not frequent and lang not in XQUAD_LANGUAGES:
        add(tokenizer_words(model_dir, lang, size), "encoder tokenizer's whole-word pieces")
    titled = [w for t in titles.target_words() for w in words(t, lang)]
    return Vocabulary(sorted({*found, *titled}), " + ".join([*origin, "CLDR names"]))


def _language_vectors(model_dir: Path, vocab: list[str]) -> np.ndarray:
    """The encoder's word vectors of one language, mean-centred and unit length.

    Per language: +2.6 P@1 (NN) against FreeDict en-de over raw dot products.
    """
    return normalise_rows(center_rows(encoder_word_vectors(model_dir, vocab)))


def _encoder_lexicons(lang: str, config: Config, model_dir: Path, english: Vocabulary, en_vecs: np.ndarray,
                      target: Vocabulary) -> dict[str, Lexicon]:
    """EN->X by NN and CSLS, and X->EN by the profile's method, over the encoder's word vectors."""
    x_vecs = _language_vectors(model_dir, target.words)
    k, tag = config.lexicon.csls_k, "encoder word vectors (substitute for MUSE)"
    out = {f"clwe-{m}": induce_lexicon(english.words, en_vecs, target.words, x_vecs, m, k, source_lang="en",
                                       target_lang=lang, provenance=f"clwe-{m}: {tag}") for m in ("nn", "csls")}
    out["x2en"] = induce_lexicon(target.words, x_vecs, english.words, en_vecs, config.lexicon.method, k,
                                 source_lang=lang, target_lang="en", provenance=f"x2en: {tag}")
    return out


class EncoderLexicons:
    """The lexicon stage of a profile with clwe_source encoder: a cache key and the lexicons of each language."""

    def __init__(self, config: Config, model_dir: Path) -> None:
        """Read the English vocabulary once."""
        self.config, self.model_dir = config, Path(model_dir)
        self.english = xquad_english_vocabulary(config)
        self.model_key = cache_key(self.model_dir / "config.json", self.model_dir.name)
        self._en_vecs: np.ndarray | None = None  # embedded on the first language that is not cached

    def key(self, lang: str) -> str:
        """The cache key of `lang`'s lexicons."""
        return cache_key(VERSION, lang, self.config.lexicon, self.config.data, self.model_key)

    def build(self, lang: str) -> Built:
        """Encoder CLWE lexicons, CLDR titles and FreeDict gold of `lang`."""
        titles = cldr_lexicon(lang)
        gold, why = local_gold(lang, self.config)
        target = target_vocabulary(lang, self.config, titles, self.model_dir)
        if self._en_vecs is None:
            self._en_vecs = _language_vectors(self.model_dir, self.english.words)
        made = dict(_encoder_lexicons(lang, self.config, self.model_dir, self.english, self._en_vecs, target),
                    titles=titles)
        if gold is not None:
            made["gold"] = gold
        note = f"{target.origin}\n{len(target.words)} target words\n"
        return Built(made, {"gold": why} if gold is None else {}, note)


def source_names(config: Config) -> dict[str, str]:
    """What each lexicon source of the profile is, as a caption names it (offline substitutes say so)."""
    lexicon = config.lexicon
    clwe = {"encoder": "encoder word vectors, a substitute for MUSE",
            "muse": "MUSE aligned fastText vectors (fastText + Procrustes where MUSE has none)"}
    titles = {"cldr": "CLDR names, a proxy for Wikipedia titles",
              "wikipedia": "Wikipedia titles (linguatools; langlinks for other languages)"}
    gold = {"freedict": "FreeDict", "muse": "MUSE test dictionaries", "none": "no gold dictionary"}
    return {"clwe": clwe[lexicon.clwe_source], "titles": titles[lexicon.titles_source], "gold": gold[lexicon.gold]}


def check_sources(config: Config) -> None:
    """Raise on a lexicon-source combination the stage does not make, naming the config keys."""
    lexicon = config.lexicon
    if lexicon.clwe_source == "encoder" and (lexicon.titles_source != "cldr" or lexicon.gold == "muse"):
        raise InputError(f"lexicon.clwe_source 'encoder' with lexicon.titles_source '{lexicon.titles_source}' and "
                         f"lexicon.gold '{lexicon.gold}'",
                         expected="titles_source 'cldr' and gold 'freedict' or 'none' with the encoder substitute "
                                  "(its target words include every title word), or clwe_source 'muse'")


def build_lexicons(config: Config, model_dir: Path, cache_root: Path | None = None,
                   force: bool = False) -> LexiconPaths:
    """Induce (or reuse from the cache) every lexicon of the profile: {lang: {source: TSV path}}, and `.missing`."""
    check_sources(config)
    if config.lexicon.clwe_source == "muse":
        from csir_lib.lexicons.muse import PaperLexicons

        stage: Stage = PaperLexicons(config, cache_root)
    else:
        stage = EncoderLexicons(config, model_dir)
    return run_stage(stage, lexicon_languages(config), cache_root, force)


def run_stage(stage: Stage, langs: list[str], cache_root: Path | None, force: bool) -> LexiconPaths:
    """Build each language's lexicons under its cache key, or reuse them when its `.done` marker exists."""
    out = LexiconPaths()
    for lang in tqdm(langs, desc="lexicons", unit="lang"):
        folder = artefact_path("lexicons", stage.key(lang), "", cache_root)
        paths = {s: folder / f"{lang}.{s}.tsv" for s in SOURCES}
        done, missing_file = folder / f"{lang}.done", folder / f"{lang}.missing.json"
        if force or not done.exists():
            built = stage.build(lang)
            for source, path in paths.items():
                if source in built.lexicons:
                    write_lexicon(path, built.lexicons[source])
                else:
                    path.unlink(missing_ok=True)
            write_json(missing_file, built.missing)
            write_text(done, built.note)  # written last: a folder without it is rebuilt
        out[lang] = {s: p for s, p in paths.items() if p.exists()}
        missing = json.loads(missing_file.read_text(encoding="utf-8")) if missing_file.exists() else {}
        if missing:
            out.missing[lang] = missing
            level = logging.WARNING if set(missing) - {"gold"} else logging.INFO  # a missing gold is common
            log.log(level, "%s: no %s lexicon (%s)", lang, ", ".join(missing), "; ".join(sorted(set(missing.values()))))
    return out


def load(paths: dict[str, dict[str, Path]], lang: str, source: str) -> Lexicon:
    """One lexicon of the stage's output."""
    return read_lexicon(paths[lang][source])


def switch_tables(lexicons: Mapping[str, Mapping[str, Path]], langs: Sequence[str],
                  source: str) -> dict[str, dict[str, str]]:
    """`{lang: {english word: translation}}` of one lexicon `source` (e.g. "clwe-csls", "titles") per language."""
    return {lang: read_lexicon(lexicons[lang][source]).table() for lang in langs}


def lexicon_words(lexicons: Mapping[str, Mapping[str, Path]], method: str) -> dict[str, dict[str, set[str]]]:
    """The X-side words of each language's encoder-induced (`clwe`) and titles lexicons, for query coverage."""
    sources = {"clwe": f"clwe-{method}", "titles": "titles"}
    return {name: {lang: read_lexicon(paths[source]).target_words() for lang, paths in lexicons.items()
                   if source in paths} for name, source in sources.items()}

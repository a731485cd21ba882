"""The training data of every system the paper compares, written as pairs files in the cache.

Zero-shot trains on English pairs as they are; Fine-tuning on translated pairs; BL-CS on English pairs switched
toward one query-document language pair; ML-CS toward all seen languages (at p and at every ratio of the ratio
analysis); Wiki-CS with the titles lexicons. Each file is cached by a hash of everything that made it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from csir_lib.atomic import write_json
from csir_lib.cache import artefact_path, cache_key
from csir_lib.codeswitch import CodeSwitcher, codeswitch_file
from csir_lib.config import Config
from csir_lib.formats import write_pairs
from csir_lib.lexicon import read_lexicon
from csir_lib.training_data import xquad_pairs
from csir_lib.xquad import split_articles

VERSION = 1  # bump when the way a training set is made changes


@dataclass(frozen=True)
class TrainingSet:
    """One system's training pairs and how they were made."""

    system: str  # e.g. "zero_shot", "bl_cs:en-de", "ml_cs", "ml_cs@p=0.25", "wiki_cs"
    path: Path
    stats: dict


def system_names(config: Config) -> list[str]:
    """Every trained system of the profile, in table order (ratio variants of ML-CS after the main systems)."""
    names = []
    for system in config.training.systems:
        if system == "bl_cs":
            names += [f"bl_cs:{pair}" for pair in config.training.bl_cs_pairs]
        else:
            names.append(system)
    if "ml_cs" in config.training.systems:
        names += [f"ml_cs@p={p:g}" for p in config.training.ratios if p != config.training.p]
    return names


def english_pairs(config: Config, cache_root: Path | None = None) -> Iterable[tuple[str, str, int]]:
    """The profile's English training pairs (offline: XQuAD-R's training articles), in training order."""
    data = config.data
    train, _ = split_articles(data.xquad_articles, data.test_fraction, data.split_seed)
    return list(xquad_pairs(train, negatives=config.training.negatives_per_positive, seed=data.split_seed,
                            data_dir=data.xquad_dir))


def _switcher(system: str, config: Config, lexicons: Mapping[str, Mapping[str, Path]]) -> CodeSwitcher | None:
    """The code-switcher of a system, or None for systems trained on unswitched text."""
    seen = list(config.languages.seen)
    seed = config.training.seeds[0]
    clwe = f"clwe-{config.lexicon.method}"

    def tables(source: str, langs: Iterable[str]) -> dict[str, dict[str, str]]:
        return {lang: read_lexicon(lexicons[lang][source]).table() for lang in langs if lang != "en"}

    if system.startswith("bl_cs:"):
        q_lang, d_lang = system.split(":", 1)[1].split("-")
        return CodeSwitcher(tables(clwe, {q_lang, d_lang}), "bilingual", config.training.p, seed,
                            query_langs=q_lang, doc_langs=d_lang)
    if system.startswith("ml_cs"):
        p = float(system.split("=", 1)[1]) if "@p=" in system else config.training.p
        return CodeSwitcher(tables(clwe, seen), "multilingual", p, seed)
    if system == "wiki_cs":
        return CodeSwitcher(tables("titles", seen), "wiki", None, seed)
    return None


def build_training_set(system: str, config: Config, lexicons: Mapping[str, Mapping[str, Path]],
                       cache_root: Path | None = None, force: bool = False) -> TrainingSet:
    """Write (or reuse from the cache) the training pairs of one system."""
    sources = sorted(str(p) for per_lang in lexicons.values() for p in per_lang.values())
    key = cache_key(VERSION, system, config.data, config.training, config.languages.seen,
                    [Path(p) for p in sources] if _switcher_needs_lexicons(system) else [])
    out = artefact_path("training-sets", key, f"{system.replace(':', '_')}.tsv", cache_root)
    stats_path = out.with_suffix(".stats.json")
    if out.exists() and stats_path.exists() and not force:
        return TrainingSet(system, out, json.loads(stats_path.read_text()))
    if system == "fine_tuning":
        langs = ["en", *config.languages.seen]
        train, _ = split_articles(config.data.xquad_articles, config.data.test_fraction, config.data.split_seed)
        write_pairs(out, xquad_pairs(train, query_langs=langs, doc_langs=langs,
                                     negatives=config.training.negatives_per_positive, seed=config.data.split_seed,
                                     data_dir=config.data.xquad_dir))
        stats = {"mode": "translated (XQuAD-R human translations)", "languages": langs, "pairs": _count(out)}
    else:
        english = out.with_name("english.tsv")
        write_pairs(english, english_pairs(config))
        switcher = _switcher(system, config, lexicons)
        if switcher is None:
            english.replace(out)
            stats = {"mode": "english", "pairs": _count(out)}
        else:
            stats = codeswitch_file(english, out, switcher).to_dict()
            english.unlink()
    write_json(stats_path, stats)  # last: a pairs file without its stats is rebuilt
    return TrainingSet(system, out, stats)


def _switcher_needs_lexicons(system: str) -> bool:
    """Whether a system's pairs depend on lexicon files."""
    return system.startswith(("bl_cs", "ml_cs", "wiki_cs"))


def _count(path: Path) -> int:
    """Lines in a pairs file."""
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)

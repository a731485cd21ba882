"""The training data of every system the paper compares, written as pairs files in the cache.

Zero-shot trains on English pairs as they are; Fine-tuning on translated pairs, one model over English and the
seen languages (`training.fine_tuning: pooled`) or, as the paper, one per pair of `training.bl_cs_pairs` with the
query in the pair's first and the passage in its second language (`per_pair`, the paper profile's choice); BL-CS on
English pairs switched toward one query-document language pair; ML-CS toward all seen languages (at p and at every
ratio of the ratio analysis); Wiki-CS with the titles lexicons; ML-CS-MIRACL toward every MIRACL language with a
CLWE lexicon.
English pairs come from XQuAD-R's training articles (`data.training_source: xquad`) or MS MARCO, Fine-tuning's
from XQuAD-R's human translations or mMARCO (`msmarco`, see csir_lib.data.msmarco_data). The English pairs are
written once per data configuration and shared by every system; every file is streamed (memory does not grow
with the number of pairs) and cached by a hash of everything that made it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass
from pathlib import Path

from csir_lib.codeswitch.parallel import switch_file
from csir_lib.codeswitch.stats import CodeSwitchStats
from csir_lib.codeswitch.switch import CodeSwitcher
from csir_lib.core.atomic import atomic_path, write_json
from csir_lib.core.cache import artefact_path, cache_key
from csir_lib.core.config import Config
from csir_lib.core.errors import InputError
from csir_lib.data.formats import write_pairs
from csir_lib.data.training_data import english_pairs, translated_pairs
from csir_lib.lexicons.lexicon import read_lexicon

VERSION = 1  # bump when the way a training set is made changes
WIKI_CS_VERSION = "wiki-cs-2"  # Wiki-CS as the released code: NLTK stopwords, English sides, lower-cased, by chars
PROGRESS_FROM = 100_000  # pairs: writes at least this long show a progress bar


@dataclass(frozen=True)
class TrainingSet:
    """One system's training pairs and how they were made."""

    system: str  # e.g. "zero_shot", "fine_tuning", "fine_tuning:de-de", "bl_cs:en-de", "ml_cs@p=0.25", "wiki_cs"
    path: Path
    stats: dict


def system_names(config: Config) -> list[str]:
    """Every trained system of the profile, in table order (ratio variants of ML-CS after the main systems)."""
    names = []
    for system in config.training.systems:
        if system == "bl_cs" or (system == "fine_tuning" and config.training.fine_tuning == "per_pair"):
            names += [f"{system}:{pair}" for pair in config.training.bl_cs_pairs]
        else:
            names.append(system)
    if "ml_cs" in config.training.systems:
        names += [f"ml_cs@p={p:g}" for p in config.training.ratios if p != config.training.p]
    return names


def papers_fine_tuning(config: Config) -> bool:
    """Whether Fine-tuning is trained as the paper did: one model per language pair (training.fine_tuning)."""
    return "fine_tuning" in config.training.systems and config.training.fine_tuning == "per_pair"


def _source_key(config: Config) -> list[str]:
    """What identifies downloaded training data (URLs, pinned revision); empty offline, where keys stay as they were."""
    if config.data.training_source != "msmarco":
        return []
    from csir_lib.data import msmarco
    from csir_lib.data.msmarco_data import ARCHIVE_OF, TRIPLES_OF

    names = [*TRIPLES_OF[config.data.msmarco_triples], ARCHIVE_OF["collection.tsv"], ARCHIVE_OF["queries.train.tsv"]]
    return [msmarco.MSMARCO_URLS[name] for name in names] + [f"{msmarco.MMARCO_REPO}@{msmarco.MMARCO_REVISION}"]


def english_pairs_file(config: Config, cache_root: Path | None = None, force: bool = False) -> tuple[Path, int]:
    """The English pairs written once to the cache, shared by every system trained on them: (path, number of pairs).

    `force` rewrites them; build_training_set(force=True) does not, so that forcing N systems streams MS MARCO once.
    """
    t = config.training
    key = cache_key(VERSION, "english", config.data, t.negatives_per_positive, t.max_instances, _source_key(config))
    out = artefact_path("training-sets", key, "english.tsv", cache_root)
    stats_path = out.with_suffix(".stats.json")
    if out.exists() and stats_path.exists() and not force:
        return out, json.loads(stats_path.read_text())["pairs"]
    count = write_counted(out, english_pairs(config, cache_root), "English pairs", _expected_pairs(config))
    write_json(stats_path, {"pairs": count})  # last: a pairs file without its stats is rebuilt
    return out, count


def _expected_pairs(config: Config) -> int | None:
    """How many pairs a stream of the profile yields at most (None when it is small and known only once made)."""
    return config.training.max_instances if config.data.training_source == "msmarco" else None


def write_counted(path: Path, pairs: Iterable[tuple[str, str, int]], desc: str, total: int | None = None) -> int:
    """Write pairs atomically and return how many there were; a progress bar when the write is long."""
    from tqdm.auto import tqdm

    total = len(pairs) if isinstance(pairs, Sized) else total
    count = 0

    def counted() -> Iterator[tuple[str, str, int]]:
        """The pairs, counted as they pass."""
        nonlocal count
        with tqdm(pairs, total=total, desc=desc, unit="pair", mininterval=2.0,
                  disable=total is None or total < PROGRESS_FROM) as bar:
            for pair in bar:
                count += 1
                yield pair

    write_pairs(path, counted())
    return count


def _switcher(system: str, config: Config, lexicons: Mapping[str, Mapping[str, Path]]) -> CodeSwitcher | None:
    """The code-switcher of a system, or None for systems trained on unswitched text."""
    seen = list(config.languages.seen)
    seed = config.training.seeds[0]
    clwe = f"clwe-{config.lexicon.method}"

    def tables(source: str, langs: Iterable[str]) -> dict[str, dict[str, str]]:
        missing = sorted(lang for lang in langs if lang != "en" and source not in lexicons.get(lang, {}))
        if missing:
            raise InputError(f"system {system} needs a {source} lexicon for {', '.join(missing)}", path="lexicons",
                             expected="a lexicon per language the system switches toward (see lexicon_build)")
        return {lang: read_lexicon(lexicons[lang][source]).table() for lang in langs if lang != "en"}

    if system.startswith("bl_cs:"):
        q_lang, d_lang = system.split(":", 1)[1].split("-")
        return CodeSwitcher(tables(clwe, {q_lang, d_lang}), "bilingual", config.training.p, seed,
                            query_langs=q_lang, doc_langs=d_lang)
    if system == "ml_cs_miracl":
        return CodeSwitcher(tables(clwe, miracl_switch_languages(config, lexicons)), "multilingual", config.training.p,
                            seed)
    if system.startswith("ml_cs"):
        p = float(system.split("=", 1)[1]) if "@p=" in system else config.training.p
        return CodeSwitcher(tables(clwe, seen), "multilingual", p, seed)
    if system == "wiki_cs":  # each side's language drawn from English and the seen languages, as the paper's code
        sides = ["en", *seen]
        return CodeSwitcher(tables("titles", seen), "wiki", None, seed, query_langs=sides, doc_langs=sides)
    return None


def miracl_switch_languages(config: Config, lexicons: Mapping[str, Mapping[str, Path]]) -> list[str]:
    """What ML-CS-MIRACL switches toward: every non-English language of languages.miracl with a CLWE lexicon."""
    clwe = f"clwe-{config.lexicon.method}"
    langs = [lang for lang in config.languages.miracl if lang != "en" and clwe in lexicons.get(lang, {})]
    if not langs:
        raise InputError(f"no language of languages.miracl ({', '.join(config.languages.miracl)}) has a {clwe} lexicon",
                         path="training.systems", expected="ml_cs_miracl only with CLWE lexicons for MIRACL languages")
    return langs


def build_training_set(system: str, config: Config, lexicons: Mapping[str, Mapping[str, Path]],
                       cache_root: Path | None = None, force: bool = False) -> TrainingSet:
    """Write (or reuse from the cache) the training pairs of one system."""
    sources = sorted(str(p) for per_lang in lexicons.values() for p in per_lang.values())
    parts = [VERSION, system, config.data, config.training, config.languages.seen,
             [Path(p) for p in sources] if _switcher_needs_lexicons(system) else []]
    extra = _source_key(config) + ([list(config.languages.miracl)] if system == "ml_cs_miracl" else []) \
        + ([WIKI_CS_VERSION] if system == "wiki_cs" else [])
    key = cache_key(*parts, *([extra] if extra else []))  # offline systems keep the keys they had
    out = artefact_path("training-sets", key, f"{system.replace(':', '_')}.tsv", cache_root)
    stats_path = out.with_suffix(".stats.json")
    if out.exists() and stats_path.exists() and not force:
        return TrainingSet(system, out, json.loads(stats_path.read_text()))
    if system.split(":")[0] == "fine_tuning":
        pair = system.split(":", 1)[1] if ":" in system else None
        langs = pair.split("-") if pair else ["en", *config.languages.seen]
        msmarco = config.data.training_source == "msmarco"
        count = write_counted(out, translated_pairs(config, cache_root, pair), system, _expected_pairs(config))
        mode = "mMARCO Google translations, English from MS MARCO" if msmarco else "XQuAD-R human translations"
        stats = {"mode": f"translated ({mode})", "languages": langs, "pairs": count}
    else:
        english, count = english_pairs_file(config, cache_root)
        switcher = _switcher(system, config, lexicons)
        if switcher is None:
            _link(english, out)
            stats = {"mode": "english", "pairs": count}
        else:
            stats = _switch(english, out, switcher, system, count, config.training.codeswitch_workers).to_dict()
    write_json(stats_path, stats)  # last: a pairs file without its stats is rebuilt
    return TrainingSet(system, out, stats)


def build_training_sets(systems: Sequence[str], config: Config, lexicons: Mapping[str, Mapping[str, Path]],
                        cache_root: Path | None = None, force: bool = False) -> list[TrainingSet]:
    """`build_training_set` of every system, `training.parallel_sets` at a time in processes; the same files.

    The English pairs every switched system reads are written first, once, in this process; each set is then built
    by one process of the pool (forked or spawned as code-switching's workers are, csir_lib.codeswitch.parallel),
    and writes its own cache files atomically, so files and statistics are those of a build one after another.
    Two builders that need the same download (mMARCO's collection of one language for two Fine-tuning pairs) may
    both fetch it: downloads are written atomically too, so this costs time, never a byte.
    """
    todo = list(systems)
    builders = min(config.training.parallel_sets, len(todo))
    if builders <= 1:
        return [build_training_set(system, config, lexicons, cache_root, force) for system in todo]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from csir_lib.codeswitch.parallel import start_method

    if any(system.split(":")[0] != "fine_tuning" for system in todo):
        english_pairs_file(config, cache_root)
    context = multiprocessing.get_context(start_method())
    with ProcessPoolExecutor(builders, mp_context=context) as pool:
        futures = [pool.submit(build_training_set, system, config, lexicons, cache_root, force) for system in todo]
        return [future.result() for future in futures]


def _switch(english: Path, out: Path, switcher: CodeSwitcher, system: str, count: int,
            workers: int) -> CodeSwitchStats:
    """The English pairs switched into `out` by `workers` processes (training.codeswitch_workers); a bar when long."""
    from tqdm.auto import tqdm

    with tqdm(total=count, desc=system, unit="pair", mininterval=2.0, disable=count < PROGRESS_FROM) as bar:
        return switch_file(english, out, switcher, workers, progress=bar.update)


def _link(source: Path, dest: Path) -> None:
    """Make `dest` a hard link to `source` (a copy where links are impossible), atomically."""
    with atomic_path(dest) as tmp:
        tmp.unlink()
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)


def _switcher_needs_lexicons(system: str) -> bool:
    """Whether a system's pairs depend on lexicon files."""
    return system.startswith(("bl_cs", "ml_cs", "wiki_cs"))

"""Re-rank every setting's candidates with every system's models, cached as TREC runs; Translate Test too.

Translate Test (paper section 5) translates queries and candidates word by word into English with the X->EN
lexicons and scores them with an English-trained model; here with the Zero-shot and the ML-CS models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from tqdm.auto import tqdm

from csir_lib.codeswitch.switch import CodeSwitcher
from csir_lib.core.cache import artefact_path, cache_key, key_path, reusable
from csir_lib.core.faults import failpoint
from csir_lib.data.formats import Run, read_run, write_run
from csir_lib.data.xquad import Task
from csir_lib.experiments.settings import task_key
from csir_lib.lexicons.lexicon import read_lexicon
from csir_lib.retrieval.rerank import rerank


def rerank_cached(model_dir: Path, task: Task, candidates: Run, batch_tokens: int, max_length: int,
                  cache_root: Path | None = None, force: bool = False, derived_from: object = None,
                  precision: str = "fp32") -> Run:
    """Re-rank `candidates` of `task` with one model; reuse the cached run of the same model and task.

    A task's key covers its ids, not its texts (the texts of the shipped, checksummed data follow from the ids),
    so a task whose texts were rewritten must say what rewrote them in `derived_from`.
    """
    key = cache_key(key_path(model_dir, cache_root), task_key(task), candidates, max_length, precision,
                    *([] if derived_from is None else [derived_from]))
    path = artefact_path("runs", key, "run.trec", cache_root)
    if reusable(path, force):
        return read_run(path)
    run = rerank(model_dir, task.topics, task.corpus, candidates, batch_tokens=batch_tokens, max_length=max_length,
                 progress=False, precision=precision)
    write_run(path, run, tag=model_dir.parent.name)
    failpoint("rerank")  # kill tests (csir_lib.core.faults): no-op unless CSIR_FAILPOINT names it
    return read_run(path)


def translate_task(task: Task, x2en: Mapping[str, Path]) -> Task:
    """The task with every non-English query and candidate translated word by word into English."""
    tables = {lang: read_lexicon(path).table() for lang, path in x2en.items()}
    switchers = {lang: CodeSwitcher({lang: table}, "translate", 1.0, 0, query_langs=lang, doc_langs=lang)
                 for lang, table in tables.items()}

    def english(text: str, lang: str) -> str:
        return text if lang == "en" or lang not in switchers else switchers[lang].switch_pair(text, "")[0]

    topics = {q: english(t, task.query_langs[q]) for q, t in task.topics.items()}
    corpus = {d: dict(doc, text=english(doc["text"], task.doc_langs[d])) for d, doc in task.corpus.items()}
    return replace(task, topics=topics, corpus=corpus, name=f"{task.name} (translated to EN)")


def rerank_setting(label: str, task: Task, candidates: Run, models: Mapping[str, Mapping[int, Path]],
                   x2en: Mapping[str, Path], tt_systems: tuple[str, ...], batch_tokens: int, max_length: int,
                   cache_root: Path | None = None, force: bool = False,
                   precision: str = "fp32") -> dict[tuple[str, int], Run]:
    """Runs of every system (and Translate Test with `tt_systems`) on one setting: {(system, seed): run}."""
    runs = {}
    jobs = [(system, seed, path) for system, seeds in models.items() for seed, path in seeds.items()]
    translated, lexicons = None, {"translated to English with": [Path(p) for _, p in sorted(x2en.items())]}
    for system, seed, path in tqdm(jobs, desc=label, unit="model", leave=False):
        runs[(system, seed)] = rerank_cached(path, task, candidates, batch_tokens, max_length, cache_root, force,
                                             precision=precision)
        if system in tt_systems and set(task.query_langs.values()) | set(task.doc_langs.values()) != {"en"}:
            translated = translated or translate_task(task, x2en)
            runs[(f"tt:{system}", seed)] = rerank_cached(path, translated, candidates, batch_tokens, max_length,
                                                         cache_root, force, lexicons, precision)
    return runs

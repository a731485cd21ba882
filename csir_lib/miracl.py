"""MIRACL: shipped dev topics and qrels, and (paper profile) passages streamed from `miracl/miracl-corpus`.

The corpus is never loaded whole (English has 33M passages): shards are downloaded once into the cache with
huggingface_hub and streamed, keeping only the passages a candidate list names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from csir_lib.errors import InputError
from csir_lib.formats import iter_corpus, read_qrels, read_run, read_topics
from csir_lib.languages import LANGUAGES
from csir_lib.paths import resolve
from csir_lib.shipped import verified_bytes

MIRACL_LANGUAGES = tuple(sorted(code for code, lang in LANGUAGES.items() if lang.in_miracl))
CORPUS_REPO = "miracl/miracl-corpus"


def _check(lang: str) -> None:
    """Raise unless MIRACL has dev data for `lang`."""
    if lang not in MIRACL_LANGUAGES:
        raise InputError(f"MIRACL has no dev data for language {lang!r}",
                         expected=f"one of {' '.join(MIRACL_LANGUAGES)}")


def _shipped(kind: str, lang: str, data_dir: str | Path) -> Path:
    """The checksum-verified path of a shipped topics or qrels file."""
    _check(lang)
    path = resolve(data_dir) / f"{kind}.miracl-v1.0-{lang}-dev.tsv"
    verified_bytes(path)
    return path


def load_topics(lang: str, data_dir: str | Path = "data/miracl") -> dict[str, str]:
    """MIRACL dev topics of `lang` as {qid: query}."""
    return read_topics(_shipped("topics", lang, data_dir))


def load_qrels(lang: str, data_dir: str | Path = "data/miracl") -> dict[str, dict[str, int]]:
    """MIRACL dev qrels of `lang` as {qid: {docid: rel}}."""
    return read_qrels(_shipped("qrels", lang, data_dir))


def corpus_shards(lang: str, cache_dir: str | Path, revision: str | None = None) -> list[Path]:
    """Download (once, into `cache_dir`) every corpus shard of `lang` and return their local paths."""
    _check(lang)
    from huggingface_hub import HfApi, hf_hub_download

    prefix = f"miracl-corpus-v1.0-{lang}/"
    try:
        files = sorted(f for f in HfApi().list_repo_files(CORPUS_REPO, repo_type="dataset", revision=revision)
                       if f.startswith(prefix) and f.endswith(".jsonl.gz"))
    except Exception as err:  # offline, gated or renamed: one message that says what to do
        raise InputError(f"cannot list {CORPUS_REPO} ({type(err).__name__}: {err})", path=CORPUS_REPO,
                         expected="internet access and HF_HUB_OFFLINE unset (the paper profile), "
                                  "or a local corpus JSONL passed as corpus_path") from None
    if not files:
        raise InputError(f"no shards under {prefix}", path=CORPUS_REPO, expected="miracl-corpus-v1.0-<lang>/*.jsonl.gz")
    return [Path(hf_hub_download(CORPUS_REPO, f, repo_type="dataset", revision=revision, cache_dir=str(cache_dir)))
            for f in files]


def passages(shards: Iterable[str | Path], docids: Iterable[str]) -> dict[str, dict[str, str]]:
    """Stream `shards` and keep only the passages in `docids`; every wanted docid must be found."""
    wanted = set(docids)
    found: dict[str, dict[str, str]] = {}
    paths = [Path(s) for s in shards]
    for doc in _stream(paths):
        if doc["docid"] in wanted:
            found[doc["docid"]] = doc
            if len(found) == len(wanted):
                break
    missing = sorted(wanted - set(found))
    if missing:
        raise InputError(f"{len(missing)} candidate passage(s) not in the corpus, e.g. {missing[:3]}",
                         path=", ".join(map(str, paths[:3])) + (" ..." if len(paths) > 3 else ""),
                         expected="candidate lists and corpus of the same MIRACL language and version")
    return found


def _stream(paths: list[Path]) -> Iterator[dict[str, str]]:
    """All passages of the shards, in order."""
    for path in paths:
        yield from iter_corpus(path)


RERANKING_REPO = "miracl/mmteb-miracl-reranking"
FIRST_STAGES = ("bm25", "mdpr", "hybrid")


def candidate_run(lang: str, first_stage: str, cache_dir: str | Path, revision: str | None = None,
                  depth: int = 100) -> dict[str, dict[str, float]]:
    """MIRACL's ready dev candidate list (`data/<first_stage>/<lang>.gz`, a gzipped TREC run), top `depth` kept."""
    _check(lang)
    if first_stage not in FIRST_STAGES:
        raise InputError(f"first stage {first_stage!r}", expected=f"one of {', '.join(FIRST_STAGES)}")
    from huggingface_hub import hf_hub_download

    name = f"data/{first_stage}/{lang}.gz"
    try:
        path = hf_hub_download(RERANKING_REPO, name, repo_type="dataset", revision=revision, cache_dir=str(cache_dir))
    except Exception as err:  # offline or renamed: one message that says what to do
        raise InputError(f"cannot download {name} ({type(err).__name__}: {err})", path=RERANKING_REPO,
                         expected="internet access and HF_HUB_OFFLINE unset (the paper profile)") from None
    run = read_run(path)
    return {qid: dict(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:depth]) for qid, scores in run.items()}

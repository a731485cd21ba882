"""MIRACL: shipped dev topics and qrels, and (paper profile) passages and candidate lists, streamed and checked.

The corpus is never loaded whole (English has 33M passages): shards of `miracl/miracl-corpus` are downloaded once
into the cache with huggingface_hub and streamed, keeping only the passages a candidate list names. Ready
candidate lists (top-100 BM25, mDPR and hybrid runs) come from `miracl/mmteb-miracl-reranking`; `bm25s_run` makes
our own BM25 top-k over a whole (small) language instead.

Hand-written: the hash check. `hf_hub_download` checks sizes, not contents, so every downloaded file is checked
against the hub's record of it (the LFS SHA-256, or the git blob id of a small file). A `local_dir` mirroring
the two repositories' layouts (what `hf download ... --local-dir DIR` writes) replaces the hub: a cluster without
hub access, or a test, points the pipeline at local files; its optional `SHA256SUMS` (`<sha256>  <relative path>`
lines) is checked the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from csir_lib.core.errors import InputError
from csir_lib.core.hashing import file_sha256, git_blob_sha1
from csir_lib.core.languages import LANGUAGES
from csir_lib.core.paths import resolve
from csir_lib.data.formats import Run, iter_corpus, iter_lines, read_qrels, read_run, read_topics
from csir_lib.data.shipped import read_sums, verified_bytes

MIRACL_LANGUAGES = tuple(sorted(code for code, lang in LANGUAGES.items() if lang.in_miracl))
CORPUS_REPO = "miracl/miracl-corpus"
RERANKING_REPO = "miracl/mmteb-miracl-reranking"
FIRST_STAGES = ("bm25", "mdpr", "hybrid")
#: Languages whose whole corpus (at most 542k passages) our own BM25 (`bm25s`) indexes on a laptop.
BM25S_LANGUAGES = ("bn", "hi", "sw", "te", "th", "yo")


def _check(lang: str) -> None:
    """Raise unless MIRACL has dev data for `lang`."""
    if lang not in MIRACL_LANGUAGES:
        raise InputError(f"MIRACL has no dev data for language {lang!r}", path="languages.miracl",
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


def _hub_checked(path: Path, entry: Any, repo: str) -> Path:
    """`path` once its content matches the hub's record `entry` (LFS SHA-256, else git blob id)."""
    lfs = getattr(entry, "lfs", None)
    expected, actual = (lfs.sha256, file_sha256(path)) if lfs is not None else (entry.blob_id, git_blob_sha1(path))
    if actual != expected:
        raise InputError(f"checksum mismatch for {repo}/{entry.path}: {actual[:12]}... != {expected[:12]}...",
                         path=path, expected="the hub's file unchanged: delete the cached copy and run again")
    return path


def _local(local_dir: str | Path, name: str) -> Path:
    """A file of `local_dir`, checked against `local_dir/SHA256SUMS` when that list exists."""
    root = resolve(local_dir)
    path = root / name
    if not path.is_file():
        raise InputError("file not found", path=path,
                         expected=f"{name} under miracl.local_dir (the layout `hf download --local-dir` writes)")
    if (root / "SHA256SUMS").exists():
        expected = read_sums(str(root)).get(name)
        if expected is None:
            raise InputError(f"{name} is not listed", path=root / "SHA256SUMS", expected=f"a line '<sha256>  {name}'")
        if file_sha256(path) != expected:
            raise InputError(f"checksum mismatch for {name}", path=path, expected=f"SHA-256 {expected[:12]}...")
    return path


def _hub_error(what: str, err: Exception, repo: str) -> InputError:
    """One message that says what to do when the hub cannot be reached."""
    return InputError(f"cannot {what} ({type(err).__name__}: {err})", path=repo,
                      expected="internet access and HF_HUB_OFFLINE unset (the paper profile), "
                               "or pre-downloaded files under miracl.local_dir")


def corpus_shards(lang: str, cache_dir: str | Path, revision: str | None = None,
                  local_dir: str | Path | None = None) -> list[Path]:
    """Every corpus shard of `lang`, downloaded once into `cache_dir` (or found in `local_dir`) and checked."""
    _check(lang)
    folder = f"miracl-corpus-v1.0-{lang}"
    if local_dir:
        names = sorted(p.relative_to(resolve(local_dir)).as_posix()
                       for p in (resolve(local_dir) / folder).glob("*.jsonl.gz"))
        if not names:
            raise InputError("no corpus shard", path=resolve(local_dir) / folder, expected=f"{folder}/*.jsonl.gz")
        return [_local(local_dir, name) for name in names]
    from huggingface_hub import HfApi, hf_hub_download

    try:
        entries = sorted((e for e in HfApi().list_repo_tree(CORPUS_REPO, path_in_repo=folder, recursive=True,
                                                            repo_type="dataset", revision=revision)
                          if e.path.endswith(".jsonl.gz")), key=lambda e: e.path)
        if not entries:
            raise InputError(f"no shards under {folder}/", path=CORPUS_REPO, expected=f"{folder}/*.jsonl.gz")
        return [_hub_checked(Path(hf_hub_download(CORPUS_REPO, e.path, repo_type="dataset", revision=revision,
                                                  cache_dir=str(cache_dir))), e, CORPUS_REPO) for e in entries]
    except InputError:
        raise
    except Exception as err:  # offline, gated or renamed
        raise _hub_error(f"list or download {folder}", err, CORPUS_REPO) from None


def passages(shards: Iterable[str | Path], docids: Iterable[str],
             named_in: str | Path | None = None) -> dict[str, dict[str, str]]:
    """Stream `shards` and keep only the passages in `docids`; every wanted docid must be found.

    `named_in`, the candidate file the docids came from, lets the error name the line of a missing one.
    """
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
        shards_named = ", ".join(map(str, paths[:3])) + (" ..." if len(paths) > 3 else "")
        line = None if named_in is None else next(
            (n for n, text in iter_lines(named_in) if text.split()[2:3] == [missing[0]]), None)
        raise InputError(f"{len(missing)} candidate passage(s) not in the corpus ({shards_named}), e.g. {missing[:3]}",
                         path=named_in or shards_named, line=line,
                         expected="candidate lists and corpus of the same MIRACL language and version")
    return found


def _stream(paths: list[Path]) -> Iterator[dict[str, str]]:
    """All passages of the shards, in order."""
    for path in paths:
        yield from iter_corpus(path)


def candidate_file(lang: str, first_stage: str, cache_dir: str | Path, revision: str | None = None,
                   local_dir: str | Path | None = None) -> Path:
    """MIRACL's ready dev candidate list `data/<first_stage>/<lang>.gz` (a gzipped TREC run), local and checked."""
    _check(lang)
    if first_stage not in FIRST_STAGES:
        raise InputError(f"first stage {first_stage!r}", expected=f"one of {', '.join(FIRST_STAGES)}")
    name = f"data/{first_stage}/{lang}.gz"
    if local_dir:
        return _local(local_dir, name)
    from huggingface_hub import HfApi, hf_hub_download

    try:
        entries = HfApi().get_paths_info(RERANKING_REPO, [name], repo_type="dataset", revision=revision)
        if not entries:
            raise InputError(f"no file {name}", path=RERANKING_REPO, expected="data/{bm25,mdpr,hybrid}/<lang>.gz")
        path = hf_hub_download(RERANKING_REPO, name, repo_type="dataset", revision=revision, cache_dir=str(cache_dir))
    except InputError:
        raise
    except Exception as err:  # offline or renamed
        raise _hub_error(f"download {name}", err, RERANKING_REPO) from None
    return _hub_checked(Path(path), entries[0], RERANKING_REPO)


def top_depth(run: Mapping[str, Mapping[str, float]], depth: int) -> Run:
    """Each query's first `depth` documents in trec_eval's order (score descending, then docid descending)."""
    from csir_lib.evaluation.measures import rank_documents

    return {qid: {d: scores[d] for d in rank_documents(scores, "trec_eval")[:depth]} for qid, scores in run.items()}


def candidate_run(lang: str, first_stage: str, cache_dir: str | Path, revision: str | None = None,
                  depth: int = 100, local_dir: str | Path | None = None) -> Run:
    """MIRACL's ready dev candidate list of `lang`, each query's top `depth` kept (see `top_depth`)."""
    return top_depth(read_run(candidate_file(lang, first_stage, cache_dir, revision, local_dir)), depth)


def bm25s_run(lang: str, topics: Mapping[str, str], shards: Iterable[str | Path], depth: int = 100) -> Run:
    """Our own BM25 (bm25s, Pyserini's k1 0.9 and b 0.4) top-`depth` over the whole corpus of a small language."""
    if lang not in BM25S_LANGUAGES:
        raise InputError(f"language {lang!r} is too large for our own BM25 index", path="miracl.candidates",
                         expected=f"bm25s only for {' '.join(BM25S_LANGUAGES)}; bm25, mdpr or hybrid otherwise")
    from csir_lib.retrieval.first_stage import bm25_first_stage

    corpus = {doc["docid"]: doc for doc in _stream([Path(s) for s in shards])}
    return bm25_first_stage(topics, corpus, depth, lang)

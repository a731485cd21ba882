"""Re-rank a first-stage run with a cross-encoder: every (query, candidate) pair scored by the model's logit.

Written on transformers and tokenizers directly instead of `CrossEncoder.predict` because re-ranking is the hot
loop of every evaluation: tokenizer.json is read with `tokenizers` itself (it loads in half the time of
AutoTokenizer's wrapper for XLM-R's 250k vocabulary and gives the same ids, tested), all pairs are tokenised once
in one batched call, sorted by their token length and cut into batches by
a token budget (batch_tokens = rows x padded length), so batches carry almost no padding and short pairs go many
to a batch; predict re-tokenises per batch, sorts by character length and uses a fixed row count
(benchmarks/bench_rerank.py measures the difference). The model reads the query text as is and the document as
`formats.doc_text` (title and text), truncated longest-first to max_length, as in training. On a CPU the
batches run on one worker thread per physical core, each with one intra-op torch thread (torch releases the GIL
inside its kernels): a small model's matrices scale poorly across cores within one operation, and a parallel region
stalls whenever another process takes one of its cores, while independent batches do not; a batch's scores do not
depend on which worker ran it. With precision "bf16" the encoder runs under bfloat16 autocast (about twice as fast
on a CPU with AVX512-BF16) and the last linear layer, which makes the logit, in float32: a bfloat16 logit keeps 8
bits of mantissa, so close candidates tie and their order falls to the docid.
The run is taken as given (the top `depth` candidates of each query, ties by docid), so every system of a
comparison re-ranks identical candidates, and scoring is deterministic.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from csir_lib.core.errors import InputError
from csir_lib.data.formats import Run, doc_text, ranked
from csir_lib.retrieval.reranker_loading import (  # noqa: F401 - fast_tokenizer and check_reranker are part of this API
    check_reranker,
    fast_tokenizer,
    load_reranker,
    tokenizer_takes_types,
)

PRECISIONS = ("fp32", "bf16")  # of re-ranking: bf16 runs the encoder under bfloat16 autocast, the logit in fp32


def physical_cores() -> int:
    """Physical CPU cores available to this process (logical CPUs when that cannot be told)."""
    try:
        import psutil

        cores = psutil.cpu_count(logical=False)
    except ImportError:
        cores = None
    logical = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores or logical, logical))


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with `n` intra-op torch threads, restoring the previous number after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _line_of(path: str | Path | None, match: Callable[[list[str]], bool]) -> int | None:
    """The first line number of a whitespace-separated file whose fields satisfy `match` (for error messages)."""
    if path is None or not Path(path).is_file():
        return None
    from csir_lib.data.formats import iter_lines

    for number, line in iter_lines(path):
        if match(line.split()):
            return number
    return None


def candidate_pairs(topics: Mapping[str, str], corpus: Mapping[str, Any], run: Mapping[str, Mapping[str, float]],
                    depth: int | None = None, *, topics_path: str | Path | None = None,
                    run_path: str | Path | None = None) -> list[tuple[str, str]]:
    """The (qid, docid) pairs to score: each query's top `depth` run candidates; bad input raises InputError."""
    if depth is not None and depth < 1:
        raise InputError(f"depth {depth}", expected="a positive number of candidates per query, or None for all")
    for qid, scores in run.items():
        if qid not in topics:
            line = _line_of(run_path, lambda f, q=qid: len(f) > 0 and f[0] == q)
            raise InputError(f"query {qid!r} of the run is not in the topics", path=run_path, line=line,
                             expected="every query of the run in the topics file")
        for docid in scores:
            if docid not in corpus:
                line = _line_of(run_path, lambda f, q=qid, d=docid: len(f) > 2 and f[0] == q and f[2] == d)
                raise InputError(f"document {docid!r} (query {qid!r}) is not in the corpus", path=run_path, line=line,
                                 expected="every document of the run in the corpus")
    for qid in topics:
        if not run.get(qid):
            line = _line_of(topics_path, lambda f, q=qid: len(f) > 0 and f[0] == q)
            raise InputError(f"query {qid!r} has no candidates in the run", path=topics_path or run_path, line=line,
                             expected="a first-stage run with candidates for every topic")
    return [(qid, docid) for qid in topics for docid, _ in ranked(run[qid])[:depth]]


def encode_pairs(tokenizer: Any, model: Any, queries: list[str], docs: list[str],
                 max_length: int) -> tuple[list[list[int]], list[list[int]] | None]:
    """Token ids (with the model's special tokens, longest-first truncation) and token types when the model reads them.

    The same ids as `AutoTokenizer(...)(queries, docs, truncation="longest_first", max_length=...)`, whose fast
    tokenizers hand truncation to this very backend; token types follow the tokenizer's pair template (all 0 for
    XLM-R-style models, 1 on the second segment for BERT-style ones) and are passed when the model takes them and
    the folder's tokenizer gives them (`model_input_names`), exactly as AutoTokenizer's encoding would.
    """
    import inspect

    tokenizer.no_padding()
    try:
        tokenizer.enable_truncation(max_length, strategy="longest_first")
        encodings = tokenizer.encode_batch(list(zip(queries, docs, strict=True)))
    except Exception as err:  # the Rust tokenizer raises a plain Exception when max_length cannot hold the pair
        raise InputError(f"cannot truncate to max_length {max_length} ({err})", expected="a larger max_length") from err
    ids = [e.ids for e in encodings]
    takes_types = "token_type_ids" in inspect.signature(model.forward).parameters
    folder = getattr(model, "name_or_path", "") or ""
    if takes_types and folder and Path(folder).is_dir():
        takes_types = tokenizer_takes_types(str(Path(folder).resolve()))
    return ids, [e.type_ids for e in encodings] if takes_types else None


def token_batches(lengths: np.ndarray, batch_tokens: int) -> list[np.ndarray]:
    """Indices grouped into batches of similar length, each with rows x longest <= batch_tokens (or one row)."""
    order = np.argsort(lengths, kind="stable")
    batches, start = [], 0
    for end in range(1, len(order) + 1):
        if end == len(order) or (end + 1 - start) * int(lengths[order[end]]) > batch_tokens:
            batches.append(order[start:end])
            start = end
    return batches


def _pad(rows: list[list[int]], value: int) -> np.ndarray:
    """Right-pad token id lists into one int64 matrix."""
    out = np.full((len(rows), max(len(r) for r in rows)), value, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def _forward(model: Any, ids: list[list[int]], types: list[list[int]] | None, lengths: np.ndarray, pad_id: int,
             batch: np.ndarray, precision: str = "fp32") -> np.ndarray:
    """Logits of one batch of tokenised pairs (right-padded, masked)."""
    import torch

    device = next(model.parameters()).device
    # both contexts are thread-local: entered in the worker thread itself
    with torch.inference_mode(), torch.autocast(device.type, torch.bfloat16, enabled=precision == "bf16"):
        input_ids = torch.from_numpy(_pad([ids[i] for i in batch], pad_id))
        mask = torch.from_numpy(np.arange(input_ids.shape[1])[None, :] < lengths[batch][:, None]).to(torch.int64)
        inputs = {"input_ids": input_ids.to(device), "attention_mask": mask.to(device)}
        if types is not None:
            inputs["token_type_ids"] = torch.from_numpy(_pad([types[i] for i in batch], 0)).to(device)
        return model(**inputs).logits[:, 0].float().cpu().numpy()


@contextlib.contextmanager
def fp32_logit(model: Any) -> Iterator[None]:
    """Within the block, the model's last linear layer (the one that makes its logit) computes in float32."""
    import torch

    head = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]

    def fp32(module: Any, args: tuple[Any, ...], _out: Any) -> Any:
        with torch.autocast(args[0].device.type, enabled=False):
            return torch.nn.functional.linear(args[0].float(), module.weight.float(),
                                              None if module.bias is None else module.bias.float())

    handle = head.register_forward_hook(fp32)
    try:
        yield
    finally:
        handle.remove()


def score_pairs(tokenizer: Any, model: Any, queries: list[str], docs: list[str], max_length: int = 512,
                batch_tokens: int = 8192, progress: bool = True, precision: str = "fp32") -> np.ndarray:
    """The model's logit for each (query, doc) pair, float32, in input order (`tokenizer`: a tokenizers.Tokenizer)."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from tqdm.auto import tqdm

    if precision not in PRECISIONS:
        raise InputError(f"precision {precision!r}", expected=" or ".join(PRECISIONS))
    if not queries:
        return np.zeros(0, dtype=np.float32)
    ids, types = encode_pairs(tokenizer, model, queries, docs, max_length)
    pad_id = model.config.pad_token_id if model.config.pad_token_id is not None else 0
    lengths = np.fromiter((len(r) for r in ids), dtype=np.int64, count=len(ids))
    batches = sorted(token_batches(lengths, batch_tokens), key=lambda b: -len(b) * int(lengths[b[-1]]))
    on_cpu = next(model.parameters()).device.type == "cpu"
    workers = physical_cores() if on_cpu else 1
    scores = np.zeros(len(ids), dtype=np.float32)
    with torch_threads(1) if on_cpu else contextlib.nullcontext(), ThreadPoolExecutor(workers) as pool, \
            fp32_logit(model) if precision == "bf16" else contextlib.nullcontext(), \
            tqdm(total=len(ids), unit="pair", desc="re-ranking", disable=not progress) as bar:
        futures = {pool.submit(_forward, model, ids, types, lengths, pad_id, b, precision): b
                   for b in batches}  # biggest first
        for future in as_completed(futures):
            batch = futures[future]
            scores[batch] = future.result()
            bar.update(len(batch))
    return scores


def rerank(model_dir: str | Path, topics: Mapping[str, str], corpus: Mapping[str, Mapping[str, str]],
           run: Mapping[str, Mapping[str, float]], depth: int | None = None, batch_tokens: int = 8192,
           max_length: int = 512, *, progress: bool = True, topics_path: str | Path | None = None,
           run_path: str | Path | None = None, precision: str = "fp32") -> Run:
    """Score each query's top `depth` candidates (all when None) with the cross-encoder; {qid: {docid: logit}}."""
    pairs = candidate_pairs(topics, corpus, run, depth, topics_path=topics_path, run_path=run_path)
    if batch_tokens < 1:
        raise InputError(f"batch_tokens {batch_tokens}", expected="a positive token budget per batch")
    tokenizer, model = load_reranker(model_dir, max_length)
    scores = score_pairs(tokenizer, model, [topics[q] for q, _ in pairs], [doc_text(corpus[d]) for _, d in pairs],
                         max_length, batch_tokens, progress, precision)
    out: Run = {}
    for (qid, docid), score in zip(pairs, scores.tolist(), strict=True):
        out.setdefault(qid, {})[docid] = score
    return out


def read_needed_corpus(path: str | Path, docids: set[str]) -> dict[str, dict[str, str]]:
    """The documents of a JSONL corpus whose docid is in `docids` (a large corpus is streamed, not held).

    A needed docid found twice is refused, as `read_corpus` refuses any (which copy to score would be a guess).
    """
    from csir_lib.data.formats import iter_numbered_corpus

    found: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    for number, doc in iter_numbered_corpus(path):
        docid = doc["docid"]
        if docid in docids:
            if docid in found:
                raise InputError(f"duplicate docid {docid!r} (first on line {lines[docid]})", path=path, line=number,
                                 expected="each docid once")
            found[docid], lines[docid] = doc, number
    return found


def rerank_files(model_dir: str | Path, topics_path: str | Path, corpus_path: str | Path, run_path: str | Path,
                 out_path: str | Path, depth: int | None = None, batch_tokens: int = 8192, max_length: int = 512,
                 *, tag: str | None = None, progress: bool = True, precision: str = "fp32") -> Path:
    """Re-rank a TREC run file and write the result atomically as a TREC run (tag: the model folder's name).

    Everything that needs no model weights is checked first (the folder, max_length, the input files, an out_path
    that would replace an input), so a refusal comes before any work and leaves nothing behind. Errors name these
    arguments (`out_path`); the `rerank` command names its flags.
    """
    from csir_lib.core.io_checks import input_file, output_path
    from csir_lib.data.formats import read_run, read_topics, write_run

    check_reranker(model_dir, max_length)
    for path in (topics_path, corpus_path, run_path):
        input_file(path)
    output_path(out_path, [model_dir, topics_path, corpus_path, run_path], "out_path")
    topics, run = read_topics(topics_path), read_run(run_path)
    corpus = read_needed_corpus(corpus_path, {d for scores in run.values() for d in scores})
    reranked = rerank(model_dir, topics, corpus, run, depth, batch_tokens, max_length, progress=progress,
                      topics_path=topics_path, run_path=run_path, precision=precision)
    name = tag or Path(model_dir).resolve().name
    return write_run(out_path, reranked, tag="_".join(name.split()) or "csir")

"""mMARCO dev.small as the paper's MoIR, CLIR and MLIR tasks: MS MARCO's English BM25 top-1000, swapped per language.

The paper (section 4; `eval_ranker.py` of mainlp/CodeSwitchCLIR) re-ranks, for every query of MS MARCO dev.small
with a relevant passage, the candidates of `top1000.dev` (BM25 over the English collection), each passage replaced
by its mMARCO translation in the document language; English passages are the texts of top1000.dev itself, as in
the paper's code. Every language and every system therefore re-ranks the same candidates. MLIR draws each query's
and each passage's language from a pool (the paper's `create_multilingual.py` draws per id); here seeded by
`data.split_seed` and the pool, in the same way as XQuAD-R's MLIR (`xquad.build_task`).

Sources, all under `<cache_root>/downloads/` and fetched by `csir_lib.data.msmarco_data`: `top1000.dev.tar.gz` from MS
MARCO's site (msmarco.z22.web.core.
windows.net, where msmarco.blob.core.windows.net moved); `data/qrels.dev.small.tsv`, the dev.small queries (English
too) and the collections from the mMARCO dataset repository at the pinned revision, where the paper's `download.sh`
took them (the qrels are also in MS MARCO's 1 GB `collectionandqueries.tar.gz`).

top1000.dev lists each query's passages in random order (MS MARCO: "these were ordered by random"), not by BM25
score. The `file` first stage keeps that order with rank-derived scores: its own metrics are those of a random
permutation of the BM25 top-1000, and `rerank.depth` below 1000 keeps a random subset, not the BM25 top-d.

Hand-written: ir_datasets reads these files but does not swap candidates per language or mix languages per id, and
downloads from hosts and with messages we do not control; the readers here name file and line of bad input.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path

from tqdm.auto import tqdm

from csir_lib.core.config import Config
from csir_lib.core.download import downloads_dir
from csir_lib.core.errors import InputError
from csir_lib.data.formats import read_qrels
from csir_lib.data.msmarco import (
    MMARCO_LANGUAGES,
    MMARCO_REPO,
    MMARCO_REVISION,
    PassageStore,
    download_dataset_file,
    iter_top1000,
    read_queries,
)
from csir_lib.data.msmarco_data import ARCHIVE_OF, mmarco_file, msmarco_file
from csir_lib.experiments.tasks import RetrievalTask, Setting

QRELS_FILE = "data/qrels.dev.small.tsv"  # in the mMARCO repository: MS MARCO's qrels of the 6,980 dev.small queries


def mlir_pools(config: Config) -> dict[str, tuple[str, ...]]:
    """MLIR pools over mMARCO: seen = English and the seen languages, all = those and the unseen ones."""
    seen = {"en", *config.languages.seen}
    return {"seen": tuple(sorted(seen)), "all": tuple(sorted(seen | set(config.languages.unseen)))}


def top1000_path(cache_root: str | Path | None = None) -> Path:
    """MS MARCO's `top1000.dev`, downloaded and extracted once (the 0.7 GB archive is removed after extraction)."""
    out = msmarco_file("top1000.dev", cache_root)
    (downloads_dir(cache_root, "msmarco") / ARCHIVE_OF["top1000.dev"]).unlink(missing_ok=True)
    return out


def qrels_path(cache_root: str | Path | None = None) -> Path:
    """MS MARCO's `qrels.dev.small.tsv` from the mMARCO repository (pinned revision)."""
    return download_dataset_file(MMARCO_REPO, QRELS_FILE, MMARCO_REVISION,
                                 cache_dir=downloads_dir(cache_root, "huggingface"))


def queries_path(lang: str, cache_root: str | Path | None = None) -> Path:
    """The dev.small queries of `lang` in mMARCO (English too, as the paper's download.sh took them)."""
    return mmarco_file("queries", lang, "dev.small", cache_root)


def collection_path(lang: str, cache_root: str | Path | None = None) -> Path:
    """The collection of `lang` in mMARCO (Google translations; 2.7 to 7.6 GB each)."""
    return mmarco_file("collection", lang, cache_root=cache_root)


def read_top1000(path: str | Path, qids: Collection[str], depth: int,
                 keep_texts: bool = False) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The first `depth` candidate pids of each of `qids` in file order, and (`keep_texts`) their English passages."""
    path, wanted = Path(path), set(qids)
    candidates: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    for qid, pid, _, passage in iter_top1000(path):
        if qid in wanted:
            kept = candidates.setdefault(qid, [])
            if len(kept) < depth:
                kept.append(pid)
                if keep_texts:
                    texts[pid] = passage
    for qid, pids in candidates.items():
        if len(set(pids)) != len(pids):
            twice = next(p for i, p in enumerate(pids) if p in pids[:i])
            raise InputError(f"pid {twice} listed twice for qid {qid}", path=path, expected="each (qid, pid) once")
    return candidates, texts


def _id_order(key: str) -> tuple[int, str]:
    """Numeric order for digit strings (MS MARCO ids), deterministic for any string."""
    return len(key), key


def select_queries(qrels: Mapping[str, Mapping[str, int]], candidates: Mapping[str, Sequence[str]],
                   max_queries: int, seed: int, where: str | Path) -> list[str]:
    """Qids with a relevant passage and candidates, in id order; a seeded sample of `max_queries` if more."""
    common = sorted((q for q, judged in qrels.items() if q in candidates and any(r > 0 for r in judged.values())),
                    key=_id_order)
    if not common:
        raise InputError("no query of the qrels has candidates", path=where,
                         expected="top1000.dev and qrels.dev.small of the same MS MARCO dev queries")
    if len(common) > max_queries:
        common = sorted(random.Random(seed).sample(common, max_queries), key=_id_order)
    return common


class Passages:
    """Candidate passages as corpus records by (language, pid): English from top1000.dev, others from mMARCO.

    Records are made once per task (`iter_tasks` clears them between tasks); collections are indexed on first use.
    """

    def __init__(self, english: Mapping[str, str], collection: Callable[[str], Path]) -> None:
        self.english, self.collection = english, collection
        self.stores: dict[str, PassageStore] = {}
        self.records: dict[str, dict[str, dict[str, str]]] = {}

    def record(self, lang: str, pid: str) -> dict[str, str]:
        """The corpus record `{lang}-{pid}` (title empty: MS MARCO passages have none)."""
        made = self.records.setdefault(lang, {})
        if pid not in made:
            made[pid] = {"docid": f"{lang}-{pid}", "title": "", "text": self._text(lang, pid)}
        return made[pid]

    def _text(self, lang: str, pid: str) -> str:
        """The passage `pid` in `lang`."""
        if lang == "en":
            return self.english[pid]
        if lang not in self.stores:
            self.stores[lang] = PassageStore(self.collection(lang))
        store = self.stores[lang]
        try:
            return store[pid]
        except KeyError:
            raise InputError(f"candidate pid {pid} of top1000.dev is not in the collection", path=store.path,
                             expected="the mMARCO collection of every MS MARCO pid") from None

    def close(self) -> None:
        """Close every collection's look-up handle."""
        for store in self.stores.values():
            store.close()


def build_mmarco_task(query_langs: Sequence[str], doc_langs: Sequence[str], qids: Sequence[str],
                      candidates: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]],
                      queries: Mapping[str, Mapping[str, str]], passages: Passages, *, seed: int = 0,
                      first_stage: str = "file", label: str = "") -> RetrievalTask:
    """Queries `qids` in `query_langs` over their candidates in `doc_langs`; docids are `{lang}-{pid}`.

    With several languages on a side, each passage (over all pids in id order) and then each query draws its
    language from them with one seeded generator, as XQuAD-R's MLIR does; one language is taken as is.
    Cost at full size (6,980 queries x 1,000 candidates = 6.67M rows), measured on synthetic files on 2 CPU cores:
    each (language, pid) not seen before costs one collection look-up, about 40 microseconds with the collection
    in the page cache (plus indexing each collection once, about 1 s per million lines); its record takes about
    0.7 KB (Latin script) to 1 KB (Arabic and other two-byte scripts) and is shared by every task that uses it.
    Each task adds about 5 microseconds and 0.1 KB per candidate row. With millions of distinct candidates per
    language, all tasks of the paper profile need tens of GB of memory: lower `rerank.max_queries` on small hosts.
    """
    q_langs, d_langs = list(query_langs), list(doc_langs)
    rng = random.Random(f"{seed}:{','.join(q_langs)}:{','.join(d_langs)}")
    pids = {p for q in qids for p in candidates[q]} | {p for q in qids for p in qrels[q]}
    lang_of = ({p: rng.choice(d_langs) for p in sorted(pids, key=_id_order)} if len(d_langs) > 1
               else dict.fromkeys(pids, d_langs[0]))
    qlang = {q: rng.choice(q_langs) for q in qids} if len(q_langs) > 1 else dict.fromkeys(qids, q_langs[0])
    topics = {q: queries[qlang[q]][q] for q in qids}
    corpus: dict[str, dict[str, str]] = {}
    doc_of: dict[str, str] = {}
    ranking: dict[str, tuple[str, ...]] = {}
    for qid in tqdm(qids, desc=label or "mMARCO task", unit="query", leave=False):
        docids = []
        for pid in candidates[qid]:
            record = passages.record(lang_of[pid], pid)
            corpus[record["docid"]], doc_of[record["docid"]] = record, lang_of[pid]
            docids.append(record["docid"])
        ranking[qid] = tuple(docids)
    judged = {q: {f"{lang_of[p]}-{p}": rel for p, rel in qrels[q].items()} for q in qids}
    return RetrievalTask(f"{'+'.join(q_langs)}-{'+'.join(d_langs)}", topics, corpus, judged, qlang, doc_of,
                         first_stage=first_stage, ranking=ranking)


def _queries(lang: str, qids: Sequence[str], cache_root: str | Path | None) -> dict[str, str]:
    """The dev.small queries of `lang`, checked to hold every qid of `qids`."""
    path = queries_path(lang, cache_root)
    queries = read_queries(path)
    missing = [q for q in qids if q not in queries]
    if missing:
        raise InputError(f"{len(missing)} query id(s) missing, e.g. {missing[:3]}", path=path,
                         expected="every dev.small query that has a relevant passage and candidates")
    return queries


def iter_tasks(settings: Sequence[Setting], config: Config,
               cache_root: str | Path | None = None) -> Iterator[tuple[str, RetrievalTask]]:
    """(label, task) of every setting over mMARCO dev.small, one at a time, at most max_queries x depth candidates.

    Tasks are made one at a time and share no passage records, so a caller that drops each task's corpus after
    re-ranking it holds one task's passages at a time (about 7 GB at full size) instead of all of them.
    """
    used = sorted({lang for s in settings for lang in (*s.query_langs, *s.doc_langs)})
    unknown = [lang for lang in used if lang not in MMARCO_LANGUAGES]
    if unknown:
        raise InputError(f"language(s) {', '.join(unknown)} not in mMARCO", path="config languages",
                         expected=f"languages among {', '.join(sorted(MMARCO_LANGUAGES))}")
    top1000, qrels_file = top1000_path(cache_root), qrels_path(cache_root)
    qrels = read_qrels(qrels_file)
    english = any("en" in s.doc_langs for s in settings)
    candidates, texts = read_top1000(top1000, qrels, config.rerank.depth, keep_texts=english)
    qids = select_queries(qrels, candidates, config.rerank.max_queries, config.data.split_seed, top1000)
    queries = {lang: _queries(lang, qids, cache_root) for lang in sorted({q for s in settings for q in s.query_langs})}
    passages = Passages(texts, lambda lang: collection_path(lang, cache_root))
    try:
        for s in settings:
            passages.records.clear()  # records are shared within a task only
            yield s.label, build_mmarco_task(s.query_langs, s.doc_langs, qids, candidates, qrels, queries, passages,
                                             seed=config.data.split_seed, first_stage=config.rerank.first_stage,
                                             label=s.label)
    finally:
        passages.close()

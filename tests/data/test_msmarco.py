"""MS MARCO / mMARCO readers, the offset-indexed collection, the paper's 1:4 training stream, and downloads."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import pytest

from csir_lib.core.errors import InputError
from csir_lib.data import msmarco

MS = Path(__file__).resolve().parent.parent / "fixtures" / "msmarco"


def test_readers_give_exact_records() -> None:
    assert list(msmarco.iter_id_texts(MS / "collection.tsv"))[3] == ("3", "Water boils at 100 °C at sea level.")
    assert msmarco.read_queries(MS / "queries.train.tsv") == {
        "100": "what was the manhattan project", "101": "what is the capital of france",
        "102": "does green tea have caffeine"}
    assert [t[1:] for t in msmarco.iter_id_triples(MS / "qidpidtriples.train.tsv")][3] == ("102", "5", "1")
    assert list(msmarco.iter_top1000(MS / "top1000.dev"))[1] == (
        "101", "4", "what is the capital of france", "The Eiffel Tower is in Paris.")


@pytest.mark.parametrize("reader, name, line", [
    (msmarco.read_queries, "queries_duplicate.tsv", 2),
    (lambda p: list(msmarco.iter_id_triples(p)), "triples_bad_columns.tsv", 2),
    (lambda p: list(msmarco.iter_top1000(p)), "top1000_bad.dev", 1),
])
def test_bad_lines_name_file_and_line(reader, name: str, line: int) -> None:
    with pytest.raises(InputError) as err:
        reader(MS / name)
    assert err.value.path == str(MS / name) and err.value.line == line


def test_empty_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "empty.tsv").write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        msmarco.read_queries(tmp_path / "empty.tsv")


def test_passage_store_dense_and_sparse() -> None:
    with msmarco.PassageStore(MS / "collection.tsv") as store:
        assert len(store) == 6
        assert store["4"] == "The Eiffel Tower is in Paris." and store[3] == "Water boils at 100 °C at sea level."
        assert "5" in store and "6" not in store and "x" not in store
        assert store.get("6") is None
        assert list(store) == ["0", "1", "2", "3", "4", "5"]
    sparse = msmarco.PassageStore(MS / "collection_sparse.tsv")
    assert isinstance(sparse._index, tuple)  # pids too spread out for a dense array
    assert (sparse["2000"], sparse["7"], sparse["10"]) == ("two thousand", "seven", "ten")
    assert "8" not in sparse
    sparse.close()


@pytest.mark.parametrize("name, line, problem", [
    ("collection_bad_pid.tsv", 3, "integer pid"),
    ("collection_duplicate.tsv", 3, "duplicate pid 0"),
])
def test_passage_store_rejects_bad_collections(name: str, line: int, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as err:
        msmarco.PassageStore(MS / name)
    assert err.value.path == str(MS / name) and err.value.line == line


def test_training_pairs_follow_the_papers_one_to_four_stream() -> None:
    queries = msmarco.read_queries(MS / "queries.train.tsv")
    q = {qid: text for qid, text in queries.items()}
    with msmarco.PassageStore(MS / "collection.tsv") as store:
        pairs = list(msmarco.msmarco_training_pairs(MS / "qidpidtriples.train.tsv", queries, store))
        p = {pid: store[pid] for pid in store}
        # instance i takes the positive of triple i when i % 5 == 0, else its negative
        assert pairs == [(q["100"], p["0"], 1), (q["101"], p["3"], 0), (q["100"], p["4"], 0), (q["102"], p["1"], 0),
                         (q["101"], p["0"], 0), (q["102"], p["5"], 1), (q["100"], p["2"], 0)]
        skipped = list(msmarco.msmarco_training_pairs(MS / "qidpidtriples.train.tsv", queries, store,
                                                      exclude_qids={"101"}, max_instances=4))
        assert skipped == [(q["100"], p["0"], 1), (q["100"], p["4"], 0), (q["102"], p["1"], 0), (q["102"], p["3"], 0)]
        one_to_one = list(msmarco.msmarco_training_pairs(MS / "qidpidtriples.train.tsv", queries, store,
                                                         negatives_per_positive=1, max_instances=3))
        assert [label for _, _, label in one_to_one] == [1, 0, 1]


def test_training_pairs_stream_gzip_and_do_not_read_ahead(tmp_path: Path) -> None:
    gz = tmp_path / "triples.tsv.gz"
    with open(MS / "qidpidtriples.train.tsv", "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    queries = msmarco.read_queries(MS / "queries.train.tsv")
    looked_up: list[str] = []

    class Spy(dict):
        def __getitem__(self, pid: str) -> str:
            looked_up.append(pid)
            return super().__getitem__(pid)

    collection = Spy(msmarco.iter_id_texts(MS / "collection.tsv"))
    stream = msmarco.msmarco_training_pairs(gz, queries, collection)
    assert next(stream)[2] == 1 and next(stream)[2] == 0
    assert looked_up == ["0", "3"]  # only the passage each instance uses, and nothing ahead


def test_training_pairs_name_the_triples_line_of_an_unknown_pid() -> None:
    queries = msmarco.read_queries(MS / "queries.train.tsv")
    with msmarco.PassageStore(MS / "collection.tsv") as store, pytest.raises(InputError, match="pid 99") as err:
        list(msmarco.msmarco_training_pairs(MS / "triples_unknown_pid.tsv", queries, store))
    assert err.value.line == 2


def test_mmarco_filenames() -> None:
    assert msmarco.mmarco_filename("collection", "de") == "data/google/collections/german_collection.tsv"
    assert msmarco.mmarco_filename("queries", "ru", "dev.small") == (
        "data/google/queries/dev/russian_queries.dev.small.tsv")
    assert msmarco.mmarco_filename("queries", "zh", "train") == "data/google/queries/train/chinese_queries.train.tsv"
    with pytest.raises(InputError):
        msmarco.mmarco_filename("queries", "sw")
    with pytest.raises(InputError):
        msmarco.mmarco_filename("qrels", "de")


def test_download_checks_the_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_download(repo_id: str, filename: str, **kwargs: object) -> str:
        calls.append((repo_id, filename, kwargs["repo_type"], kwargs["revision"]))
        return str(MS / "collection.tsv")

    monkeypatch.setattr("huggingface_hub.hf_hub_download", fake_download)
    digest = hashlib.sha256((MS / "collection.tsv").read_bytes()).hexdigest()
    assert msmarco.download_mmarco("collection", "de", sha256=digest) == MS / "collection.tsv"
    assert calls == [(msmarco.MMARCO_REPO, "data/google/collections/german_collection.tsv", "dataset",
                      msmarco.MMARCO_REVISION)]
    with pytest.raises(InputError, match="does not match") as err:
        msmarco.download_mmarco("collection", "de", sha256="0" * 64)
    assert err.value.path == str(MS / "collection.tsv")
    monkeypatch.setitem(msmarco.KNOWN_SHA256, "data/google/collections/german_collection.tsv", "1" * 64)
    with pytest.raises(InputError, match="does not match"):
        msmarco.download_mmarco("collection", "de")


def test_download_checks_the_hubs_record_of_an_unpinned_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = (MS / "collection.tsv").read_bytes()
    blobs, snapshot = tmp_path / "blobs", tmp_path / "snapshots" / "rev" / "data" / "google" / "collections"
    blobs.mkdir()
    snapshot.mkdir(parents=True)
    (blobs / hashlib.sha256(data).hexdigest()).write_bytes(data)  # huggingface_hub's cache layout
    link = snapshot / "german_collection.tsv"
    link.symlink_to(blobs / hashlib.sha256(data).hexdigest())
    small = tmp_path / "blobs" / hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()  # a git blob id
    small.write_bytes(data)
    served = {"data/google/collections/german_collection.tsv": link, "data/qrels.dev.small.tsv": small}
    monkeypatch.setattr("huggingface_hub.hf_hub_download", lambda repo_id, filename, **kw: str(served[filename]))
    assert msmarco.download_mmarco("collection", "de") == link
    assert msmarco.download_dataset_file(msmarco.MMARCO_REPO, "data/qrels.dev.small.tsv", "rev") == small
    assert (snapshot / "german_collection.tsv.sha256").is_file()  # remembered while size and mtime stay
    (blobs / hashlib.sha256(data).hexdigest()).write_bytes(data.replace(b"a", b"b", 1))
    with pytest.raises(InputError, match="is not the hub's") as err:
        msmarco.download_mmarco("collection", "de")
    assert err.value.path == str(link)


def test_download_offline_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="HF_HUB_OFFLINE=1 is set.*pass its local path"):
        msmarco.download_mmarco("queries", "de", "dev.small", cache_dir=tmp_path)

"""The paper profile's MIRACL downloads, exercised on small local files (no hub: the hub client is replaced)."""

from __future__ import annotations

import gzip
import hashlib
import json
from types import SimpleNamespace

import pytest

from csir_lib.core.errors import InputError
from csir_lib.retrieval import miracl

DOCS = [{"docid": "10#0", "title": "Èkó", "text": "Ìlú ńlá."}, {"docid": "10#1", "title": "Èkó", "text": "Odò."},
        {"docid": "11#0", "title": "Ọ̀yọ́", "text": "Ìlú."}]
RUN = b"q1 Q0 10#0 1 9.5 bm25\nq1 Q0 11#0 2 7.0 bm25\nq1 Q0 10#1 3 7.0 bm25\n"


def _entry(name, data, lfs=True):
    """The hub's record of a file: its LFS SHA-256, or (a small file in git) its git blob id."""
    if lfs:
        return SimpleNamespace(path=name, lfs=SimpleNamespace(sha256=hashlib.sha256(data).hexdigest()), blob_id="x")
    return SimpleNamespace(path=name, lfs=None, blob_id=hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest())


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A fake hub holding one corpus shard (LFS) and one candidate run (a git blob) for Yoruba."""
    shard = tmp_path / "docs-0.jsonl.gz"
    shard.write_bytes(gzip.compress("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in DOCS).encode(),
                                    mtime=0))
    run = tmp_path / "yo.gz"
    run.write_bytes(gzip.compress(RUN, mtime=0))
    files = {"miracl-corpus-v1.0-yo/docs-0.jsonl.gz": shard, "data/bm25/yo.gz": run}
    records = {"miracl-corpus-v1.0-yo/docs-0.jsonl.gz": _entry("miracl-corpus-v1.0-yo/docs-0.jsonl.gz",
                                                               shard.read_bytes()),
               "data/bm25/yo.gz": _entry("data/bm25/yo.gz", run.read_bytes(), lfs=False)}

    class FakeApi:
        def list_repo_tree(self, repo, path_in_repo, recursive, repo_type, revision):
            assert recursive and repo_type == "dataset"
            return [records[n] for n in files if n.startswith(path_in_repo + "/")]

        def get_paths_info(self, repo, paths, repo_type, revision):
            return [records[p] for p in paths if p in records]

    def fake_download(repo, name, repo_type, revision, cache_dir):
        if name not in files:
            raise FileNotFoundError(name)
        return str(files[name])

    monkeypatch.setattr("huggingface_hub.HfApi", FakeApi)
    monkeypatch.setattr("huggingface_hub.hf_hub_download", fake_download)
    return SimpleNamespace(root=tmp_path, shard=shard, run=run, records=records)


def test_candidates_keep_the_top_depth_in_trec_eval_order(hub):
    # 11#0 and 10#1 tie at 7.0: trec_eval ranks ties by docid descending, so -M 2 keeps 11#0
    assert miracl.candidate_run("yo", "bm25", hub.root, depth=2) == {"q1": {"10#0": 9.5, "11#0": 7.0}}
    assert miracl.candidate_run("yo", "bm25", hub.root) == {"q1": {"10#0": 9.5, "11#0": 7.0, "10#1": 7.0}}


def test_passages_streamed_for_the_candidates_only(hub):
    shards = miracl.corpus_shards("yo", hub.root)
    found = miracl.passages(shards, ["11#0", "10#0"])
    assert sorted(found) == ["10#0", "11#0"] and found["11#0"]["title"] == "Ọ̀yọ́"


def test_candidates_missing_from_the_corpus_are_an_error(hub):
    with pytest.raises(InputError, match="1 candidate passage\\(s\\) not in the corpus .*e.g. \\['99#0'\\]"):
        miracl.passages(miracl.corpus_shards("yo", hub.root), ["10#0", "99#0"])


def test_downloads_are_checked_against_the_hubs_hashes(hub):
    hub.records["miracl-corpus-v1.0-yo/docs-0.jsonl.gz"].lfs.sha256 = "0" * 64
    with pytest.raises(InputError, match="checksum mismatch for miracl/miracl-corpus/miracl-corpus-v1.0-yo/docs-0"):
        miracl.corpus_shards("yo", hub.root)
    hub.records["data/bm25/yo.gz"].blob_id = "f" * 40
    with pytest.raises(InputError, match="checksum mismatch for miracl/mmteb-miracl-reranking/data/bm25/yo.gz"):
        miracl.candidate_file("yo", "bm25", hub.root)


def test_local_dir_replaces_the_hub_and_checks_its_sums(tmp_path, hub):
    local = tmp_path / "local"
    (local / "miracl-corpus-v1.0-yo").mkdir(parents=True)
    (local / "data" / "bm25").mkdir(parents=True)
    (local / "miracl-corpus-v1.0-yo" / "docs-0.jsonl.gz").write_bytes(hub.shard.read_bytes())
    (local / "data" / "bm25" / "yo.gz").write_bytes(hub.run.read_bytes())
    assert miracl.candidate_run("yo", "bm25", tmp_path / "unused", local_dir=local, depth=1) == {"q1": {"10#0": 9.5}}
    assert [p.name for p in miracl.corpus_shards("yo", tmp_path / "unused", local_dir=local)] == ["docs-0.jsonl.gz"]
    sums = local / "SHA256SUMS"
    sums.write_text(f"{hashlib.sha256(hub.run.read_bytes()).hexdigest()}  data/bm25/yo.gz\n"
                    f"{'0' * 64}  miracl-corpus-v1.0-yo/docs-0.jsonl.gz\n")
    assert miracl.candidate_file("yo", "bm25", tmp_path, local_dir=local).name == "yo.gz"
    with pytest.raises(InputError, match="checksum mismatch for miracl-corpus-v1.0-yo/docs-0.jsonl.gz"):
        miracl.corpus_shards("yo", tmp_path, local_dir=local)
    with pytest.raises(InputError, match="data/mdpr/yo.gz under miracl.local_dir"):
        miracl.candidate_file("yo", "mdpr", tmp_path, local_dir=local)
    with pytest.raises(InputError, match="no corpus shard"):
        miracl.corpus_shards("sw", tmp_path, local_dir=local)


def test_bad_first_stage_language_and_shard(hub):
    with pytest.raises(InputError, match="one of bm25, mdpr, hybrid"):
        miracl.candidate_run("yo", "splade", hub.root)
    with pytest.raises(InputError, match="MIRACL has no dev data for language 'it'"):
        miracl.candidate_run("it", "bm25", hub.root)
    with pytest.raises(InputError, match="no file data/mdpr/yo.gz"):
        miracl.candidate_run("yo", "mdpr", hub.root)
    bad = hub.root / "bad.jsonl.gz"
    bad.write_bytes(gzip.compress(b'{"docid": "1", "text": "a"}\n{broken\n'))
    with pytest.raises(InputError, match="bad.jsonl.gz:2: invalid JSON"):
        miracl.passages([bad], ["1", "2"])


def test_offline_hub_is_one_clear_error(tmp_path, monkeypatch):
    class OfflineApi:
        def list_repo_tree(self, *args, **kwargs):
            raise ConnectionError("offline")

    monkeypatch.setattr("huggingface_hub.HfApi", OfflineApi)
    with pytest.raises(InputError, match="cannot list or download miracl-corpus-v1.0-yo .*miracl.local_dir"):
        miracl.corpus_shards("yo", tmp_path)


def test_bm25s_only_for_small_languages(hub):
    with pytest.raises(InputError, match="too large for our own BM25 index"):
        miracl.bm25s_run("en", {"q1": "x"}, [])
    run = miracl.bm25s_run("yo", {"q1": "odò"}, miracl.corpus_shards("yo", hub.root), depth=2)
    assert list(run["q1"]) == ["10#1", "10#0"] and run["q1"]["10#0"] == 0.0  # the match, then docid order

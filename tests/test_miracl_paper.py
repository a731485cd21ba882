"""The paper profile's MIRACL downloads, exercised on small local files (no hub: hf_hub_download is replaced)."""

from __future__ import annotations

import gzip
import json

import pytest

from csir_lib import miracl
from csir_lib.errors import InputError


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A fake hub holding one corpus shard and one candidate run for Yoruba."""
    shard = tmp_path / "docs-0.jsonl.gz"
    docs = [{"docid": "10#0", "title": "Èkó", "text": "Ìlú ńlá."}, {"docid": "10#1", "title": "Èkó", "text": "Odò."},
            {"docid": "11#0", "title": "Ọ̀yọ́", "text": "Ìlú."}]
    shard.write_bytes(gzip.compress("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs).encode()))
    run = tmp_path / "yo.gz"
    run.write_bytes(gzip.compress(b"q1 Q0 10#0 1 9.5 bm25\nq1 Q0 11#0 2 7.0 bm25\nq1 Q0 10#1 3 7.0 bm25\n"))
    files = {"miracl-corpus-v1.0-yo/docs-0.jsonl.gz": shard, "data/bm25/yo.gz": run}

    class FakeApi:
        def list_repo_files(self, repo, repo_type, revision):
            return list(files)

    def fake_download(repo, name, repo_type, revision, cache_dir):
        if name not in files:
            raise FileNotFoundError(name)
        return str(files[name])

    monkeypatch.setattr("huggingface_hub.HfApi", FakeApi)
    monkeypatch.setattr("huggingface_hub.hf_hub_download", fake_download)
    return tmp_path


def test_candidates_keep_the_top_depth_with_docid_ties(hub):
    assert miracl.candidate_run("yo", "bm25", hub, depth=2) == {"q1": {"10#0": 9.5, "10#1": 7.0}}


def test_passages_streamed_for_the_candidates_only(hub):
    shards = miracl.corpus_shards("yo", hub)
    found = miracl.passages(shards, ["11#0", "10#0"])
    assert sorted(found) == ["10#0", "11#0"] and found["11#0"]["title"] == "Ọ̀yọ́"


def test_candidates_missing_from_the_corpus_are_an_error(hub):
    with pytest.raises(InputError, match="1 candidate passage\\(s\\) not in the corpus, e.g. \\['99#0'\\]"):
        miracl.passages(miracl.corpus_shards("yo", hub), ["10#0", "99#0"])


def test_bad_first_stage_language_and_shard(hub):
    with pytest.raises(InputError, match="one of bm25, mdpr, hybrid"):
        miracl.candidate_run("yo", "splade", hub)
    with pytest.raises(InputError, match="MIRACL has no dev data for language 'it'"):
        miracl.candidate_run("it", "bm25", hub)
    with pytest.raises(InputError, match="cannot download data/mdpr/yo.gz"):
        miracl.candidate_run("yo", "mdpr", hub)
    bad = hub / "bad.jsonl.gz"
    bad.write_bytes(gzip.compress(b'{"docid": "1", "text": "a"}\n{broken\n'))
    with pytest.raises(InputError, match="bad.jsonl.gz:2: invalid JSON"):
        miracl.passages([bad], ["1", "2"])

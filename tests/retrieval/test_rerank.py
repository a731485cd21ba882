"""Tests of re-ranking (csir_lib.retrieval.rerank, `csir rerank`) and the first stages (csir_lib.retrieval.first_stage).

The cross-encoder is the tiny smoke BERT with a one-logit head drawn from a fixed seed; the expected scores are
the model's logits computed one pair at a time without padding, an independent path from the batched scorer.
BM25 scores are checked against the Lucene formula written out by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csir_lib.cli import main
from csir_lib.core.errors import InputError
from csir_lib.data.formats import doc_text, read_corpus, read_run, read_topics, write_run
from csir_lib.models.tiny_model import build_tiny_model
from csir_lib.retrieval.first_stage import bm25_first_stage, bm25_tokenize, dense_first_stage, dense_run, top_k
from csir_lib.retrieval.rerank import candidate_pairs, encode_pairs, fast_tokenizer, rerank, rerank_files, token_batches

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "rerank"
CORPUS_TEXT = Path(__file__).resolve().parent.parent / "fixtures" / "tiny_corpus.txt"


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory) -> Path:
    """The tiny smoke encoder, built once for this module."""
    texts = CORPUS_TEXT.read_text(encoding="utf-8").splitlines()
    return build_tiny_model(tmp_path_factory.mktemp("enc") / "tiny", texts, seed=0)


@pytest.fixture(scope="module")
def cross_encoder(tmp_path_factory, tiny_encoder) -> Path:
    """A one-logit cross-encoder folder: the tiny encoder plus a head drawn from torch seed 0."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_encoder, num_labels=1)
    torch.nn.init.normal_(model.classifier.weight, std=1.0)  # a head large enough to separate the scores
    out = tmp_path_factory.mktemp("ce") / "tiny-ce"
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(tiny_encoder).save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def data() -> tuple[dict, dict, dict]:
    """The fixture's topics, corpus and first-stage run."""
    return read_topics(FIX / "topics.tsv"), read_corpus(FIX / "corpus.jsonl"), read_run(FIX / "run.trec")


def one_by_one(model_dir: Path, pairs: list[tuple[str, str]], max_length: int = 512) -> list[float]:
    """Reference logits: each pair through the model alone (no padding, no batching)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    with torch.inference_mode():
        return [model(**tok(q, d, truncation="longest_first", max_length=max_length, return_tensors="pt"))
                .logits[0, 0].item() for q, d in pairs]


# ---------------------------------------------------------------------------------------------- re-ranking


def test_scores_are_the_models_logits(cross_encoder, data):
    topics, corpus, run = data
    scores = rerank(cross_encoder, topics, corpus, run, progress=False)
    keys = [(q, d) for q in ("q1", "q2") for d in sorted(run[q])]
    expected = one_by_one(cross_encoder, [(topics[q], doc_text(corpus[d])) for q, d in keys])
    assert {q: sorted(s) for q, s in scores.items()} == {"q1": ["d1", "d3", "d5"], "q2": ["d2", "d4", "d5"]}
    got = [scores[q][d] for q, d in keys]
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert len(set(np.round(got, 4))) == len(got)  # the head separates the pairs: the check is not vacuous


def test_batching_changes_no_score_and_reruns_are_identical(cross_encoder, data):
    topics, corpus, run = data
    runs = [rerank(cross_encoder, topics, corpus, run, batch_tokens=b, progress=False) for b in (1, 40, 10**6)]
    for other in runs[1:]:
        for qid in runs[0]:
            np.testing.assert_allclose([other[qid][d] for d in sorted(other[qid])],
                                       [runs[0][qid][d] for d in sorted(runs[0][qid])], atol=1e-5)
    assert rerank(cross_encoder, topics, corpus, run, batch_tokens=40, progress=False) == runs[1]


def test_bf16_scores_are_close_and_their_logit_is_float32(cross_encoder, data):
    import torch

    topics, corpus, run = data
    exact = rerank(cross_encoder, topics, corpus, run, progress=False)
    fast = rerank(cross_encoder, topics, corpus, run, progress=False, precision="bf16")
    got = np.array([fast[q][d] for q in sorted(exact) for d in sorted(exact[q])])
    want = np.array([exact[q][d] for q in sorted(exact) for d in sorted(exact[q])])
    np.testing.assert_allclose(got, want, atol=0.01)  # bfloat16 keeps about 3 significant digits
    assert not np.array_equal(got, want)  # the encoder did run in bfloat16
    # a logit made in bfloat16 would survive a round trip through it unchanged; a float32 one does not
    assert not np.array_equal(torch.tensor(got).to(torch.bfloat16).float().numpy(), got.astype(np.float32))
    assert rerank(cross_encoder, topics, corpus, run, progress=False, precision="bf16") == fast  # deterministic
    with pytest.raises(InputError, match="precision 'fp8'; expected fp32 or bf16"):
        rerank(cross_encoder, topics, corpus, run, progress=False, precision="fp8")


def test_depth_takes_the_first_stage_top_with_ties_by_docid(cross_encoder, data):
    topics, corpus, run = data
    assert candidate_pairs(topics, corpus, run, depth=1) == [("q1", "d1"), ("q2", "d4")]  # d1, d3 tie at 12.5
    scores = rerank(cross_encoder, topics, corpus, run, depth=2, progress=False)
    assert {q: sorted(s) for q, s in scores.items()} == {"q1": ["d1", "d3"], "q2": ["d2", "d4"]}


def test_truncation_longest_first_to_max_length(cross_encoder, data):
    topics, corpus, _ = data
    long_doc = {"docid": "long", "title": "Panthers", "text": " ".join(["The Carolina Panthers won."] * 200)}
    corpus = {**corpus, "long": long_doc}
    run = {"q1": {"long": 1.0, "d1": 0.5}, "q2": {"d2": 1.0}}
    scores = rerank(cross_encoder, topics, corpus, run, max_length=24, progress=False)
    expected = one_by_one(cross_encoder, [(topics["q1"], doc_text(long_doc)), (topics["q1"], doc_text(corpus["d1"]))],
                          max_length=24)
    np.testing.assert_allclose([scores["q1"]["long"], scores["q1"]["d1"]], expected, atol=1e-5)


def test_pairs_are_tokenised_as_autotokenizer_does(cross_encoder, data):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    topics, corpus, run = data
    model = AutoModelForSequenceClassification.from_pretrained(cross_encoder)
    queries = [topics[q] for q, _ in candidate_pairs(topics, corpus, run)]
    docs = [doc_text(corpus[d]) * 3 for _, d in candidate_pairs(topics, corpus, run)]
    reference = AutoTokenizer.from_pretrained(cross_encoder)
    for max_length in (512, 20, 7):
        ids, types = encode_pairs(fast_tokenizer(cross_encoder), model, queries, docs, max_length)
        encoded = reference(queries, docs, truncation="longest_first", max_length=max_length)
        assert ids == encoded["input_ids"] and max(map(len, ids)) <= max_length
        assert types is None and "token_type_ids" not in encoded  # the folder's model_input_names leave them out


def test_scores_do_not_depend_on_the_number_of_workers(cross_encoder, data, monkeypatch):
    import csir_lib.retrieval.rerank as module

    topics, corpus, run = data
    results = []
    for workers in (1, 3):
        monkeypatch.setattr(module, "physical_cores", lambda w=workers: w)
        results.append(rerank(cross_encoder, topics, corpus, run, batch_tokens=30, progress=False))
    assert results[0] == results[1]  # bitwise: one intra-op thread per batch, whichever worker runs it


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 300), min_size=0, max_size=60), st.integers(1, 2000))
def test_token_batches_cover_every_pair_once_within_budget(lengths, budget):
    lengths = np.array(lengths, dtype=np.int64)
    batches = token_batches(lengths, budget)
    flat = np.concatenate(batches) if batches else np.array([], dtype=np.int64)
    assert sorted(flat.tolist()) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) == 1 or len(batch) * lengths[batch].max() <= budget
    assert [lengths[i] for i in flat] == sorted(lengths.tolist())


def test_rerank_files_writes_a_trec_run_tagged_with_the_model(cross_encoder, tmp_path):
    out = rerank_files(cross_encoder, FIX / "topics.tsv", FIX / "corpus.jsonl", FIX / "run.trec", tmp_path / "r.trec",
                       depth=2, progress=False)
    lines = [line.split() for line in out.read_text().splitlines()]
    assert len(lines) == 4 and {f[5] for f in lines} == {"tiny-ce"}
    assert [f[3] for f in lines] == ["1", "2", "1", "2"]
    for qid in ("q1", "q2"):
        scores = [float(f[4]) for f in lines if f[0] == qid]
        assert scores == sorted(scores, reverse=True)


def test_bad_runs_name_file_line_query_and_document(cross_encoder, tmp_path):
    args = (cross_encoder, FIX / "topics.tsv", FIX / "corpus.jsonl")
    with pytest.raises(InputError) as err:
        rerank_files(*args, FIX / "run_missing_doc.trec", tmp_path / "o.trec", progress=False)
    assert err.value.path == str(FIX / "run_missing_doc.trec") and err.value.line == 4
    assert "'d9'" in str(err.value) and "'q2'" in str(err.value)
    with pytest.raises(InputError) as err:
        rerank_files(*args, FIX / "run_unknown_query.trec", tmp_path / "o.trec", progress=False)
    assert err.value.path == str(FIX / "run_unknown_query.trec") and err.value.line == 3 and "'q7'" in str(err.value)
    with pytest.raises(InputError) as err:
        rerank_files(cross_encoder, FIX / "topics_extra.tsv", FIX / "corpus.jsonl", FIX / "run.trec",
                     tmp_path / "o.trec", progress=False)
    assert err.value.path == str(FIX / "topics_extra.tsv") and err.value.line == 3 and "'q3'" in str(err.value)
    assert not (tmp_path / "o.trec").exists()


def test_bad_model_folders(tmp_path, tiny_encoder, data):
    topics, corpus, run = data
    with pytest.raises(InputError, match="model folder does not exist"):
        rerank(tmp_path / "nowhere", topics, corpus, run, progress=False)
    with pytest.raises(InputError, match="2 labels") as err:  # a bare encoder folder is not a cross-encoder
        rerank(tiny_encoder, topics, corpus, run, progress=False)
    assert err.value.path == str(tiny_encoder)
    with pytest.raises(InputError, match="depth 0"):
        rerank(tiny_encoder, topics, corpus, run, depth=0, progress=False)


def test_cli_rerank(cross_encoder, tmp_path, capsys):
    out = tmp_path / "out.trec"
    base = ["rerank", "--model", str(cross_encoder), "--topics", str(FIX / "topics.tsv"), "--corpus",
            str(FIX / "corpus.jsonl"), "--quiet", "--out", str(out)]
    assert main([*base, "--run", str(FIX / "run_missing_doc.trec")]) == 2
    message = capsys.readouterr().err
    assert message.count("\n") == 1 and "run_missing_doc.trec:4" in message and "'d9'" in message
    assert not out.exists()
    assert main([*base, "--run", str(FIX / "run.trec"), "--model", str(tmp_path / "missing")]) == 2
    assert "model folder does not exist" in capsys.readouterr().err and not out.exists()
    assert main([*base, "--run", str(FIX / "run.trec"), "--depth", "2", "--batch-tokens", "64",
                 "--max-length", "32", "--tag", "my run"]) == 0
    run = read_run(out)
    assert {q: len(s) for q, s in run.items()} == {"q1": 2, "q2": 2}
    assert {line.split()[5] for line in out.read_text().splitlines()} == {"my_run"}
    assert main([*base, "--run", str(FIX / "run.trec"), "--precision", "bf16"]) == 0
    topics, corpus = read_topics(FIX / "topics.tsv"), read_corpus(FIX / "corpus.jsonl")
    first = read_run(FIX / "run.trec")
    assert read_run(out) == read_run(write_run(tmp_path / "api.trec", rerank(
        cross_encoder, topics, corpus, first, progress=False, precision="bf16")))  # the API's bf16 scores
    with pytest.raises(SystemExit):
        main([*base, "--run", str(FIX / "run.trec"), "--precision", "fp16"])
    assert "invalid choice: 'fp16'" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- first stages


def test_bm25_tokenize():
    assert bm25_tokenize("Hello, World! It's x2.", "en") == ["hello", "world", "it", "s", "x2"]
    assert bm25_tokenize("हिन्दी भाषा", "hi") == ["हिन्दी", "भाषा"]  # vowel signs (marks) stay inside words
    assert bm25_tokenize("ﬁle Ｆｕｌｌ", "en") == ["file", "full"]  # NFKC
    assert bm25_tokenize("超级碗 50", "zh") == ["超级", "碗", "50"]  # jieba (csir_lib.data.tokenise)
    assert bm25_tokenize("ພາສາລາວ", "lo") == ["ພາ", "າສ", "ສາ", "າລ", "ລາ", "າວ"]  # no segmenter: bigrams
    assert bm25_tokenize("ดี ก", "th") == ["ดี", "ก"]


def bm25_reference(query: list[str], docs: dict[str, list[str]], k1: float, b: float) -> dict[str, float]:
    """Lucene BM25 written out: idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf saturated and length-normalised."""
    n, avgdl = len(docs), sum(map(len, docs.values())) / len(docs)
    out = {}
    for docid, tokens in docs.items():
        score = 0.0
        for term in set(query):
            df = sum(term in d for d in docs.values())
            tf = tokens.count(term)
            if df and tf:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                score += query.count(term) * idf * tf / (tf + k1 * (1 - b + b * len(tokens) / avgdl))
        out[docid] = score
    return out


def test_bm25_first_stage_matches_the_formula_and_breaks_ties_by_docid():
    corpus = {
        "b": {"docid": "b", "title": "", "text": "cat sat on the mat"},
        "a": {"docid": "a", "title": "", "text": "cat sat on the mat"},
        "c": {"docid": "c", "title": "Dogs", "text": "a dog and a cat and a cat"},
        "d": {"docid": "d", "title": "", "text": "nothing relevant here at all"},
    }
    topics = {"q1": "cat mat", "q2": "zebra"}
    run = bm25_first_stage(topics, corpus, depth=3, language="en")
    tokens = {d: bm25_tokenize(doc_text(doc), "en") for d, doc in corpus.items()}
    expected = bm25_reference(["cat", "mat"], tokens, 0.9, 0.4)
    assert list(run["q1"]) == ["a", "b", "c"]  # a and b tie: docid order
    for docid, score in run["q1"].items():
        assert score == pytest.approx(expected[docid], rel=1e-5)
    assert run["q2"] == {"a": 0.0, "b": 0.0, "c": 0.0}  # nothing matches: padded with docid order


def test_top_k_and_dense_run():
    scores = np.array([0.5, 0.9, 0.9, 0.1], dtype=np.float32)
    assert list(top_k(scores, ["a", "b", "c", "d"], 2)) == ["b", "c"]
    assert list(top_k(scores, ["a", "b", "c", "d"], 10)) == ["b", "c", "a", "d"]
    q = np.array([[1.0, 0.0], [0.0, 1.0]])
    d = np.array([[0.6, 0.8], [1.0, 0.0], [0.6, 0.8]])
    run = dense_run(q, d, ["q1", "q2"], ["x", "y", "z"], 2)
    assert run == {"q1": {"y": 1.0, "x": pytest.approx(0.6)}, "q2": {"x": pytest.approx(0.8), "z": pytest.approx(0.8)}}
    assert list(run["q2"]) == ["x", "z"]
    with pytest.raises(InputError, match="docids not sorted"):
        dense_run(q, d, ["q1", "q2"], ["z", "y", "x"], 2)


def test_dense_first_stage_uses_e5_prefixes(tiny_encoder, data):
    from csir_lib.models.encoder import embed_with_encoder

    topics, corpus, _ = data
    run = dense_first_stage(tiny_encoder, topics, corpus, depth=3)
    docids = sorted(corpus)
    q = embed_with_encoder(tiny_encoder, ["query: " + topics[k] for k in topics])
    d = embed_with_encoder(tiny_encoder, ["passage: " + doc_text(corpus[k]) for k in docids])
    for i, qid in enumerate(topics):
        expected = sorted(zip(docids, (q[i] @ d.T).tolist(), strict=True), key=lambda x: (-x[1], x[0]))[:3]
        assert list(run[qid]) == [docid for docid, _ in expected]
        np.testing.assert_allclose(list(run[qid].values()), [s for _, s in expected], atol=1e-6)
    plain = dense_first_stage(tiny_encoder, topics, corpus, depth=3, query_prefix="", passage_prefix="")
    assert plain != run


def test_first_stage_bad_input(data):
    topics, corpus, _ = data
    with pytest.raises(InputError, match="depth 0"):
        bm25_first_stage(topics, corpus, 0, "en")
    with pytest.raises(InputError, match="empty corpus"):
        bm25_first_stage(topics, {}, 5, "en")
    with pytest.raises(InputError, match="no topics"):
        bm25_first_stage({}, corpus, 5, "en")


# ---------------------------------------------------------------------------------- models that did not load whole


def bert_style_folder(cross_encoder: Path, out: Path, input_names: list[str] | None) -> Path:
    """A copy of the cross-encoder whose tokenizer gives token type 1 to the second segment (BERT's template).

    `model_input_names` in its tokenizer_config.json is as given (None: the key absent, the tokenizer class decides).
    """
    import json
    import shutil

    from tokenizers import Tokenizer, processors

    shutil.copytree(cross_encoder, out)
    tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    ids = {t: tok.token_to_id(t) for t in ("<s>", "</s>")}
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> $B:1 </s>:1", special_tokens=list(ids.items()))
    tok.save(str(out / "tokenizer.json"))
    config = json.loads((out / "tokenizer_config.json").read_text())
    config.pop("model_input_names", None)
    if input_names is not None:
        config["model_input_names"] = input_names
    (out / "tokenizer_config.json").write_text(json.dumps(config))
    return out


@pytest.mark.parametrize("input_names", [["input_ids", "attention_mask"],
                                         ["input_ids", "token_type_ids", "attention_mask"], None],
                         ids=["types-not-listed", "types-listed", "class-default"])
def test_scores_follow_the_tokenizers_token_types(cross_encoder, data, tmp_path, input_names):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from csir_lib.retrieval.rerank import tokenizer_takes_types

    folder = bert_style_folder(cross_encoder, tmp_path / "bert-style", input_names)
    topics, corpus, run = data
    keys = [(q, d) for q in ("q1", "q2") for d in sorted(run[q])]
    queries, docs = [topics[q] for q, _ in keys], [doc_text(corpus[d]) for _, d in keys]
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    with torch.inference_mode():  # Hugging Face's own scoring: AutoTokenizer's encoding, whatever it holds
        expected = [model(**tok(q, d, truncation="longest_first", max_length=512, return_tensors="pt"))
                    .logits[0, 0].item() for q, d in zip(queries, docs, strict=True)]
        typed = [model(**{**tok(q, d, return_tensors="pt"), "token_type_ids": torch.tensor(
                 [tok(q, d, return_token_type_ids=True)["token_type_ids"]])}).logits[0, 0].item()
                 for q, d in zip(queries, docs, strict=True)]
    scores = rerank(folder, topics, corpus, run, progress=False)
    np.testing.assert_allclose([scores[q][d] for q, d in keys], expected, atol=1e-5)
    assert tokenizer_takes_types(str(folder.resolve())) == ("token_type_ids" in tok.model_input_names)
    assert np.abs(np.array(typed) - np.array(expected)).max() > (1e-3 if input_names == ["input_ids",
                                                                 "attention_mask"] else -1)  # not vacuous


def test_a_folder_without_its_classifier_head_is_refused(tiny_encoder, data, tmp_path, capsys):
    import json
    import shutil

    folder = tmp_path / "no-head"
    shutil.copytree(tiny_encoder, folder)
    config = json.loads((folder / "config.json").read_text())
    config.update(id2label={"0": "LABEL_0"}, label2id={"LABEL_0": 0})  # one label, but no classifier weights
    (folder / "config.json").write_text(json.dumps(config))
    topics, corpus, run = data
    with pytest.raises(InputError, match=r"weights missing: classifier\.bias, classifier\.weight"):
        rerank(folder, topics, corpus, run, progress=False)
    argv = ["rerank", "--model", str(folder), "--topics", str(FIX / "topics.tsv"), "--corpus",
            str(FIX / "corpus.jsonl"), "--run", str(FIX / "run.trec"), "--out", str(tmp_path / "o.trec")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {folder}: weights missing") and not (tmp_path / "o.trec"
                                                                                                   ).exists()


def test_a_folder_with_unexpected_weights_is_refused(cross_encoder, data, tmp_path):
    import shutil

    from safetensors.numpy import load_file, save_file

    folder = tmp_path / "extra"
    shutil.copytree(cross_encoder, folder)
    state = load_file(str(folder / "model.safetensors"))
    state["bert.encoder.layer.7.output.dense.weight"] = np.zeros((2, 2), dtype=np.float32)
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    topics, corpus, run = data
    with pytest.raises(InputError, match=r"weights unexpected: bert\.encoder\.layer\.7"):
        rerank(folder, topics, corpus, run, progress=False)


def test_a_cut_off_weights_file_is_refused(cross_encoder, data, tmp_path):
    import shutil

    folder = tmp_path / "cut"
    shutil.copytree(cross_encoder, folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    topics, corpus, run = data
    with pytest.raises(InputError, match="cut off") as err:
        rerank(folder, topics, corpus, run, progress=False)
    assert err.value.path == str(weights)


def test_max_length_must_fit_the_model(cross_encoder, data):
    topics, corpus, run = data
    for bad in (4, 513):  # the pair template has 4 special tokens; 512 positions
        with pytest.raises(InputError, match=f"max_length {bad} is outside"):
            rerank(cross_encoder, topics, corpus, run, max_length=bad, progress=False)
    assert rerank(cross_encoder, topics, corpus, run, max_length=5, progress=False)  # the shortest it takes

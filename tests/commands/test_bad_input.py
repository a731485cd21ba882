"""The bad-input suite: malformed inputs to every reader, CLI command and config, one parametrised case each.

Each case writes its input files into a fresh folder, feeds them to a reader (InputError expected), a CLI command
(`csir_lib.cli.main`: exit code 2 and one `error: ...` line on stderr) or run_all.sh's entry point
(`csir_lib.pipeline.main`, the same), and checks that the message names the file (with its line where the problem
sits on one) and says what was expected, and that nothing was written: the folder holds exactly the inputs, so no
output file and no temporary file is left behind. Scattered bad-input tests elsewhere may stay; this file is the
one place that counts them (the number of parametrised cases).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from csir_lib import cli, pipeline
from csir_lib.codeswitch import switch as codeswitch
from csir_lib.core.config import load_config
from csir_lib.core.errors import InputError
from csir_lib.core.paths import ROOT
from csir_lib.data import msmarco
from csir_lib.data.formats import iter_corpus, iter_pairs, read_corpus, read_qrels, read_run, read_topics
from csir_lib.lexicons import lexicon, vectors
from csir_lib.retrieval import miracl

Files = dict[str, str | bytes]



def _tiny_tokenizer_json() -> str:
    """A four-word WordLevel tokenizer with BERT's pair template (3 special tokens), as JSON."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "what": 4, "is": 5, "a": 6, "cat": 7}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return tok.to_str()


EMPTY_SAFETENSORS = struct.pack("<Q", 2) + b"{}"  # a valid safetensors file holding no tensor
CONFIG = json.dumps({"model_type": "bert", "id2label": {"0": "LABEL_0"}, "max_position_embeddings": 512,
                     "vocab_size": 8, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 1,
                     "intermediate_size": 8})
# passes load_check and check_reranker (config, weights header, tokenizer) without being loadable: the cases using
# it fail on something read before the weights
MODEL = {"model/config.json": CONFIG, "model/model.safetensors": EMPTY_SAFETENSORS,
         "model/tokenizer.json": _tiny_tokenizer_json()}
PAIRS = "what is a cat\ta cat is an animal\t1\nwhat is a cat\tthe sky is blue\t0\n"
LEXICON = "cat\tKatze\t0.9\nanimal\tTier\t0.8\n"
TOPICS = "q1\twhat is a cat\n"
CORPUS = '{"docid": "d1", "title": "", "text": "a cat is an animal"}\n'
RUN = "q1 Q0 d1 1 3.5 first\n"
QRELS = "q1 0 d1 1\n"
VECTORS = "2 3\ncat 1 0 0\nanimal 0 1 0\n"
SPEC = {"model_dir": "{d}/model", "pairs": "{d}/pairs.tsv", "out_dir": "{d}/out", "steps": 2}


def py(function: Callable[[Path], object]) -> tuple[str, object]:
    """A case that calls a reader or loader with the case's folder; it must raise InputError."""
    return "py", function


def command(*argv: str) -> tuple[str, object]:
    """A case that runs `python -m csir_lib ARGV` (`{d}` is the case's folder); it must exit with code 2."""
    return "cli", argv


def run_all(*argv: str) -> tuple[str, object]:
    """A case that runs `run_all.sh ARGV` with results and cache under the case's folder; it must exit with 2."""
    return "run_all", argv


def spec_yaml(**changes: object) -> str:
    """A train config YAML (TrainSpec keys) with `changes`; `{d}` stands for the case's folder."""
    return "".join(f"{key}: {value}\n" for key, value in {**SPEC, **changes}.items())


def shipped(name: str, text: str, digest: str | None = None) -> Files:
    """A shipped-data folder `miracl/` with one file and a SHA256SUMS line (its true digest unless given)."""
    digest = digest or hashlib.sha256(text.encode()).hexdigest()
    return {f"miracl/{name}": text, "miracl/SHA256SUMS": f"{digest}  {name}\n"}


def freedict(index: str) -> Files:
    """A FreeDict pair: `d.index` as given and a 40-byte `d.dict`."""
    return {"d.index": index, "d.dict": "cat\nKatze\n" + "x" * 30}


CASES = [
    # ----------------------------------------------------------------------------------------------- readers
    pytest.param({"t.tsv": "q1\tcat\nq2 dog\n"}, py(lambda d: read_topics(d / "t.tsv")),
                 "{d}/t.tsv:2: ", "'qid<TAB>text'", id="topics-one-field"),
    pytest.param({"t.tsv": "q1\tcat\nq1\tdog\n"}, py(lambda d: read_topics(d / "t.tsv")),
                 "{d}/t.tsv:2: duplicate qid 'q1'", "each qid once", id="topics-duplicate-qid"),
    pytest.param({"t.tsv": b"q1\tcat\nq2\t\xff\xfe\n"}, py(lambda d: read_topics(d / "t.tsv")),
                 "{d}/t.tsv:2: invalid UTF-8", "UTF-8 text", id="topics-invalid-utf8"),
    pytest.param({"q.txt": "q1 0 d1 1\nq1 0 d2 yes\n"}, py(lambda d: read_qrels(d / "q.txt")),
                 "{d}/q.txt:2: relevance 'yes' is not an integer", "an integer rel", id="qrels-relevance-not-integer"),
    pytest.param({"q.txt": "q1 0 d1\n"}, py(lambda d: read_qrels(d / "q.txt")),
                 "{d}/q.txt:1: 3 field(s)", "'qid iter docid rel'", id="qrels-three-fields"),
    pytest.param({"r.trec": "q1 Q0 d1 1 2.5 t\nq1 Q0 d2 2 high t\n"}, py(lambda d: read_run(d / "r.trec")),
                 "{d}/r.trec:2: score 'high' is not a number", "a finite score", id="run-score-not-number"),
    pytest.param({"r.trec": "q1 Q0 d1 1 inf t\n"}, py(lambda d: read_run(d / "r.trec")),
                 "{d}/r.trec:1: score 'inf' is not finite", "a finite score", id="run-score-infinite"),
    pytest.param({"r.trec": "q1 Q0 d1 1 2.0 t\nq1 Q0 d1 2 1.0 t\n"}, py(lambda d: read_run(d / "r.trec")),
                 "{d}/r.trec:2: 'd1' ranked twice", "each (qid, docid) once", id="run-docid-twice"),
    pytest.param({"c.jsonl": CORPUS + '{"docid": "d2", "text": \n'}, py(lambda d: read_corpus(d / "c.jsonl")),
                 "{d}/c.jsonl:2: invalid JSON", "a JSON object", id="corpus-invalid-json"),
    pytest.param({"c.jsonl.gz": gzip.compress(b'{"title": "t", "text": "x"}\n', mtime=0)},
                 py(lambda d: read_corpus(d / "c.jsonl.gz")),
                 "{d}/c.jsonl.gz:1: missing string 'docid' or 'text'", "a JSON object", id="corpus-gz-no-docid"),
    pytest.param({"c.jsonl.gz": CORPUS}, py(lambda d: read_corpus(d / "c.jsonl.gz")),
                 "{d}/c.jsonl.gz:1: unreadable (Not a gzipped file", "a complete gzip file", id="corpus-gz-not-gzip"),
    pytest.param({"c.jsonl.gz": gzip.compress(CORPUS.encode() * 200, mtime=0)[:-12]},
                 py(lambda d: list(iter_corpus(d / "c.jsonl.gz"))),
                 "{d}/c.jsonl.gz:", "a complete gzip file", id="corpus-gz-cut-off"),
    pytest.param({"p.tsv": PAIRS + "q\tp\t2\n"}, py(lambda d: list(iter_pairs(d / "p.tsv"))),
                 "{d}/p.tsv:3: label '2'", "label 0 or 1", id="pairs-label-2"),
    pytest.param({"p.tsv": "q only\t1\n"}, py(lambda d: list(iter_pairs(d / "p.tsv"))),
                 "{d}/p.tsv:1: 2 tab-separated field(s)", "'query<TAB>passage<TAB>label'", id="pairs-two-fields"),
    pytest.param({"l.tsv": LEXICON + "dog\tHund\tbest\n"}, py(lambda d: lexicon.read_lexicon(d / "l.tsv")),
                 "{d}/l.tsv:3: score 'best' is not a number", lexicon.TSV_EXPECTED, id="lexicon-score-not-number"),
    pytest.param({"l.tsv": "\n\n"}, py(lambda d: lexicon.read_lexicon(d / "l.tsv")),
                 "{d}/l.tsv:1: no lexicon entries", lexicon.TSV_EXPECTED, id="lexicon-empty"),
    pytest.param({"g.txt": "cat Katze\ndog Hund Köter\n"}, py(lambda d: lexicon.read_dictionary(d / "g.txt")),
                 "{d}/g.txt:2: 3 field(s)", lexicon.MUSE_EXPECTED, id="muse-gold-three-words"),
    pytest.param(freedict("cat\tA\tK!\n"), py(lambda d: lexicon.read_freedict(d / "d.index", d / "d.dict")),
                 "{d}/d.index:1: 'K!' is not a base64 number", "offset and length in the digits",
                 id="freedict-bad-number"),
    pytest.param(freedict("cat\tA\tBA\n"), py(lambda d: lexicon.read_freedict(d / "d.index", d / "d.dict")),
                 "{d}/d.index:1: entry at 0+64 runs past the end", "offsets inside the .dict file",
                 id="freedict-offset-past-end"),
    pytest.param({"v.vec": VECTORS + "dog 1 0\n"}, py(lambda d: vectors.read_vectors(d / "v.vec")),
                 "{d}/v.vec:4: 2 value(s) after the word, not 3", vectors.EXPECTED, id="vectors-wrong-dimension"),
    pytest.param({"v.vec": "cat 1 0 x\n"}, py(lambda d: vectors.read_vectors(d / "v.vec")),
                 "{d}/v.vec:1: a value is not a number", vectors.EXPECTED, id="vectors-not-a-number"),
    pytest.param({"queries.tsv": "1\tcat\n1\tdog\n"}, py(lambda d: msmarco.read_queries(d / "queries.tsv")),
                 "{d}/queries.tsv:2: duplicate qid '1'", "each qid once", id="msmarco-queries-duplicate"),
    pytest.param({"triples.tsv": "1\t2\t3\n4\t5\n"}, py(lambda d: list(msmarco.iter_id_triples(d / "triples.tsv"))),
                 "{d}/triples.tsv:2: 2 field(s)", "'qid pos_pid neg_pid'", id="msmarco-id-triples-two-fields"),
    pytest.param({"collection.tsv": "0\tcat\nx\tdog\n"}, py(lambda d: msmarco.PassageStore(d / "collection.tsv")),
                 "{d}/collection.tsv:2: no integer pid", "'pid<TAB>passage' with an integer pid",
                 id="msmarco-collection-pid"),
    pytest.param({"top1000.dev": "1\t2\tcat\n"}, py(lambda d: list(msmarco.iter_top1000(d / "top1000.dev"))),
                 "{d}/top1000.dev:1: 3 field(s)", "'qid<TAB>pid<TAB>query<TAB>passage'", id="msmarco-top1000"),
    pytest.param(shipped("topics.miracl-v1.0-sw-dev.tsv", "1\tpaka\n2\n"),
                 py(lambda d: miracl.load_topics("sw", d / "miracl")),
                 "{d}/miracl/topics.miracl-v1.0-sw-dev.tsv:2: ", "'qid<TAB>text'", id="miracl-topics-line"),
    pytest.param(shipped("qrels.miracl-v1.0-sw-dev.tsv", "1\tQ0\t7#0\t1\n", digest="0" * 64),
                 py(lambda d: miracl.load_qrels("sw", d / "miracl")),
                 "{d}/miracl/qrels.miracl-v1.0-sw-dev.tsv: checksum mismatch", "the shipped file unchanged",
                 id="miracl-qrels-checksum"),
    pytest.param({"shard.jsonl.gz": gzip.compress(CORPUS.encode() + b"{oops\n", mtime=0)},
                 py(lambda d: miracl.passages([d / "shard.jsonl.gz"], ["d9"])),
                 "{d}/shard.jsonl.gz:2: invalid JSON", "a JSON object", id="miracl-corpus-shard"),
    # ----------------------------------------------------------------------------------------------- commands
    pytest.param({"src.vec": VECTORS, "tgt.vec": "cat 1 0\n"},
                 command("lexicon", "induce", "--src-vectors", "{d}/src.vec", "--tgt-vectors", "{d}/tgt.vec",
                         "--out", "{d}/out/lex.tsv"),
                 "{d}/tgt.vec:1: 2-dimensional vectors", "both files with the same dimension",
                 id="cli-induce-dimensions-differ"),
    pytest.param({"src.vec": VECTORS, "tgt.vec": VECTORS, "seed.txt": "cat Katze\nanimal\n"},
                 command("lexicon", "induce", "--src-vectors", "{d}/src.vec", "--tgt-vectors", "{d}/tgt.vec",
                         "--seed-dict", "{d}/seed.txt", "--out", "{d}/out/lex.tsv"),
                 "{d}/seed.txt:2: 1 field(s)", lexicon.MUSE_EXPECTED, id="cli-induce-seed-dict"),
    pytest.param({"src.vec": VECTORS, "tgt.vec": VECTORS},
                 command("lexicon", "induce", "--src-vectors", "{d}/src.vec", "--tgt-vectors", "{d}/tgt.vec",
                         "--k", "0", "--out", "{d}/out/lex.tsv"),
                 "<command line>: --k 0", "--k of at least 1", id="cli-induce-k-zero"),
    pytest.param({"lex.tsv": LEXICON, "gold.txt": "cat Katze\n\ndog\n"},
                 command("lexicon", "evaluate", "--lexicon", "{d}/lex.tsv", "--gold", "{d}/gold.txt"),
                 "{d}/gold.txt:3: 1 field(s)", lexicon.MUSE_EXPECTED, id="cli-evaluate-gold"),
    pytest.param({"in.tsv": PAIRS + "q\tp\tx\n", "de.tsv": LEXICON},
                 command("codeswitch", "--in", "{d}/in.tsv", "--out", "{d}/out/cs.tsv", "--mode", "bilingual",
                         "--lexicon", "de={d}/de.tsv"),
                 "{d}/in.tsv:3: label 'x'", "label 0 or 1", id="cli-codeswitch-pairs-cut-mid-file"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": "cat\tKatze\n"},
                 command("codeswitch", "--in", "{d}/in.tsv", "--out", "{d}/out/cs.tsv", "--mode", "multilingual",
                         "--lexicon", "de={d}/de.tsv"),
                 "{d}/de.tsv:1: 2 tab-separated field(s)", "'source<TAB>target<TAB>score'",
                 id="cli-codeswitch-lexicon"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON},
                 command("codeswitch", "--in", "{d}/in.tsv", "--out", "{d}/out/cs.tsv", "--mode", "multilingual",
                         "--p", "1.5", "--lexicon", "de={d}/de.tsv"),
                 "--p: p = 1.5 is outside [0, 1]", "a number from 0 to 1", id="cli-codeswitch-p-out-of-range"),
    pytest.param({"in.tsv": PAIRS},
                 command("codeswitch", "--in", "{d}/in.tsv", "--out", "{d}/out/cs.tsv", "--mode", "multilingual",
                         "--lexicon", "de"),
                 "--lexicon: malformed spec 'de'", "LANG=PATH", id="cli-codeswitch-lexicon-spec"),
    pytest.param({**MODEL, "pairs.tsv": PAIRS, "train.yaml": spec_yaml(stpes=2)},
                 command("train", "--config", "{d}/train.yaml"),
                 "{d}/train.yaml: unknown key(s) stpes", "keys among model_dir", id="cli-train-unknown-key"),
    pytest.param({**MODEL, "pairs.tsv": PAIRS, "train.yaml": spec_yaml() + "seed: [1\n"},
                 command("train", "--config", "{d}/train.yaml"),
                 "{d}/train.yaml:6: invalid YAML", "valid YAML", id="cli-train-invalid-yaml"),
    pytest.param({**MODEL, "train.yaml": spec_yaml()}, command("train", "--config", "{d}/train.yaml"),
                 "{d}/pairs.tsv: pairs file not found", "query<TAB>passage<TAB>label", id="cli-train-no-pairs"),
    pytest.param({**MODEL, "t.tsv": TOPICS, "c.jsonl": CORPUS, "r.trec": RUN + "q1 Q0 d7 2 1.0 first\n"},
                 command("rerank", "--model", "{d}/model", "--topics", "{d}/t.tsv", "--corpus", "{d}/c.jsonl",
                         "--run", "{d}/r.trec", "--out", "{d}/out/r.trec"),
                 "{d}/r.trec:2: document 'd7' (query 'q1') is not in the corpus", "every document of the run",
                 id="cli-rerank-unknown-document"),
    pytest.param({"t.tsv": TOPICS, "c.jsonl": CORPUS, "r.trec": RUN},
                 command("rerank", "--model", "{d}/nomodel", "--topics", "{d}/t.tsv", "--corpus", "{d}/c.jsonl",
                         "--run", "{d}/r.trec", "--out", "{d}/out/r.trec"),
                 "{d}/nomodel: model folder does not exist", "a model folder", id="cli-rerank-no-model"),
    pytest.param({"q.txt": QRELS + "q2 0 d2\n", "r.trec": RUN},
                 command("evaluate", "--qrels", "{d}/q.txt", "--run", "{d}/r.trec"),
                 "{d}/q.txt:2: 3 field(s)", "'qid iter docid rel'", id="cli-evaluate-qrels"),
    pytest.param({"q/x.txt": QRELS, "r.trec": RUN}, command("evaluate", "--qrels", "{d}/q", "--run", "{d}/r.trec"),
                 "{d}/q: is a folder, not a file", "an existing file", id="cli-evaluate-qrels-is-a-folder"),
    pytest.param({"q.txt": QRELS, "r.trec": RUN},
                 command("evaluate", "--qrels", "{d}/q.txt", "--run", "{d}/r.trec", "--metrics", "mrr@ten"),
                 "metrics: unknown metric 'mrr@ten'", "mrr, mrr@K", id="cli-evaluate-unknown-metric"),
    # ----------------------------------------------------------------------------------------------- configs
    pytest.param({"c.yaml": "profile: smoke\ntraining:\n  stpes: 3\n"}, py(lambda d: load_config(d / "c.yaml")),
                 "{d}/c.yaml: unknown key(s) training.stpes", "keys among training.systems",
                 id="config-unknown-key"),
    pytest.param({"c.yaml": "training:\n  p: 1.5\n"}, py(lambda d: load_config(d / "c.yaml")),
                 "{d}/c.yaml: training.p is 1.5, out of range", "a value in [0.0, 1.0]", id="config-out-of-range"),
    pytest.param({"c.yaml": "training:\n  batch_size: eight\n"}, py(lambda d: load_config(d / "c.yaml")),
                 "{d}/c.yaml: training.batch_size is 'eight' (str)", "int", id="config-wrong-type"),
    pytest.param({"c.yaml": "languages:\n  seen: [de, xx]\n"}, py(lambda d: load_config(d / "c.yaml")),
                 "{d}/c.yaml: unknown language code(s) 'xx'", "codes among", id="config-unknown-language"),
    pytest.param({"c.yaml": "rerank:\n  first_stage: dense\n"}, py(lambda d: load_config(d / "c.yaml")),
                 "{d}/c.yaml: rerank.first_stage is 'dense'", "one of encoder, bm25, file", id="config-bad-choice"),
    pytest.param({"c.yaml": "training:\n  steps: 3\n   seeds: [1]\n"}, py(lambda d: load_config(d / "c.yaml")),
                 "{d}/c.yaml:3: invalid YAML", "valid YAML", id="config-invalid-yaml"),
    pytest.param({}, run_all("--profile", "smoke", "--set", "training.steps"),
                 "--set: override 'training.steps'", "'section.key=value'", id="run-all-set-without-value"),
    pytest.param({}, run_all("--profile", "smoke", "--set", "training.steps=0"),
                 f"{ROOT}/configs/smoke.yaml: training.steps is 0, out of range", "a value in [1, ",
                 id="run-all-set-out-of-range"),
    pytest.param({}, run_all("--profile", "smoke", "--set", "model.max_length=long"),
                 f"{ROOT}/configs/smoke.yaml: model.max_length is 'long' (str)", "int", id="run-all-set-wrong-type"),
    pytest.param({}, run_all("--profile", "smoke", "--only", "99_nothing"),
                 f"{ROOT}/notebooks: --only 99_nothing matches no notebook", "a stem or prefix of 00_data",
                 id="run-all-only-unknown-notebook"),
]


# ------------------------------------------------------------------------------------- issue 16: hostile input
DEV = "/dev/null"
INDUCE = ("lexicon", "induce", "--src-vectors", "{d}/src.vec", "--tgt-vectors", "{d}/tgt.vec")
CS = ("codeswitch", "--in", "{d}/in.tsv", "--mode", "bilingual", "--lexicon", "de={d}/de.tsv")
RERANK = ("rerank", "--model", "{d}/model", "--topics", "{d}/t.tsv", "--corpus", "{d}/c.jsonl", "--run", "{d}/r.trec")
RERANK_FILES = {**MODEL, "t.tsv": TOPICS, "c.jsonl": CORPUS, "r.trec": RUN}
SAME = "an output path that is none of the command's inputs"
VEC2 = {"src.vec": VECTORS, "tgt.vec": VECTORS}
TRAIN = command("train", "--config", "{d}/train.yaml")


def link(target: str) -> tuple[str, str]:
    """A symbolic link to `target` (a name in the case's folder)."""
    return "symlink", target


def hard(target: str) -> tuple[str, str]:
    """A hard link to `target` (a name in the case's folder)."""
    return "hardlink", target


def train_case(yaml_text: str, where: str, expected: str, case_id: str, **extra: str | bytes) -> object:
    """A `train` case with the fake model, a valid pairs file and `yaml_text` as train.yaml."""
    return pytest.param({**MODEL, "pairs.tsv": PAIRS, "train.yaml": yaml_text, **extra}, TRAIN, where, expected,
                        id=case_id)


def reader(files: Files, function: Callable[[Path], object], where: str, expected: str, case_id: str) -> object:
    """A reader case."""
    return pytest.param(files, py(function), where, expected, id=case_id)


MORE = [
    # encodings, NUL bytes, paths that are not regular files
    reader({"t.tsv": b"q1\tcat\nq2\tdo\x00g\n"}, lambda d: read_topics(d / "t.tsv"), "{d}/t.tsv:2: NUL byte",
           "without NUL bytes", "topics-nul-byte"),
    reader({"t/x": "q1\tcat\n"}, lambda d: read_topics(d / "t"), "{d}/t: is a folder, not a file", "an existing file",
           "topics-folder"),
    reader({}, lambda d: read_topics(DEV), "/dev/null: not a regular file", "an existing file", "topics-device"),
    reader({"t.tsv": TOPICS}, lambda d: read_topics(d / "t.tsv" / "x"), "{d}/t.tsv/x: a parent of this path is a file",
           "an existing file", "topics-parent-is-a-file"),
    reader({}, lambda d: read_topics(d / "none.tsv"), "{d}/none.tsv: file not found", "an existing file",
           "topics-missing"),
    reader({"q.txt": "q1 0 d1 1_0\n"}, lambda d: read_qrels(d / "q.txt"), "{d}/q.txt:1: relevance '1_0' is not",
           "ASCII digits", "qrels-relevance-underscore"),
    reader({"q.txt": "q1 0 d1 １\n"}, lambda d: read_qrels(d / "q.txt"), "{d}/q.txt:1: relevance '１'",
           "ASCII digits", "qrels-relevance-full-width"),
    reader({"q.txt": "q1 0 d1 ٣\n"}, lambda d: read_qrels(d / "q.txt"), "{d}/q.txt:1: relevance '٣'",
           "ASCII digits", "qrels-relevance-arabic-indic"),
    reader({"q.txt": "q1 0 d1 1.0\n"}, lambda d: read_qrels(d / "q.txt"), "{d}/q.txt:1: relevance '1.0'",
           "an integer rel", "qrels-relevance-decimal"),
    reader({"q.txt": b"q1 0 d1 1\n\x00\n"}, lambda d: read_qrels(d / "q.txt"), "{d}/q.txt:2: NUL byte",
           "without NUL bytes", "qrels-nul-byte"),
    reader({"r.trec": "q1 Q0 d1 1 nan t\n"}, lambda d: read_run(d / "r.trec"), "{d}/r.trec:1: score 'nan' is not",
           "a finite score", "run-score-nan"),
    reader({"r.trec": "q1 Q0 d1 1 2.0\n"}, lambda d: read_run(d / "r.trec"), "{d}/r.trec:1: 5 field(s)",
           "'qid Q0 docid rank score tag'", "run-five-fields"),
    reader({"r.trec": b"\xef\xbb\xbf\x00"}, lambda d: read_run(d / "r.trec"), "{d}/r.trec:1: NUL byte",
           "without NUL bytes", "run-bom-then-nul"),
    reader({"c.jsonl": CORPUS + "\n" + CORPUS}, lambda d: read_corpus(d / "c.jsonl"),
           "{d}/c.jsonl:3: duplicate docid 'd1'", "each docid once", "corpus-duplicate-docid"),
    reader({"c.jsonl": '[{"docid": "d1", "text": "x"}]\n'}, lambda d: read_corpus(d / "c.jsonl"),
           "{d}/c.jsonl:1: missing string 'docid' or 'text'", "a JSON object", "corpus-array"),
    reader({"c.jsonl": '{"docid": 7, "text": "x"}\n'}, lambda d: read_corpus(d / "c.jsonl"),
           "{d}/c.jsonl:1: missing string 'docid'", "a JSON object", "corpus-numeric-docid"),
    reader({"c.jsonl": CORPUS + CORPUS},
           lambda d: __import__("csir_lib.retrieval.rerank").retrieval.rerank.read_needed_corpus(d / "c.jsonl", {"d1"}),
           "{d}/c.jsonl:2: duplicate docid 'd1' (first on line 1)", "each docid once", "needed-corpus-duplicate-docid"),
    reader({"c.jsonl": "\n"}, lambda d: read_corpus(d / "c.jsonl"), "{d}/c.jsonl: file is empty", "a JSON object",
           "corpus-empty"),
    reader({"p.tsv": "q\tp\t 1\n"}, lambda d: list(iter_pairs(d / "p.tsv")), "{d}/p.tsv:1: label ' 1'",
           "label 0 or 1", "pairs-label-with-space"),
    reader({"p.tsv": ""}, lambda d: list(iter_pairs(d / "p.tsv")), "{d}/p.tsv: file is empty", "label 0 or 1",
           "pairs-empty"),
    reader({"p.tsv": "q\tp\t" + "1" * 5000 + "\n"}, lambda d: list(iter_pairs(d / "p.tsv")), "{d}/p.tsv:1: label '111",
           "label 0 or 1", "pairs-megabyte-field-cut"),
    reader({"l.tsv": LEXICON + "dog\tHund\tnan\n"}, lambda d: lexicon.read_lexicon(d / "l.tsv"),
           "{d}/l.tsv:3: score 'nan' is not finite", lexicon.TSV_EXPECTED, "lexicon-score-nan"),
    reader({"l.tsv": "cat\t \t1\n"}, lambda d: lexicon.read_lexicon(d / "l.tsv"), "{d}/l.tsv:1: 3 tab-separated",
           lexicon.TSV_EXPECTED, "lexicon-empty-target"),
    reader({"l.tsv": LEXICON + "dog\tHund\t-inf\n"}, lambda d: codeswitch.load_switch_table(d / "l.tsv"),
           "{d}/l.tsv:3: score '-inf' is not finite", lexicon.TSV_EXPECTED, "switch-table-infinite-score"),
    reader({"l.tsv": "cat\tKatze\tNaN\n"}, lambda d: codeswitch.load_switch_table(d / "l.tsv"),
           "{d}/l.tsv:1: score 'NaN' is not finite", lexicon.TSV_EXPECTED, "switch-table-nan-score"),
    reader({"g.txt": "\n \n"}, lambda d: lexicon.read_dictionary(d / "g.txt"), "{d}/g.txt:1: no lexicon entries",
           lexicon.MUSE_EXPECTED, "dictionary-blank"),
    reader({"g/x": "cat Katze\n"}, lambda d: lexicon.read_dictionary(d / "g"), "{d}/g: is a folder", "an existing file",
           "dictionary-folder"),
    reader(freedict("cat\tA\tK\x00\n"), lambda d: lexicon.read_freedict(d / "d.index", d / "d.dict"),
           "{d}/d.index:1: NUL byte", "without NUL bytes", "freedict-nul"),
    reader({"v.vec": "5 3\ncat 1 0 0\nanimal 0 1 0\n"}, lambda d: vectors.read_vectors(d / "v.vec"),
           "{d}/v.vec:1: header promises 5 vectors, the file holds 2", vectors.EXPECTED, "vectors-cut-off"),
    reader({"v.vec": "1 3\ncat 1 0 0\nanimal 0 1 0\n"}, lambda d: vectors.read_vectors(d / "v.vec"),
           "{d}/v.vec:1: header promises 1 vectors, the file holds 2", vectors.EXPECTED, "vectors-more-than-header"),
    reader({"v.vec": "cat\nanimal\n"}, lambda d: vectors.read_vectors(d / "v.vec"),
           "{d}/v.vec:1: no numbers after the word", vectors.EXPECTED, "vectors-words-only"),
    reader({"v.vec": "cat\nanimal\n"}, lambda d: vectors.read_vectors(d / "v.vec", skip_bad_lines=True),
           "{d}/v.vec:1: no numbers after the word", vectors.EXPECTED, "vectors-words-only-skipping"),
    reader({"v.vec": VECTORS + "cat 0 0 1\n"}, lambda d: vectors.read_vectors(d / "v.vec"),
           "{d}/v.vec:4: word 'cat' again (first on line 2)", "each word once", "vectors-duplicate-word"),
    reader({"v.vec": "2 0\ncat\n"}, lambda d: vectors.read_vectors(d / "v.vec"),
           "{d}/v.vec:1: header promises 0-dimensional", vectors.EXPECTED, "vectors-zero-dimensions"),
    reader({"v.vec": b"2 3\ncat 1 0 0\nani\x00mal 0 1 0\n"}, lambda d: vectors.read_vectors(d / "v.vec"),
           "{d}/v.vec:3: NUL byte", "without NUL bytes", "vectors-nul-byte"),
    reader({"v.vec": "cat 1 0 inf\n"}, lambda d: vectors.read_vectors(d / "v.vec"),
           "{d}/v.vec:1: a value is not finite",
           vectors.EXPECTED, "vectors-infinite"),
    reader({"v.vec": "2 3\n"}, lambda d: vectors.read_vectors(d / "v.vec"), "{d}/v.vec:1: header promises 2 vectors",
           vectors.EXPECTED, "vectors-header-only"),
    # configs
    reader({"c.yaml": "training:\n  p: .nan\n"}, lambda d: load_config(d / "c.yaml"), "{d}/c.yaml: training.p is nan",
           "a finite number", "config-nan"),
    reader({"c.yaml": "training:\n  learning_rate: .inf\n"}, lambda d: load_config(d / "c.yaml"),
           "{d}/c.yaml: training.learning_rate is inf", "a finite number", "config-infinite"),
    reader({"c.yaml": "training:\n  seeds: [1, -1]\n"}, lambda d: load_config(d / "c.yaml"),
           "{d}/c.yaml: training.seeds is -1, out of range", "a value in [0, 4294967295]", "config-seed-negative"),
    reader({"c.yaml": "training:\n  seeds: [1099511627776]\n"}, lambda d: load_config(d / "c.yaml"),
           "{d}/c.yaml: training.seeds is 1099511627776", "a value in [0, 4294967295]", "config-seed-too-large"),
    reader({"c.yaml": "data:\n  split_seed: -3\n"}, lambda d: load_config(d / "c.yaml"),
           "{d}/c.yaml: data.split_seed is -3", "a value in [0, 4294967295]", "config-split-seed"),
    reader({"c.yaml": "training:\n  steps: 3\n  steps: 4\n"}, lambda d: load_config(d / "c.yaml"),
           "{d}/c.yaml:3: invalid YAML (duplicate key 'steps')", "each key once", "config-duplicate-key"),
    reader({"c.yaml": "training:\n  steps: 3\ntraining:\n  p: 0.1\n"}, lambda d: load_config(d / "c.yaml"),
           "{d}/c.yaml:3: invalid YAML (duplicate key 'training')", "each key once", "config-duplicate-section"),
    reader({"c.yaml": b"training:\n  steps: 3 # caf\xe9\n"}, lambda d: load_config(d / "c.yaml"),
           "{d}/c.yaml: invalid UTF-8", "a UTF-8 YAML file", "config-not-utf8"),
    reader({"c.yaml": "- training\n"}, lambda d: load_config(d / "c.yaml"), "{d}/c.yaml: the config is a list",
           "a mapping", "config-is-a-list"),
    reader({"c.yaml/x": "a: 1\n"}, lambda d: load_config(d / "c.yaml"), "{d}/c.yaml: is a folder", "a YAML file",
           "config-is-a-folder"),
    reader({"c.yaml": "training: 5\n"}, lambda d: load_config(d / "c.yaml"), "{d}/c.yaml: section training. is int",
           "a mapping", "config-section-not-mapping"),
    reader({"c.yaml": "training:\n  steps: true\n"}, lambda d: load_config(d / "c.yaml"),
           "{d}/c.yaml: training.steps is True (bool)", "int", "config-bool-for-int"),
    reader({}, lambda d: __import__("csir_lib.core.config").core.config.parse_override("training.steps=[1"),
           "--set: override 'training.steps=[1': invalid YAML value", "with a YAML value", "override-bad-yaml"),
    reader({}, lambda d: __import__("csir_lib.core.config").core.config.parse_override("profile=paper"),
           "--set: override 'profile' would relabel", "--profile NAME", "override-profile"),
    train_case(spec_yaml(seed=-1), "{d}/train.yaml: seed is -1, out of range", "a value in [0, 4294967295]",
               "cli-train-seed-negative"),
    train_case(spec_yaml(seed=2**40), "{d}/train.yaml: seed is 1099511627776", "a value in [0, 4294967295]",
               "cli-train-seed-too-large"),
    train_case(spec_yaml(learning_rate=".nan"), "{d}/train.yaml: learning_rate is nan", "a finite number",
               "cli-train-nan-learning-rate"),
    train_case(spec_yaml() + "steps: 3\n", "{d}/train.yaml:5: invalid YAML (duplicate key 'steps')", "each key once",
               "cli-train-duplicate-key"),
    train_case(spec_yaml().encode() + b"# \xff\n", "{d}/train.yaml: invalid UTF-8", "a UTF-8 YAML file",
               "cli-train-config-not-utf8"),
    pytest.param({**MODEL, "pairs.tsv": PAIRS, "train.yaml/x": "a"}, TRAIN, "{d}/train.yaml: is a folder",
                 "a YAML file", id="cli-train-config-is-a-folder"),
    train_case(spec_yaml(pairs="{d}"), "{d}: is a folder, not a file", "query<TAB>passage<TAB>label",
               "cli-train-pairs-is-a-folder"),
    train_case(spec_yaml(out_dir="{d}/pairs.tsv"), "{d}/pairs.tsv: out_dir is an existing file", "a folder path",
               "cli-train-out-dir-is-a-file"),
    train_case(spec_yaml(out_dir="{d}/pairs.tsv/out"), "{d}/pairs.tsv/out: out_dir's parent", "parents are folders",
               "cli-train-out-dir-parent-is-a-file"),
    train_case(spec_yaml(out_dir="{d}/model"), "{d}/model: out_dir would write over or into the input",
               "none of the inputs", "cli-train-out-dir-is-the-model"),
    train_case(spec_yaml(out_dir="{d}", model_dir="{d}/model"), "{d}: out_dir would write over or into the input",
               "none of the inputs", "cli-train-model-is-out-dir-model"),
    train_case(spec_yaml(out_dir="{d}/o", pairs="{d}/o/loss.csv"), "{d}/o: out_dir would write over",
               "none of the inputs", "cli-train-pairs-is-loss-csv", **{"o/loss.csv": PAIRS}),
    train_case(spec_yaml(pairs="{d}/bad.tsv"), "{d}/bad.tsv:3: label 'x'", "label 0 or 1",
               "cli-train-bad-pair-leaves-nothing", **{"bad.tsv": PAIRS + "q\tp\tx\n"}),
    train_case(spec_yaml(pairs="{d}/bad.tsv"), "{d}/bad.tsv:3: 1 tab-separated", "label 0 or 1",
               "cli-train-bad-pair-existing-out-dir", **{"bad.tsv": PAIRS + "q\n", "out/notes.txt": "mine"}),
    pytest.param({**MODEL, "pairs.tsv": PAIRS, "train.yaml": spec_yaml()},
                 command("train", "--config", "{d}/train.yaml", "--resume", "--restart"),
                 "python -m csir_lib train: argument --restart: not allowed with argument --resume", "",
                 id="cli-train-resume-and-restart"),
    # lexicon induce / evaluate
    pytest.param(VEC2, command(*INDUCE, "--out", "{d}/src.vec"), "{d}/src.vec: --out is the input {d}/src.vec", SAME,
                 id="cli-induce-out-is-src"),
    pytest.param(VEC2, command(*INDUCE, "--out", "{d}/tgt.vec"), "{d}/tgt.vec: --out is the input", SAME,
                 id="cli-induce-out-is-tgt"),
    pytest.param({**VEC2, "seed.txt": "cat cat\n"}, command(*INDUCE, "--seed-dict", "{d}/seed.txt", "--out",
                                                            "{d}/seed.txt"),
                 "{d}/seed.txt: --out is the input", SAME, id="cli-induce-out-is-seed-dict"),
    pytest.param({**VEC2, "lex.tsv": link("src.vec")}, command(*INDUCE, "--out", "{d}/lex.tsv"),
                 "{d}/lex.tsv: --out is the input {d}/src.vec", SAME, id="cli-induce-out-symlink-to-src"),
    pytest.param({**VEC2, "lex.tsv": hard("tgt.vec")}, command(*INDUCE, "--out", "{d}/lex.tsv"),
                 "{d}/lex.tsv: --out is the input {d}/tgt.vec (the same file by a link)", SAME,
                 id="cli-induce-out-hardlink-to-tgt"),
    pytest.param({**VEC2, "out/x": "keep"}, command(*INDUCE, "--out", "{d}/out"),
                 "{d}/out: --out is an existing folder",
                 "a file path", id="cli-induce-out-is-a-folder"),
    pytest.param(VEC2, command(*INDUCE, "--out", "{d}/src.vec/lex.tsv"), "{d}/src.vec/lex.tsv: --out's parent",
                 "parents are folders", id="cli-induce-out-parent-is-a-file"),
    pytest.param({"tgt.vec": VECTORS}, command("lexicon", "induce", "--src-vectors", DEV, "--tgt-vectors",
                                               "{d}/tgt.vec", "--out", "{d}/o.tsv"),
                 "/dev/null: not a regular file", "an existing file", id="cli-induce-src-is-a-device"),
    pytest.param({"tgt.vec": VECTORS, "src/x": "y"}, command(*INDUCE, "--out", "{d}/o.tsv"),
                 "{d}/src.vec: file not found", "an existing file", id="cli-induce-src-missing"),
    pytest.param({"src.vec": "cat\nanimal\n", "tgt.vec": VECTORS}, command(*INDUCE, "--out", "{d}/o/l.tsv"),
                 "{d}/src.vec:1: no numbers after the word", vectors.EXPECTED, id="cli-induce-words-without-numbers"),
    pytest.param({"src.vec": "9 3\n" + VECTORS[4:], "tgt.vec": VECTORS}, command(*INDUCE, "--out", "{d}/o/l.tsv"),
                 "{d}/src.vec:1: header promises 9 vectors", vectors.EXPECTED, id="cli-induce-cut-off-vectors"),
    pytest.param({"src.vec": VECTORS, "tgt.vec": VECTORS + "cat 1 1 1\n"}, command(*INDUCE, "--out", "{d}/o/l.tsv"),
                 "{d}/tgt.vec:4: word 'cat' again", "each word once", id="cli-induce-duplicate-word"),
    pytest.param(VEC2, command(*INDUCE, "--top", "-1", "--out", "{d}/o/l.tsv"), "<command line>: --top -1",
                 "--top of at least 1", id="cli-induce-top-negative"),
    pytest.param(VEC2, command(*INDUCE, "--method", "cos", "--out", "{d}/o/l.tsv"),
                 "argument --method: invalid choice: 'cos' (choose from 'nn', 'csls')", "", id="cli-induce-bad-method"),
    pytest.param(VEC2, command(*INDUCE, "--k", "ten", "--out", "{d}/o/l.tsv"),
                 "argument --k: invalid int value: 'ten'", "", id="cli-induce-k-not-a-number"),
    pytest.param(VEC2, command(*INDUCE), "the following arguments are required: --out", "", id="cli-induce-no-out"),
    pytest.param({"lex.tsv": LEXICON, "gold.txt": b"cat Katze\n\x00\n"},
                 command("lexicon", "evaluate", "--lexicon", "{d}/lex.tsv", "--gold", "{d}/gold.txt"),
                 "{d}/gold.txt:2: NUL byte", "without NUL bytes", id="cli-evaluate-lexicon-gold-nul"),
    pytest.param({"lex.tsv": LEXICON + "x\ty\tinf\n", "gold.txt": "cat Katze\n"},
                 command("lexicon", "evaluate", "--lexicon", "{d}/lex.tsv", "--gold", "{d}/gold.txt"),
                 "{d}/lex.tsv:3: score 'inf' is not finite", lexicon.TSV_EXPECTED, id="cli-evaluate-lexicon-inf"),
    pytest.param({"lex.tsv": LEXICON, "gold.txt": "cat Katze\n"},
                 command("lexicon", "evaluate", "--lexicon", "{d}/lex.tsv", "--gold", "{d}/gold.txt", "--normalise",
                         "nfd"), "argument --normalise: invalid choice: 'nfd'", "", id="cli-evaluate-lexicon-form"),
    pytest.param({}, command("lexicon"), "the following arguments are required: ACTION", "",
                 id="cli-lexicon-no-action"),
    pytest.param({}, command("translate"), "argument COMMAND: invalid choice: 'translate' (choose from", "",
                 id="cli-unknown-command"),
    # codeswitch
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON}, command(*CS, "--out", "{d}/in.tsv"),
                 "{d}/in.tsv: --out is the input {d}/in.tsv", SAME, id="cli-codeswitch-out-is-in"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON}, command(*CS, "--out", "{d}/de.tsv"),
                 "{d}/de.tsv: --out is the input {d}/de.tsv", SAME, id="cli-codeswitch-out-is-lexicon"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON, "o.tsv": link("in.tsv")}, command(*CS, "--out", "{d}/o.tsv"),
                 "{d}/o.tsv: --out is the input {d}/in.tsv", SAME, id="cli-codeswitch-out-symlink-to-in"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON, "o.tsv": hard("de.tsv")}, command(*CS, "--out", "{d}/o.tsv"),
                 "{d}/o.tsv: --out is the input {d}/de.tsv (the same file by a link)", SAME,
                 id="cli-codeswitch-out-hardlink-to-lexicon"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON, "o/x": "y"}, command(*CS, "--out", "{d}/o"),
                 "{d}/o: --out is an existing folder", "a file path", id="cli-codeswitch-out-is-a-folder"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON}, command(*CS, "--out", "{d}/in.tsv/o.tsv"),
                 "{d}/in.tsv/o.tsv: --out's parent", "parents are folders", id="cli-codeswitch-out-parent-is-a-file"),
    pytest.param({"in.tsv": PAIRS, "xx.tsv": LEXICON},
                 command("codeswitch", "--in", "{d}/in.tsv", "--out", "{d}/o.tsv", "--mode", "bilingual", "--lexicon",
                         "xx={d}/xx.tsv"), "--lexicon: unknown language code(s) 'xx'", "codes among",
                 id="cli-codeswitch-unknown-language"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON}, command(*CS, "--seed", "-1", "--out", "{d}/o.tsv"),
                 "--seed: '-1' is not an integer", "an integer from 0 to 4294967295",
                 id="cli-codeswitch-seed-negative"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON}, command(*CS, "--seed", str(2**40), "--out", "{d}/o.tsv"),
                 "--seed: '1099511627776' is out of range", "an integer from 0 to 4294967295",
                 id="cli-codeswitch-seed-too-large"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON}, command(*CS, "--seed", "1_0", "--out", "{d}/o.tsv"),
                 "--seed: '1_0' is not an integer", "an integer from 0", id="cli-codeswitch-seed-underscore"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON}, command(*CS, "--p", "nan", "--out", "{d}/o.tsv"),
                 "--p: p = nan is outside [0, 1]", "a number from 0 to 1", id="cli-codeswitch-p-nan"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON + "dog\tHund\tnan\n"}, command(*CS, "--out", "{d}/o/o.tsv"),
                 "{d}/de.tsv:3: score 'nan' is not finite", lexicon.TSV_EXPECTED, id="cli-codeswitch-lexicon-nan"),
    pytest.param({"in.tsv/x": PAIRS, "de.tsv": LEXICON}, command(*CS, "--out", "{d}/o.tsv"),
                 "{d}/in.tsv: is a folder, not a file", "an existing file", id="cli-codeswitch-in-is-a-folder"),
    pytest.param({"de.tsv": LEXICON}, command("codeswitch", "--in", DEV, "--out", "{d}/o.tsv", "--mode", "bilingual",
                                              "--lexicon", "de={d}/de.tsv"),
                 "/dev/null: not a regular file", "an existing file", id="cli-codeswitch-in-is-a-device"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON}, command(*CS, "--mode", "trilingual", "--out", "{d}/o.tsv"),
                 "--mode: unknown mode 'trilingual'", "bilingual or multilingual", id="cli-codeswitch-bad-mode"),
    pytest.param({"in.tsv": b"\xef\xbb\xbfq\tp\t1\nq\tp\t\x00\n", "de.tsv": LEXICON},
                 command(*CS, "--out", "{d}/o/o.tsv"), "{d}/in.tsv:2: NUL byte", "without NUL bytes",
                 id="cli-codeswitch-nul-mid-file"),
    pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON}, command("codeswitch", "--in", "{d}/in.tsv", "--mode", "wiki"),
                 "the following arguments are required: --out", "", id="cli-codeswitch-no-out"),
    # rerank
    pytest.param(RERANK_FILES, command(*RERANK, "--out", "{d}/r.trec"), "{d}/r.trec: --out is the input {d}/r.trec",
                 SAME, id="cli-rerank-out-is-run"),
    pytest.param(RERANK_FILES, command(*RERANK, "--out", "{d}/t.tsv"), "{d}/t.tsv: --out is the input", SAME,
                 id="cli-rerank-out-is-topics"),
    pytest.param(RERANK_FILES, command(*RERANK, "--out", "{d}/c.jsonl"), "{d}/c.jsonl: --out is the input", SAME,
                 id="cli-rerank-out-is-corpus"),
    pytest.param(RERANK_FILES, command(*RERANK, "--out", "{d}/model/config.json"),
                 "{d}/model/config.json: --out is the input {d}/model", SAME, id="cli-rerank-out-inside-model"),
    pytest.param({**RERANK_FILES, "o.trec": link("r.trec")}, command(*RERANK, "--out", "{d}/o.trec"),
                 "{d}/o.trec: --out is the input {d}/r.trec", SAME, id="cli-rerank-out-symlink-to-run"),
    pytest.param({**RERANK_FILES, "o.trec": hard("r.trec")}, command(*RERANK, "--out", "{d}/o.trec"),
                 "{d}/o.trec: --out is the input {d}/r.trec (the same file by a link)", SAME,
                 id="cli-rerank-out-hardlink-to-run"),
    pytest.param({**RERANK_FILES, "o/x": "y"}, command(*RERANK, "--out", "{d}/o"), "{d}/o: --out is an existing folder",
                 "a file path", id="cli-rerank-out-is-a-folder"),
    pytest.param(RERANK_FILES, command(*RERANK, "--out", "{d}/r.trec/o"), "{d}/r.trec/o: --out's parent",
                 "parents are folders", id="cli-rerank-out-parent-is-a-file"),
    pytest.param(RERANK_FILES, command(*RERANK, "--max-length", "3", "--out", "{d}/o.trec"),
                 "{d}/model: max_length 3 is outside", "from 4 (3 special tokens + 1) to 512",
                 id="cli-rerank-max-length-below-specials"),
    pytest.param(RERANK_FILES, command(*RERANK, "--max-length", "513", "--out", "{d}/o.trec"),
                 "{d}/model: max_length 513 is outside", "to 512 (its position embeddings)",
                 id="cli-rerank-max-length-beyond-positions"),
    pytest.param({**RERANK_FILES, "model/config.json": CONFIG.replace("512", "64")},
                 command(*RERANK, "--out", "{d}/o.trec"), "{d}/model: max_length 512 is outside", "to 64",
                 id="cli-rerank-default-max-length-too-long"),
    pytest.param({**RERANK_FILES, "model/config.json": CONFIG.replace('"bert"', '"xlm-roberta"').replace(
                 '"id2label"', '"pad_token_id": 1, "id2label"')}, command(*RERANK, "--out", "{d}/o.trec"),
                 "{d}/model: max_length 512 is outside", "to 510 (its position embeddings)",
                 id="cli-rerank-roberta-position-offset"),
    pytest.param({**RERANK_FILES, "model/config.json": '{"model_type": "bertt"}'},
                 command(*RERANK, "--out", "{d}/o.trec"), "{d}/model/config.json: model_type 'bertt' is not one",
                 "a known model_type", id="cli-rerank-unknown-model-type"),
    pytest.param({**RERANK_FILES, "model/config.json": "[1]"}, command(*RERANK, "--out", "{d}/o.trec"),
                 "{d}/model/config.json: model_type None", "a known model_type", id="cli-rerank-config-is-a-list"),
    pytest.param({**RERANK_FILES, "model/model.safetensors": struct.pack("<Q", 999) + b"{}"},
                 command(*RERANK, "--out", "{d}/o.trec"), "{d}/model/model.safetensors: cut off: 10 bytes",
                 "a complete safetensors file", id="cli-rerank-safetensors-header-cut"),
    pytest.param({**RERANK_FILES, "model/model.safetensors": struct.pack("<Q", 62) +
                  b'{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}' + b"\0" * 8},
                 command(*RERANK, "--out", "{d}/o.trec"), "{d}/model/model.safetensors: cut off: 78 bytes, its header "
                 "needs 86", "a complete safetensors file", id="cli-rerank-safetensors-data-cut"),
    pytest.param({**RERANK_FILES, "model/model.safetensors": b"\1\2"}, command(*RERANK, "--out", "{d}/o.trec"),
                 "{d}/model/model.safetensors: cut off: 2 bytes", "a complete safetensors file",
                 id="cli-rerank-safetensors-two-bytes"),
    pytest.param({**RERANK_FILES, "c.jsonl": CORPUS + CORPUS}, command(*RERANK, "--max-length", "64", "--out",
                                                                      "{d}/o.trec"),
                 "{d}/c.jsonl:2: duplicate docid 'd1' (first on line 1)", "each docid once",
                 id="cli-rerank-corpus-duplicate-docid"),
    pytest.param({**RERANK_FILES, "t.tsv": TOPICS + "q2\t" + "x" * 10**6 + "\n" + "q2\tagain\n"},
                 command(*RERANK, "--max-length", "64", "--out", "{d}/o.trec"), "{d}/t.tsv:3: duplicate qid 'q2'",
                 "each qid once", id="cli-rerank-megabyte-topic"),
    pytest.param(RERANK_FILES, command(*RERANK, "--depth", "0", "--out", "{d}/o.trec"),
                 "argument --depth: 0 is not a positive integer", "", id="cli-rerank-depth-zero"),
    pytest.param(RERANK_FILES, command(*RERANK, "--batch-tokens", "many", "--out", "{d}/o.trec"),
                 "argument --batch-tokens: invalid _positive value: 'many'", "", id="cli-rerank-batch-tokens-word"),
    pytest.param({"t.tsv": TOPICS, "c.jsonl": CORPUS, "r.trec": RUN, "model": "not a folder"},
                 command(*RERANK, "--out", "{d}/o.trec"),
                 "{d}/model: model folder does not exist", "a model folder", id="cli-rerank-model-is-a-file"),
    # evaluate
    pytest.param({"q.txt": "q1 0 d1 1_0\n", "r.trec": RUN}, command("evaluate", "--qrels", "{d}/q.txt", "--run",
                                                                     "{d}/r.trec"),
                 "{d}/q.txt:1: relevance '1_0'", "ASCII digits", id="cli-evaluate-relevance-underscore"),
    pytest.param({"q.txt": QRELS}, command("evaluate", "--qrels", "{d}/q.txt", "--run", DEV),
                 "/dev/null: not a regular file", "an existing file", id="cli-evaluate-run-is-a-device"),
    pytest.param({"q.txt": QRELS, "r.trec": RUN}, command("evaluate", "--qrels", "{d}/q.txt", "--run", "{d}/r.trec",
                                                         "--depth", "x"),
                 "argument --depth: invalid int value: 'x'", "", id="cli-evaluate-depth-not-a-number"),
    # run_all.sh
    pytest.param({}, run_all("--profile", "smoke", "--set", "profile=paper"), "--set: override 'profile' would relabel",
                 "--profile NAME", id="run-all-set-profile"),
    pytest.param({}, run_all("--profile", "smoke", "--only", ""), "--only has an empty name", "a stem or prefix",
                 id="run-all-only-empty"),
    pytest.param({}, run_all("--profile", "smoke", "--set", "training.steps=[1"),
                 "--set: override 'training.steps=[1': invalid YAML value", "with a YAML value",
                 id="run-all-set-bad-yaml"),
    pytest.param({}, run_all("--profile", "smoke", "--set", "training.p=.nan"),
                 f"{ROOT}/configs/smoke.yaml: training.p is nan", "a finite number", id="run-all-set-nan"),
    pytest.param({}, run_all("--profile", "smoke", "--set", "training.seeds=[-1]"),
                 f"{ROOT}/configs/smoke.yaml: training.seeds is -1", "a value in [0, 4294967295]",
                 id="run-all-set-negative-seed"),
    pytest.param({}, run_all("--profile", "tiny"), "argument --profile: invalid choice: 'tiny' (choose from", "",
                 id="run-all-unknown-profile"),
    pytest.param({"results": "a file"}, run_all("--profile", "smoke"), "results_dir is an existing file",
                 "a folder path",
                 id="run-all-results-dir-is-a-file"),
    train_case(spec_yaml(max_length=1024), "{d}/model/config.json: max_length 1024 exceeds the model's 512 positions",
               "max_length of at most 512", "cli-train-max-length-beyond-positions"),
    train_case(spec_yaml(steps=".nan"), "{d}/train.yaml: steps is nan (float)", "int", "cli-train-steps-nan"),
    pytest.param({"q.txt": QRELS, "r.trec": RUN}, command("evaluate", "--qrels", "{d}/q.txt", "--run", "{d}/r.trec",
                                                         "--depth", "0"),
                 "depth: depth 0", "a positive integer", id="cli-evaluate-depth-zero"),
    pytest.param({"q.txt": QRELS, "r.trec": RUN}, command("evaluate", "--qrels", "{d}/q.txt", "--run", "{d}/r.trec",
                                                         "--metrics"),
                 "argument --metrics: expected at least one argument", "", id="cli-evaluate-metrics-empty"),
    # issue 15: worker counts and plans
    *[pytest.param({"in.tsv": PAIRS, "de.tsv": LEXICON}, command(*CS, "--out", "{d}/o.tsv", f"--workers={n}"),
                   f"--workers: {shown}", "an integer from 1 (one process) to 256", id=f"cli-codeswitch-workers-{n}")
      for n, shown in (("0", "0 workers"), ("-2", "-2 workers"), ("two", "'two' is not an integer"))],
    pytest.param({}, command("plan", "--profile", "tiny"), "argument --profile: invalid choice: 'tiny'", "",
                 id="cli-plan-unknown-profile"),
    pytest.param({}, command("plan", "--profile", "smoke", "--set", "training.steps=0"),
                 f"{ROOT}/configs/smoke.yaml: training.steps is 0, out of range", "a value in [1, 10000000]",
                 id="cli-plan-bad-override"),
    pytest.param({}, run_all("--plan", "--profile", "smoke", "--force"), "run_all.sh: --plan prints the plan",
                 "no --only or --force with it", id="run-all-plan-with-force"),
]
CASES = CASES + MORE


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and every folder (None) under `folder`, hidden ones included, by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None for p in folder.rglob("*")}


def make_files(folder: Path, files: Files | dict) -> None:
    """Write the case's files; `{d}` in text stands for `folder`; link() and hard() entries become links."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, tuple):
            kind, target = content
            (path.symlink_to if kind == "symlink" else path.hardlink_to)(folder / target)
            continue
        data = content if isinstance(content, bytes) else content.replace("{d}", str(folder)).encode()
        path.write_bytes(data)


def run_case(kind: str, what: object, folder: Path, capsys) -> str:
    """Run one case and return its one-line message (the exception's, or stderr's after `error: `)."""
    if kind == "py":
        with pytest.raises(InputError) as err:
            what(folder)
        assert "\n" not in str(err.value)
        return str(err.value)
    argv = [arg.replace("{d}", str(folder)) for arg in what]
    if kind == "run_all":  # results and cache in the case's folder, never the repository's
        argv += ["--set", f"cache_dir={folder / 'cache'}",
                 "--set", f"results_dir={os.path.relpath(folder / 'results', ROOT)}"]
    try:
        code = (cli.main if kind == "cli" else pipeline.main)(argv)
    except SystemExit as exit_:  # argparse's refusals
        code = exit_.code
    out, err_text = capsys.readouterr()
    assert code == 2 and out == "", (code, out, err_text)
    assert err_text.startswith("error: ") and err_text.count("\n") == 1, err_text
    return err_text.removeprefix("error: ").rstrip("\n")


@pytest.mark.parametrize(("files", "action", "where", "expected"), CASES)
def test_bad_input_gives_one_clear_error_and_writes_nothing(tmp_path, capsys, files, action, where, expected):
    make_files(tmp_path, files)
    before = snapshot(tmp_path)
    message = run_case(*action, tmp_path, capsys)
    assert where.replace("{d}", str(tmp_path)) in message, message  # names the file (and line) or the option
    if expected:  # argparse's own refusals name the option and its valid choices instead
        assert expected in message.partition("; expected ")[2], message  # and says what was expected
    assert len(message) < 2500, len(message)  # a megabyte field is cut, not echoed
    assert snapshot(tmp_path) == before  # inputs byte-identical; no output, temporary file, lock or work folder


def test_the_suite_has_at_least_120_cases() -> None:
    assert len(CASES) >= 120 and len({case.id for case in CASES}) == len(CASES)


def test_failpoint_spec_is_checked(monkeypatch) -> None:
    from csir_lib.core import faults

    monkeypatch.setattr(faults, "_SPEC", "codeswitch:0")  # CSIR_FAILPOINT as read at import
    with pytest.raises(InputError, match=r"^CSIR_FAILPOINT: CSIR_FAILPOINT='codeswitch:0'; expected NAME or NAME:N"):
        faults.failpoint("codeswitch")
    monkeypatch.setattr(faults, "_SPEC", "rerank:3")  # another failpoint's name: nothing happens here
    faults.failpoint("codeswitch")
    assert json.dumps(faults.parse_spec("train:2")) == '["train", 2]'


# ----------------------------------------------------------------------- property: no --out may replace an input
OUT_COMMANDS = {  # command -> (its files, argv with {out}, the inputs --out is pointed at)
    "lexicon-induce": ({"src.vec": VECTORS, "tgt.vec": VECTORS, "seed.txt": "cat cat\n"},
                       (*INDUCE, "--seed-dict", "{d}/seed.txt", "--out", "{out}"), ("src.vec", "tgt.vec", "seed.txt")),
    "codeswitch": ({"in.tsv": PAIRS, "de.tsv": LEXICON, "ru.tsv": LEXICON},
                   ("codeswitch", "--in", "{d}/in.tsv", "--mode", "multilingual", "--lexicon", "de={d}/de.tsv",
                    "--lexicon", "ru={d}/ru.tsv", "--out", "{out}"), ("in.tsv", "de.tsv", "ru.tsv")),
    "rerank": (RERANK_FILES, (*RERANK, "--out", "{out}"),
               ("t.tsv", "c.jsonl", "r.trec", "model/config.json", "model/tokenizer.json", "model/model.safetensors")),
}
OUT_CASES = [pytest.param(name, target, how, id=f"{name}-{target}-{how}")
             for name, (_, _, inputs) in OUT_COMMANDS.items() for target in inputs
             for how in ("same", "dotted", "symlink", "hardlink", "symlinked-folder")]


@pytest.mark.parametrize(("name", "target", "how"), OUT_CASES)
def test_out_pointing_at_any_input_is_refused_and_the_input_kept(tmp_path, capsys, name, target, how):
    files, argv, _ = OUT_COMMANDS[name]
    make_files(tmp_path, files)
    out = {"same": tmp_path / target, "dotted": tmp_path / "." / "x" / ".." / target, "symlink": tmp_path / "link",
           "hardlink": tmp_path / "hard", "symlinked-folder": tmp_path / "alias" / target}[how]
    if how == "symlink":
        out.symlink_to(tmp_path / target)
    elif how == "hardlink":
        out.hardlink_to(tmp_path / target)
    elif how == "symlinked-folder":
        (tmp_path / "alias").symlink_to(tmp_path)
    (tmp_path / "x").mkdir()
    before = snapshot(tmp_path)
    message = run_case("cli", [a.replace("{out}", str(out)) for a in argv], tmp_path, capsys)
    assert "--out is the input" in message and str(out) in message, message
    assert snapshot(tmp_path) == before


TRAIN_OUT = {  # out_dir (under the case's folder) and where model_dir and pairs are, so training would overwrite one
    "out-dir-is-model": ("model", "model", "pairs.tsv"),
    "model-is-out-model": ("o", "o/model", "pairs.tsv"),
    "model-inside-out-work": ("o", "o/.work/m", "pairs.tsv"),
    "out-dir-inside-model": ("model/o", "model", "pairs.tsv"),
    "pairs-is-loss-csv": ("o", "model", "o/loss.csv"),
    "pairs-is-stamp": ("o", "model", "o/training.json"),
    "pairs-inside-arrow": ("o", "model", "o/.arrow/p.tsv"),
    "pairs-is-lock": ("o", "model", "o/.lock"),
}


@pytest.mark.parametrize("case", TRAIN_OUT)
def test_train_out_dir_over_an_input_is_refused(tmp_path, capsys, case):
    out_dir, model_dir, pairs = TRAIN_OUT[case]
    files = {f"{model_dir}/{name.removeprefix('model/')}": content for name, content in MODEL.items()}
    make_files(tmp_path, {**files, pairs: PAIRS, "train.yaml": spec_yaml(
        out_dir=f"{{d}}/{out_dir}", model_dir=f"{{d}}/{model_dir}", pairs=f"{{d}}/{pairs}")})
    before = snapshot(tmp_path)
    message = run_case("cli", ("train", "--config", "{d}/train.yaml"), tmp_path, capsys)
    assert f"{tmp_path / out_dir}: out_dir would write over or into the input" in message, message
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------- encodings: a BOM is dropped by every reader
BOM = "\ufeff"


@pytest.mark.parametrize(("name", "text", "read", "value"), [
    ("t.tsv", TOPICS, read_topics, {"q1": "what is a cat"}),
    ("q.txt", QRELS, read_qrels, {"q1": {"d1": 1}}),
    ("r.trec", RUN, read_run, {"q1": {"d1": 3.5}}),
    ("c.jsonl", CORPUS, lambda p: list(read_corpus(p)), ["d1"]),
    ("p.tsv", PAIRS, lambda p: next(iter_pairs(p)), ("what is a cat", "a cat is an animal", 1)),
    ("l.tsv", LEXICON, lambda p: lexicon.read_lexicon(p).best("cat"), "Katze"),
    ("g.txt", "cat Katze\n", lambda p: lexicon.read_dictionary(p).best("cat"), "Katze"),
    ("s.tsv", LEXICON, lambda p: codeswitch.load_switch_table(p)["cat"], "Katze"),
    ("v.vec", VECTORS, lambda p: vectors.read_vectors(p)[0], ["cat", "animal"]),
    ("w.vec", "cat 1 0\n", lambda p: vectors.read_vectors(p)[0], ["cat"]),
    ("c.yaml", "training:\n  steps: 3\n", lambda p: load_config(p).training.steps, 3),
], ids=lambda v: v if isinstance(v, str) and len(v) < 8 else "")
def test_a_byte_order_mark_is_dropped_by_every_reader(tmp_path, name, text, read, value):
    plain, marked = tmp_path / name, tmp_path / f"bom-{name}"
    plain.write_text(text, encoding="utf-8")
    marked.write_text(BOM + text, encoding="utf-8")
    assert read(marked) == read(plain) == value


def test_lexicon_evaluate_compares_nfc_forms(tmp_path, capsys):
    nfd, nfc = "cafe\u0301", "caf\u00e9"  # é as e + combining accent, and as one code point
    (tmp_path / "lex.tsv").write_text(f"{nfd}\tKaffee\t1\nhouse\tHaus\t1\n", encoding="utf-8")
    (tmp_path / "gold.txt").write_text(f"{nfc} Kaffee\nhouse Haus\n", encoding="utf-8")
    argv = ["lexicon", "evaluate", "--lexicon", str(tmp_path / "lex.tsv"), "--gold", str(tmp_path / "gold.txt")]
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out)["P@1"] == 1.0 and True
    assert cli.main([*argv, "--normalise", "none"]) == 0  # as written: the NFD word is not the gold's
    result = json.loads(capsys.readouterr().out)
    assert result["coverage"] == 0.5 and result["n_evaluated"] == 1

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
from collections.abc import Callable
from pathlib import Path

import pytest

from csir_lib import cli, lexicon, miracl, msmarco, pipeline, vectors
from csir_lib.config import load_config
from csir_lib.errors import InputError
from csir_lib.formats import iter_corpus, iter_pairs, read_corpus, read_qrels, read_run, read_topics
from csir_lib.paths import ROOT

Files = dict[str, str | bytes]
MODEL = {"model/config.json": "{}", "model/model.safetensors": b"", "model/tokenizer.json": "{}"}  # passes load_check
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


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones included) with its bytes, by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("files", "action", "where", "expected"), CASES)
def test_bad_input_gives_one_clear_error_and_writes_nothing(tmp_path, capsys, files, action, where, expected):
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.replace("{d}", str(tmp_path)).encode()
        path.write_bytes(data)
    before = snapshot(tmp_path)
    kind, what = action
    if kind == "py":
        with pytest.raises(InputError) as err:
            what(tmp_path)
        message = str(err.value)
    else:
        argv = [arg.replace("{d}", str(tmp_path)) for arg in what]
        if kind == "run_all":  # results and cache in the case's folder, never the repository's
            argv += ["--set", f"cache_dir={tmp_path / 'cache'}",
                     "--set", f"results_dir={os.path.relpath(tmp_path / 'results', ROOT)}"]
        code = (cli.main if kind == "cli" else pipeline.main)(argv)
        out, err_text = capsys.readouterr()
        assert code == 2 and out == "", (code, out, err_text)
        assert err_text.startswith("error: ") and err_text.count("\n") == 1, err_text
        message = err_text.removeprefix("error: ").rstrip("\n")
    assert where.replace("{d}", str(tmp_path)) in message, message  # names the file (and line) or the option
    assert expected in message.partition("; expected ")[2], message  # and says what was expected
    assert snapshot(tmp_path) == before  # no output file, no temporary file


def test_the_suite_has_at_least_25_cases() -> None:
    assert len(CASES) >= 25 and len({case.id for case in CASES}) == len(CASES)


def test_failpoint_spec_is_checked(monkeypatch) -> None:
    from csir_lib import faults

    monkeypatch.setattr(faults, "_SPEC", "codeswitch:0")  # CSIR_FAILPOINT as read at import
    with pytest.raises(InputError, match=r"^CSIR_FAILPOINT: CSIR_FAILPOINT='codeswitch:0'; expected NAME or NAME:N"):
        faults.failpoint("codeswitch")
    monkeypatch.setattr(faults, "_SPEC", "rerank:3")  # another failpoint's name: nothing happens here
    faults.failpoint("codeswitch")
    assert json.dumps(faults.parse_spec("train:2")) == '["train", 2]'

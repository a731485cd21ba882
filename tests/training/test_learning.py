"""Rankers that learn: losses, references, the question-id bootstrap, learning curves, a planted task.

The last test trains the tiny model on a planted task and fails if the recipe stops learning to rank.
"""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import numpy as np
import pytest

from csir_lib.core.errors import InputError
from csir_lib.data.formats import write_pairs
from csir_lib.evaluation.bootstrap import cluster_bootstrap
from csir_lib.evaluation.measures import evaluate
from csir_lib.evaluation.references import expected_value, random_order
from csir_lib.models.tiny_model import build_tiny_model
from csir_lib.training.learning_curve import DevTask, dev_score, read_dev_task, write_dev_task
from csir_lib.training.losses import group_softmax, reference_loss
from csir_lib.training.spec import TrainSpec
from csir_lib.training.trainer import train_cross_encoder, training_order

CORPUS_TEXT = Path(__file__).resolve().parent.parent / "fixtures" / "tiny_corpus.txt"


# ------------------------------------------------------------------------------------------------ losses


def test_reference_losses_are_the_label_priors():
    assert reference_loss("bce", 5) == pytest.approx(-(0.2 * math.log(0.2) + 0.8 * math.log(0.8)))
    assert reference_loss("bce", 5) == pytest.approx(0.500402, abs=1e-6)
    assert reference_loss("group_softmax", 5) == pytest.approx(math.log(5))
    with pytest.raises(InputError, match="unknown loss 'hinge'"):
        reference_loss("hinge", 5)


def test_group_softmax_exact_values_and_errors():
    import torch

    logits = torch.tensor([2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    labels = torch.tensor([1, 0, 0, 0, 0, 1, 0, 0, 0, 0])
    first = math.log(1 + 4 * math.exp(-2.0))  # -log softmax of the positive
    second = -math.log(1 / (math.exp(1.0) + 4))
    assert float(group_softmax(logits, labels, 5)) == pytest.approx((first + second) / 2)
    assert float(group_softmax(torch.zeros(5), torch.tensor([1, 0, 0, 0, 0]), 5)) == pytest.approx(math.log(5))
    with pytest.raises(InputError, match="whole groups of 5 pairs"):
        group_softmax(torch.zeros(7), torch.zeros(7), 5)
    with pytest.raises(InputError, match="a group without a positive pair"):
        group_softmax(torch.zeros(5), torch.zeros(5), 5)


def test_training_order_keeps_question_groups_whole():
    order = training_order(15, 20, seed=3, group=5)
    assert len(order) == 20
    blocks = [order[i:i + 5] for i in range(0, 20, 5)]
    assert all(b == list(range(b[0], b[0] + 5)) and b[0] % 5 == 0 for b in blocks)
    assert sorted(b[0] for b in blocks[:3]) == [0, 5, 10]  # one epoch holds every group once
    assert order == training_order(15, 20, seed=3, group=5) and order != training_order(15, 20, seed=4, group=5)
    assert training_order(5, 12, seed=3) == training_order(5, 12, seed=3, group=1)


def test_group_loss_refuses_pairs_not_in_groups(tmp_path):
    tiny = build_tiny_model(tmp_path / "tiny", CORPUS_TEXT.read_text(encoding="utf-8").splitlines()[:200], seed=0)
    pairs = write_pairs(tmp_path / "pairs.tsv", [("q", "p", 1), ("q", "n", 0), ("q", "n", 1)] + [("q", "n", 0)] * 7)
    spec = TrainSpec(model_dir=tiny, pairs=pairs, out_dir=tmp_path / "run", steps=2, batch_size=5,
                     loss="group_softmax", group_size=5, max_length=32)
    with pytest.raises(InputError, match="label 1 where a group of 5 pairs expects 0") as err:
        train_cross_encoder(spec, progress=False)
    assert err.value.line == 3 and not (tmp_path / "run" / "model").exists()
    with pytest.raises(InputError, match="batch_size 4 is not a multiple of group_size 5"):
        TrainSpec(model_dir=tiny, pairs=pairs, out_dir=tmp_path / "o", batch_size=4, loss="group_softmax")
    with pytest.raises(InputError, match="both set"):
        TrainSpec(model_dir=tiny, pairs=pairs, out_dir=tmp_path / "o", eval_every=10)


# -------------------------------------------------------------------------------- random-order references


def test_random_order_exact_values():
    qrels = {"q": {"b": 1}}
    assert expected_value("mrr@10", ["a", "b", "c"], qrels["q"]) == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)
    assert expected_value("mrr@1", ["a", "b", "c"], qrels["q"]) == pytest.approx(1 / 3)
    assert expected_value("mrr@10", ["a", "b", "c"], {"b": 1, "c": 1}) == pytest.approx(2 / 3 + 1 / 6)
    assert expected_value("recall@2", ["a", "b", "c"], {"b": 1, "z": 1}) == pytest.approx(1 / 3)
    discount = (1 + 1 / math.log2(3) + 1 / math.log2(4)) / 3
    assert expected_value("ndcg@10", ["a", "b", "c"], qrels["q"]) == pytest.approx(discount)
    assert expected_value("mrr@10", [], qrels["q"]) == 0.0
    assert expected_value("mrr@10", ["a", "c"], qrels["q"]) == 0.0
    frame = random_order({"q1": {"b": 1}, "q2": {"x": 1}}, {"q1": ["a", "b"]}, ["mrr@10"])
    assert frame["mrr@10"].to_dict() == {"q1": pytest.approx(0.75), "q2": 0.0}
    with pytest.raises(InputError, match="unknown metric"):
        random_order({"q": {"b": 1}}, {"q": ["b"]}, ["mrr@x"])


@pytest.mark.parametrize("seed", range(6))
def test_random_order_is_the_mean_over_every_permutation(seed):
    rng = random.Random(seed)
    docs = [f"d{i}" for i in range(rng.randint(1, 5))]
    judged = {d: rng.choice([0, 1, 2]) for d in docs if rng.random() < 0.7}
    judged["unretrieved"] = rng.choice([0, 1])
    if not any(v >= 1 for v in judged.values()):
        judged["unretrieved"] = 1
    metrics = ["mrr@10", "mrr@2", "ndcg@10", "ndcg@3", "recall@2", "recall@10", "map", "precision@2"]
    runs = [{d: -float(i) for i, d in enumerate(order)} for order in itertools.permutations(docs)]
    for metric in metrics:
        average = np.mean([evaluate({"q": judged}, {"q": run}, [metric, "mrr"]).means[metric] for run in runs])
        assert expected_value(metric, docs, judged) == pytest.approx(average, abs=1e-12), metric


# ---------------------------------------------------------------------------------------------- bootstrap


def test_cluster_bootstrap_is_seeded_and_exact_where_it_can_be():
    values, clusters = [0.1, 0.3, -0.2, 0.4, 0.0, 0.2], ["a", "a", "b", "c", "c", "d"]
    first = cluster_bootstrap(values, clusters, resamples=500, seed=1)
    assert first == cluster_bootstrap(values, clusters, resamples=500, seed=1)
    assert first.mean == pytest.approx(np.mean(values)) and first.n_clusters == 4 and first.n_rows == 6
    assert first.ci_low <= first.mean <= first.ci_high
    constant = cluster_bootstrap([0.5] * 6, clusters, resamples=200)
    assert (constant.ci_low, constant.ci_high, constant.p_value) == (0.5, 0.5, pytest.approx(1 / 201))
    assert cluster_bootstrap([0.0] * 4, "abcd", resamples=100).p_value == 1.0
    gap = cluster_bootstrap([1.0, 1.0], ["a", "b"], minus=([1.0, 1.0, 0.0, 0.0], ["a", "b", "c", "d"]), resamples=300)
    assert gap.mean == pytest.approx(0.5) and gap.n_clusters == 4
    with pytest.raises(InputError, match="one cluster id per value"):
        cluster_bootstrap([1.0], ["a", "b"])


def test_clustered_interval_is_wider_than_rows_would_say():
    rng = np.random.default_rng(0)
    per_question = rng.normal(0.0, 1.0, 50)
    values = np.repeat(per_question, 10) + rng.normal(0, 0.05, 500)  # 10 settings share each question's effect
    clusters = np.repeat(np.arange(50), 10)
    clustered = cluster_bootstrap(values, clusters, resamples=2000)
    rows = cluster_bootstrap(values, np.arange(500), resamples=2000)
    assert clustered.ci_high - clustered.ci_low > 2.5 * (rows.ci_high - rows.ci_low)


# -------------------------------------------------------------------------------------- a planted task learns


def _planted(words: list[str], questions: int, seed: int) -> tuple[list[tuple[str, str, int]], DevTask]:
    """Groups of 1 positive (the passage repeats the query) and 4 negatives (no query word), and a dev task."""
    rng = random.Random(seed)
    pairs, topics, passages, qrels, candidates = [], {}, {}, {}, {}
    for i in range(questions):
        chosen = rng.sample(words, 10)
        query, others = chosen[:2], chosen[2:]
        texts = [" ".join(query * 3 + rng.sample(others, 2))] + [" ".join(rng.sample(others, 5)) for _ in range(4)]
        if i % 5 == 0:  # every fifth question is held out for the development task
            qid = f"q{i}"
            topics[qid], qrels[qid] = " ".join(query), {f"{qid}-0": 1}
            candidates[qid] = [f"{qid}-{j}" for j in rng.sample(range(5), 5)]
            passages.update({f"{qid}-{j}": text for j, text in enumerate(texts)})
        else:
            pairs += [(" ".join(query), text, int(j == 0)) for j, text in enumerate(texts)]
    return pairs, DevTask(topics, passages, qrels, candidates)


def test_training_on_a_planted_task_learns_to_rank(tmp_path):
    from csir_lib.core.config import load_config

    recipe = load_config(profile="demo").training  # the offline recipe's loss and batches of question groups
    lines = CORPUS_TEXT.read_text(encoding="utf-8").splitlines()
    words = sorted({w for line in lines for w in line.lower().split() if w.isalpha() and len(w) >= 4})[:300]
    tiny = build_tiny_model(tmp_path / "tiny", lines, seed=0)
    train, dev = _planted(words, 150, seed=0)
    dev_path = write_dev_task(tmp_path / "dev.json", dev)
    assert read_dev_task(dev_path) == dev
    spec = TrainSpec(model_dir=tiny, pairs=write_pairs(tmp_path / "pairs.tsv", train), out_dir=tmp_path / "run",
                     seed=1, steps=96, batch_size=recipe.batch_size, learning_rate=3e-3,  # a random tiny BERT
                     warmup_steps=5, loss=recipe.loss, group_size=recipe.negatives_per_positive + 1,
                     max_length=32, dev_task=dev_path, eval_every=32, checkpoint_every=96,
                     precision=recipe.precision)
    result = train_cross_encoder(spec, progress=False)
    reference = reference_loss(recipe.loss, recipe.negatives_per_positive + 1)
    last = np.mean([loss for _, loss in result.loss_history[-16:]])
    # the old offline recipe (binary cross-entropy at lr 5e-5) ends this run at 0.68, above the prior's 0.50
    assert last < 0.6 * reference, f"loss {last:.3f} did not leave the prior's {reference:.3f}"
    assert [step for step, _ in result.curve] == [0, 32, 64, 96]
    assert result.curve[-1][1] > 0.8 > result.curve[0][1]
    from sentence_transformers.cross_encoder import CrossEncoder

    final = CrossEncoder(str(result.model_dir))  # the curve scores as re-ranking does, at the recipe's precision
    assert dev_score(final, dev, recipe.precision) == pytest.approx(result.curve[-1][1], abs=1e-6)


def test_trainings_in_worker_processes_match_and_report_bad_input(tmp_path):
    from csir_lib.training.systems import _train_in_processes

    lines = CORPUS_TEXT.read_text(encoding="utf-8").splitlines()
    words = sorted({w for line in lines for w in line.lower().split() if w.isalpha() and len(w) >= 4})[:300]
    tiny = build_tiny_model(tmp_path / "tiny", lines, seed=0)
    pairs = write_pairs(tmp_path / "pairs.tsv", _planted(words, 20, seed=0)[0])

    def spec(name: str, seed: int, source: Path = pairs) -> TrainSpec:
        return TrainSpec(model_dir=tiny, pairs=source, out_dir=tmp_path / name, seed=seed, steps=4, batch_size=10,
                         learning_rate=1e-3, warmup_steps=1, loss="group_softmax", group_size=5, max_length=32,
                         checkpoint_every=4)

    pooled = _train_in_processes({("a", 1): spec("a", 1), ("b", 2): spec("b", 2)}, 2, force=False)
    for (name, seed), result in pooled.items():
        alone = train_cross_encoder(spec(f"{name}-alone", seed), progress=False)
        assert [s for s, _ in result.loss_history] == [1, 2, 3, 4]
        np.testing.assert_allclose([v for _, v in result.loss_history], [v for _, v in alone.loss_history], atol=1e-4)
    assert pooled[("a", 1)].loss_history != pooled[("b", 2)].loss_history  # the seeds differ: not one run twice
    bad = tmp_path / "bad.tsv"
    bad.write_text("a question\ta passage\t1\nno label here\n", encoding="utf-8")
    with pytest.raises(InputError) as err:  # the worker's error arrives whole: file, line, fix
        _train_in_processes({("c", 1): spec("c", 1, bad), ("d", 1): spec("d", 1)}, 2, force=False)
    assert err.value.path == str(bad) and err.value.line == 2

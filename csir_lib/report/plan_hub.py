"""Download sizes of a plan from the Hugging Face Hub's metadata when the hub is reachable; labelled by their source.

For every download with a `HubRef` (csir_lib.report.plan_fetch) the hub is asked for the size at the revision the
stage downloads, one repository (and revision) at a time: one `HfApi.get_paths_info` call for all its single files,
one recursive `HfApi.list_repo_tree` for all its folders and model snapshots (summed over the files each fetches,
by the stage's own allow patterns). So the paper profile's 70 hub downloads cost 4 requests, not 70. Nothing is
downloaded. The hub is not asked when HF_HUB_OFFLINE is set (the offline profiles' and the tests' setting), and
after its first failure (no network, an unknown repository) it is asked no more. Every download then says where its
size came from (`size_from`): "hub" (read now), "shipped" (plan_fetch's table: ir_datasets' size hints) or
"unknown"; a shipped size the hub contradicts is replaced and its note says so. Nothing is guessed.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from typing import Any

from csir_lib.report.plan_fetch import Download, HubRef

TRUE = ("1", "ON", "YES", "TRUE")  # the values huggingface_hub reads as true


def hub_offline() -> bool:
    """Whether HF_HUB_OFFLINE forbids asking the hub."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in TRUE


def hub_sizes(api: Any, refs: list[HubRef]) -> dict[HubRef, int | None]:
    """Bytes the stage will fetch for each of `refs` (all of one repository and revision): None where none is listed."""
    repo_type, repo_id, revision = refs[0].repo_type, refs[0].repo_id, refs[0].revision
    files = [r for r in refs if r.path and not r.path.endswith("/")]
    folders = [r for r in refs if r not in files]
    sizes: dict[HubRef, int | None] = {}
    if files:
        entries = api.get_paths_info(repo_id, [r.path for r in files], repo_type=repo_type, revision=revision)
        by_path = {e.path: e for e in entries if getattr(e, "size", None) is not None}  # folders have no size
        sizes.update({r: _total([by_path[r.path]] if r.path in by_path else []) for r in files})
    if folders:
        from huggingface_hub.utils import filter_repo_objects

        only = folders[0].path.rstrip("/") if len(folders) == 1 else ""  # one folder: list just it
        tree = [e for e in api.list_repo_tree(repo_id, path_in_repo=only or None, recursive=True,
                                              repo_type=repo_type, revision=revision)
                if getattr(e, "size", None) is not None]
        for ref in folders:
            under = [e for e in tree if e.path.startswith(ref.path)]
            if ref.patterns:
                under = list(filter_repo_objects(under, allow_patterns=list(ref.patterns), key=lambda e: e.path))
            sizes[ref] = _total(under)
    return sizes


def _total(entries: list[Any]) -> int | None:
    """Summed bytes of hub file entries (the LFS size where there is one); None for no entry."""
    if not entries:
        return None
    return sum(int(e.lfs.size if getattr(e, "lfs", None) is not None else e.size) for e in entries)


def with_hub_sizes(items: Iterable[Download], api: Any = None) -> tuple[list[Download], str]:
    """`items` with sizes from the hub where it answers, each labelled `size_from`; and a line on what was asked."""
    items = list(items)
    asked = [d for d in items if d.hub is not None]
    if not asked:
        return [_label(d) for d in items], ""
    if hub_offline():
        return [_label(d, "HF_HUB_OFFLINE is set: the hub was not asked" if d.hub else "") for d in items], \
            f"download sizes: the hub's metadata was not read (HF_HUB_OFFLINE is set) for {len(asked)} hub file(s)"
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    repos: dict[tuple[str, str, str | None], list[HubRef]] = {}
    for item in asked:
        repos.setdefault((item.hub.repo_type, item.hub.repo_id, item.hub.revision), []).append(item.hub)
    sizes: dict[HubRef, int | None] = {}
    failure = ""
    for refs in repos.values():
        try:
            sizes.update(hub_sizes(api, list(dict.fromkeys(refs))))
        except Exception as err:  # offline, DNS, timeout, gated or renamed repository: stop asking
            failure = f"{type(err).__name__}: {str(err).splitlines()[0][:80] if str(err) else ''}".rstrip(": ")
            break
    out, read = [], 0
    for item in items:
        if item.hub is None:
            out.append(_label(item))
        elif item.hub not in sizes:
            out.append(_label(item, f"hub not reachable ({failure})"))
        elif (size := sizes[item.hub]) is None:
            out.append(_label(item, "the hub lists no such file at that revision"))
        else:
            read += 1
            note = "hub metadata" + (f" (shipped {item.size:,} B, replaced)" if item.size not in (None, size) else "")
            out.append(dataclasses.replace(item, size=size, size_note=note, size_from="hub"))
    summary = (f"download sizes: {read} of {len(asked)} hub file(s) read from the hub's metadata, asking "
               f"{len(repos)} repositories")
    if failure:
        summary += f"; the hub did not answer ({failure}), so the rest are shipped sizes or unknown"
    return out, summary


def _label(item: Download, why: str = "") -> Download:
    """`item` with `size_from` "shipped" (a size from plan_fetch's table) or "unknown", and why the hub gave none."""
    source = "shipped" if item.size is not None else "unknown"
    note = item.size_note if not why else f"{item.size_note}; {why}" if item.size_note else why
    if source == "shipped" and item.size_note and not item.size_note.startswith("shipped"):
        note = f"shipped table: {note}"
    return dataclasses.replace(item, size_note=note, size_from=source)

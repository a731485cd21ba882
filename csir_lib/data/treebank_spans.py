"""Treebank token spans of a text: NLTK's Treebank tokens located as character spans of the original string.

Code-switching replaces only the spans of switched tokens, so unswitched text stays byte for byte. Running NLTK
on every text is slow (NLTK 3.10 routes its rules through a timed regex engine), so each space-separated chunk
is tokenised once in its one-character context and cached; tests check the spans equal NLTK's on whole texts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

_CHUNKS = re.compile(r"\S+")
_NONSPACE = re.compile(r"\S")
_ODD_SPACES = re.compile("[\x1c-\x1f]")  # whitespace to `re`, not to the `regex` engine NLTK uses
_SPLIT_WORDS = frozenset({"cannot", "gimme", "gonna", "gotta", "lemme", "wanna"})  # NLTK's CONTRACTIONS2
_SPLIT_AFTER = frozenset(",:;?!)]}>\"'%&#@$")  # split off a word when followed by a space
_SPLIT_BEFORE = frozenset("([{<\"$#@&%;?!")  # split off a word they start when preceded by a space
_CACHE: dict[Any, tuple[tuple[int, int], ...]] = {}
_CACHE_LIMIT = 1 << 18


@functools.cache
def _treebank() -> Any:
    """The one NLTK Treebank tokenizer (needs no download)."""
    from nltk.tokenize import TreebankWordTokenizer

    return TreebankWordTokenizer()


def align_tokens(tokens: Sequence[str], text: str) -> list[tuple[int, int]]:
    """Character spans of Treebank `tokens` in `text`, mapping converted quotes (`` and '') back to the original."""
    spans, pos = [], 0
    for token in tokens:
        found = _NONSPACE.search(text, pos)
        pos = len(text) if found is None else found.start()
        if text.startswith(token, pos):
            end = pos + len(token)
        elif token in ("``", "''") and text.startswith('"', pos):
            end = pos + 1
        elif token in ("``", "''") and text[pos:pos + 2] in ("``", "''"):
            end = pos + 2
        else:
            raise RuntimeError(f"Treebank token {token!r} not found at offset {pos} of {text!r}")
        spans.append((pos, end))
        pos = end
    return spans


def reference_spans(text: str) -> list[tuple[int, int]]:
    """Treebank token spans the slow way: NLTK on the whole text, then aligned (the oracle of `token_spans`)."""
    return align_tokens(_treebank().tokenize(text), text)


@functools.cache
def _stdlib_rules() -> tuple[list[tuple[re.Pattern[str], str]], list[tuple[re.Pattern[str], str]], list[re.Pattern]]:
    """NLTK's Treebank rules recompiled with the standard `re` (NLTK 3.10 runs them through a slower timed engine)."""
    tokenizer = _treebank()
    rules = [*tokenizer.STARTING_QUOTES, *tokenizer.PUNCTUATION, tokenizer.PARENS_BRACKETS, tokenizer.DOUBLE_DASHES]
    compiled = [(re.compile(rx.pattern), sub) for rx, sub in rules]
    ending = [(re.compile(rx.pattern), sub) for rx, sub in tokenizer.ENDING_QUOTES]
    return compiled, ending, [re.compile(rx.pattern) for rx in [*tokenizer.CONTRACTIONS2, *tokenizer.CONTRACTIONS3]]


def _ascii_treebank(text: str) -> list[str]:
    """NLTK's `TreebankWordTokenizer.tokenize` step for step with the standard `re`; used on ASCII text only."""
    before, ending, contractions = _stdlib_rules()
    for regexp, substitution in before:
        text = regexp.sub(substitution, text)
    text = " " + text + " "
    for regexp, substitution in ending:
        text = regexp.sub(substitution, text)
    for regexp in contractions:
        text = regexp.sub(r" \1 \2 ", text)
    return text.split()


def _chunk_offsets(key: str | tuple[str, str, str]) -> tuple[tuple[int, int], ...]:
    """Token offsets inside one chunk seen in its context (`key` is the chunk, or (before, chunk, after)); () if one."""
    before, chunk, after = (" ", key, " x") if isinstance(key, str) else key
    if chunk.isascii() and chunk.isalnum() and chunk.lower() not in _SPLIT_WORDS:
        return ()
    if isinstance(key, str) and len(chunk) > 1:  # inner chunks like "word," and "(word": NLTK always splits them
        cut = len(chunk) - 1 if chunk[-1] in _SPLIT_AFTER else 1 if chunk[0] in _SPLIT_BEFORE else 0
        core = chunk[:cut] if cut == len(chunk) - 1 else chunk[cut:]
        if cut and core.isascii() and core.isalnum() and core.lower() not in _SPLIT_WORDS:
            return ((0, cut), (cut, len(chunk)))
    start, stop, text = len(before), len(before) + len(chunk), before + chunk + after
    offsets = []
    fast = text.isascii() and not _ODD_SPACES.search(text)  # where `re` and NLTK's engine agree on every class
    tokens = _ascii_treebank(text) if fast else _treebank().tokenize(text)
    for a, b in align_tokens(tokens, text):
        if a >= stop:
            break
        if a < start or b > stop:
            raise RuntimeError(f"Treebank token crosses the chunk {chunk!r} in its context {key!r}")
        offsets.append((a - start, b - start))
    return () if offsets == [(0, len(chunk))] else tuple(offsets)


def _offsets(key: str | tuple[str, str, str]) -> tuple[tuple[int, int], ...]:
    """Cached `_chunk_offsets`; the cache is emptied when full, so memory stays flat."""
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        found = _CACHE[key] = _chunk_offsets(key)
    return found


def _context(parts: list[str], i: int, last: int) -> tuple[str, str, str]:
    """The cache key of chunk `i` of a text split on spaces: (character before, chunk, what follows)."""
    return "" if i == 0 else " ", parts[i], " " * (len(parts) - 1 - i) if i == last else " x"


def token_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of NLTK's Treebank tokens of `text` (equal to NLTK on the whole text, quotes mapped back)."""
    spans: list[tuple[int, int]] = []
    if text.isprintable():  # then the plain space is its only whitespace
        parts = text.split(" ")
        last = len(parts) - 1
        while last >= 0 and not parts[last]:
            last -= 1
        pos = 0
        for i, chunk in enumerate(parts):
            if chunk:
                offsets = _offsets(chunk if 0 < i < last else _context(parts, i, last))
                if offsets:
                    spans.extend([(pos + a, pos + b) for a, b in offsets])
                else:
                    spans.append((pos, pos + len(chunk)))
            pos += len(chunk) + 1
        return spans
    chunks = list(_CHUNKS.finditer(text))
    for j, match in enumerate(chunks):
        a, b = match.span()
        after = text[b:] if j == len(chunks) - 1 else text[b] + "x"
        offsets = _offsets((text[a - 1] if a else "", match.group(), after))
        spans.extend([(a + x, a + y) for x, y in offsets] if offsets else [(a, b)])
    return spans


def switch_chunks(text: str, pick: Callable[[str], str | None]) -> str | None:
    """`text` with each Treebank token replaced by `pick(lower-cased token)` unless None; None if `text` is not plain.

    The fast path of `token_spans` fused with the replacement, for printable text whose lower-casing keeps its
    length (nearly all): chunks between spaces are looked up in the chunk cache and rebuilt only when switched.
    """
    lowered = text.lower()
    if len(lowered) != len(text) or not text.isprintable():
        return None
    parts, lowers = text.split(" "), lowered.split(" ")
    last = len(parts) - 1
    while last >= 0 and not parts[last]:
        last -= 1
    changed, cached = False, _CACHE.get
    for i, chunk in enumerate(parts):
        if not chunk:
            continue
        offsets = cached(chunk) if 0 < i < last else None
        if offsets is None:
            offsets = _offsets(chunk if 0 < i < last else _context(parts, i, last))
        if not offsets:
            target = pick(lowers[i])
            if target is not None:
                parts[i], changed = target, True
            continue
        pieces, low = [], lowers[i]
        for a, b in offsets:
            target = pick(low[a:b])
            pieces.append(chunk[a:b] if target is None else target)
            changed = changed or target is not None
        parts[i] = "".join(pieces)
    return " ".join(parts) if changed else text


def wiki_spans(text: str) -> list[tuple[int, int]]:
    """Treebank spans with a period split off tokens like "York." that Treebank leaves whole inside a text."""
    spans = []
    for a, b in token_spans(text):
        if b - a > 1 and text[b - 1] == "." and "." not in text[a:b - 1]:
            spans.extend([(a, b - 1), (b - 1, b)])
        else:
            spans.append((a, b))
    return spans


def replace_spans(text: str, replacements: list[tuple[int, int, str]]) -> str:
    """`text` with each (start, end) span replaced by its string; the text itself when there is none."""
    if not replacements:
        return text
    out, pos = [], 0
    for a, b, target in replacements:
        out.append(text[pos:a])
        out.append(target)
        pos = b
    out.append(text[pos:])
    return "".join(out)

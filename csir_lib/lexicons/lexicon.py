"""Bilingual lexicons: source word -> ranked targets with scores, and the readers and writers of their files.

Formats (DESIGN.md section 3): the lexicon TSV `source TAB target TAB score` (several lines per source, best
first), MUSE's whitespace-separated two-column dictionaries, and Debian's FreeDict dictd files (an `.index` of
`headword TAB offset TAB length` with base64-digit numbers, and a dictzip `.dict.dz` that gzip reads).
Hand-written: no maintained Python library reads dictd files (pyglossary needs far more than it gives here), and
every reader must name the file and line of bad input.
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from csir_lib.core.atomic import atomic_open
from csir_lib.core.errors import InputError
from csir_lib.data.formats import iter_lines

TSV_EXPECTED = "'source<TAB>target<TAB>score' with a finite score"
MUSE_EXPECTED = "'source target' (two whitespace-separated words)"
DICTD_DIR = Path("/usr/share/dictd")
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


@dataclass
class Lexicon:
    """Source word -> targets ranked best first, each with a score; languages and provenance as metadata."""

    entries: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    source_lang: str = ""
    target_lang: str = ""
    provenance: str = ""

    def __len__(self) -> int:
        """Number of source words."""
        return len(self.entries)

    def __contains__(self, word: object) -> bool:
        """Whether `word` is a source word."""
        return word in self.entries

    def add(self, source: str, target: str, score: float = 1.0) -> None:
        """Append `target` after the source word's current targets (a pair already there is kept once)."""
        targets = self.entries.setdefault(source, [])
        if all(t != target for t, _ in targets):
            targets.append((target, float(score)))

    def targets(self, source: str, top: int | None = None) -> list[str]:
        """The source word's targets, best first (at most `top`); empty when it has none."""
        return [t for t, _ in self.entries.get(source, [])[:top]]

    def best(self, source: str) -> str | None:
        """The source word's best target, or None."""
        targets = self.entries.get(source)
        return targets[0][0] if targets else None

    def table(self) -> dict[str, str]:
        """{source: best target}: the one-to-one table code-switching looks words up in."""
        return {s: ts[0][0] for s, ts in self.entries.items() if ts}

    def pairs(self) -> Iterator[tuple[str, str, float]]:
        """Every (source, target, score), sources in insertion order, targets best first."""
        for source, targets in self.entries.items():
            for target, score in targets:
                yield source, target, score

    def target_words(self) -> set[str]:
        """Every word that appears as a target."""
        return {t for ts in self.entries.values() for t, _ in ts}

    def reversed(self) -> Lexicon:
        """The target -> source lexicon, each new entry ranked by score descending, then first seen."""
        pairs = sorted(((t, s, v) for s, t, v in self.pairs()), key=lambda p: -p[2])
        out = Lexicon(source_lang=self.target_lang, target_lang=self.source_lang,
                      provenance=f"reversed({self.provenance})" if self.provenance else "reversed")
        for target, source, score in pairs:
            out.add(target, source, score)
        return out

    def lowercased(self) -> Lexicon:
        """The same lexicon with both sides lower-cased (merged entries keep their first-seen order)."""
        out = Lexicon(source_lang=self.source_lang, target_lang=self.target_lang, provenance=self.provenance)
        for source, target, score in self.pairs():
            out.add(source.lower(), target.lower(), score)
        return out


def from_pairs(pairs: Iterable[tuple[str, str] | tuple[str, str, float]], **meta: str) -> Lexicon:
    """A lexicon from (source, target[, score]) pairs, ranked in the order given."""
    lexicon = Lexicon(**meta)
    for pair in pairs:
        lexicon.add(*pair)
    return lexicon


def _nonempty(lexicon: Lexicon, path: Path, expected: str) -> Lexicon:
    """Raise when a file held no entries."""
    if not lexicon.entries:
        raise InputError("no lexicon entries", path=path, line=1, expected=expected)
    return lexicon


def read_lexicon(path: str | Path, **meta: str) -> Lexicon:
    """Read the lexicon TSV `source TAB target TAB score`; file order is rank order within a source."""
    path = Path(path)
    lexicon = Lexicon(provenance=meta.pop("provenance", f"tsv:{path.name}"), **meta)
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[0].strip() or not parts[1].strip():
            raise InputError(f"{len(parts)} tab-separated field(s)", path=path, line=number, expected=TSV_EXPECTED)
        try:
            score = float(parts[2])
        except ValueError:
            raise InputError(f"score {parts[2]!r} is not a number", path=path, line=number,
                             expected=TSV_EXPECTED) from None
        if not math.isfinite(score):
            raise InputError(f"score {parts[2]!r} is not finite", path=path, line=number, expected=TSV_EXPECTED)
        lexicon.add(parts[0], parts[1], score)
    return _nonempty(lexicon, path, TSV_EXPECTED)


def read_muse(path: str | Path, **meta: str) -> Lexicon:
    """Read a MUSE dictionary: `source target` per line (any whitespace), scores 1.0, file order kept."""
    path = Path(path)
    lexicon = Lexicon(provenance=meta.pop("provenance", f"muse:{path.name}"), **meta)
    for number, line in iter_lines(path):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise InputError(f"{len(parts)} field(s)", path=path, line=number, expected=MUSE_EXPECTED)
        lexicon.add(parts[0], parts[1], 1.0)
    return _nonempty(lexicon, path, MUSE_EXPECTED)


def read_dictionary(path: str | Path, **meta: str) -> Lexicon:
    """Read a gold or seed dictionary: the lexicon TSV if its first line has a tab and 3 fields, else MUSE."""
    path = Path(path)
    for _, line in iter_lines(path):
        if line.strip():
            is_tsv = len(line.split("\t")) == 3
            return read_lexicon(path, **meta) if is_tsv else read_muse(path, **meta)
    raise InputError("no lexicon entries", path=path, line=1, expected=f"{TSV_EXPECTED} or {MUSE_EXPECTED}")


def write_lexicon(path: str | Path, lexicon: Lexicon) -> Path:
    """Write the lexicon TSV atomically, scores with 6 significant digits; no output when a word has a tab."""
    with atomic_open(path) as fh:
        for source, target, score in lexicon.pairs():
            if any(c in w for w in (source, target) for c in "\t\n\r"):
                raise InputError(f"word with a tab or newline in pair {source!r} -> {target!r}",
                                 path=path, expected="words without tabs or newlines")
            fh.write(f"{source}\t{target}\t{score:.6g}\n")
    return Path(path)


# ---------------------------------------------------------------- FreeDict (Debian dict-freedict-*) ----------


def freedict_paths(src: str, tgt: str, root: str | Path = DICTD_DIR) -> tuple[Path, Path] | None:
    """The (.index, .dict.dz) of FreeDict's src->tgt dictionary (ISO 639-1 or 639-3 codes), None if not installed."""
    names = [_freedict_code(src), _freedict_code(tgt)]
    index = Path(root) / f"freedict-{names[0]}-{names[1]}.index"
    for data in (index.with_suffix(".dict.dz"), index.with_suffix(".dict")):
        if index.is_file() and data.is_file():
            return index, data
    return None


def _freedict_code(code: str) -> str:
    """FreeDict's ISO 639-3 name of a language given as ISO 639-1 (via csir_lib.core.languages) or already 639-3."""
    from csir_lib.core import languages

    if len(code) == 3:
        return code
    return {"ar": "ara", "zh": "zho", "sw": "swh"}.get(code) or languages.get(code).iso3  # FreeDict uses macro codes


def _b64_number(text: str, path: Path, line: int) -> int:
    """Decode a dictd base64-digit number (most significant digit first)."""
    value = 0
    for char in text:
        if char not in _B64:
            raise InputError(f"{text!r} is not a base64 number", path=path, line=line,
                             expected="offset and length in the digits A-Z a-z 0-9 + /")
        value = value * 64 + _B64[char]
    return value


def read_freedict(index: str | Path, data: str | Path, lowercase: bool = True, **meta: str) -> Lexicon:
    """Read a FreeDict dictd pair: every index headword -> the translations of the entries it points to."""
    index, data = Path(index), Path(data)
    opener = gzip.open if data.suffix == ".dz" else open
    with opener(data, "rb") as fh:
        body = fh.read()
    lexicon = Lexicon(provenance=meta.pop("provenance", f"freedict:{index.stem.removeprefix('freedict-')}"), **meta)
    expected = "'headword<TAB>offset<TAB>length'"
    for number, line in iter_lines(index):
        parts = line.split("\t")
        if len(parts) != 3:
            raise InputError(f"{len(parts)} tab-separated field(s)", path=index, line=number, expected=expected)
        headword = parts[0].strip()
        start, length = _b64_number(parts[1], index, number), _b64_number(parts[2], index, number)
        if start + length > len(body):
            raise InputError(f"entry at {start}+{length} runs past the end of {data.name} ({len(body)} bytes)",
                             path=index, line=number, expected="offsets inside the .dict file")
        if not headword or headword.startswith("00database") or headword.startswith("00-database"):
            continue  # dictd metadata, or a headword dictd normalised away (punctuation only)
        entry = body[start:start + length].decode("utf-8", errors="replace")
        for target in parse_dictd_entry(entry):
            lexicon.add(headword.lower() if lowercase else headword, target.lower() if lowercase else target)
    return _nonempty(lexicon, index, expected)


_NUMBERED = re.compile(r"^(\d+)\.(?:\s+(.*))?$")
_SUBSENSE = re.compile(r"^\s+\d+\.\s*$")
_MARKER = re.compile(r"^(?:\"|(?:synonyms?|antonyms?|see also|see|note|notes|from)\s*:)", re.IGNORECASE)
_GROUPS = (("(", re.compile(r"\([^()]*\)")), ("{", re.compile(r"\{[^{}]*\}")), ("/", re.compile(r"/[^/]*/")))
_GLUED_NUMBER = re.compile(r"\s+\d+\.\s*$")  # a sense number glued to the line's end
_TAG_START = re.compile(r"[<\[]")
_ITEM_SEP = re.compile(r"[,;]")
_PARENS_ONLY = re.compile(r"(?:\((?:[^()]|\([^()]*\))*\)\s*)+")
_LABELS = re.compile(r"^(?:\s*\[[^\]]*\])+")


def _translations(line: str) -> list[str]:
    """Split a FreeDict translation line into clean items: no labels, POS tags, parentheses or pronunciations."""
    text = _LABELS.sub("", line)
    for opener, pattern in _GROUPS:
        while opener in text and pattern.search(text):
            text = pattern.sub("", text)
    text = _GLUED_NUMBER.sub("", text)
    items = (_TAG_START.split(item, maxsplit=1)[0] for item in _ITEM_SEP.split(text))
    cleaned = (" ".join(item.split()).rstrip(".") for item in items)
    return [item for item in cleaned if any(c.isalnum() for c in item)]


def _content(line: str) -> str:
    """A line without leading domain labels and surrounding space; '' for a parenthesised-only label line."""
    text = _LABELS.sub("", line).strip()
    return "" if text.startswith("(") and _PARENS_ONLY.fullmatch(text) else text


def parse_dictd_entry(entry: str) -> list[str]:
    """The translations of one FreeDict entry: per sense, its first content line (glosses, examples, notes skipped).

    Handles the FreeDict layouts in Debian: Ding (one line, then indented examples and `Synonym:` lines),
    numbered senses (`1. x, y`), WikDict (`1. x, y` then a source-language gloss line), JMdict (a
    parenthesised part-of-speech line before the translations) and `;` continuation lines (xFried).
    """
    found: list[str] = []
    expected, waiting, taken = 1, True, False
    for line in entry.split("\n")[1:]:
        stripped = line.strip()
        if not stripped or _MARKER.match(stripped):
            continue
        match = _NUMBERED.match(line)
        if match and int(match.group(1)) == expected:  # a sense marker: "2. x, y" or "2." / "2. (noun)" then x, y
            expected += 1
            content = _content(match.group(2) or "")
            found.extend(_translations(content))
            waiting, taken = not content, taken or bool(content)
        elif _SUBSENSE.match(line):  # WikDict's " 3." sub-sense: a second gloss for the translations above
            waiting = False
        elif stripped.startswith(";") and taken:
            found.extend(_translations(stripped[1:]))
        elif waiting and _content(line):
            found.extend(_translations(line))
            waiting, taken = False, True
    return list(dict.fromkeys(found))


def write_muse(path: str | Path, lexicon: Lexicon | Mapping[str, Iterable[str]]) -> Path:
    """Write MUSE's two-column form (every pair, space-separated) atomically; words must not contain spaces."""
    items = lexicon.pairs() if isinstance(lexicon, Lexicon) else ((s, t, 1.0) for s, ts in lexicon.items() for t in ts)
    with atomic_open(path) as fh:
        for source, target, _ in items:
            if len(source.split()) != 1 or len(target.split()) != 1:
                raise InputError(f"pair {source!r} -> {target!r} has a space", path=path,
                                 expected="single words in MUSE's two-column form")
            fh.write(f"{source} {target}\n")
    return Path(path)

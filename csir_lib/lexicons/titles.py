"""Parallel-title lexicons: English-X named entities, the source of the paper's Wiki-CS code-switching.

- offline proxy: Unicode CLDR display names (territories, languages, currencies, scripts) through babel, for
  every language babel knows; a proxy for Wikipedia titles, not Wikipedia, and labelled so in its provenance;
- paper profile: linguatools' "Wikipedia parallel titles" XML, read as the paper's code read it: every child of
  the root element is one title pair, whatever its name, and its `<entry lang="..">` children are the titles (other
  children, e.g. redirects or categories, are ignored); streamed with expat so bad XML is reported by line. Also
  the same corpora in Moses form (two line-aligned files), and Wikipedia's own `langlinks` + `page` SQL dumps.
Hand-written: no maintained library reads these files, and the MySQL dump parser must stream gigabytes.
Cleaning follows the paper: lower-case; on the target side drop everything up to a first ':' and from a '('
on, then strip (the paper's code keeps only the part between a first and a second ':'; we keep all after the first).
"""

from __future__ import annotations

import gzip
import logging
import re
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path

from csir_lib.core.errors import InputError
from csir_lib.data.formats import iter_lines
from csir_lib.lexicons.lexicon import Lexicon

log = logging.getLogger(__name__)
CLDR_PROVENANCE = "cldr-names (proxy for Wikipedia titles)"
CLDR_KINDS = ("territories", "languages", "currencies", "scripts")


def clean_title(title: str) -> str:
    """The paper's target-side cleaning: lower-case, drop up to the first ':', drop from the first '(' on, strip."""
    text = title.lower()
    if ":" in text:
        text = text.split(":", 1)[1]
    return re.split(r"[(（]", text, maxsplit=1)[0].strip()


def _add(lexicon: Lexicon, source: str, target: str) -> bool:
    """Add a lower-cased source and a cleaned target; False (nothing added) when either side ends up empty."""
    source, target = " ".join(source.lower().split()), " ".join(clean_title(target).split())
    if not source or not target:
        return False
    lexicon.add(source, target, 1.0)
    return True


def cldr_lexicon(lang: str, source_lang: str = "en") -> Lexicon:
    """English (or `source_lang`) -> `lang` CLDR display names of territories, languages, currencies and scripts.

    Both sides are cleaned like titles (CLDR qualifies names in parentheses: "Myanmar (Burma)" -> "myanmar").
    """
    from babel import Locale, UnknownLocaleError

    try:
        source, target = Locale.parse(source_lang), Locale.parse(lang)
    except (UnknownLocaleError, ValueError) as err:
        raise InputError(f"babel has no CLDR locale {err}", expected="an ISO 639-1 code babel knows") from None
    lexicon = Lexicon(source_lang=source_lang, target_lang=lang, provenance=CLDR_PROVENANCE)
    for kind in CLDR_KINDS:
        names, translated = getattr(source, kind), getattr(target, kind)
        for code in sorted(set(names) & set(translated)):
            _add(lexicon, clean_title(names[code]), translated[code])
    return lexicon


def read_linguatools(path: str | Path, target_lang: str, source_lang: str = "en") -> Lexicon:
    """Read a linguatools `wikititles-2014_<l1><l2>.xml[.gz]` as a source -> cleaned-target title lexicon."""
    import xml.parsers.expat

    path = Path(path)
    lexicon = Lexicon(source_lang=source_lang, target_lang=target_lang, provenance=f"linguatools:{path.name}")
    parser = xml.parsers.expat.ParserCreate("UTF-8")
    state: dict = {"entry": None, "text": [], "titles": None, "skipped": [], "depth": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        state["depth"] += 1
        if state["depth"] == 2:  # a child of the root: one title pair, whatever its element name
            state["titles"], state["line"] = {}, parser.CurrentLineNumber
        elif state["depth"] == 3 and name == "entry":
            state["entry"], state["text"] = attrs.get("lang"), []

    def end(name: str) -> None:
        state["depth"] -= 1
        if state["depth"] == 2 and name == "entry" and state["entry"] is not None:
            state["titles"].setdefault(state["entry"], "".join(state["text"]))
            state["entry"] = None
        elif state["depth"] == 1 and state["titles"] is not None:
            titles = state["titles"]
            if not _add(lexicon, titles.get(source_lang, ""), titles.get(target_lang, "")):
                state["skipped"].append(state["line"])
            state["titles"] = None

    def text(data: str) -> None:
        if state["entry"] is not None:
            state["text"].append(data)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    if not path.exists():
        raise InputError("file not found", path=path, expected="a linguatools wikititles XML file")
    with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as fh:
        try:
            parser.ParseFile(fh)
        except xml.parsers.expat.ExpatError as err:
            raise InputError(f"malformed XML ({xml.parsers.expat.errors.messages[err.code]})", path=path,
                             line=err.lineno, expected="linguatools XML: <root><pair><entry lang=..>") from None
    return _finish(lexicon, path, state["skipped"], f"<entry lang='{source_lang}'> and <entry lang='{target_lang}'>")


def _finish(lexicon: Lexicon, path: Path, skipped: list[int], expected: str) -> Lexicon:
    """Log how many pairs were skipped (a side missing or empty after cleaning); raise when nothing is left.

    `skipped` holds where each skipped pair was: line numbers, or page ids for SQL dumps.
    """
    if skipped:
        log.warning("%s: skipped %d pair(s) with a side missing or empty after cleaning, first at %s",
                    path, len(skipped), skipped[:5])
    if not lexicon.entries:
        raise InputError("no title pairs", path=path, line=1, expected=expected)
    return lexicon


def read_title_pairs(source_path: str | Path, target_path: str | Path, source_lang: str = "en",
                     target_lang: str = "") -> Lexicon:
    """Read parallel titles in Moses form (two line-aligned files, e.g. wikititles-2014_enru.en / .ru)."""
    source_path, target_path = Path(source_path), Path(target_path)
    lexicon = Lexicon(source_lang=source_lang, target_lang=target_lang, provenance=f"titles:{source_path.name}")
    skipped: list[int] = []
    for number, (source, target) in enumerate(zip_longest(iter_lines(source_path), iter_lines(target_path)), 1):
        if source is None or target is None:
            shorter, longer = (source_path, target_path) if source is None else (target_path, source_path)
            raise InputError(f"more lines than {shorter.name} ({number - 1})", path=longer, line=number,
                             expected="two files with the same number of lines")
        if not _add(lexicon, source[1], target[1]):
            skipped.append(number)
    return _finish(lexicon, source_path, skipped, "one title per line in each file")


_MYSQL_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
_STR = r"'((?:[^'\\]|\\.)*)'"
_ROWS = {
    "langlinks": re.compile(rf"\((\d+),{_STR},{_STR}\)"),  # ll_from, ll_lang, ll_title
    "page": re.compile(rf"\((\d+),(-?\d+),{_STR},"),  # page_id, page_namespace, page_title, ...
}


def _unescape(text: str) -> str:
    """Undo MySQL string escapes."""
    return re.sub(r"\\(.)", lambda m: _MYSQL_ESCAPES.get(m.group(1), m.group(1)), text) if "\\" in text else text


def iter_sql_rows(path: str | Path, table: str) -> Iterator[tuple[str, ...]]:
    """The leading columns of every row of `table` in a MySQL dump (`INSERT INTO `table` VALUES (..),(..);`)."""
    path, pattern = Path(path), _ROWS[table]
    prefix = f"INSERT INTO `{table}` VALUES "
    seen = False
    for number, line in iter_lines(path):
        if not line.startswith(prefix):
            continue
        rows = pattern.findall(line, len(prefix))
        if not rows:
            raise InputError(f"an INSERT INTO `{table}` without a readable row", path=path, line=number,
                             expected=f"rows of the MediaWiki `{table}` table")
        seen = True
        for row in rows:
            yield tuple(_unescape(value) for value in row)
    if not seen:
        raise InputError(f"no INSERT INTO `{table}` statement", path=path, line=1,
                         expected=f"a MediaWiki `{table}` SQL dump")


def read_langlinks(langlinks_path: str | Path, page_path: str | Path, wiki_lang: str, link_lang: str,
                   source_lang: str = "en") -> Lexicon:
    """Title pairs from a wiki's `langlinks` and `page` dumps: its articles and their titles in `link_lang`.

    `source_lang` (one of the two languages) is the lexicon's source side; the other side is cleaned as a target.
    """
    if source_lang not in (wiki_lang, link_lang):
        raise InputError(f"source_lang {source_lang!r}", expected=f"{wiki_lang!r} or {link_lang!r}")
    pages = {int(pid): title.replace("_", " ") for pid, ns, title in iter_sql_rows(page_path, "page") if ns == "0"}
    target_lang = link_lang if source_lang == wiki_lang else wiki_lang
    lexicon = Lexicon(source_lang=source_lang, target_lang=target_lang, provenance=f"langlinks:{Path(page_path).name}")
    skipped: list[int] = []
    for page_id, lang, title in iter_sql_rows(langlinks_path, "langlinks"):
        if lang != link_lang or int(page_id) not in pages:
            continue
        here = pages[int(page_id)]
        source, target = (here, title) if source_lang == wiki_lang else (title, here)
        if not _add(lexicon, source, target):
            skipped.append(int(page_id))
    return _finish(lexicon, Path(langlinks_path), skipped, f"langlinks rows to {link_lang!r} articles")

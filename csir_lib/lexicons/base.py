"""What both lexicon stages share: their types, the stage protocol, the languages and the local gold dictionary.

The encoder stage (csir_lib.lexicons.build) and the MUSE stage (csir_lib.lexicons.muse) both import these, and
build_lexicons picks one of them: the types live here so that neither stage imports the other's module at load time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from csir_lib.core.config import Config
from csir_lib.lexicons.lexicon import Lexicon, freedict_paths, read_freedict


@dataclass(frozen=True)
class Vocabulary:
    """The words a lexicon is induced over, and where they came from."""

    words: list[str]
    origin: str


@dataclass(frozen=True)
class Built:
    """One language's lexicons by source, the sources it cannot have (with the reason), and a note for the cache."""

    lexicons: dict[str, Lexicon]
    missing: dict[str, str] = field(default_factory=dict)
    note: str = ""


class Stage(Protocol):
    """A lexicon stage: the cache key of a language's lexicons and how to build them."""

    def key(self, lang: str) -> str:
        """The cache key of `lang`'s lexicons."""

    def build(self, lang: str) -> Built:
        """`lang`'s lexicons."""


class LexiconPaths(dict):
    """{lang: {source: TSV path}} as the stage made them; `missing` is {lang: {source: why it could not be made}}."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        """A dict of paths with an empty `missing`."""
        super().__init__(*args, **kwargs)
        self.missing: dict[str, dict[str, str]] = {}


def lexicon_languages(config: Config) -> list[str]:
    """Every non-English language the profile needs lexicons for, sorted."""
    langs = config.languages
    return sorted({*langs.seen, *langs.unseen, *langs.miracl} - {"en"})


def gold_lexicon(lang: str) -> Lexicon | None:
    """The gold EN->X dictionary available here (Debian FreeDict), or None when it is not installed."""
    paths = freedict_paths("en", lang)
    if paths is None:
        return None
    return read_freedict(*paths, source_lang="en", target_lang=lang, provenance="freedict")


def local_gold(lang: str, config: Config) -> tuple[Lexicon | None, str]:
    """(gold, "") for lexicon.gold freedict when FreeDict has the pair, else (None, why there is none)."""
    if config.lexicon.gold != "freedict":
        return None, f"not asked for (lexicon.gold: {config.lexicon.gold})"
    gold = gold_lexicon(lang)
    return gold, "" if gold is not None else f"no Debian FreeDict en-{lang} dictionary is installed"

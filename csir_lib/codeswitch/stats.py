"""Counts of what code-switching did: tokens seen, eligible (in the lexicon that applied), switched, per language.

A plain dataclass rather than a library type: the numbers are few and must render as one JSON line
(`python -m csir_lib codeswitch` prints it on stderr, and on stdout with `--stats`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SideCounts:
    """What code-switching did to one side (queries or passages), counted in tokens.

    `eligible` counts tokens found in the lexicon that applied to them (bilingual and translate: the side's
    lexicon; multilingual: the lexicon of the language drawn for the token; wiki: tokens inside a selected
    n-gram match), so `switched / eligible` estimates p. `replacements` counts replacement operations
    (equal to `switched` except in wiki mode, where one n-gram of several tokens is one replacement).
    """

    tokens: int = 0
    eligible: int = 0
    switched: int = 0
    replacements: int = 0
    per_language: dict[str, int] = field(default_factory=dict)

    @property
    def out_of_lexicon(self) -> int:
        """Tokens seen that no applicable lexicon covered."""
        return self.tokens - self.eligible

    @property
    def switch_rate(self) -> float:
        """Share of eligible tokens that were switched (0.0 when none was eligible)."""
        return self.switched / self.eligible if self.eligible else 0.0

    def add(self, other: SideCounts) -> SideCounts:
        """Add `other`'s counts into this one and return it."""
        self.tokens += other.tokens
        self.eligible += other.eligible
        self.switched += other.switched
        self.replacements += other.replacements
        for lang, count in other.per_language.items():
            self.per_language[lang] = self.per_language.get(lang, 0) + count
        return self

    def to_dict(self) -> dict[str, Any]:
        """The counts, derived numbers included, as a JSON-ready dict."""
        return {
            "tokens": self.tokens,
            "eligible": self.eligible,
            "switched": self.switched,
            "out_of_lexicon": self.out_of_lexicon,
            "replacements": self.replacements,
            "switch_rate": round(self.switch_rate, 6),
            "per_language": dict(sorted(self.per_language.items())),
        }


@dataclass
class CodeSwitchStats:
    """Statistics of one code-switching run: its parameters, the pairs seen, and counts per side."""

    mode: str
    p: float
    seed: int
    pairs: int = 0
    query: SideCounts = field(default_factory=SideCounts)
    passage: SideCounts = field(default_factory=SideCounts)

    @property
    def total(self) -> SideCounts:
        """Query and passage counts added together."""
        return SideCounts().add(self.query).add(self.passage)

    def to_dict(self) -> dict[str, Any]:
        """Parameters, totals at the top level, and per-side counts under "query" and "passage"."""
        return {
            "mode": self.mode,
            "p": self.p,
            "seed": self.seed,
            "pairs": self.pairs,
            **self.total.to_dict(),
            "query": self.query.to_dict(),
            "passage": self.passage.to_dict(),
        }

    def to_json(self) -> str:
        """The statistics as one line of key-sorted JSON."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

"""Tables of the code-switching stage: statistics per training set, switch rate against p, Table-5 examples."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from csir_lib.codeswitch.switch import CodeSwitcher, codeswitch_pairs, switch_examples
from csir_lib.core.config import Config
from csir_lib.data.metric_rows import Col, long_rows
from csir_lib.lexicons.build import switch_tables
from csir_lib.training.sets import TrainingSet


def stats_table(sets: Sequence[TrainingSet]) -> pd.DataFrame:
    """One row per training set: pairs, tokens seen, switched, out of lexicon, switch rate, per-language counts."""
    rows = []
    for item in sets:
        stats = item.stats
        rows.append({"system": item.system, "mode": stats.get("mode", ""), "p": stats.get("p"),
                     "pairs": stats.get("pairs"), "tokens": stats.get("tokens"), "eligible": stats.get("eligible"),
                     "switched": stats.get("switched"), "out_of_lexicon": stats.get("out_of_lexicon"),
                     "switch_rate": stats.get("switch_rate"),
                     "switched_share": stats["switched"] / stats["tokens"] if stats.get("tokens") else None,
                     "per_language": " ".join(f"{k}:{v}" for k, v in stats.get("per_language", {}).items())})
    return pd.DataFrame(rows)


def rate_curve(pairs: Sequence[tuple[str, str, int]], lexicons: Mapping[str, Mapping[str, str]],
               ps: Sequence[float], seed: int) -> pd.DataFrame:
    """ML-CS at each p over `pairs`: the switch rate among eligible tokens and the share of all tokens switched."""
    rows = []
    for p in ps:
        switcher = CodeSwitcher(lexicons, "multilingual", p, seed)
        stats = switcher.new_stats()
        for _ in codeswitch_pairs(pairs, switcher, stats):
            pass
        total = stats.total
        rows.append({"p": p, "switch_rate": total.switch_rate,
                     "switched_share": total.switched / total.tokens if total.tokens else 0.0,
                     "eligible_share": total.eligible / total.tokens if total.tokens else 0.0})
    return pd.DataFrame(rows)


def examples_table(query: str, passage: str, switchers: Mapping[str, CodeSwitcher]) -> pd.DataFrame:
    """One training instance under every strategy (the paper's Table 5)."""
    strategies = {"Zero-shot (English)": lambda q, d: (q, d)}
    strategies.update({name: switcher.switch_pair for name, switcher in switchers.items()})
    return pd.DataFrame(switch_examples(query, passage, strategies))


def strategy_examples(config: Config, lexicons: Mapping[str, Mapping[str, Path]], query: str,
                      passage: str) -> pd.DataFrame:
    """`examples_table` of the paper's strategies (BL-CS, ML-CS at p and at 1, Wiki-CS) with the profile's lexicons."""
    seen = list(config.languages.seen)
    clwe = switch_tables(lexicons, seen, f"clwe-{config.lexicon.method}")
    titles = switch_tables(lexicons, seen, "titles")
    q, d, p = seen[0], seen[1 % len(seen)], config.training.p
    return examples_table(query, passage, {
        f"BL-CS ({q.upper()}-{d.upper()})": CodeSwitcher(clwe, "bilingual", p, 1, query_langs=q, doc_langs=d),
        "ML-CS": CodeSwitcher(clwe, "multilingual", p, 1),
        "ML-CS (p = 1)": CodeSwitcher(clwe, "multilingual", 1.0, 1),
        "Wiki-CS": CodeSwitcher(titles, "wiki", None, 1)})


def metrics_rows(table: pd.DataFrame) -> list[dict[str, object]]:
    """The statistics table in the long metrics.csv format."""
    return long_rows(table, ("tokens", "switched", "out_of_lexicon", "switch_rate", "switched_share"),
                     experiment="codeswitch", setting="training data", system=Col("system"), query_lang="en",
                     doc_lang="en", n_queries=Col("pairs"))

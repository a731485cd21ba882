"""Notebook 06's query-side sentences, computed from a hand-made table."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from csir_lib.analysis.query_prose import coverage_sentence, fertility_sentence, query_paragraph, source_group
from csir_lib.core.errors import InputError

TABLE = pd.DataFrame({
    "lang": ["en", "de", "fi", "sw", "bn", "yo", "ja", "th"],
    "coverage:clwe": [math.nan, 0.588, 0.282, 0.476, 0.044, 0.097, 0.042, 0.061],
    "fertility": [1.43, 1.50, 2.16, 1.69, 2.29, 1.97, 7.94, 6.25],
    "xlmr": [True, True, True, True, True, False, True, True],
})


def test_groups_follow_the_offline_word_sources():
    assert [source_group(x) for x in ("de", "fi", "sw", "bn", "yo", "ja", "th", "zh")] == [
        "with XQuAD-R text or a FreeDict dictionary"] * 3 + ["with only CLDR names"] * 2 + [
        "written without spaces"] * 3  # fi: FreeDict; ja: FreeDict, but its script comes first


def test_coverage_sentence_names_every_group_range():
    assert coverage_sentence(TABLE) == (
        "Share of query word tokens covered (`coverage:clwe`): languages with XQuAD-R text or a FreeDict dictionary "
        "(de fi sw) reach 28.2-58.8% (fi lowest, de highest); languages with only CLDR names (bn yo) reach "
        "4.4-9.7% (bn lowest, yo highest); languages written without spaces (ja th) reach 4.2-6.1% (ja lowest, "
        "th highest).")


def test_fertility_sentence_ranks_and_names_languages_xlmr_never_saw():
    assert fertility_sentence(TABLE, top=3) == (
        "Tokenizer pieces per word, highest first: ja 7.94, th 6.25, bn 2.29. Not in XLM-R's pre-training: yo 1.97.")
    assert query_paragraph(TABLE) == f"{coverage_sentence(TABLE)} {fertility_sentence(TABLE)}"
    assert query_paragraph(TABLE.assign(fertility=math.nan)) == coverage_sentence(TABLE)
    none = "The table has neither coverage:clwe nor fertility values to describe."
    assert query_paragraph(TABLE[["lang", "xlmr"]]) == none


def test_one_language_group_and_bad_tables():
    one = TABLE[TABLE.lang.isin(["en", "bn"])]
    assert coverage_sentence(one) == ("Share of query word tokens covered (`coverage:clwe`): languages with only "
                                      "CLDR names (bn) reach 4.4%.")
    with pytest.raises(InputError, match="lacks"):
        coverage_sentence(TABLE, column="coverage:titles")
    with pytest.raises(InputError, match="no language has a value"):
        coverage_sentence(TABLE[TABLE.lang == "en"])

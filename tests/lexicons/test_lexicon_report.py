"""The lexicon stage's quality table: precision against gold, and a row for every lexicon that could not be made."""

from __future__ import annotations

from csir_lib.lexicons.report import quality_table


def test_quality_table_scores_present_lexicons_and_names_missing_ones(tmp_path):
    def tsv(name: str, text: str):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    nn = tsv("de.nn.tsv", "dog\tHund\t0.9\ncat\tHaus\t0.8\n")
    gold = tsv("de.gold.tsv", "dog\tHund\t1\ncat\tKatze\t1\nhouse\tHaus\t1\n")
    paths = {"de": {"clwe-nn": nn, "clwe-csls": nn, "titles": nn, "gold": gold}, "sw": {"titles": nn}}
    missing = {"sw": {"clwe-nn": "MUSE has no sw vectors", "clwe-csls": "MUSE has no sw vectors",
                      "gold": "MUSE has no en-sw dictionary"}}
    table = quality_table(paths, ["dog", "cat", "bird", "fish"], "MUSE test dictionaries", missing)
    de = table[(table.lang == "de") & (table.lexicon == "clwe-nn")].iloc[0]
    assert (de.entries, de.en_vocab_coverage, de["P@1"], de.gold_coverage) == (2, 0.5, 0.5, 2 / 3)
    assert de.gold == "MUSE test dictionaries" and de.note == ""
    sw = table[table.lang == "sw"].set_index("lexicon")
    assert sw.loc["clwe-nn", "note"] == "MUSE has no sw vectors" and sw.loc["clwe-nn", "entries"] == 0
    assert sw.loc["titles", "gold"] == "MUSE has no en-sw dictionary" and sw.loc["titles", "entries"] == 2

"""The Lexicon type, its TSV/MUSE/FreeDict readers and writers, lexicon quality, and `lexicon` on the command line."""

from __future__ import annotations

import json

import pytest

from csir_lib.cli import main
from csir_lib.core.errors import InputError
from csir_lib.lexicons.lexicon import (
    Lexicon,
    freedict_paths,
    from_pairs,
    parse_dictd_entry,
    read_dictionary,
    read_freedict,
    read_lexicon,
    read_muse,
    write_lexicon,
    write_muse,
)
from csir_lib.lexicons.quality import evaluate_lexicon, token_coverage, vocab_coverage


@pytest.fixture
def lex_dir(fixtures):
    """The folder of lexicon fixtures."""
    return fixtures / "lexicon"


# ---------------------------------------------------------------------------------------- Lexicon type -----


def test_lexicon_ranks_and_lookups():
    lexicon = from_pairs([("house", "haus", 0.9), ("house", "gebäude", 0.5), ("house", "haus", 0.1), ("cat", "katze")],
                         source_lang="en", target_lang="de", provenance="test")
    assert len(lexicon) == 2 and "house" in lexicon and "dog" not in lexicon
    assert lexicon.targets("house") == ["haus", "gebäude"]  # a repeated pair is kept once, at its first rank
    assert lexicon.targets("house", top=1) == ["haus"] and lexicon.targets("dog") == []
    assert lexicon.best("cat") == "katze" and lexicon.best("dog") is None
    assert lexicon.table() == {"house": "haus", "cat": "katze"}
    assert list(lexicon.pairs()) == [("house", "haus", 0.9), ("house", "gebäude", 0.5), ("cat", "katze", 1.0)]
    assert lexicon.target_words() == {"haus", "gebäude", "katze"}


def test_lexicon_reversed_and_lowercased():
    lexicon = from_pairs([("House", "Haus", 0.4), ("home", "Haus", 0.8), ("house", "heim", 0.3)], source_lang="en",
                         target_lang="de", provenance="p")
    back = lexicon.reversed()
    assert back.entries == {"Haus": [("home", 0.8), ("House", 0.4)], "heim": [("house", 0.3)]}
    assert (back.source_lang, back.target_lang, back.provenance) == ("de", "en", "reversed(p)")
    assert lexicon.lowercased().entries == {"house": [("haus", 0.4), ("heim", 0.3)], "home": [("haus", 0.8)]}


# --------------------------------------------------------------------------------------- TSV and MUSE -----


def test_read_lexicon_tsv(lex_dir):
    lexicon = read_lexicon(lex_dir / "lexicon.tsv", source_lang="en", target_lang="de")
    assert lexicon.entries == {"house": [("Haus", 0.9), ("Gebäude", 0.5)], "cat": [("Katze", 0.8)],
                               "new york": [("neu york", 1.0)]}
    assert (lexicon.source_lang, lexicon.provenance) == ("en", "tsv:lexicon.tsv")


def test_read_muse_two_columns(lex_dir):
    lexicon = read_muse(lex_dir / "muse.txt")
    assert lexicon.entries == {"house": [("haus", 1.0), ("gebäude", 1.0)], "cat": [("katze", 1.0)],
                               "dog": [("hund", 1.0)]}


def test_read_dictionary_detects_the_format(lex_dir):
    assert read_dictionary(lex_dir / "muse.txt").targets("house") == ["haus", "gebäude"]
    assert read_dictionary(lex_dir / "lexicon.tsv").targets("house") == ["Haus", "Gebäude"]


@pytest.mark.parametrize("reader, name, line", [
    (read_lexicon, "one_column.tsv", 2),
    (read_lexicon, "bad_score.tsv", 2),
    (read_lexicon, "empty.tsv", 1),
    (read_muse, "one_column.tsv", 1),  # 'house<TAB>Haus<TAB>0.9' is three whitespace-separated fields
    (read_muse, "empty.tsv", 1),
    (read_dictionary, "one_column.tsv", 2),
    (read_dictionary, "empty.tsv", 1),
])
def test_bad_lexicon_files_name_file_and_line(lex_dir, reader, name, line):
    with pytest.raises(InputError) as err:
        reader(lex_dir / name)
    assert err.value.line == line and err.value.path.endswith(name)


def test_write_lexicon_exact_bytes_and_round_trip(tmp_path):
    lexicon = from_pairs([("house", "haus", 0.123456789), ("house", "heim", -2.0), ("new york", "neu york", 1)])
    path = write_lexicon(tmp_path / "lex.tsv", lexicon)
    assert path.read_text(encoding="utf-8") == "house\thaus\t0.123457\nhouse\theim\t-2\nnew york\tneu york\t1\n"
    assert read_lexicon(path).targets("house") == ["haus", "heim"]


def test_write_refuses_bad_words_and_leaves_nothing(tmp_path):
    with pytest.raises(InputError):
        write_lexicon(tmp_path / "lex.tsv", from_pairs([("a\tb", "c")]))
    with pytest.raises(InputError):
        write_muse(tmp_path / "muse.txt", from_pairs([("new york", "neu york")]))
    assert list(tmp_path.iterdir()) == []
    write_muse(tmp_path / "muse.txt", {"house": ["haus", "heim"]})
    assert (tmp_path / "muse.txt").read_text() == "house haus\nhouse heim\n"


# ---------------------------------------------------------------------------------------------- FreeDict -----


def test_read_freedict_every_layout(lex_dir):
    index, data = freedict_paths("en", "de", root=lex_dir)
    lexicon = read_freedict(index, data, source_lang="en", target_lang="de")
    assert lexicon.provenance == "freedict:eng-deu"
    assert {s: lexicon.targets(s) for s in lexicon.entries} == {
        "cat": ["katze", "mieze"],  # Ding: POS tags and labels cut, examples and synonyms skipped
        "house": ["haus", "gebäude", "house-musik"],  # a leading domain label; two entries for one headword
        "bank": ["bank", "ufer", "sparkasse"],  # numbered senses, parentheses dropped
        "run": ["laufen", "rennen", "leiten"],  # WikDict: glosses skipped, a glued " 2." cut
        "neko": ["cat", "feline", "shamisen"],  # JMdict: part-of-speech line before the translations
        "ねこ": ["cat", "feline", "shamisen"],  # a second index line to the same entry
        "hakuna": ["there is not", "there are not"],  # xFried: ';' continuation
        "acha": ["leave", "quit", "stop doing sth"],  # "1." alone, translations on the next line
        "10th": ["10"],  # "10." is not the next sense number
    }  # metadata (00databaseinfo) and a headword dictd normalised to '' are not entries


def test_read_freedict_keeps_case_when_asked(lex_dir):
    index, data = freedict_paths("eng", "deu", root=lex_dir)
    assert read_freedict(index, data, lowercase=False).targets("cat") == ["Katze", "Mieze"]


def test_parse_dictd_entry_skips_notes():
    assert parse_dictd_entry("x /x/\n         Note: a note\n\nfirst, second\nthird\n") == ["first", "second"]


def test_freedict_paths_missing_pair_is_none(lex_dir, tmp_path):
    assert freedict_paths("en", "fr", root=lex_dir) is None
    assert freedict_paths("en", "de", root=tmp_path) is None


@pytest.mark.parametrize("name, line", [("bad_b64.index", 3), ("out_of_range.index", 3), ("two_fields.index", 4)])
def test_bad_freedict_index_names_file_and_line(lex_dir, name, line):
    with pytest.raises(InputError) as err:
        read_freedict(lex_dir / name, lex_dir / "freedict-eng-deu.dict.dz")
    assert err.value.line == line and err.value.path.endswith(name)


# ----------------------------------------------------------------------------------------------- quality -----


def test_evaluate_lexicon_follows_muse(lex_dir):
    result = evaluate_lexicon(read_lexicon(lex_dir / "pred.tsv"), read_muse(lex_dir / "muse.txt"))
    # gold: house, cat, dog; covered: house (gebäude correct at 1), cat (katze correct only at 2)
    assert result == {"P@1": 0.5, "P@5": 1.0, "coverage": pytest.approx(2 / 3), "n_gold": 3, "n_evaluated": 2}


def test_evaluate_lexicon_with_nothing_covered():
    result = evaluate_lexicon(from_pairs([("x", "y")]), from_pairs([("a", "b")]), ks=(1,))
    assert result == {"P@1": None, "coverage": 0.0, "n_gold": 1, "n_evaluated": 0}
    assert evaluate_lexicon(from_pairs([("x", "y")]), Lexicon())["coverage"] is None


def test_vocab_and_token_coverage_sides():
    en_de = from_pairs([("house", "haus"), ("cat", "katze"), ("the", "das")])
    assert vocab_coverage(en_de, ["house", "cat", "dog", "house"]) == pytest.approx(2 / 3)
    assert vocab_coverage(en_de, ["haus", "hund"], side="target") == 0.5
    assert vocab_coverage(en_de, []) == 0.0
    texts = ["Das Haus", "eine Katze und ein Hund"]
    assert token_coverage(en_de, texts, str.split, side="target") == pytest.approx(3 / 7)
    assert token_coverage(en_de, texts, str.split, side="target", lowercase=False) == 0.0
    assert token_coverage(en_de.reversed(), texts, str.split, side="source") == pytest.approx(3 / 7)
    with pytest.raises(ValueError):
        token_coverage(en_de, texts, str.split, side="both")


# ---------------------------------------------------------------------------------------- command line -----


def test_cli_induce_writes_every_source_word(lex_dir, tmp_path):
    out = tmp_path / "lex.tsv"
    code = main(["lexicon", "induce", "--src-vectors", str(lex_dir / "src.vec"), "--tgt-vectors",
                 str(lex_dir / "tgt.vec"), "--top", "2", "--out", str(out)])
    assert code == 0
    assert out.read_text(encoding="utf-8") == (
        "house\thaus\t1\nhouse\tgebäude\t0.9\ncat\tkatze\t1\ncat\thaus\t0\ndog\thund\t1\ndog\thaus\t0\n")


def test_cli_induce_csls_with_seed_dict(lex_dir, tmp_path):
    out = tmp_path / "lex.tsv"
    code = main(["lexicon", "induce", "--src-vectors", str(lex_dir / "src.vec"), "--tgt-vectors",
                 str(lex_dir / "tgt.vec"), "--seed-dict", str(lex_dir / "seed.txt"), "--method", "csls", "--k", "2",
                 "--max-vocab", "3", "--out", str(out)])
    assert code == 0
    lexicon = read_lexicon(out)
    assert list(lexicon.entries) == ["house", "cat", "dog"] and lexicon.best("house") == "haus"


def test_cli_evaluate_prints_json(lex_dir, capsys):
    args = ["--lexicon", str(lex_dir / "pred.tsv"), "--gold", str(lex_dir / "muse.txt")]
    assert main(["lexicon", "evaluate", *args]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["P@1"] == 0.5 and result["P@5"] == 1.0 and result["coverage"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("args, named", [
    (["--src-vectors", "bad_dim.vec", "--tgt-vectors", "tgt.vec"], "bad_dim.vec:3"),
    (["--src-vectors", "src.vec", "--tgt-vectors", "tgt.vec", "--seed-dict", "one_column.tsv"], "one_column.tsv:2"),
    (["--src-vectors", "src.vec", "--tgt-vectors", "tgt.vec", "--seed-dict", "seed_none.txt"], "seed_none.txt"),
    (["--src-vectors", "src.vec", "--tgt-vectors", "missing.vec"], "missing.vec"),
    (["--src-vectors", "src.vec", "--tgt-vectors", "tgt.vec", "--k", "0"], "--k"),
])
def test_cli_induce_bad_input_exits_2_without_output(lex_dir, tmp_path, capsys, args, named):
    out = tmp_path / "lex.tsv"
    args = [str(lex_dir / a) if a.endswith((".vec", ".tsv", ".txt")) else a for a in args]
    assert main(["lexicon", "induce", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert named in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("lexicon, gold, named", [
    ("one_column.tsv", "muse.txt", "one_column.tsv:2"),
    ("muse.txt", "muse.txt", "muse.txt:1"),  # the lexicon must be the TSV
    ("pred.tsv", "empty.tsv", "empty.tsv:1"),
])
def test_cli_evaluate_bad_input_exits_2(lex_dir, capsys, lexicon, gold, named):
    assert main(["lexicon", "evaluate", "--lexicon", str(lex_dir / lexicon), "--gold", str(lex_dir / gold)]) == 2
    captured = capsys.readouterr()
    assert named in captured.err and captured.out == ""


def test_switch_tables_and_lexicon_words_read_one_source_per_language(lex_dir):
    from csir_lib.lexicons.build import lexicon_words, switch_tables

    paths = {"de": {"clwe-csls": lex_dir / "lexicon.tsv", "titles": lex_dir / "lexicon.tsv"}, "ru": {}}
    tables = switch_tables(paths, ["de"], "clwe-csls")
    assert tables == {"de": {"house": "Haus", "cat": "Katze", "new york": "neu york"}}
    words = lexicon_words(paths, "csls")
    assert set(words) == {"clwe", "titles"} and set(words["clwe"]) == {"de"}  # ru has neither lexicon
    assert words["clwe"]["de"] == {"Haus", "Gebäude", "Katze", "neu york"}

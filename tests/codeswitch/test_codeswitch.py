"""Code-switching: Treebank spans, the four modes, randomness, statistics, lexicon TSV, and the CLI."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csir_lib.cli import main
from csir_lib.codeswitch import switch as cs
from csir_lib.codeswitch.parallel import switch_file
from csir_lib.codeswitch.switch import CodeSwitcher, codeswitch_pairs, load_switch_table
from csir_lib.core.errors import InputError
from csir_lib.data import treebank_spans as tb
from csir_lib.data.formats import iter_pairs

CS = Path(__file__).resolve().parent.parent / "fixtures" / "codeswitch"
PIECES = ["house", "House", "cats", "the", "is", "big", "new", "york", "city", "can", "not", "cannot", "gonna",
          "'s", "n't", "'ll", "'", '"', "''", "``", "`", ".", "...", ",", ":", ";", "?", "!", "(", ")", "[", "]",
          "{", "}", "<", ">", "--", "-", "$", "%", "&", "#", "@", "3", ",5", "'t", "is", "was", "wan", "na",
          "é", "ß", "дом", "東京", "İ", "x.", "U.S.", " ", " ", " ", "  ", "\t", "\n", "\r", "\xa0", "\u3000", "\x1c"]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)
SLOW = settings(max_examples=300, deadline=None)


def lexicon_for(text: str, target: str = "<{}>") -> dict[str, str]:
    """A lexicon covering every other distinct lower-cased Treebank token of `text`."""
    words = sorted({text[a:b].lower() for a, b in tb.reference_spans(text)})
    return {word: target.format(word) for word in words[::2]}


def oracle(text: str, lexicon: dict[str, str]) -> str:
    """Every covered token replaced, computed from NLTK's own tokens (the p = 1 expectation)."""
    spans = tb.reference_spans(text)
    covered = [(a, b, lexicon[text[a:b].lower()]) for a, b in spans if text[a:b].lower() in lexicon]
    return tb.replace_spans(text, covered)


# --- Treebank spans ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", "   ", "Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\nThanks.",
    'She said "hi", then ``left\'\' -- fast...', "They'll save and invest more.", "hi, my name can't hello,",
    "'tis the season, wanna go? gimme 3,36 euros (roughly)!", 'end with quote."', "trailing dot. ", "  lead",
    "a\x1c.", "ΟΔΟΣ Straße İstanbul 東京.", "x' 'tis", "U.S. is big.", ",,a",
])
def test_token_spans_equal_nltk(text: str) -> None:
    assert tb.token_spans(text) == tb.reference_spans(text)


@SLOW
@given(TEXTS)
def test_token_spans_equal_nltk_on_random_text(text: str) -> None:
    spans = tb.token_spans(text)
    assert spans == tb.reference_spans(text)
    assert all(text[a:b].strip() == text[a:b] and a < b for a, b in spans)


@SLOW
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_stdlib_replica_equals_nltk_on_ascii(text: str) -> None:
    if not tb._ODD_SPACES.search(text):
        assert tb._ascii_treebank(text) == tb._treebank().tokenize(text)


def test_chunk_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tb, "_CACHE_LIMIT", 8)
    monkeypatch.setattr(tb, "_CACHE", {})
    text = " ".join(f"w{i}, x{i}." for i in range(50))
    assert tb.token_spans(text) == tb.reference_spans(text)
    assert len(tb._CACHE) <= 8


# --- the modes --------------------------------------------------------------------------------------------------

@SLOW
@given(TEXTS, TEXTS, st.sampled_from(cs.MODES), st.integers(0, 3))
def test_p0_returns_the_input_byte_for_byte(query: str, passage: str, mode: str, seed: int) -> None:
    lexicons = {"de": lexicon_for(query + " " + passage), "ru": lexicon_for(passage, "[{}]") or {"x": "y"}}
    switcher = CodeSwitcher(lexicons, mode, p=0.0, seed=seed, query_langs="de", doc_langs="ru", stopwords=())
    assert switcher.switch_pair(query, passage, row=seed) == (query, passage)


@SLOW
@given(TEXTS, TEXTS)
def test_p1_switches_every_covered_token(query: str, passage: str) -> None:
    lexicon = lexicon_for(query + " " + passage)
    switcher = CodeSwitcher({"de": lexicon}, "bilingual", p=1.0)
    stats = switcher.new_stats()
    assert switcher.switch_pair(query, passage, 0, stats) == (oracle(query, lexicon), oracle(passage, lexicon))
    assert stats.total.switched == stats.total.eligible
    assert stats.total.tokens == len(tb.reference_spans(query)) + len(tb.reference_spans(passage))


def test_p1_matches_nltk_on_many_texts_sharing_the_chunk_cache() -> None:
    rng = random.Random(4)
    words, marks = ["house", "cats", "can", "cannot", "big", "x"], list(",.;:?!)('\"") + ["'s", "n't", "...", ""]
    lexicon = {"house": "Haus", "cats": "Katzen", "can": "kann", "x": "X", "'s": "ES", "n't": "NICHT"}
    switcher = CodeSwitcher({"de": lexicon}, "bilingual", p=1.0)
    for _ in range(2000):
        chunks = [rng.choice(["", "("]) + rng.choice(words) + rng.choice(marks) for _ in range(rng.randint(1, 6))]
        text = "".join(chunk + rng.choice([" ", " ", "  ", "\t"]) for chunk in chunks).rstrip(rng.choice(["", " "]))
        assert switcher(text, text) == (oracle(text, lexicon), oracle(text, lexicon)), text


def test_only_the_final_period_is_split() -> None:
    switcher = CodeSwitcher({"de": {"house": "Haus"}}, "bilingual", p=1.0)
    assert switcher("house. house.", "(house) house, house.\thouse.") == ("house. Haus.", "(Haus) Haus, house.\tHaus.")


@pytest.mark.parametrize("mode", cs.MODES)
def test_p0_file_is_copied_byte_for_byte(tmp_path: Path, mode: str) -> None:
    switcher = CodeSwitcher({"de": load_switch_table(CS / "lex_de.tsv")}, mode, p=0.0)
    stats = switch_file(CS / "pairs.tsv", tmp_path / "out.tsv", switcher)
    assert (tmp_path / "out.tsv").read_bytes() == (CS / "pairs.tsv").read_bytes()
    assert stats.pairs == 2 and stats.total.switched == 0 and stats.total.tokens > 0


def test_bilingual_p1_exact(tmp_path: Path) -> None:
    out = tmp_path / "out.tsv"
    switcher = CodeSwitcher({"de": load_switch_table(CS / "lex_de.tsv")}, "bilingual", p=1.0)
    stats = switch_file(CS / "pairs.tsv", out, switcher)
    assert out.read_text(encoding="utf-8") == (
        'What ist die Haus?\tdie Haus ist "groß", istn\'t it?\t1\n'
        "where do Katzen leben\tKatzen leben in die Haus (mostly).\t0\n")
    assert (stats.pairs, stats.query.tokens, stats.passage.tokens, stats.total.eligible) == (2, 9, 20, 14)
    assert stats.to_dict()["out_of_lexicon"] == 15 and stats.to_dict()["per_language"] == {"de": 14}


def test_english_side_stays_english_and_sides_take_their_own_lexicon() -> None:
    lexicons = {"de": load_switch_table(CS / "lex_de.tsv"), "ru": load_switch_table(CS / "lex_ru.tsv")}
    en_de = CodeSwitcher(lexicons, "bilingual", p=1.0, query_langs="en", doc_langs="de")
    assert en_de("the house", "the house") == ("the house", "die Haus")
    de_ru = CodeSwitcher(lexicons, "bilingual", p=1.0, query_langs="de", doc_langs="ru")
    assert de_ru("the house", "the house") == ("die Haus", "этот дом")


def test_translate_test_word_by_word_into_english() -> None:
    switcher = CodeSwitcher({"de": load_switch_table(CS / "lex_de_en.tsv")}, "translate", query_langs="de",
                            doc_langs="en")
    assert switcher.p == 1.0
    assert switcher("Ist das Haus groß?", "Das Haus ist groß.") == ("is das house big?", "Das Haus ist groß.")


def test_switch_rate_at_half_is_half() -> None:
    rng = random.Random(0)
    vocab = [f"w{i}" for i in range(200)]
    switcher = CodeSwitcher({"de": {w: w.upper() for w in vocab[::2]}}, "bilingual", p=0.5, seed=7)
    stats = switcher.new_stats()
    pairs = [(" ".join(rng.choices(vocab, k=20)), " ".join(rng.choices(vocab, k=80)), 0) for _ in range(1000)]
    for _ in codeswitch_pairs(pairs, switcher, stats):
        pass
    assert stats.total.tokens == 100_000 and stats.total.eligible > 40_000
    assert abs(stats.total.switch_rate - 0.5) < 0.01


def test_multilingual_draws_languages_uniformly() -> None:
    from scipy.stats import chisquare

    vocab = [f"w{i}" for i in range(50)]
    lexicons = {lang: {w: f"{w}_{lang}" for w in vocab} for lang in ("ar", "de", "it", "nl", "ru")}
    switcher = CodeSwitcher(lexicons, "multilingual", p=0.5, seed=3)
    stats = switcher.new_stats()
    rng = random.Random(1)
    pairs = [(" ".join(rng.choices(vocab, k=10)), " ".join(rng.choices(vocab, k=60)), 1) for _ in range(500)]
    for query, passage, _ in codeswitch_pairs(pairs, switcher, stats):
        assert {tok.rsplit("_", 1)[-1] for tok in (query + " " + passage).split() if "_" in tok} <= set(lexicons)
    counts = [stats.total.per_language[lang] for lang in sorted(lexicons)]
    assert sum(counts) == stats.total.switched and abs(stats.total.switch_rate - 0.5) < 0.02
    assert chisquare(counts).pvalue > 0.01


def test_multilingual_token_outside_the_drawn_lexicon_stays_english() -> None:
    lexicons = {"de": {"house": "Haus"}, "ru": {"cat": "кошка"}}
    switcher = CodeSwitcher(lexicons, "multilingual", p=1.0, seed=0)
    stats = switcher.new_stats()
    outputs = {switcher.switch_pair("house", "house", row, stats)[0] for row in range(200)}
    assert outputs == {"house", "Haus"}
    assert stats.total.eligible == stats.total.switched == stats.total.per_language["de"]
    assert 150 < stats.total.out_of_lexicon < 250  # about half the 400 tokens drew ru


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    rng = random.Random(2)
    vocab = ["the", "house", "cats", "live", "big", "is", "a", "dog"]
    pairs_path = tmp_path / "pairs.tsv"
    pairs_path.write_text("".join(f"{' '.join(rng.choices(vocab, k=8))}\t{' '.join(rng.choices(vocab, k=30))}\t"
                                  f"{i % 2}\n" for i in range(50)), encoding="utf-8")
    lexicons = {"de": load_switch_table(CS / "lex_de.tsv"), "ru": load_switch_table(CS / "lex_ru.tsv")}
    outputs = []
    for seed in (5, 5, 6):
        switch_file(pairs_path, tmp_path / f"out{len(outputs)}.tsv", CodeSwitcher(lexicons, "multilingual",
                                                                                       seed=seed))
        outputs.append((tmp_path / f"out{len(outputs)}.tsv").read_bytes())
    assert outputs[0] == outputs[1] and outputs[0] != outputs[2]
    original = list(iter_pairs(pairs_path))
    switched = list(iter_pairs(tmp_path / "out0.tsv"))
    assert [label for *_, label in switched] == [label for *_, label in original]  # labels and order kept
    assert switched != original


def test_rows_do_not_depend_on_batching() -> None:
    switcher = CodeSwitcher({"de": load_switch_table(CS / "lex_de.tsv")}, "bilingual", p=0.5, seed=11)
    pairs = [("the house is big", "cats live in the big house", i % 2) for i in range(40)]
    whole = list(codeswitch_pairs(pairs, switcher))
    tail = list(codeswitch_pairs(pairs[25:], switcher, start_row=25))
    assert whole[25:] == tail and len(set(whole)) > 5


def test_random_stream_is_pinned() -> None:
    # Python guarantees random.Random(int).random() across versions: these bytes must never change
    switcher = CodeSwitcher({"de": load_switch_table(CS / "lex_de.tsv")}, "bilingual", p=0.5, seed=1)
    assert [switcher.switch_pair("the house is big", "cats live in the house", row) for row in range(3)] == [
        PINNED_ROW0, PINNED_ROW1, PINNED_ROW2]


# --- Wiki-CS ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("The new york city marathon", "the New York City (DE) marathon"),  # longest first; the side is lower-cased
    ("york new york", "York (DE) New York (DE)"),  # a longer match wins over an earlier shorter one
    ("In New York. The city", "in New York (DE). the Stadt"),  # "york." inside a text matched without its period
    ("Newark and newyorker, renewed", "newark and newyorker, renewed"),  # never inside a word
    ("New York's new city", "New York (DE)'s neu Stadt"),
])
def test_wiki_replaces_whole_words_longest_first(text: str, expected: str) -> None:
    switcher = CodeSwitcher({"de": load_switch_table(CS / "wiki_de.tsv")}, "wiki", stopwords={"the", "and"})
    assert switcher.p == 1.0
    assert switcher(text, text) == (expected, expected)


def test_wiki_orders_candidates_by_characters_not_by_tokens() -> None:
    # "york city" (9 characters) beats the leftmost "new york" (8) of the same two tokens; "cityscape" (one token,
    # 9 characters) ties with "york city" and loses to it as it starts later; a two-token n-gram beats a longer
    # overlapping three-token n-gram only when it has more characters
    lexicon = {"new york": "NY", "york city": "YC", "city": "C", "new": "N", "a b c": "ABC", "c dddddd": "CD"}
    switcher = CodeSwitcher({"de": lexicon}, "wiki", stopwords=())
    assert switcher("New York City", "a b c dddddd") == ("N YC", "a b CD")


def test_wiki_stopwords_are_nltks_179_words() -> None:
    from csir_lib.data.shipped import english_stopwords

    words = english_stopwords()
    assert len(words) == 179 and {"the", "don't", "ll", "ourselves"} <= words
    assert not {"world", "state", "computer", "research", "information", "us", "uk", "new"} & words


def test_wiki_skips_stopword_ngrams_with_the_default_list() -> None:
    switcher = CodeSwitcher({"de": load_switch_table(CS / "wiki_de.tsv")}, "wiki")
    assert switcher("the new house", "new york") == ("the neu house", "New York (DE)")  # "the": stopword; "new": not


def test_wiki_english_side_keeps_its_text() -> None:
    switcher = CodeSwitcher({"de": {"world": "welt"}}, "wiki", query_langs="en", doc_langs="de")
    assert switcher("The World", "The World") == ("The World", "the welt")


def test_wiki_draws_english_for_about_a_sixth_of_sides() -> None:
    seen = ["ar", "de", "it", "nl", "ru"]
    switcher = CodeSwitcher({lang: {"world": f"w-{lang}"} for lang in seen}, "wiki", stopwords=(),
                            query_langs=["en", *seen], doc_langs=["en", *seen])
    stats = switcher.new_stats()
    for row in range(3000):
        switcher.switch_pair("World", "World", row, stats)
    english = 6000 - stats.query.switched - stats.passage.switched  # every non-English side switches its one word
    assert abs(english / 6000 - 1 / 6) < 0.02
    assert set(stats.query.per_language) == set(seen)


def test_wiki_draws_one_language_per_side_and_instance() -> None:
    lexicons = {"de": {"house": "Haus", "cat": "Katze"}, "ru": {"house": "дом", "cat": "кошка"}}
    switcher = CodeSwitcher(lexicons, "wiki", stopwords=())
    outputs = {switcher.switch_pair("house cat", "cat house", row) for row in range(60)}
    assert {q for q, _ in outputs} == {"Haus Katze", "дом кошка"}  # never mixed inside one text
    assert len(outputs) == 4  # query and passage languages drawn independently


# --- lexicon TSV, statistics, examples ---------------------------------------------------------------------------

def test_load_switch_table_first_line_wins_and_lowercases() -> None:
    table = load_switch_table(CS / "lex_de.tsv")
    assert table["house"] == "Haus" and table["is"] == "ist" and len(table) == 6


@pytest.mark.parametrize("name, line", [("bad_fields_lex.tsv", 2), ("bad_score_lex.tsv", 2), ("empty_lex.tsv", 1)])
def test_load_switch_table_bad_input(name: str, line: int | None) -> None:
    with pytest.raises(InputError) as err:
        load_switch_table(CS / name)
    assert err.value.path == str(CS / name) and err.value.line == line


def test_stats_json_has_every_count() -> None:
    switcher = CodeSwitcher({"de": {"house": "Haus"}}, "bilingual", p=1.0, seed=4)
    stats = switcher.new_stats()
    switcher.switch_pair("a house", "house, house and cats", 0, stats)
    data = json.loads(stats.to_json())
    assert data == {"mode": "bilingual", "p": 1.0, "seed": 4, "pairs": 1, "tokens": 7, "eligible": 3,
                    "switched": 3, "out_of_lexicon": 4, "replacements": 3, "switch_rate": 1.0,
                    "per_language": {"de": 3}, "query": data["query"], "passage": data["passage"]}
    assert data["passage"]["tokens"] == 5 and data["query"]["switched"] == 1


def test_switch_examples_one_instance_under_every_strategy() -> None:
    lexicons = {"de": load_switch_table(CS / "lex_de.tsv"), "ru": load_switch_table(CS / "lex_ru.tsv")}
    rows = cs.switch_examples("the house", "cats live", {
        "Original": lambda q, d: (q, d),
        "BL-CS (de-ru)": CodeSwitcher(lexicons, "bilingual", 1.0, query_langs="de", doc_langs="ru"),
    })
    assert rows == [{"strategy": "Original", "query": "the house", "passage": "cats live"},
                    {"strategy": "BL-CS (de-ru)", "query": "die Haus", "passage": "кошки жить"}]


@pytest.mark.parametrize("kwargs, argument", [
    ({"mode": "mixed"}, "mode"),
    ({"mode": "bilingual", "p": 1.5}, "p"),
    ({"mode": "bilingual", "p": -0.1}, "p"),
    ({"mode": "bilingual", "seed": -1}, "seed"),
    ({"mode": "bilingual"}, "query_langs"),  # two lexicons, no language per side
    ({"mode": "bilingual", "query_langs": "fr", "doc_langs": "de"}, "query_langs"),
    ({"mode": "bilingual", "query_langs": "de,ru", "doc_langs": "de"}, "query_langs"),
    ({"mode": "multilingual", "doc_langs": "de,de"}, "doc_langs"),
])
def test_switcher_rejects_bad_parameters(kwargs: dict, argument: str) -> None:
    """A library error names the argument to fix, never a flag of the command line (the command translates)."""
    with pytest.raises(InputError) as err:
        CodeSwitcher({"de": {"a": "b"}, "ru": {"a": "c"}}, **kwargs)
    assert err.value.path == argument and "--" not in str(err.value)


def test_switcher_without_lexicons_names_the_argument() -> None:
    with pytest.raises(InputError) as err:
        CodeSwitcher({}, "bilingual")
    assert str(err.value) == "lexicons: no lexicon given; expected a lexicon of at least one language"
    with pytest.raises(InputError, match="^lexicons: 'en' names no lexicon"):
        CodeSwitcher({"en": {"a": "b"}}, "bilingual")


# --- command line ---------------------------------------------------------------------------------------------------

def test_cli_switches_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.tsv"
    assert main(["codeswitch", "--in", str(CS / "pairs.tsv"), "--out", str(out), "--mode", "bilingual", "--p", "1",
                 "--seed", "3", "--lexicon", f"de={CS / 'lex_de.tsv'}", "--stats"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == json.loads(captured.err.strip())
    assert json.loads(captured.out)["switched"] == 14 and captured.err.count("\n") == 1
    assert out.read_text(encoding="utf-8").startswith("What ist die Haus?\t")


def test_cli_wiki_switches_a_single_word_content_title(tmp_path: Path) -> None:
    pairs, lexicon = tmp_path / "pairs.tsv", tmp_path / "titles_de.tsv"
    pairs.write_text("the world cup\tHello World\t1\n", encoding="utf-8")
    lexicon.write_text("world\twelt\t1.0\nthe\tdie\t1.0\n", encoding="utf-8")  # "the" is an NLTK stopword
    assert main(["codeswitch", "--in", str(pairs), "--out", str(tmp_path / "o.tsv"), "--mode", "wiki", "--p", "1",
                 "--lexicon", f"de={lexicon}"]) == 0
    assert (tmp_path / "o.tsv").read_text(encoding="utf-8") == "the welt cup\thello welt\t1\n"


def test_cli_wiki_defaults_to_p_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("new york city\tthe city\t1\n", encoding="utf-8")
    assert main(["codeswitch", "--in", str(pairs), "--out", str(tmp_path / "o.tsv"), "--mode", "wiki",
                 "--lexicon", f"de={CS / 'wiki_de.tsv'}"]) == 0
    assert json.loads(capsys.readouterr().err)["p"] == 1.0
    assert (tmp_path / "o.tsv").read_text(encoding="utf-8") == "New York City (DE)\tthe Stadt\t1\n"


@pytest.mark.parametrize("args, where", [
    (["--in", str(CS / "bad_label.tsv")], "bad_label.tsv:2:"),
    (["--in", str(CS / "bad_columns.tsv")], "bad_columns.tsv:3:"),
    (["--in", str(CS / "missing.tsv")], "missing.tsv:"),
    (["--query-lang", "fr"], "--query-lang:"),
    (["--p", "1.5"], "--p:"),
    (["--p", "half"], "--p:"),
    (["--mode", "mixed"], "--mode:"),
    (["--lexicon", "de-lex.tsv"], "--lexicon:"),
    (["--lexicon", f"ru={CS / 'bad_score_lex.tsv'}", "--doc-lang", "ru"], "bad_score_lex.tsv:2:"),
])
def test_cli_bad_input_exits_2_without_output(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                              where: str) -> None:
    out = tmp_path / "out.tsv"
    base = {"--in": str(CS / "pairs.tsv"), "--mode": "bilingual", "--query-lang": "de"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag != "--lexicon":
            base[flag] = value
    lexicons = [value for flag, value in zip(args[::2], args[1::2], strict=True) if flag == "--lexicon"]
    argv = ["codeswitch", "--out", str(out), "--lexicon", f"de={CS / 'lex_de.tsv'}"]
    for flag, value in base.items():
        argv += [flag, value]
    for spec in lexicons:
        argv += ["--lexicon", spec]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and where in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_cli_names_its_flags_where_the_switcher_names_arguments(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """CodeSwitcher says query_langs; the command translates its error to --query-lang, path and expectation."""
    out = tmp_path / "out.tsv"
    assert main(["codeswitch", "--in", str(CS / "pairs.tsv"), "--out", str(out), "--mode", "bilingual",
                 "--lexicon", f"de={CS / 'lex_de.tsv'}", "--lexicon", f"ru={CS / 'lex_ru.tsv'}"]) == 2
    assert capsys.readouterr().err == ("error: --query-lang: mode bilingual with 2 lexicons needs a language per "
                                       "side; expected --query-lang and --doc-lang, one language each\n")
    assert main(["codeswitch", "--in", str(CS / "pairs.tsv"), "--out", str(out), "--mode", "bilingual"]) == 2
    assert capsys.readouterr().err == "error: --lexicon: no lexicon given; expected at least one LANG=LEX.tsv\n"
    assert not out.exists()


PINNED_ROW0 = ("the Haus ist big", "cats leben in die house")
PINNED_ROW1 = ("die house ist big", "Katzen leben in the house")
PINNED_ROW2 = ("the Haus ist big", "Katzen leben in die Haus")


@pytest.mark.parametrize(("text", "message"), [
    ("house\tHaus\t0.9\nwater\tWasser\tnan\n", r"lex\.tsv:2: score 'nan' is not finite"),
    ("house\tHaus\tinf\n", r"lex\.tsv:1: score 'inf' is not finite"),
    ("house\tHaus\thigh\n", r"lex\.tsv:1: score 'high' is not a number"),
    ("house\tHaus\n", r"lex\.tsv:1: 2 tab-separated field\(s\)"),
    ("\n", r"lex\.tsv:1: no lexicon entries"),
])
def test_switch_tables_are_read_by_the_one_lexicon_parser(tmp_path, text, message):
    """load_switch_table goes through lexicon.read_lexicon: a score the lexicon reader refuses is refused here too."""
    path = tmp_path / "lex.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        cs.load_switch_table(path)

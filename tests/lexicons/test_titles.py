"""Parallel-title lexicons (CLDR proxy, linguatools XML and Moses files, Wikipedia langlinks) and downloads."""

from __future__ import annotations

import gzip
import hashlib
import logging

import pytest

from csir_lib.core.download import (
    DownloadError,
    download,
    fasttext_wiki_url,
    muse_dictionary_url,
    muse_vectors_url,
    wikipedia_dump_url,
)
from csir_lib.core.errors import InputError
from csir_lib.lexicons.titles import (
    CLDR_PROVENANCE,
    cldr_lexicon,
    clean_title,
    iter_sql_rows,
    read_langlinks,
    read_linguatools,
    read_title_pairs,
)

MIRACL_NON_ENGLISH = "ar bn es fa fi fr hi id ja ko ru sw te th zh de yo".split()


@pytest.fixture
def lex_dir(fixtures):
    """The folder of lexicon fixtures."""
    return fixtures / "lexicon"


@pytest.mark.parametrize("title, cleaned", [
    ("Paris (Begriffsklärung)", "paris"),
    ("Kategorie:Physik", "physik"),
    ("Wikipedia:Hilfe:Seiten (neu)", "hilfe:seiten"),  # only up to the first ':' goes
    ("  Vereinigte Staaten ", "vereinigte staaten"),
    ("刚果（金）", "刚果"),
    ("(Film)", ""),
])
def test_clean_title(title, cleaned):
    assert clean_title(title) == cleaned


def test_cldr_lexicon_for_every_miracl_language():
    sizes = {}
    for lang in MIRACL_NON_ENGLISH:
        lexicon = cldr_lexicon(lang)
        assert (lexicon.source_lang, lexicon.target_lang, lexicon.provenance) == ("en", lang, CLDR_PROVENANCE)
        sizes[lang] = len(lexicon)
        assert all(s == s.lower() and "(" not in t for s, t, _ in lexicon.pairs())
    assert min(sizes.values()) >= 900, sizes
    assert cldr_lexicon("de").best("germany") == "deutschland"
    assert cldr_lexicon("sw").best("germany") == "ujerumani"
    assert cldr_lexicon("ja").best("japan") == "日本"
    assert cldr_lexicon("yo").best("nigeria") == "nàìjíríà"
    assert "myanmar" in cldr_lexicon("fr")  # "Myanmar (Burma)" cleaned on the English side too


def test_cldr_lexicon_unknown_language():
    with pytest.raises(InputError, match="CLDR"):
        cldr_lexicon("xx-notalocale")


def test_read_linguatools_xml(lex_dir, caplog):
    with caplog.at_level(logging.WARNING):
        lexicon = read_linguatools(lex_dir / "wikititles-2014_deen.xml", "de")
    assert lexicon.entries == {
        "united states": [("vereinigte staaten", 1.0)],
        "paris (disambiguation)": [("paris", 1.0)],  # the English side is only lower-cased, as in the paper
        "category:physics": [("physik", 1.0)],
        "moon and sun": [("mond & sonne", 1.0)],
    }
    assert (lexicon.source_lang, lexicon.target_lang) == ("en", "de")
    assert "skipped 1 pair" in caplog.text and "[17]" in caplog.text  # translation 4 has no German entry


def test_read_linguatools_takes_any_child_of_the_root_as_a_pair(tmp_path):
    # the released code (codeswitch_wiki_1.ipynb) read `for child in root: for grandchild in child:` entries
    xml = tmp_path / "wikititles-2014_enit.xml"
    xml.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<titles>\n<link id="1"><entry lang="en">Rome</entry>'
                   '<entry lang="it">Roma</entry></link>\n<pair><entry lang="it">Italia (stato)</entry>'
                   '<entry lang="en">Italy</entry><entry lang="en">ignored second</entry></pair>\n'
                   '<link><note><entry lang="it">nested: not a title</entry></note><entry lang="en">Alone</entry>'
                   '</link>\n</titles>\n', encoding="utf-8")
    lexicon = read_linguatools(xml, "it")
    assert lexicon.entries == {"rome": [("roma", 1.0)], "italy": [("italia", 1.0)]}


def test_read_linguatools_gzip_and_reverse(lex_dir, tmp_path):
    gz = tmp_path / "wikititles-2014_deen.xml.gz"
    gz.write_bytes(gzip.compress((lex_dir / "wikititles-2014_deen.xml").read_bytes()))
    lexicon = read_linguatools(gz, target_lang="en", source_lang="de")
    assert lexicon.best("vereinigte staaten") == "united states" and lexicon.best("kategorie:physik") == "physics"


def test_bad_linguatools_xml_names_line(lex_dir):
    with pytest.raises(InputError) as err:
        read_linguatools(lex_dir / "bad_titles.xml", "de")
    assert err.value.line == 5 and "mismatched tag" in str(err.value)
    with pytest.raises(InputError):
        read_linguatools(lex_dir / "missing.xml", "de")
    with pytest.raises(InputError, match="no title pairs"):
        read_linguatools(lex_dir / "wikititles-2014_deen.xml", "fr")


def test_read_title_pairs(lex_dir):
    lexicon = read_title_pairs(lex_dir / "titles.en", lex_dir / "titles.ru", target_lang="ru")
    assert lexicon.entries == {"germany": [("германия", 1.0)], "war (film)": [("война", 1.0)],
                               "moscow": [("москва", 1.0)]}
    with pytest.raises(InputError) as err:
        read_title_pairs(lex_dir / "titles.en", lex_dir / "titles_short.ru")
    assert err.value.line == 3 and err.value.path.endswith("titles.en")


def test_read_langlinks_both_directions(lex_dir):
    links, pages = lex_dir / "ruwiki-langlinks.sql", lex_dir / "ruwiki-page.sql"
    en_ru = read_langlinks(links, pages, wiki_lang="ru", link_lang="en")
    # page 13 is a category (namespace 14), page 14 links to '', page 99 has no row in `page`
    assert en_ru.entries == {"germany": [("германия", 1.0)], "moscow": [("москва", 1.0)],
                             "o'brien (surname)": [("о'брайен", 1.0)]}
    assert (en_ru.source_lang, en_ru.target_lang) == ("en", "ru")
    ru_en = read_langlinks(links, pages, wiki_lang="ru", link_lang="en", source_lang="ru")
    assert ru_en.entries == {"германия": [("germany", 1.0)], "москва (город)": [("moscow", 1.0)],
                             "о'брайен": [("o'brien", 1.0)]}
    assert read_langlinks(links, pages, "ru", "de", source_lang="ru").entries == {"германия": [("deutschland", 1.0)]}


def test_sql_rows_and_bad_dumps(lex_dir):
    rows = list(iter_sql_rows(lex_dir / "ruwiki-langlinks.sql", "langlinks"))
    assert rows[3] == ("12", "en", "O'Brien (surname)") and len(rows) == 7
    with pytest.raises(InputError) as err:
        read_langlinks(lex_dir / "ruwiki-langlinks.sql", lex_dir / "bad_page.sql", "ru", "en")
    assert err.value.line == 2
    with pytest.raises(InputError, match="no INSERT INTO `langlinks`"):
        read_langlinks(lex_dir / "ruwiki-page.sql", lex_dir / "ruwiki-page.sql", "ru", "en")
    with pytest.raises(InputError, match="source_lang"):
        read_langlinks(lex_dir / "ruwiki-langlinks.sql", lex_dir / "ruwiki-page.sql", "ru", "en", source_lang="de")


# --------------------------------------------------------------------------------------------- download -----


def test_urls():
    assert muse_vectors_url("de") == "https://dl.fbaipublicfiles.com/arrival/vectors/wiki.multi.de.vec"
    assert muse_dictionary_url("en", "de", "5000-6500") == \
        "https://dl.fbaipublicfiles.com/arrival/dictionaries/en-de.5000-6500.txt"
    assert muse_dictionary_url("en", "de", "full") == "https://dl.fbaipublicfiles.com/arrival/dictionaries/en-de.txt"
    assert fasttext_wiki_url("sw") == "https://dl.fbaipublicfiles.com/fasttext/vectors-wiki/wiki.sw.vec"
    assert wikipedia_dump_url("yo", "langlinks") == \
        "https://dumps.wikimedia.org/yowiki/latest/yowiki-latest-langlinks.sql.gz"
    with pytest.raises(ValueError):
        muse_dictionary_url("en", "de", "test")


def test_download_file_url_with_checksum(tmp_path):
    src = tmp_path / "src.txt"
    src.write_bytes(b"house haus\n")
    good = hashlib.sha256(b"house haus\n").hexdigest()
    dest = download(src.as_uri(), tmp_path / "out" / "dict.txt", sha256=good)
    assert dest.read_bytes() == b"house haus\n"
    src.write_bytes(b"changed\n")
    assert download(src.as_uri(), dest, sha256=good).read_bytes() == b"house haus\n"  # a good file is kept
    assert download(src.as_uri(), dest).read_bytes() == b"house haus\n"  # and without a checksum too


def test_download_checksum_mismatch_leaves_nothing(tmp_path):
    src = tmp_path / "src.txt"
    src.write_bytes(b"data")
    with pytest.raises(DownloadError, match="SHA-256"):
        download(src.as_uri(), tmp_path / "out" / "x.txt", sha256="0" * 64)
    assert not (tmp_path / "out").exists()  # the folder the failed download made is removed with it


def test_download_unreachable_is_a_clear_error(tmp_path):
    with pytest.raises(DownloadError, match="offline") as err:
        download("http://127.0.0.1:9/nothing.vec", tmp_path / "x.vec", timeout=5)
    assert str(tmp_path / "x.vec") in str(err.value)
    with pytest.raises(DownloadError):
        download((tmp_path / "missing.txt").as_uri(), tmp_path / "y.txt")
    assert not (tmp_path / "x.vec").exists() and not (tmp_path / "y.txt").exists()

"""One declarative table of the study's languages: the union of MIRACL (18), mMARCO (14) and XQuAD-R (11).

Facts come from ../shared/STUDY.md sections 1-3: MIRACL dev sizes, the paper's seen and unseen sets, which
lexicon sources exist offline (Debian FreeDict, Unicode CLDR via babel, the encoder-induced substitute for MUSE)
and online (MUSE aligned vectors and dictionaries, linguatools Wikipedia titles, Wikipedia langlinks).
"""

from __future__ import annotations

from dataclasses import dataclass

from csir_lib.core.errors import InputError

#: MUSE's 30 languages with supervised aligned fastText vectors (`wiki.multi.{lang}.vec`), restricted to ours.
MUSE_ALIGNED = frozenset("ar de el en es fi fr id it nl pt ru tr vi".split())
#: Languages with MUSE bilingual dictionaries to and from English (none for sw, te, yo).
MUSE_DICTIONARIES = frozenset("ar bn de el es fa fi fr hi id it ja ko nl pt ru th tr vi zh".split())
#: Debian's FreeDict packages `dict-freedict-eng-{iso3}` (English to X) that exist for our languages.
FREEDICT = frozenset("ar de el es fi fr hi id it ja nl pt ru sw tr".split())
#: The linguatools Wikipedia parallel-titles corpora the paper used (EN with each of these).
LINGUATOOLS_TITLES = frozenset("de it ar ru nl".split())


@dataclass(frozen=True)
class Language:
    """One language and what the study knows about it."""

    code: str  # ISO 639-1
    iso3: str  # ISO 639-3, as lang2vec and FreeDict name it
    name: str
    script: str  # ISO 15924
    miracl_dev_queries: int | None  # None: not in MIRACL
    miracl_passages: int | None  # passages in MIRACL's corpus: a proxy for Wikipedia's size
    xlmr: bool  # seen in XLM-R's pre-training (the vocabulary of every model here)
    in_mmarco: bool
    in_xquad_r: bool
    paper_group: str | None  # "seen" (in the paper's code-switching), "unseen" (mMARCO only), None

    @property
    def in_miracl(self) -> bool:
        """Whether MIRACL has dev topics in this language."""
        return self.miracl_dev_queries is not None

    @property
    def lexicons_offline(self) -> tuple[str, ...]:
        """Lexicon sources with English that need no internet."""
        if self.code == "en":
            return ()
        sources = ["cldr", "encoder-clwe"]
        if self.code in FREEDICT:
            sources.insert(0, "freedict")
        return tuple(sources)

    @property
    def lexicons_online(self) -> tuple[str, ...]:
        """Lexicon sources with English that the paper profile downloads."""
        if self.code == "en":
            return ()
        sources = []
        if self.code in MUSE_ALIGNED:
            sources.append("muse-vectors")
        else:
            sources.append("fasttext-wiki+procrustes")
        if self.code in MUSE_DICTIONARIES:
            sources.append("muse-dictionary")
        sources.append("linguatools-titles" if self.code in LINGUATOOLS_TITLES else "wikipedia-langlinks")
        return tuple(sources)


def _lang(code, iso3, name, script, queries, passages, mmarco, xquad, group, xlmr=True) -> Language:
    """Shorthand row constructor for the table below."""
    return Language(code, iso3, name, script, queries, passages, xlmr, mmarco, xquad, group)


# fmt: off
LANGUAGES: dict[str, Language] = {lang.code: lang for lang in [
    #      code  iso3   name          script  MIRACL dev  passages     mMARCO  XQuAD-R  paper group
    _lang("ar", "arb", "Arabic",     "Arab", 2896,  2_061_414,  True,  True,  "seen"),
    _lang("bn", "ben", "Bengali",    "Beng", 411,   297_265,    False, False, None),
    _lang("de", "deu", "German",     "Latn", 305,   15_866_222, True,  True,  "seen"),
    _lang("el", "ell", "Greek",      "Grek", None,  None,       False, True,  None),
    _lang("en", "eng", "English",    "Latn", 799,   32_893_221, True,  True,  "seen"),
    _lang("es", "spa", "Spanish",    "Latn", 648,   10_373_953, True,  True,  "unseen"),
    _lang("fa", "pes", "Persian",    "Arab", 632,   2_207_172,  False, False, None),
    _lang("fi", "fin", "Finnish",    "Latn", 1271,  1_883_509,  False, False, None),
    _lang("fr", "fra", "French",     "Latn", 343,   14_636_953, True,  False, "unseen"),
    _lang("hi", "hin", "Hindi",      "Deva", 350,   506_264,    True,  True,  "unseen"),
    _lang("id", "ind", "Indonesian", "Latn", 960,   1_446_315,  True,  False, "unseen"),
    _lang("it", "ita", "Italian",    "Latn", None,  None,       True,  False, "seen"),
    _lang("ja", "jpn", "Japanese",   "Jpan", 860,   6_953_614,  True,  False, "unseen"),
    _lang("ko", "kor", "Korean",     "Kore", 213,   1_486_752,  False, False, None),
    _lang("nl", "nld", "Dutch",      "Latn", None,  None,       True,  False, "seen"),
    _lang("pt", "por", "Portuguese", "Latn", None,  None,       True,  False, "unseen"),
    _lang("ru", "rus", "Russian",    "Cyrl", 1252,  9_543_918,  True,  True,  "seen"),
    _lang("sw", "swh", "Swahili",    "Latn", 482,   131_924,    False, False, None),
    _lang("te", "tel", "Telugu",     "Telu", 828,   518_079,    False, False, None),
    _lang("th", "tha", "Thai",       "Thai", 733,   542_166,    False, True,  None),
    _lang("tr", "tur", "Turkish",    "Latn", None,  None,       False, True,  None),
    _lang("vi", "vie", "Vietnamese", "Latn", None,  None,       True,  True,  "unseen"),
    _lang("yo", "yor", "Yoruba",     "Latn", 119,   49_043,     False, False, None, xlmr=False),
    _lang("zh", "cmn", "Chinese",    "Hans", 393,   4_934_368,  True,  True,  "unseen"),
]}
# fmt: on

#: MIRACL's low-resource languages (STUDY.md section 2): sw, te, yo, and bn by Wikipedia size.
LOW_RESOURCE = frozenset({"sw", "te", "yo", "bn"})


def get(code: str) -> Language:
    """The language with ISO 639-1 `code`, or an error listing the known codes."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise InputError(f"unknown language code {code!r}", expected=f"one of {' '.join(sorted(LANGUAGES))}") from None


def check_codes(codes: list[str] | tuple[str, ...], where: str = "<input>") -> list[str]:
    """Validate a list of language codes, naming where they came from."""
    unknown = [c for c in codes if c not in LANGUAGES]
    if unknown:
        raise InputError(f"unknown language code(s) {', '.join(map(repr, unknown))}", path=where,
                         expected=f"codes among {' '.join(sorted(LANGUAGES))}")
    return list(codes)


def miracl_group(code: str, cs_languages: frozenset[str] | set[str]) -> str:
    """The MIRACL analysis group of a language given the languages code-switching used."""
    lang = get(code)
    if code == "en" or code in cs_languages:
        return "seen in code-switching"
    if not lang.xlmr:
        return "unseen in pre-training"
    if code in LOW_RESOURCE:
        return "unseen, low-resource"
    return "unseen, well resourced"


def table() -> list[dict[str, object]]:
    """The table as plain rows, one per language, for DataFrames and reports."""
    return [
        {
            "code": lang.code, "iso3": lang.iso3, "name": lang.name, "script": lang.script,
            "miracl_dev_queries": lang.miracl_dev_queries, "miracl_passages": lang.miracl_passages,
            "xlmr_pretraining": lang.xlmr, "miracl": lang.in_miracl, "mmarco": lang.in_mmarco,
            "xquad_r": lang.in_xquad_r, "paper_group": lang.paper_group or "",
            "lexicons_offline": " ".join(lang.lexicons_offline), "lexicons_online": " ".join(lang.lexicons_online),
        }
        for lang in LANGUAGES.values()
    ]

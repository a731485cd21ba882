"""`python -m csir_lib codeswitch`: code-switch a training-pairs file (BL-CS, ML-CS, Wiki-CS or Translate Test)."""

from __future__ import annotations

import argparse

MODES = ("bilingual", "multilingual", "wiki", "translate")
SEED_MAX = 2**32 - 1  # csir_lib.core.config.SEED_MAX, kept import-free
OPTIONS = {"mode": "--mode", "p": "--p", "seed": "--seed", "lexicons": "--lexicon", "query_langs": "--query-lang",
           "doc_langs": "--doc-lang"}  # CodeSwitcher's arguments -> this command's flags, for its errors


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `codeswitch` command."""
    parser = subparsers.add_parser(
        "codeswitch", help="code-switch training pairs with bilingual lexicons",
        description="Switch the words of `query TAB passage TAB label` pairs for their translations. Statistics "
                    "go to stderr as one JSON line (and to stdout with --stats). Bad input: exit code 2.")
    parser.add_argument("--in", dest="in_path", required=True, metavar="PAIRS.tsv", help="query TAB passage TAB label")
    parser.add_argument("--out", dest="out_path", required=True, metavar="OUT.tsv", help="written atomically")
    parser.add_argument("--mode", required=True, metavar="|".join(MODES),
                        help="bilingual (BL-CS), multilingual (ML-CS), wiki (Wiki-CS, n-grams up to 3) or translate "
                             "(Translate Test: word by word into English with X-to-English lexicons)")
    parser.add_argument("--p", default=None, metavar="P",
                        help="switch probability in [0, 1]; default 0.5, and 1.0 for wiki and translate")
    parser.add_argument("--seed", default="1", metavar="N", help="integer >= 0; same seed, same bytes (default 1)")
    parser.add_argument("--lexicon", action="append", default=[], metavar="LANG=LEX.tsv",
                        help="lexicon TSV `source TAB target TAB score` for LANG (repeatable; best line first)")
    parser.add_argument("--query-lang", default=None, metavar="LANG[,LANG...]",
                        help="language(s) of the query side; 'en' keeps it English; several for multilingual/wiki "
                             "(default: every lexicon's language; bilingual/translate need it with several lexicons)")
    parser.add_argument("--doc-lang", default=None, metavar="LANG[,LANG...]", help="the same for the passage side")
    parser.add_argument("--stats", action="store_true", help="also print the statistics JSON line on stdout")
    parser.add_argument("--workers", default=None, metavar="N",
                        help="processes switching contiguous chunks, 1 = this process alone (default: the machine's "
                             "physical cores); the output bytes and statistics are the same for every N")
    return parser


def _number(text: str | None, option: str, kind: type) -> float | int | None:
    """`text` parsed as `kind`, or an InputError naming the option."""
    from csir_lib.core.errors import InputError

    if text is None:
        return None
    expected = "a number from 0 to 1" if kind is float else f"an integer from 0 to {SEED_MAX}"
    try:
        if kind is int and not (text.isascii() and text.isdigit()):
            raise ValueError(text)
        value = kind(text)
    except ValueError:
        raise InputError(f"{text!r} is not a{'n integer' if kind is int else ' number'}", path=option,
                         expected=expected) from None
    if kind is int and not 0 <= value <= SEED_MAX:
        raise InputError(f"{text!r} is out of range", path=option, expected=expected)
    return value


def _workers(text: str | None) -> int:
    """--workers as a number of processes (default: the physical cores), or an InputError naming the option."""
    from csir_lib.codeswitch.parallel import MAX_WORKERS, check_workers
    from csir_lib.core.errors import InputError

    if text is None:
        from csir_lib.retrieval.rerank import physical_cores

        return min(physical_cores(), MAX_WORKERS)
    digits = text.strip().removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        raise InputError(f"{text!r} is not an integer", path="--workers",
                         expected=f"an integer from 1 (one process) to {MAX_WORKERS}")
    return check_workers(int(text), "--workers")


def _lexicon_specs(specs: list[str]) -> dict[str, str]:
    """{language: path} from `LANG=PATH` specs, each language once and known to csir_lib.core.languages."""
    from csir_lib.core.errors import InputError
    from csir_lib.core.languages import check_codes

    paths: dict[str, str] = {}
    for spec in specs:
        lang, sep, path = spec.partition("=")
        lang, path = lang.strip(), path.strip()
        if not sep or not lang or not path or "," in lang:
            raise InputError(f"malformed spec {spec!r}", path="--lexicon", expected="LANG=PATH, e.g. de=lex_de.tsv")
        if lang in paths:
            raise InputError(f"language {lang!r} given twice", path="--lexicon", expected="one lexicon per language")
        paths[lang] = path
    if not paths:
        raise InputError("no lexicon given", path="--lexicon", expected="at least one LANG=LEX.tsv")
    check_codes(list(paths), where="--lexicon")
    return paths


def run(args: argparse.Namespace) -> int:
    """Load the lexicons, switch the pairs file, report statistics."""
    import sys

    from csir_lib.codeswitch.parallel import switch_file
    from csir_lib.codeswitch.switch import CodeSwitcher, load_switch_table
    from csir_lib.core.errors import InputError, as_options
    from csir_lib.core.io_checks import input_file, output_path

    if args.mode not in MODES:
        raise InputError(f"unknown mode {args.mode!r}", path="--mode", expected=" or ".join(MODES))
    p, seed = _number(args.p, "--p", float), _number(args.seed, "--seed", int)
    workers = _workers(args.workers)
    paths = _lexicon_specs(args.lexicon)
    # check everything that needs no file before loading the lexicons
    with as_options(OPTIONS):
        CodeSwitcher({lang: {} for lang in paths}, args.mode, p, seed, args.query_lang, args.doc_lang, stopwords=())
    for path in [args.in_path, *paths.values()]:
        input_file(path)
    output_path(args.out_path, [args.in_path, *paths.values()], "--out")
    lexicons = {lang: load_switch_table(path) for lang, path in paths.items()}
    with as_options(OPTIONS):
        switcher = CodeSwitcher(lexicons, args.mode, p, seed, args.query_lang, args.doc_lang)
    stats = switch_file(args.in_path, args.out_path, switcher, workers)
    line = stats.to_json()
    print(line, file=sys.stderr)
    if args.stats:
        print(line)
    return 0

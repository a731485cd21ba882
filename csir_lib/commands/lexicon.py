"""`python -m csir_lib lexicon induce|evaluate`: induce a bilingual lexicon from word vectors, or score one."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `lexicon` with its `induce` and `evaluate` actions."""
    parser = subparsers.add_parser("lexicon", help="induce a bilingual lexicon from word vectors, or evaluate one",
                                   description="Bilingual lexicons (TSV: source TAB target TAB score, best first).")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    induce = actions.add_parser(
        "induce", help="nearest-neighbour or CSLS lexicon between two vector spaces",
        description="Give every source word its best targets by dot product (nn, vectors as given: the paper's "
        "method) or by CSLS over cosines. With --seed-dict the source space is first rotated onto the target "
        "space by Procrustes; without it the spaces are taken as aligned.")
    induce.add_argument("--src-vectors", required=True, help="source word vectors (fastText/word2vec text)")
    induce.add_argument("--tgt-vectors", required=True, help="target word vectors (fastText/word2vec text)")
    induce.add_argument("--seed-dict", help="seed pairs for Procrustes: MUSE two-column or lexicon TSV")
    induce.add_argument("--method", choices=("nn", "csls"), default="nn", help="retrieval (default: %(default)s)")
    induce.add_argument("--k", type=int, default=10, help="CSLS neighbourhood size (default: %(default)s)")
    induce.add_argument("--top", type=int, default=5, help="targets written per source word (default: %(default)s)")
    induce.add_argument("--max-vocab", type=int, help="read only the first N vectors of each file")
    induce.add_argument("--src-lang", default="", help="source language code, recorded in the provenance")
    induce.add_argument("--tgt-lang", default="", help="target language code, recorded in the provenance")
    induce.add_argument("--out", required=True, help="output lexicon TSV")
    evaluate = actions.add_parser(
        "evaluate", help="P@1, P@5 and coverage against a gold dictionary, as JSON",
        description="Precision over the gold source words the lexicon has (as MUSE), and their share (coverage).")
    evaluate.add_argument("--lexicon", required=True, help="lexicon TSV to score")
    evaluate.add_argument("--gold", required=True, help="gold dictionary: MUSE two-column or lexicon TSV")
    evaluate.add_argument("--normalise", choices=("NFC", "NFKC", "none"), default="NFC",
                          help="Unicode normal form both files are compared in (default: %(default)s)")
    return parser


def _positive(value: int | None, flag: str) -> None:
    """Reject a zero or negative count given on the command line."""
    from csir_lib.core.errors import InputError

    if value is not None and value < 1:
        raise InputError(f"{flag} {value}", path="<command line>", expected=f"{flag} of at least 1")


def _induce(args: argparse.Namespace) -> int:
    """Read both vector files (and the seed dictionary), induce, write the TSV."""
    from csir_lib.core.errors import InputError
    from csir_lib.core.io_checks import input_file, output_path
    from csir_lib.lexicons.induction import induce_lexicon, seed_indices
    from csir_lib.lexicons.lexicon import read_dictionary, write_lexicon
    from csir_lib.lexicons.vectors import read_vectors

    for value, flag in ((args.k, "--k"), (args.top, "--top"), (args.max_vocab, "--max-vocab")):
        _positive(value, flag)
    inputs = [args.src_vectors, args.tgt_vectors, args.seed_dict]
    for path in filter(None, inputs):
        input_file(path)
    output_path(args.out, inputs, "--out")
    src_words, src_vecs = read_vectors(args.src_vectors, args.max_vocab)
    tgt_words, tgt_vecs = read_vectors(args.tgt_vectors, args.max_vocab)
    if src_vecs.shape[1] != tgt_vecs.shape[1]:
        raise InputError(f"{tgt_vecs.shape[1]}-dimensional vectors, but {args.src_vectors} has {src_vecs.shape[1]}",
                         path=args.tgt_vectors, line=1, expected="both files with the same dimension")
    seed = None
    if args.seed_dict:
        seed = read_dictionary(args.seed_dict)
        if not seed_indices(seed, src_words, tgt_words)[0].size:
            raise InputError("no seed pair has both words among the vectors", path=args.seed_dict,
                             expected="seed pairs whose source and target words have vectors")
    provenance = f"clwe-{args.method}{'+procrustes' if seed else ''}:{args.src_vectors}->{args.tgt_vectors}"
    lexicon = induce_lexicon(src_words, src_vecs, tgt_words, tgt_vecs, method=args.method, k=args.k, top=args.top,
                             seed_dict=seed, source_lang=args.src_lang, target_lang=args.tgt_lang,
                             provenance=provenance)
    write_lexicon(args.out, lexicon)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    """Print P@1, P@5, coverage (and counts) as one JSON object."""
    import json

    from csir_lib.lexicons.lexicon import read_dictionary, read_lexicon
    from csir_lib.lexicons.quality import evaluate_lexicon

    form = None if args.normalise == "none" else args.normalise
    result = evaluate_lexicon(read_lexicon(args.lexicon), read_dictionary(args.gold), form=form)
    print(json.dumps(result))
    return 0


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen action."""
    return _induce(args) if args.action == "induce" else _evaluate(args)

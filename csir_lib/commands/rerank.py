"""`python -m csir_lib rerank`: re-rank a first-stage TREC run with a cross-encoder and write a TREC run."""

from __future__ import annotations

import argparse


def _positive(text: str) -> int:
    """An argparse type: a positive integer."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `rerank` subcommand."""
    parser = subparsers.add_parser(
        "rerank",
        help="score a first-stage run's candidates with a cross-encoder",
        description="Score every (query, candidate) pair of a TREC run with a Hugging Face sequence-classification "
        "folder (num_labels 1, e.g. OUT_DIR/model of `csir train`); the score is the model's logit. The model reads "
        "the query and the document's title and text, truncated longest-first to --max-length tokens.",
    )
    parser.add_argument("--model", required=True, help="cross-encoder folder")
    parser.add_argument("--topics", required=True, help="topics: qid TAB text")
    parser.add_argument("--corpus", required=True, help='JSONL corpus {"docid", "title", "text"} (.jsonl or .jsonl.gz)')
    parser.add_argument("--run", required=True, help="first-stage TREC run: qid Q0 docid rank score tag")
    parser.add_argument("--out", required=True, help="re-ranked TREC run to write")
    parser.add_argument("--depth", type=_positive, default=None, help="re-rank each query's top N (default: all)")
    parser.add_argument("--batch-tokens", type=_positive, default=8192,
                        help="padded tokens per batch (rows x longest row; default: %(default)s)")
    parser.add_argument("--max-length", type=_positive, default=512,
                        help="tokens of query + document (default: %(default)s)")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32",
                        help="bf16: the encoder in bfloat16, the logit in float32; about twice as fast on a CPU with "
                        "AVX512-BF16 (default: %(default)s)")
    parser.add_argument("--tag", default=None, help="run tag (default: the model folder's name)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run(args: argparse.Namespace) -> int:
    """Re-rank and write the run atomically; nothing is written on bad input."""
    from csir_lib.core.io_checks import output_path
    from csir_lib.retrieval.rerank import rerank_files

    output_path(args.out, [args.model, args.topics, args.corpus, args.run], "--out")  # named as the flag it is
    rerank_files(args.model, args.topics, args.corpus, args.run, args.out, args.depth, args.batch_tokens,
                 args.max_length, tag=args.tag, progress=not args.quiet, precision=args.precision)
    return 0

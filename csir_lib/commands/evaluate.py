"""`python -m csir_lib evaluate`: score a TREC run against TREC qrels and print the means as JSON."""

from __future__ import annotations

import argparse

DEFAULT_METRICS = ("mrr@10", "ndcg@10", "recall@100")  # csir_lib.evaluation.measures.DEFAULT_METRICS, kept import-free


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `evaluate` subcommand."""
    parser = subparsers.add_parser(
        "evaluate",
        help="score a run against qrels (trec_eval -c semantics) and print JSON",
        description="Score a TREC run against TREC qrels. Every judged query counts (0 when the run lacks it); "
        "ties rank by docid ascending, the order our runs are written in.",
    )
    parser.add_argument("--qrels", required=True, help="TREC qrels: qid ITER docid rel")
    parser.add_argument("--run", required=True, help="TREC run: qid Q0 docid rank score tag")
    parser.add_argument("--metrics", nargs="+", default=list(DEFAULT_METRICS),
                        help="metric names: mrr@K, ndcg@K, recall@K, map, map@K, precision@K (default: %(default)s)")
    parser.add_argument("--depth", type=int, default=None,
                        help="read only the top N documents of each query, as trec_eval -M N")
    return parser


def run(args: argparse.Namespace) -> int:
    """Evaluate and print one JSON object: each metric's mean, plus n_queries."""
    import json

    from csir_lib.evaluation.measures import evaluate_files

    result = evaluate_files(args.qrels, args.run, args.metrics, args.depth)
    print(json.dumps(result.to_dict(), sort_keys=False))
    return 0

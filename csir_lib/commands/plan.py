"""`python -m csir_lib plan`: what a profile's run will fetch, build, train and re-rank, and estimated stage times."""

from __future__ import annotations

import argparse

PROFILES = ("smoke", "demo", "paper")  # csir_lib.core.config.PROFILES, kept import-free


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the `plan` command."""
    parser = subparsers.add_parser(
        "plan", help="print what a profile's run will download and build, with estimated times",
        description="Print, without downloading or computing anything, what `./run_all.sh --profile P` will fetch "
                    "(files and sizes where known), build (lexicons, training sets and their pairs, models and "
                    "their steps, re-ranking runs and their pairs) and how long each stage should take on this "
                    "machine (estimates from measured rates in benchmarks/rates.yaml). Bad input: exit code 2.")
    parser.add_argument("--profile", default="demo", choices=PROFILES, help="which configs/<profile>.yaml")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config value, as run_all.sh --set (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON instead of text")
    return parser


def run(args: argparse.Namespace) -> int:
    """Load the profile with its overrides, make the plan, print it."""
    from csir_lib.core.config import load_config, parse_override
    from csir_lib.core.errors import as_options
    from csir_lib.report.plan import make_plan
    from csir_lib.report.plan_report import load_rates, render, to_json

    overrides = dict(parse_override(o) for o in args.set)
    with as_options({"overrides": "--set"}):
        config = load_config(profile=args.profile, overrides=overrides)
    rates = load_rates()
    plan = make_plan(config)
    print(to_json(plan, rates) if args.json else render(plan, rates), end="" if not args.json else "\n")
    return 0

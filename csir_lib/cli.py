"""The command line: one subcommand per heavy stage, so stages can run alone or fan out on a cluster."""

from __future__ import annotations

import argparse
import importlib
import sys

from csir_lib.commands import COMMANDS
from csir_lib.core.errors import InputError, OneLineParser


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every stage command of `COMMANDS`."""
    parser = OneLineParser(prog="python -m csir_lib", description="Code-switched cross-lingual retrieval.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"csir_lib.commands.{name}")
        command = module.add_parser(sub)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse `argv`, run the command, and turn bad input into one line on stderr and exit code 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as err:  # a path the checks
        print(f"error: {err.filename}: {err.strerror}", file=sys.stderr)  # did not foresee: still one line
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

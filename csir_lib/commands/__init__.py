"""Subcommands of `python -m csir_lib`: each module has `add_parser(subparsers)` and `run(args) -> int`.

Command modules import only argparse at module level; heavy libraries load inside `run`.
"""

COMMANDS = ("lexicon", "codeswitch", "train", "rerank", "evaluate", "plan")

"""The one YAML loader of the project: safe, duplicate keys refused, errors naming the file and line.

PyYAML's safe loader keeps the last of two equal keys silently, so `steps: 3` then `steps: 300` in a config would
train a hundred times longer than the first line says; `_UniqueKeyLoader` refuses the second instead. Profiles
(`config.load_config`), `--set` values and train configs (`training_config.load_train_spec`) all read YAML here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from csir_lib.core.errors import InputError


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a mapping that repeats a key (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """The mapping of `node`, or a ConstructorError at the repeated key."""
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_error(err: yaml.YAMLError, path: str | Path) -> InputError:
    """An InputError naming the file and the line of a YAML error."""
    mark = getattr(err, "problem_mark", None)
    return InputError(f"invalid YAML ({getattr(err, 'problem', None) or err})", path=path,
                      line=None if mark is None else mark.line + 1, expected="valid YAML, each key once")


def parse_yaml_value(text: str) -> Any:
    """A `--set` value parsed by the one loader (YAMLError propagates: the caller names the option)."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


def parse_yaml(text: str, source: str | Path) -> Any:
    """YAML text parsed by the one loader (safe, duplicate keys refused); errors name `source` and the line."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        raise _yaml_error(err, source) from None


def load_yaml(path: str | Path, expected: str) -> Any:
    """A YAML file (UTF-8, a BOM allowed) parsed by `parse_yaml`; a bad file is an InputError naming it."""
    from csir_lib.core.io_checks import input_file

    if not os.path.lexists(path):
        raise InputError("config file not found", path=path, expected=expected)
    path = input_file(path, expected)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"invalid UTF-8 ({err.reason} at byte {err.start})", path=path,
                         expected="a UTF-8 YAML file") from None
    return parse_yaml(text.removeprefix("\ufeff"), path)

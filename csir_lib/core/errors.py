"""The one exception type for bad input: it names the file, the line and what was expected."""

from __future__ import annotations

import argparse
import contextlib
import re
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path

MAX_FIELD = 80  # characters of one quoted field echoed in a message; longer ones are cut
MAX_PROBLEM, MAX_EXPECTED = 600, 1500  # characters of a whole problem and of an expectation
_QUOTED = re.compile(rf"'[^']{{{MAX_FIELD + 1},}}'|\"[^\"]{{{MAX_FIELD + 1},}}\"")


def clip(text: str, limit: int = MAX_FIELD) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis (a megabyte field is not echoed whole)."""
    text = " ".join(str(text).splitlines())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(text: str, limit: int) -> str:
    """A message part on one line, every long quoted field cut to MAX_FIELD characters and the whole to `limit`."""
    text = _QUOTED.sub(lambda m: m.group(0)[0] + clip(m.group(0)[1:-1]) + m.group(0)[0], " ".join(text.splitlines()))
    return clip(text, limit)


class InputError(ValueError):
    """Bad input, reported as `file:line: problem; expected ...` so the user knows what to fix.

    The message is always one line, and fields echoed from the input are cut (`clip`), so a corrupt file with a
    megabyte-long line gives a readable message.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        expected: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.line = line
        self.problem = _short(problem, MAX_PROBLEM)
        self.expected = None if expected is None else _short(expected, MAX_EXPECTED)
        where = " ".join((self.path or "<input>").splitlines())
        if line is not None:
            where += f":{line}"
        message = f"{where}: {self.problem}"
        if self.expected:
            message += f"; expected {self.expected}"
        super().__init__(message)

    def __reduce__(self) -> tuple[typing.Any, ...]:
        """Pickle by the constructor's keywords, so the error crosses a process boundary whole (training workers)."""
        return _rebuild, (type(self), self.problem, self.path, self.line, self.expected)


def _rebuild(cls: type[InputError], problem: str, path: str | None, line: int | None,
             expected: str | None) -> InputError:
    """An InputError (or subclass) from its pickled fields."""
    return cls(problem, path=path, line=line, expected=expected)


@contextlib.contextmanager
def as_options(names: Mapping[str, str]) -> Iterator[None]:
    """Re-raise an InputError that names a library argument of `names` under its command-line option.

    Library functions name their own parameters (`query_langs`); a command maps them to its flags (`--query-lang`),
    in the error's path and wherever the expectation names one. Other errors pass unchanged.
    """
    try:
        yield
    except InputError as err:
        if err.path not in names:
            raise
        expected = err.expected
        for argument, option in names.items():
            if expected is not None:
                expected = re.sub(rf"(?<![\w-]){re.escape(argument)}(?![\w-])", option, expected)
        raise type(err)(err.problem, path=names[err.path], line=err.line, expected=expected) from None


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one `error: ...` line on stderr and exit code 2, not a usage block."""

    def error(self, message: str) -> typing.NoReturn:
        """Print the problem (argparse lists the valid choices in it) on one line and exit with code 2."""
        self.exit(2, f"error: {self.prog}: {' '.join(message.splitlines())} (see {self.prog} --help)\n")

"""The one exception type for bad input: it names the file, the line and what was expected."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input, reported as `file:line: problem; expected ...` so the user knows what to fix."""

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
        self.problem = problem
        self.expected = expected
        where = self.path or "<input>"
        if line is not None:
            where += f":{line}"
        message = f"{where}: {problem}"
        if expected:
            message += f"; expected {expected}"
        super().__init__(message)

"""One exception family, so the CLI can turn any bad input into one line and exit 2."""

from __future__ import annotations

import re

# Characters that would break "one line per error" (or a terminal): shown as escapes instead.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with newlines and other control characters escaped, so an error is always one line."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


class NegotiationError(Exception):
    """Base class for every error a user can cause with bad input."""


class ScenarioError(NegotiationError):
    """A scenario file or override is unusable; names the file, the field and the problem.

    One error can carry several problems found in the same file (``more``: further
    ``(field, problem)`` pairs), so a user fixes them all in one go; ``str()`` gives one
    line per problem, each naming the file and the field.
    """

    def __init__(self, source: str, field: str, problem: str, more: list[tuple[str, str]] | tuple = ()):
        self.source, self.field, self.problem = source, field, problem
        self.problems: list[tuple[str, str]] = [(field, problem), *more]
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem: ``file: field: problem`` (or ``file: problem`` for the whole file)."""
        return [one_line(f"{self.source}: {f}: {p}" if f else f"{self.source}: {p}") for f, p in self.problems]

    def __reduce__(self):  # picklable across worker processes despite the keyword-shaped constructor
        return (ScenarioError, (self.source, self.field, self.problem, self.problems[1:]))


class SweepError(NegotiationError):
    """A sweep definition or output folder is unusable."""


def show_value(value: object) -> str:
    """A value as the user wrote it in TOML, short enough for a one-line error.

    >>> show_value(True), show_value("700"), show_value(646.2), show_value({"a": 1}), show_value([1, 2])
    ('true', '"700"', '646.2', 'a table', 'a list of 2 items')
    """
    import datetime
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a whole number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (datetime.date, datetime.time)):
        text = value.isoformat()
    else:
        text = repr(value)
    return one_line(text if len(text) <= 60 else text[:56] + "...")

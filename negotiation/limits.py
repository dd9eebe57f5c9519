"""The documented limits on what the simulator accepts, and the guarded file read that enforces the first.

Every limit is far above any real Better Care Fund area, so it never gets in an
analyst's way; it exists so that a mistyped or hostile input is refused at once
with one line, rather than hanging, exhausting memory or overflowing to NaN half
way through a sweep. The README's "Limits" section lists them.
"""

from __future__ import annotations

import numbers
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from negotiation.errors import ScenarioError

MAX_FILE_BYTES = 256 * 1024  # a scenario file (or an upload); the shipped ones are 4–8 KB
MAX_NESTING = 10  # tables and lists inside each other; a scenario needs 4 (organisations.<id>.<field>.<range>)
MAX_ROUNDS = 500  # deadline in rounds (rules.deadline_rounds, --rounds, rounds=): the BCF had about 12
MAX_MONEY_M = 1_000_000.0  # £m per year, any money field: £1 trillion, ~7× NHS England's whole budget
MAX_ADMISSIONS = 10_000_000  # emergency admissions a year: all of England had ~6.4 million (2019/20)
MAX_GBP_PER_ADMISSION = 1_000_000.0  # £ per admission (tariff, community cost): the average is ~£2,000
MIN_TARIFF = 1.0  # £ per admission: anything less is a typo (and would underflow the tariff arithmetic)
MIN_MRET_RATE = 0.01  # the marginal rate was 30%; at 0 no cut in admissions releases any cash at all
MAX_TEXT = 500  # characters in a name, kind or description


def human_size(n: int) -> str:
    """A byte count as people read it, rounded up so a file just over a limit never reads as at it.

    >>> human_size(300 * 1024), human_size(256 * 1024 + 1), human_size(20 * 1024 * 1024), human_size(12)
    ('300 KB', '257 KB', '20.0 MB', '12 bytes')
    """
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{-(-n // 1024)} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def size_problem(n: int) -> str:
    return f"file is {human_size(n)}; the limit is {human_size(MAX_FILE_BYTES)}"


def check_size(source: str, n: int) -> None:
    if n > MAX_FILE_BYTES:
        raise ScenarioError(source, "", size_problem(n))


_KINDS = [(stat.S_ISFIFO, "named pipe"), (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
          (stat.S_ISSOCK, "socket")]


def _not_regular(source: str, mode: int) -> ScenarioError:
    if stat.S_ISDIR(mode):
        return ScenarioError(source, "", "is a folder, not a scenario file")
    kind = next((name for test, name in _KINDS if test(mode)), "special file")
    return ScenarioError(source, "", f"is a {kind}, not a regular file; scenarios are read only from regular files")


def read_scenario_bytes(path: str | Path) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`, or a one-line :class:`ScenarioError`.

    A pipe or a device is refused before it is opened (a pipe would block forever, /dev/zero would
    fill memory); the open is non-blocking and re-checked in case the file is swapped meanwhile, and
    no more than the limit is ever read, even from a file that grows while it is read.
    """
    source = str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ScenarioError(source, "", "no such file") from None
    except (OSError, ValueError) as exc:  # permission, loop, name too long, embedded NUL
        raise ScenarioError(source, "", f"cannot be read ({_reason(exc)})") from None
    if not stat.S_ISREG(mode):
        raise _not_regular(source, mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:
        raise ScenarioError(source, "", f"cannot be read ({_reason(exc)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(source, info.st_mode)
        check_size(source, info.st_size)
        chunks, total = [], 0
        while total <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_FILE_BYTES:  # it grew after fstat
            raise ScenarioError(source, "", f"file grew past the limit of {human_size(MAX_FILE_BYTES)} while being read")
        return b"".join(chunks)
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot be read ({_reason(exc)})") from None
    finally:
        os.close(fd)


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__


def nesting_problem(value: Any, limit: int = MAX_NESTING) -> str | None:
    """The dotted path where ``value`` nests tables or lists deeper than ``limit``, else None.

    Iterative, so it cannot itself hit Python's recursion limit.

    >>> nesting_problem({"a": {"b": [[1]]}}, 3)
    'a.b.0'
    >>> nesting_problem({"a": 1}, 3) is None
    True
    """
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        node, depth, path = stack.pop()
        items: Iterable[tuple[Any, Any]]
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        if depth > limit:
            return path or "(top level)"
        for key, child in items:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1, f"{path}.{key}" if path else str(key)))
    return None


def check_nesting(source: str, value: Any, field: str = "") -> None:
    where = nesting_problem(value)
    if where is not None:
        path = ".".join(p for p in (field, where if where != "(top level)" else "") if p)
        raise ScenarioError(source, path, f"tables or lists nested more than {MAX_NESTING} levels deep")


def check_rounds(rounds: Any, source: str = "run") -> int:
    """A deadline in rounds, 1 to :data:`MAX_ROUNDS`; anything else is a one-line error.

    >>> check_rounds(12)
    12
    """
    from negotiation.errors import show_value

    if isinstance(rounds, bool) or not isinstance(rounds, numbers.Integral) or not 1 <= int(rounds) <= MAX_ROUNDS:
        raise ScenarioError(source, "rounds", f"must be a whole number from 1 to {MAX_ROUNDS} (got {show_value(rounds)})")
    return int(rounds)


def check_seed(seed: Any, source: str = "run") -> int | None:
    """A seed: a whole number ≥ 0 (numpy refuses negative ones), or None for a fresh random one."""
    from negotiation.errors import show_value

    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ScenarioError(source, "seed", f"must be a whole number, 0 or more (got {show_value(seed)})")
    return int(seed)

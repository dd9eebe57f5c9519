"""Ranges on scenario figures: ``{ value, low, high, basis }`` tables, split off before validation.

A figure no source gives is an estimate, and an estimate is a range: the scenario
file may write ``committed_spend = { value = 621.8, low = 610, high = 630, basis =
"estimate: ..." }`` wherever it could write ``committed_spend = 621.8``. Loading
replaces each such table by its ``value`` (so the model, the sweep and the app
see plain numbers and never a range) and keeps the ranges beside the scenario,
keyed by the same dotted paths ``--set`` uses (``relationships.1.trust`` for a
list entry). Only :mod:`negotiation.uncertainty` samples them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from negotiation.errors import ScenarioError

RANGE_FIELDS = ("value", "low", "high", "basis")


@dataclass(frozen=True)
class Range:
    """One uncertain figure: its best value, the plausible interval around it and why."""

    key: str  # dotted path, e.g. "organisations.oxfordshire_ccg.committed_spend"
    value: float
    low: float
    high: float
    basis: str  # the reasoning, e.g. "estimate: allocation less QIPP savings ..."
    integer: bool = False  # whole numbers only (e.g. rules.deadline_rounds): samples are rounded

    @property
    def width(self) -> float:
        return self.high - self.low


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _looks_like_range(node: Any) -> bool:
    return isinstance(node, dict) and any(k in node for k in RANGE_FIELDS)


def _sub(key: str, name: Any) -> str:
    """The dotted path of a key inside a range table (quoted, TOML style, when not a plain name)."""
    text = str(name)
    return f"{key}.{text}" if re.fullmatch(r"[A-Za-z0-9_-]+", text) else f"{key}.{json.dumps(text, ensure_ascii=False)}"


def _parse_range(node: dict, key: str, source: str) -> Range:
    from negotiation.errors import show_value

    unknown = [k for k in node if k not in RANGE_FIELDS]
    if unknown:
        raise ScenarioError(source, _sub(key, unknown[0]), "unknown key in a range (a range has value, low, high, basis)")
    missing = [k for k in RANGE_FIELDS if k not in node]
    if missing:
        raise ScenarioError(source, _sub(key, missing[0]), "missing: a range needs value, low, high and basis")
    for part in ("value", "low", "high"):
        x = node[part]
        if not _is_number(x):
            raise ScenarioError(source, _sub(key, part), f"ranges are for numeric figures only: must be a number (got {show_value(x)})")
        if not math.isfinite(x):
            raise ScenarioError(source, _sub(key, part), f"must be a finite number (got {x})")
    value, low, high, basis = node["value"], node["low"], node["high"], node["basis"]
    if not (low <= value <= high):  # name the one figure out of line with the other two
        odd = "value" if low <= high else "high" if value >= low else "low"
        raise ScenarioError(source, _sub(key, odd),
                            f"range must have low <= value <= high (got low {low}, value {value}, high {high})")
    if low == high:
        raise ScenarioError(source, key, f"range low and high are equal ({low}); write a plain number instead")
    if not isinstance(basis, str) or not basis.strip():
        raise ScenarioError(source, _sub(key, "basis"), f"must say why the range is what it is, as non-empty text (got {show_value(basis)})")
    integer = all(isinstance(x, int) for x in (value, low, high))
    return Range(key, value, low, high, basis.strip(), integer)


def split_ranges(raw: dict, source: str = "<scenario>") -> tuple[dict, dict[str, Range]]:
    """A copy of ``raw`` with every range table replaced by its value, and the ranges by dotted path.

    >>> plain, ranges = split_ranges({"rules": {"mret_rate": {"value": 0.3, "low": 0.2, "high": 0.5, "basis": "b"}}})
    >>> plain, ranges["rules.mret_rate"].high
    ({'rules': {'mret_rate': 0.3}}, 0.5)
    """
    ranges: dict[str, Range] = {}
    problems: list[tuple[str, str]] = []  # every bad range in the file, one line each

    def walk(node: Any, path: str) -> Any:
        if _looks_like_range(node) and path:
            try:
                found = _parse_range(node, path, source)
            except ScenarioError as exc:
                problems.append((exc.field, exc.problem))
                return node
            ranges[path] = found
            return found.value
        if isinstance(node, dict):
            return {k: walk(v, f"{path}.{k}" if path else str(k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, f"{path}.{i}") for i, v in enumerate(node)]
        return node

    plain = walk(raw, "")
    if problems:
        (field, problem), *more = problems
        raise ScenarioError(source, field, problem, more)
    return plain, ranges


def content_fingerprint(raw_with_ranges: dict) -> str:
    """12 hex digits identifying a scenario's figures and ranges (not its comments or layout)."""
    text = json.dumps(raw_with_ranges, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class RangedScenario:
    """A scenario file read with its ranges: the plain dict the model needs and the ranges beside it."""

    path: str
    raw: dict  # plain values only: what load_scenario / the sweep engine validate and run
    ranges: dict[str, Range]
    fingerprint: str  # of the file's figures and ranges, for the default assessment folder

    @property
    def stem(self) -> str:
        return Path(self.path).stem


def read_ranged(path: str | Path) -> RangedScenario:
    """Read a scenario file, validate its plain values and every range's endpoints, keep the ranges.

    Each endpoint is checked on its own against the scenario's validation (a
    fraction's ``high`` of 1.5 is an error naming the field), so a sample can
    only fail on a combination of figures, which :func:`sampling.check_points` catches.
    """
    from negotiation.boards.rows import validate_raw as scenario_from_dict  # one board or several
    from negotiation.catalogue import resolve
    from negotiation.scenario import apply_overrides, read_raw

    path = resolve(path)  # a shipped scenario may be named: "oxfordshire_2014"
    source = str(path)
    plain = read_raw(path)  # file and TOML errors, and range syntax errors, one line each
    scenario_from_dict(plain, source)
    full = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    _, ranges = split_ranges(full, source)
    for key, r in ranges.items():
        for end in ("low", "high"):
            try:
                scenario_from_dict(apply_overrides(plain, {key: getattr(r, end)}, source), source)
            except ScenarioError as exc:
                raise ScenarioError(source, key, f"range {end} ({getattr(r, end)}) is not a valid value: {exc.problem}") from None
    return RangedScenario(source, plain, ranges, content_fingerprint(full))

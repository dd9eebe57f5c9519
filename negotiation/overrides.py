"""Overrides: ``--set KEY=VALUE`` and ``{dotted.path: value}`` applied to a raw scenario before validation.

A dotted path names any value in a scenario: ``rules.mret_rate``,
``organisations.<id>.budget``, ``relationships.0.trust`` (list items by their
index, from 0). Values are TOML values, so ``700`` is a number, ``true`` a flag
and ``"700"`` text; the scenario's strict validation then decides.
"""

from __future__ import annotations

import copy
import re
import tomllib
from typing import Any

from negotiation.errors import ScenarioError
from negotiation.limits import MAX_NESTING, check_nesting


def parse_value(text: str, key: str = "") -> Any:
    """A ``--set`` value: a TOML value if it is one (numbers, true/false, "quoted text"), else bare text.

    The value is then validated strictly like the file's own, so ``budget=true`` or ``budget="700"``
    is refused, not converted.

    >>> parse_value("700"), parse_value("true"), parse_value('"700"'), parse_value("boulware")
    (700, True, '700', 'boulware')
    """
    try:
        doc = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return text
    except RecursionError:
        raise ScenarioError("--set", key, f"value nested more than {MAX_NESTING} levels deep") from None
    except ValueError as exc:  # a whole number too long to convert
        raise ScenarioError("--set", key, f"not a usable value ({exc})") from None
    return doc["v"] if list(doc) == ["v"] else text  # "1\nw = 2" is text, not a second assignment


def parse_assignment(item: str, source: str = "--set") -> tuple[str, Any]:
    if "=" not in item:
        raise ScenarioError(source, item, "expected KEY=VALUE")
    key, _, value = item.partition("=")
    key = key.strip()
    if not key:
        raise ScenarioError(source, item, "empty key")
    return key, parse_value(value.strip(), key)


def apply_overrides(raw: dict, overrides: list[str] | dict[str, Any], source: str) -> dict:
    """Return a copy of ``raw`` with dotted-path values replaced; unknown paths are errors."""
    check_nesting(source, raw)
    pairs = overrides.items() if isinstance(overrides, dict) else (parse_assignment(o) for o in overrides)
    out = copy.deepcopy(raw)
    for key, value in pairs:
        set_path(out, key, value, source)
    return out


_INDEX = re.compile(r"0|[1-9][0-9]{0,8}")


def _child(node: Any, part: str) -> tuple[bool, Any]:
    """(found, value) of one step of a dotted path: a table's key, or a list's index (0, 1, ...)."""
    if isinstance(node, dict):
        return part in node, node.get(part)
    if isinstance(node, list) and _INDEX.fullmatch(part) and int(part) < len(node):
        return True, node[int(part)]
    return False, None


def _not_found(node: Any, parts: list[str], depth: int) -> str:
    if parts[0] == "organisations" and depth == 1:
        return "no organisation with that id"
    if isinstance(node, list):
        return f"no item {parts[depth]!r} in this list of {len(node)} (items are numbered from 0)"
    return "unknown key"


def get_path(raw: dict, key: str, default: Any = None) -> Any:
    """The value at a dotted path in a raw scenario dict (list items by index), or ``default``."""
    node = raw
    for part in key.split("."):
        found, node = _child(node, part)
        if not found:
            return default
    return node


def set_path(raw: dict, key: str, value: Any, source: str) -> None:
    """Set the value at a dotted path (``organisations.<id>.budget``, ``relationships.0.trust``)."""
    parts = key.split(".")
    if not all(parts):
        raise ScenarioError(source, key, "a dotted key has an empty part")
    node: Any = raw
    for depth, part in enumerate(parts[:-1]):
        found, child = _child(node, part)
        if not found or not isinstance(child, (dict, list)):
            where = ".".join(parts[: depth + 1])
            raise ScenarioError(source, where, _not_found(node, parts, depth) if not found else "unknown key")
        node = child
    last = parts[-1]
    if isinstance(node, list):
        if not _child(node, last)[0]:
            raise ScenarioError(source, key, _not_found(node, parts, len(parts) - 1))
        node[int(last)] = value
    elif isinstance(node, dict):
        # New leaf keys are allowed only where the schema has an optional field; validation decides.
        node[last] = value
    else:  # pragma: no cover - the loop above only descends into tables and lists
        raise ScenarioError(source, key, "unknown key")

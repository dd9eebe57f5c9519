"""Several Health and Wellbeing Boards, one ICB: a scenario file with ``[boards.<id>]`` sections.

Each board has its own councils, trusts, minimum fund and need, and negotiates its own plan; the
organisations in the top-level ``[organisations]`` table (an ICB, a trust serving several boards) sit on
every board that lists them under ``members``, with one budget and one statutory duty across all of them.
A board is validated as a one-board scenario assembled from the shared rules, the shared organisations
and its own sections, so every check of a one-board file applies; a problem is reported at the field of
the file it comes from (``boards.north.organisations.nnc.budget``, ``organisations.icb.budget``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from negotiation.errors import ScenarioError, show_value
from negotiation.overrides import apply_overrides
from negotiation.scenario import ORG_ID, Scenario, read_raw, scenario_from_dict

TOP_KEYS = {"scenario", "rules", "activity", "negotiation", "organisations", "boards"}
BOARD_KEYS = {"name", "members", "rules", "activity", "organisations", "relationships"}
ORDERS = ("simultaneous", "sequential")
# Per-board figures of a shared organisation (given under boards.<id>.members.<org>).
MEMBER_FIELDS = {"nhs_minimum_contribution", "existing_pooled", "intervention_cost", "activity_share", "strategy", "beta"}


@dataclass(frozen=True)
class Area:
    """A validated multi-board scenario: each board as a one-board :class:`Scenario` at full headroom."""

    name: str
    source: str
    order: str  # simultaneous | sequential
    sequence: tuple[str, ...]  # board ids in the order they open (sequential) or step (simultaneous)
    boards: dict[str, Scenario]
    board_names: dict[str, str]
    shared: dict[str, tuple[str, ...]]  # shared organisation id -> the boards it sits on
    raw_boards: dict[str, dict]  # each board's assembled raw scenario, to rebuild with less headroom

    def board_scenario(self, board: str, used: dict[str, float] | None = None) -> Scenario:
        """Board ``board``'s scenario, each shared organisation's headroom reduced by ``used[org]`` (£m)
        already committed in other boards (its committed spend raised by as much)."""
        used = {k: v for k, v in (used or {}).items() if v > 1e-12 and k in self.raw_boards[board]["organisations"]}
        if not used:
            return self.boards[board]
        raw = copy.deepcopy(self.raw_boards[board])
        for org, amount in used.items():
            raw["organisations"][org]["committed_spend"] = raw["organisations"][org]["committed_spend"] + amount
        return scenario_from_dict(raw, f"{self.source} (board {board})")


def is_multi_board(raw: dict) -> bool:
    return isinstance(raw, dict) and "boards" in raw


def load_area(path: str | Path, overrides: list[str] | dict[str, Any] | None = None) -> Area:
    raw = read_raw(path)
    if overrides:
        raw = apply_overrides(raw, overrides, str(path))
    return area_from_dict(raw, str(path))


def area_from_dict(raw: dict, source: str = "<scenario>") -> Area:
    problems: list[tuple[str, str]] = []
    for key in raw:
        if key not in TOP_KEYS:
            problems.append((str(key), "unknown key"))
    boards = raw.get("boards")
    shared = raw.get("organisations", {})
    if not isinstance(boards, dict) or not boards:
        problems.append(("boards", "a multi-board scenario needs at least one [boards.<id>] table"))
        boards = {}
    if not isinstance(shared, dict):
        problems.append(("organisations", f"must be a table (got {show_value(shared)})"))
        shared = {}
    for key in ("scenario", "rules"):
        if not isinstance(raw.get(key), dict):
            problems.append((key, "missing required table" if key not in raw else "must be a table"))
    neg = raw.get("negotiation", {})
    if not isinstance(neg, dict):
        problems.append(("negotiation", "must be a table"))
        neg = {}
    for key in neg:
        if key not in ("order", "sequence"):
            problems.append((f"negotiation.{key}", "unknown key"))
    order = neg.get("order", "simultaneous")
    if order not in ORDERS:
        problems.append(("negotiation.order", f"must be one of {', '.join(ORDERS)} (got {show_value(order)})"))
    sequence = neg.get("sequence", list(boards))
    if not isinstance(sequence, list) or sorted(map(str, sequence)) != sorted(boards):
        problems.append(("negotiation.sequence", f"must list every board once: {', '.join(boards)} (got {show_value(sequence)})"))
        sequence = list(boards)
    membership: dict[str, list[str]] = {org: [] for org in shared}
    assembled: dict[str, dict] = {}
    for bid, board in boards.items():
        where = f"boards.{bid}"
        if not ORG_ID.fullmatch(str(bid)):
            problems.append((where, f"board id {bid!r} must be lower-case letters, digits and _, starting with a letter"))
            continue
        if not isinstance(board, dict):
            problems.append((where, f"must be a table (got {show_value(board)})"))
            continue
        for key in board:
            if key not in BOARD_KEYS:
                problems.append((f"{where}.{key}", "unknown key"))
        members = board.get("members", {})
        if not isinstance(members, dict):
            problems.append((f"{where}.members", "must be a table of shared organisation ids"))
            members = {}
        own = board.get("organisations", {})
        if not isinstance(own, dict):
            problems.append((f"{where}.organisations", "must be a table"))
            own = {}
        orgs: dict[str, Any] = {}
        for org, extra in members.items():
            if org not in shared:
                problems.append((f"{where}.members.{org}", "not an organisation in the top-level [organisations] table"))
                continue
            if not isinstance(extra, dict):
                problems.append((f"{where}.members.{org}", "must be a table (of per-board figures; may be empty)"))
                continue
            for k in extra:
                if k not in MEMBER_FIELDS:
                    problems.append((f"{where}.members.{org}.{k}", f"not a per-board figure; per-board: {', '.join(sorted(MEMBER_FIELDS))}"))
            membership[org].append(bid)
            orgs[org] = {**shared[org], **extra} if isinstance(shared[org], dict) else shared[org]
        for org in own:
            if org in shared:
                problems.append((f"{where}.organisations.{org}", "id already used by a shared organisation"))
        orgs.update(own)
        rules = {**(raw.get("rules") or {}), **(board.get("rules") or {})} if isinstance(board.get("rules", {}), dict) else raw.get("rules")
        assembled[bid] = {
            "scenario": {**(raw.get("scenario") or {}), "name": f"{(raw.get('scenario') or {}).get('name', '')}: {board.get('name', bid)}"},
            "rules": rules, "activity": _merged(raw.get("activity"), board.get("activity")), "organisations": orgs,
            "relationships": board.get("relationships", []),
        }
        if assembled[bid]["activity"] is None:
            assembled[bid].pop("activity")
    for org, on in membership.items():
        if not on:
            problems.append((f"organisations.{org}", "sits on no board: list it under boards.<id>.members"))
    validated: dict[str, Scenario] = {}
    for bid, board_raw in assembled.items():
        try:
            validated[bid] = scenario_from_dict(board_raw, source)
        except ScenarioError as exc:
            problems += [(_file_field(f, bid, boards[bid], shared), p) for f, p in exc.problems]
    if problems:
        seen: dict[str, str] = {}
        for f, p in problems:
            seen.setdefault(f, p)
        (f0, p0), *more = list(seen.items())[:20]
        raise ScenarioError(source, f0, p0, more)
    return Area(
        name=str(raw["scenario"].get("name", "")), source=source, order=order, sequence=tuple(sequence),
        boards=validated, board_names={b: str(boards[b].get("name", b)) for b in validated},
        shared={org: tuple(on) for org, on in membership.items()}, raw_boards=assembled,
    )


def _merged(shared: Any, own: Any) -> Any:
    """A board's table: the shared one's entries, then the board's own (a board's wins)."""
    if shared is None:
        return own
    if own is None:
        return shared
    if isinstance(shared, dict) and isinstance(own, dict):
        return {**shared, **own}
    return own


def _file_field(field: str, bid: str, board: dict, shared: dict) -> str:
    """Where in the file a problem found in board ``bid``'s assembled scenario lives."""
    parts = field.split(".") if field else []
    if not parts:
        return f"boards.{bid}"
    head = parts[0]
    if head == "organisations" and len(parts) > 1 and parts[1] in shared:
        if len(parts) > 2 and parts[2] in (board.get("members", {}).get(parts[1]) or {}):
            return f"boards.{bid}.members.{field.removeprefix('organisations.')}"
        return field
    if head == "rules" and len(parts) > 1 and parts[1] not in (board.get("rules") or {}):
        return field
    if head == "activity" and len(parts) > 1 and parts[1] not in (board.get("activity") or {}):
        return field  # from the shared [activity] table
    if head == "scenario":
        return field
    return f"boards.{bid}.{field}"


"""The rooms this server hosts, by code: plain module state shared by every browser session.

Bounded: at most ``MAX_ROOMS`` rooms; when full, the oldest finished (or else
oldest idle) room is dropped so a long-running server cannot grow without end.
"""

from __future__ import annotations

import threading

from negotiation.scenario import Scenario
from negotiation.workshop.room import CODE_ALPHABET, CODE_LENGTH, Room, new_code

MAX_ROOMS = 50
_ROOMS: dict[str, Room] = {}
_LOCK = threading.Lock()


def create_room(scenario: Scenario, seed: int = 0, rounds: int | None = None, round_seconds: float = 180.0) -> Room:
    room = Room(scenario, seed=seed, rounds=rounds, round_seconds=round_seconds)
    with _LOCK:
        while room.code in _ROOMS:  # astronomically unlikely; never reuse a live code
            room.code = new_code()
        if len(_ROOMS) >= MAX_ROOMS:
            _drop(_oldest())
        _ROOMS[room.code] = room
    return room


def normalise(code: str | None) -> str:
    return "".join(ch for ch in str(code or "").upper() if ch in CODE_ALPHABET)[:CODE_LENGTH]


def get_room(code: str | None) -> Room | None:
    with _LOCK:
        return _ROOMS.get(normalise(code))


def drop_room(code: str) -> None:
    with _LOCK:
        _drop(normalise(code))


def rooms() -> list[Room]:
    with _LOCK:
        return list(_ROOMS.values())


def _oldest() -> str:
    finished = [r for r in _ROOMS.values() if r.phase == "finished"]
    pool = finished or list(_ROOMS.values())
    return min(pool, key=lambda r: r.log[-1].time).code


def _drop(code: str) -> None:
    room = _ROOMS.pop(code, None)
    if room is not None:
        room.close()

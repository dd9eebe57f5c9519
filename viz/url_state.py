"""The single-user page's state in its address, so that a reload (or a shared link) restores it.

Everything that decides the negotiation is in the query string: the scenario
(a shipped file's name, or ``upload=`` a digest of an uploaded file kept in
this server's memory), the seed, the deadline, who a person plays, every
figure moved from the scenario's own (``set.KEY=VALUE``), and how far the run
has gone (``round``; for a person playing, their answers ``answers=ar..`` and
``open=1`` when a plan awaits their answer). The model is deterministic for a
seed, so replaying the rounds gives back the same negotiation.

    /?scenario=northamptonshire_2014&seed=3&deadline=12&set.rules.mret_rate=0.35&round=4

A multi-board file (viz/boards_view.py) keeps the same things plus the order the boards negotiate in
(``order=sequential``) and, sequentially, the board that goes first (``first=west``); its ``round`` counts
the run's steps (one round of every open board, or of the board negotiating now), so it may pass 30, and
``answers`` are the person's answers in every board they sit on, in the order the boards used them.

    /?scenario=north_central_london_2024&play=ncl_icb&set.organisations.ncl_icb.committed_spend=2992.0&round=2
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

MAX_STEPS = 400  # a multi-board run's steps: sequentially, every board's rounds one after another
ORDERS = ("simultaneous", "sequential")
_BOARD_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_UPLOADS = 64  # uploaded scenarios kept for reloads (each at most 256 KB of parsed TOML)
_UPLOADS: OrderedDict[str, tuple[str, dict]] = OrderedDict()
_LOCK = threading.Lock()


@dataclass
class PageState:
    scenario: str = ""  # a shipped file's stem, e.g. "oxfordshire_2014"
    upload: str = ""  # digest of an uploaded scenario (see remember_upload)
    seed: int = 0
    deadline: int = 0  # 0: the scenario's own
    play: str = ""  # the organisation a person plays
    overrides: dict = field(default_factory=dict)
    round: int = 0
    answers: str = ""  # a person's answers, round by round: "a" accept, "r" reject
    open: bool = False  # a round is open, waiting for the person's answer
    order: str = ""  # multi-board: simultaneous | sequential ("": the file's)
    first: str = ""  # multi-board, sequential: the board that goes first ("": the file's)


def remember_upload(name: str, data: bytes, raw: dict) -> str:
    digest = hashlib.sha256(data).hexdigest()[:16]
    with _LOCK:
        _UPLOADS[digest] = (name, raw)
        _UPLOADS.move_to_end(digest)
        while len(_UPLOADS) > MAX_UPLOADS:
            _UPLOADS.popitem(last=False)
    return digest


def recall_upload(digest: str) -> tuple[str, dict] | None:
    with _LOCK:
        return _UPLOADS.get(digest)


def _number(text: str):
    try:
        value = float(text)
    except ValueError:
        return text  # a strategy's name
    return int(value) if value.is_integer() and "." not in text else value


def parse(search: str) -> PageState:
    """The state in a query string; anything unreadable is left at its default (a bad link never fails)."""
    state = PageState()
    for key, value in parse_qsl(search or "", keep_blank_values=False):
        try:
            if key == "scenario":
                state.scenario = value[:80]
            elif key == "upload":
                state.upload = value[:32]
            elif key == "seed":
                state.seed = max(0, min(99, int(value)))
            elif key == "deadline":
                state.deadline = max(0, min(30, int(value)))
            elif key == "play":
                state.play = value[:80]
            elif key == "round":
                state.round = max(0, min(MAX_STEPS, int(value)))
            elif key == "answers":
                state.answers = "".join(c for c in value if c in "ar")[:MAX_STEPS * 8]
            elif key == "open":
                state.open = value == "1"
            elif key == "order":
                state.order = value if value in ORDERS else ""
            elif key == "first":
                state.first = value if _BOARD_ID.fullmatch(value) else ""
            elif key.startswith("set.") and len(state.overrides) < 200:
                state.overrides[key[4:]] = _number(value)
        except ValueError:
            continue
    return state


def encode(state: PageState) -> str:
    pairs: list[tuple[str, str]] = []
    if state.upload:
        pairs.append(("upload", state.upload))
    elif state.scenario:
        pairs.append(("scenario", state.scenario))
    for key, value in (("seed", state.seed), ("deadline", state.deadline)):
        if value:
            pairs.append((key, str(value)))
    if state.play:
        pairs.append(("play", state.play))
    if state.order:
        pairs.append(("order", state.order))
    if state.first:
        pairs.append(("first", state.first))
    pairs += [(f"set.{k}", repr(v) if isinstance(v, float) else str(v)) for k, v in sorted(state.overrides.items())]
    if state.round:
        pairs.append(("round", str(state.round)))
    if state.answers:
        pairs.append(("answers", state.answers))
    if state.open:
        pairs.append(("open", "1"))
    return urlencode(pairs, safe=".")

"""What the app shows for a multi-board scenario, as plain Python: build the area's run, read each board and
the shared ICB's position after any round (issue 8).

Kept apart from Solara (like viz/session.py) so it is tested without a browser. The run itself is
:class:`negotiation.boards.MultiBoardModel`, stepped a round at a time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from negotiation.boards import Area, MultiBoardModel, area_from_dict

from . import session

ORDERS = ("simultaneous", "sequential")


def is_multi(raw: dict) -> bool:
    return isinstance(raw, dict) and "boards" in raw


def build_area(raw: dict, source: str, first: str | None = None) -> Area:
    """The validated area; ``first`` moves one board to the front of the order boards open (or step) in."""
    area = area_from_dict(raw, source)
    if first and first in area.sequence and area.sequence[0] != first:
        area = dataclasses.replace(area, sequence=(first, *[b for b in area.sequence if b != first]))
    return area


@dataclass
class BoardView:
    """One board as its tab shows it: its current model (None before a sequential board opens) and banner."""

    board: str
    name: str
    model: object | None
    snap: session.Snapshot | None
    status: str  # short words for the overview table
    outcome: str | None
    restarts: int


def boards(mb: MultiBoardModel) -> list[BoardView]:
    out = []
    for i, board in enumerate(mb.area.sequence):
        model = mb.models.get(board)
        name = mb.area.board_names[board]
        if model is None:
            before = mb.area.board_names[mb.area.sequence[i - 1]] if i else ""
            out.append(BoardView(board, name, None, None, f"waiting: opens when {before} has finished", None, 0))
            continue
        snap = session.snapshot(model)
        status = snap.banner.split(":")[0] if model.finished else f"negotiating: round {model.round} of {model.deadline}"
        if model.finished:
            status += f" after {model.round} round(s)"
        out.append(BoardView(board, name, model, snap, status, snap.outcome, len(mb.segments.get(board, []))))
    return out


def shared_rows(mb: MultiBoardModel) -> list[dict]:
    """Each shared organisation (an ICB, a trust on several boards): headroom when the first board opened,
    what the plan in force in each board costs it, what is left, and whether it is still within its duty.

    Money in £m per year. "Within duty" is the run's test (headroom at the start plus the net money of every
    plan in force is not below zero), read after every round rather than only at the end.
    """
    rows = []
    for org, on in mb.area.shared.items():
        first = mb.area.boards[on[0]].organisations[org]
        net, by_board = 0.0, {}
        for board in mb.area.sequence:
            if board not in on:
                continue
            model = mb.models.get(board)
            plan = model.outcome.plan_index if model is not None and model.finished and model.outcome else None
            if model is None:
                by_board[board] = "not open yet"
            elif not model.finished:
                by_board[board] = "negotiating"
            elif plan is None:
                by_board[board] = "£0.0m (no plan)"
            else:
                money = float(model.evaluation.money[model.ids.index(org), plan])
                net += money
                by_board[board] = f"£{max(0.0, -money):.1f}m"
        rows.append({
            "org": org, "name": first.name, "kind": first.kind, "headroom": first.headroom,
            "boards": by_board, "committed": mb.used.get(org, 0.0), "left": first.headroom - mb.used.get(org, 0.0),
            "within_duty": max(0.0, first.headroom) + net >= -1e-9,
        })
    return rows


def money(v: float) -> str:
    """£m with the sign in front: -3.7 -> '−£3.7m'."""
    return f"£{v:.1f}m" if v >= -0.05 else f"−£{-v:.1f}m"


def position_table(mb: MultiBoardModel) -> tuple[list[str], list[list[str]]]:
    """The shared organisations' overall position as a header and rows of text."""
    names = [mb.area.board_names[b] for b in mb.area.sequence]
    header = ["organisation", "headroom at start", *(f"committed in {n}" for n in names), "committed in all", "left",
              "within duty"]
    rows = []
    for r in shared_rows(mb):
        rows.append([r["name"], money(r["headroom"]), *(r["boards"].get(b, "not a member") for b in mb.area.sequence),
                     money(r["committed"]), money(r["left"]), "yes" if r["within_duty"] else "no"])
    return header, rows


def round_text(mb: MultiBoardModel) -> str:
    done = sum(1 for b in mb.area.sequence if b in mb.runs)
    if mb.finished:
        return f"All {len(mb.area.sequence)} boards finished ({mb.order})."
    return f"{done} of {len(mb.area.sequence)} boards finished ({mb.order})."

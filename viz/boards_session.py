"""What the app shows for a multi-board scenario, as plain Python: build the area's run, read each board and
the shared ICB's position after any round (issue 8).

Kept apart from Solara (like viz/session.py) so it is tested without a browser. The run itself is
:class:`negotiation.boards.MultiBoardModel`, stepped a round at a time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from negotiation.boards import Area, MultiBoardModel, area_from_dict
from negotiation.workshop.brief import money

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


# ------------------------------------------------------------------ sliders and who a person plays (issue 8 gaps)
@dataclass(frozen=True)
class AreaKnob:
    """One slider of a multi-board file: ``key`` is the file's field it moves (a dotted path, as ``--set``).

    ``headroom``: the slider shows the organisation's headroom (£m per year: budget less committed spend,
    savings and required surplus, what it could give away and still meet its duty) and moves its committed
    spend to match, so the address and ``--set`` keep a field of the file.
    """

    key: str
    label: str
    low: float
    high: float
    step: float
    group: str  # the section it is drawn in: a shared organisation's, or a board's
    headroom: bool = False

    def shown(self, raw: dict, overrides: dict) -> float:
        """The figure the slider shows with ``overrides`` applied."""
        value = float(overrides.get(self.key, session.value_at(raw, self.key, 0.0)))
        return round(_fixed(raw, self.key) - value, 6) if self.headroom else value

    def moved(self, raw: dict, shown: float) -> float:
        """The file's value for the figure the slider shows."""
        return round(_fixed(raw, self.key) - shown, 6) if self.headroom else shown


def _fixed(raw: dict, committed_key: str) -> float:
    """Budget less savings and required surplus (£m) of the organisation ``committed_key`` belongs to."""
    base = committed_key.rsplit(".", 1)[0]
    return sum(float(session.value_at(raw, f"{base}.{f}", 0.0) or 0.0) * sign
               for f, sign in (("budget", 1), ("savings_obligation", -1), ("required_surplus", -1)))


def _org_knobs(raw: dict, base: str, org: dict, group: str) -> list[AreaKnob]:
    name = org.get("name", base.rsplit(".", 1)[-1])
    headroom = _fixed(raw, f"{base}.committed_spend") - float(org.get("committed_spend", 0.0) or 0.0)
    low, high = session._around(headroom, 0.5, max(10.0, abs(headroom)), max(10.0, abs(headroom)), floor=-1e9)
    out = [AreaKnob(f"{base}.committed_spend", f"{name}: headroom (£m; budget less committed spend)", low, high, 0.5,
                    group, headroom=True)]
    if org.get("kind") in ("council", "unitary_council"):
        need = float(org.get("asc_need", 0.0) or 0.0)
        out.append(AreaKnob(f"{base}.asc_need", f"{name}: social-care need (£m)",
                            *session._around(need, 0.5, need, max(10.0 - need, need, 2.0)), 0.5, group))
    return out


def area_knobs(raw: dict) -> list[AreaKnob]:
    """The figures that decide a multi-board run, as sliders: each organisation's headroom (the ICB's decides
    North Central London in the README's Morris screen), each council's social-care need and each board's
    minimum fund; grouped by the shared organisations and then board by board."""
    out = []
    for org_id, org in (raw.get("organisations") or {}).items():
        out += _org_knobs(raw, f"organisations.{org_id}", org, "Shared: " + org.get("name", org_id))
    for bid, board in raw["boards"].items():
        group = board.get("name", bid)
        minimum = session.value_at(raw, f"boards.{bid}.rules.minimum_fund", None)
        if minimum is not None:
            step = max(0.5, round(float(minimum) / 100, 1))
            out.append(AreaKnob(f"boards.{bid}.rules.minimum_fund", f"{group}: minimum fund (£m)",
                                *session._around(float(minimum), step, float(minimum) * 0.3, float(minimum) * 0.3),
                                step, group))
        for org_id, org in (board.get("organisations") or {}).items():
            out += _org_knobs(raw, f"boards.{bid}.organisations.{org_id}", org, group)
    return out


def strategy_keys(raw: dict) -> list[tuple[str, str, str, str]]:
    """(key, organisation's name, group, current strategy) for every organisation's strategy choice."""
    out = [(f"organisations.{o}.strategy", org.get("name", o), "Shared: " + org.get("name", o),
            org.get("strategy", "linear")) for o, org in (raw.get("organisations") or {}).items()]
    for bid, board in raw["boards"].items():
        out += [(f"boards.{bid}.organisations.{o}.strategy", org.get("name", o), board.get("name", bid),
                 org.get("strategy", "linear")) for o, org in (board.get("organisations") or {}).items()]
    return out


def players(area: Area) -> dict[str, str]:
    """Who a person may play, by the words the "You play" menu shows: a shared organisation across all the
    boards it sits on, or one board's own organisation in that board."""
    out = {}
    for org, on in area.shared.items():
        name = area.boards[on[0]].organisations[org].name
        out[f"{name} (all {len(on)} boards)" if len(on) > 1 else name] = org
    for board in area.sequence:
        for org, o in area.boards[board].organisations.items():
            if org not in area.shared:
                out[f"{o.name} ({area.board_names[board]})"] = org
    return out


def build_run(raw: dict, overrides: dict, source: str, first: str | None, seed: int, rounds: int | None,
              order: str, human: str | None) -> MultiBoardModel:
    """The run the page shows: the file with the sliders' figures, the order chosen (``first``, the board that
    goes first, only sequentially: simultaneous rounds keep the file's sequence), the person's organisation."""
    from negotiation.overrides import apply_overrides

    area = build_area(apply_overrides(raw, overrides, source) if overrides else raw, source,
                      first if order == "sequential" else None)
    known = human if human and any(human in s.organisations for s in area.boards.values()) else None
    return MultiBoardModel(area, seed=seed, rounds=rounds or None, order=order, human=known)


def replay(mb: MultiBoardModel, steps: int, answers: str, open_step: bool) -> None:
    """Bring a new run to where the address says the page was (deterministic for its seed): ``steps`` steps
    finished, the person's ``answers`` in the order the boards used them, and (``open_step``) the step under
    way with the answers it has had."""
    given = iter(answers)
    while not mb.finished and (mb.steps < steps or (open_step and mb.steps == steps)):
        mb.begin()
        mb.advance()
        while mb.in_step:
            answer = next(given, None)
            if answer is None:
                return  # the address ends inside this step: it stays open, waiting for the person
            mb.give(mb.waiting_on, answer == "a")
            mb.advance()
        if mb.steps > steps:  # the open step needed no answer: it was played through (cannot be in the address)
            return

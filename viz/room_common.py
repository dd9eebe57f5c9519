"""Pieces every room view shares: hearing the room change, the round timer, the public banner and table.

A room (negotiation.workshop.Room) is plain module state shared by every
browser session; a Solara ``reactive`` is per session. So each view subscribes
to its room with a listener that bumps a reactive of its own session (set
inside that session's kernel context, from the room's thread), and
unsubscribes when the view goes away.
"""

from __future__ import annotations

import os
import threading
import time
from html import escape

import solara
from solara.server import kernel_context

from negotiation.workshop.room import Room

from . import svg
from .components import BANNER_COLOURS, Html, table_html

STANCE_LABELS = {"proposer": "★ proposes", "proposing": "★ proposing", "accepts": "✓ accepts",
                 "rejects": "✗ rejects", "waiting": "… waiting", "blocked": "✗ blocked the deal"}
BANNER_STYLES = BANNER_COLOURS
ACCEPT_COLOUR, REJECT_COLOUR = "#1b5e20", "#b71c1c"  # white text on these: 7.9:1 and 6.6:1


TIMING = os.environ.get("NEGOTIATION_ROOM_TIMING", "")  # a file: each session's redraw time (benchmarks)


def use_room(room: Room | None, label: str = "") -> int:
    """Re-render this component whenever the room changes; returns the room's version.

    Pass the version on to child components that read the room: a component re-renders only when its
    arguments change, and the room object itself stays the same.
    """
    version = solara.use_reactive(room.version if room else 0)

    def subscribe():
        if room is None:
            return None
        context = kernel_context.get_current_context()

        def heard(v: int):
            t0 = time.perf_counter()
            with context:
                version.set(v)
            if TIMING:
                with open(TIMING, "a") as log:
                    log.write(f"{label} {time.perf_counter() - t0:.4f}\n")

        unsubscribe = room.subscribe(heard)
        if room.version != version.value:
            version.set(room.version)
        return unsubscribe

    solara.use_effect(subscribe, [room])
    return version.value


@solara.component
def RoundTimer(room: Room, large: bool = False, version: int = 0):
    """Time left in the round, redrawn once a second by this small component alone."""
    tick = solara.use_reactive(0)

    def run(cancel: threading.Event):
        while not cancel.wait(1.0):
            if room.seconds_left() is not None:
                tick.set(tick.value + 1)

    solara.use_thread(run, dependencies=[room])
    left = room.seconds_left()
    if room.paused:
        text = "Paused"
    elif left is None:
        text = "No time limit" if room.phase not in ("lobby", "finished") else ""
    else:
        shown = room.model.round + 1 if room.phase == "proposing" else room.model.round  # (opened, not yet tabled)
        text = f"Time left in round {shown}: {int(left) // 60}:{int(left) % 60:02d}"
    solara.Text(text, style={"font-size": "24px" if large else "16px", "font-weight": "600"},
                classes=["round-timer"])


def status_line(room: Room) -> str:
    """The room's public state in one line."""
    m = room.model
    names = room.names
    who = names.get(room.proposer, "The HWB chair")
    if room.phase == "lobby":
        return f"Waiting for the facilitator to start: {m.deadline} rounds at most."
    if room.phase == "proposing":
        return f"Round {m.round + 1} of {m.deadline}: {who} is building a plan."
    if room.phase == "answering":
        return f"Round {m.round} of {m.deadline}: {who} has tabled a plan; the board is answering."
    return "The negotiation is over."


def banner_text(room: Room) -> tuple[str, list[str]]:
    m = room.model
    if m.outcome is None:
        return status_line(room), []
    o = m.outcome
    text = {"approved": "Approved", "not_approved": "Not approved", "deadlock": "Deadlock",
            "approved_with_conditions": "Approved with conditions", "arbitrated": "Plan imposed by an arbiter"}[o.outcome]
    if o.outcome == "not_approved":
        text += ": failed " + ", ".join(c.replace("_", " ") for c in o.failed_conditions)
    if o.outcome == "deadlock":
        text += ": blocked by " + ", ".join(room.names[b] for b in o.blockers)
    # The verdict's reasons name figures only of the plan and of blockers' gaps, read out at the end.
    return text, list(o.reasons)


_SHARED: dict[str, tuple[int, dict]] = {}
_SHARED_LOCK = threading.Lock()


def shared(room: Room, version: int, what, make):
    """What every session of a room draws alike (banner, table, log, chart), made once per room version
    and reused by all its sessions: with 30 people in a room, each change is drawn 30 times."""
    with _SHARED_LOCK:
        entry = _SHARED.get(room.code)
        if entry is None or entry[0] < version:
            entry = _SHARED[room.code] = (version, {})
            if len(_SHARED) > 200:  # rooms come and go: keep the newest
                _SHARED.pop(next(iter(_SHARED)))
        found = entry[1].get(what)
    if found is None:
        found = make()
        with _SHARED_LOCK:
            entry[1][what] = found
    return found


def RoomBanner(room: Room, large: bool = False, version: int = 0):
    text, details = shared(room, version, "banner", lambda: banner_text(room))
    outcome = room.model.outcome.outcome if room.model.outcome else None
    return Banner(text, tuple(details), outcome, large)


@solara.component
def Banner(text: str, details: tuple, outcome: str | None, large: bool = False):
    """Drawn again only when its words change (a component re-renders when its arguments do)."""
    background, colour = BANNER_STYLES[outcome]
    with solara.Column(style={"background": background, "color": colour, "padding": "12px 18px",
                              "border-radius": "6px"}, classes=["outcome-banner"]):
        solara.Text(text, style={"font-size": "34px" if large else "24px", "font-weight": "700"})
        for line in details:
            solara.Text(line, style={"font-size": "20px" if large else "15px"})


def chart(draw, model, **large) -> str:
    """A chart drawn twice: wide for a laptop or projector, narrow (bigger type for its size) for a phone;
    CSS shows one (see APP_CSS)."""
    return (f"<div class='chart-wide'>{draw(model, **large)}</div>"
            f"<div class='chart-narrow'>{draw(model, width=380, font=14)}</div>")


def seats_table(room: Room, show_waiting: bool = True) -> str:
    stances = room.stances()
    outcome = room.model.outcome
    waiting = set(room.waiting_for())
    rows = []
    for org_id, name in room.names.items():
        seat = room.seats.get(org_id)
        stance = STANCE_LABELS.get(stances.get(org_id, "waiting"), "")
        if room.phase == "proposing" and org_id == room.proposer:
            stance = STANCE_LABELS["proposing"]
        if outcome is not None and org_id in outcome.blockers:  # not its last answer: the banner's word
            stance = STANCE_LABELS["blocked"]
        row = [name, seat.person if seat else "the model", stance]
        if show_waiting:
            row.append("waiting for an answer" if org_id in waiting else ("answered" if seat and org_id in
                                                                           room.answers else ""))
        rows.append(row)
    header = ["Organisation", "Played by", "This round" if outcome is None else "At the end"] + (
        ["Answer"] if show_waiting else [])
    return table_html(header, rows)


def log_html(room: Room, limit: int) -> str:
    entries = room.public_log()[-limit:]
    if not entries:
        return "<p>Nothing has happened yet.</p>"
    items = "".join(f"<li>{escape(e['text'])}</li>" for e in reversed(entries))
    return (f"<div tabindex='0' role='region' aria-label='What has happened' style='max-height:340px;"
            f"overflow-y:auto'><ul style='margin:0;padding-left:20px'>{items}</ul></div>")


def PublicLog(room: Room, limit: int = 60, version: int = 0):
    return Html(shared(room, version, ("log", limit), lambda: log_html(room, limit)), ["room-log"])


def SeatsTable(room: Room, show_waiting: bool, version: int, classes=()):
    return Html(shared(room, version, ("seats", show_waiting), lambda: seats_table(room, show_waiting)),
                ["seats-table", *classes])


def FundChart(room: Room, version: int, **large):
    key = ("fund", tuple(sorted(large.items())))
    return Html(shared(room, version, key, lambda: chart(svg.fund_svg, room.model, **large)), ["fund-chart"])

"""What every room view shows alike, as HTML made once per room version: the banner, the seats table, the
fund chart, the log (viz/live.py puts them on each page and refreshes them from the room's thread)."""

from __future__ import annotations

import threading
from html import escape

from negotiation.workshop.room import Room

from . import svg
from .components import BANNER_COLOURS, table_html

STANCE_LABELS = {"proposer": "★ proposes", "proposing": "★ proposing", "accepts": "✓ accepts",
                 "rejects": "✗ rejects", "waiting": "… waiting", "blocked": "✗ blocked the deal"}
BANNER_STYLES = BANNER_COLOURS
ACCEPT_COLOUR, REJECT_COLOUR = "#1b5e20", "#b71c1c"  # white text on these: 7.9:1 and 6.6:1


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


def banner_html(room: Room, large: bool = False) -> str:
    """The banner: the room's state or verdict in large type, coloured, with the reasons under it."""
    def make():
        text, details = banner_text(room)
        background, colour = BANNER_STYLES[room.model.outcome.outcome if room.model.outcome else None]
        lines = "".join(f"<div style='font-size:{20 if large else 15}px'>{escape(d)}</div>" for d in details)
        return (f"<div class='outcome-banner' style='background:{background};color:{colour};padding:12px 18px;"
                f"border-radius:6px'><div style='font-size:{34 if large else 24}px;font-weight:700'>{escape(text)}"
                f"</div>{lines}</div>")

    return shared(room, room.version, ("banner", large), make)


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


def public_log_html(room: Room, limit: int = 60) -> str:
    return shared(room, room.version, ("log", limit), lambda: log_html(room, limit))


def seats_html(room: Room, show_waiting: bool) -> str:
    return shared(room, room.version, ("seats", show_waiting), lambda: seats_table(room, show_waiting))


def fund_html(room: Room, **large) -> str:
    key = ("fund", tuple(sorted(large.items())))
    return shared(room, room.version, key, lambda: chart(svg.fund_svg, room.model, **large))

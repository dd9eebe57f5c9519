"""The room's shared screens: the presenter view for the projector, and the debrief with its exports.

Both show only what the whole room may see: no controls, no private briefs
while the negotiation runs; the debrief (every organisation's figures) opens
only once it has ended.
"""

from __future__ import annotations

from html import escape

import solara

from negotiation.extras import missing
from negotiation.workshop import export
from negotiation.workshop.brief import money
from negotiation.workshop.debrief import Debrief, debrief
from negotiation.workshop.room import Room

from .components import Html, table_html
from .live import clock, html, use_live
from .room_common import banner_html, fund_html, public_log_html, seats_html, shared

LARGE = 22  # px at full width: the axes stay ≥ 18 px on a 1280-wide projector (chart drawn ~700 px wide)


def _m(v: float | None) -> str:
    return "—" if v is None else money(v)


def room_debrief(room: Room) -> Debrief:
    given = {}
    for e in room.log:
        if e.kind == "answered" and e.reason and "model's agent" not in e.reason and e.accepted is False:
            given[e.org_id] = e.reason
    return debrief(room.model, {o: s.person for o, s in room.seats.items()}, given)


def debrief_html(room: Room, large: bool = False) -> str:
    """The debrief as one block of HTML (made once per room version for every page that shows it)."""
    return shared(room, room.version, ("debrief", large), lambda: _debrief_html(room_debrief(room), large))


def _debrief_html(d: Debrief, large: bool) -> str:
    size = "20px" if large else "16px"
    h = "font-size:22px;font-weight:600;margin:12px 0 6px 0"

    def items(lines, cls=""):
        return f"<ul class='{cls}' style='font-size:{size}'>{''.join(f'<li>{x}</li>' for x in lines)}</ul>"

    zone = (f"{d.zone_plans} plans were within every organisation's duty and better than no deal for all."
            if d.zone_plans else "No plan was within every organisation's duty and better than no deal for all: "
            "there was no zone of agreement.")
    got = "Got" if d.signed else "Last plan tabled"
    rows = [[r.name, r.played_by, _m(r.no_deal), _m(r.got if d.signed else r.last_tabled), _m(r.nash), _m(r.ks)]
            for r in d.rows]
    table = table_html(["Organisation", "Played by", "No deal", got, "Nash plan", "KS plan"], rows)
    lessons = [f"<b>Signed</b>: {escape(d.signed or 'nothing was signed')}",
               f"<b>Nash plan</b> (largest product of gains): {escape(d.nash or 'none: no zone')}",
               "<b>Kalai–Smorodinsky plan</b> (equal shares of what each could gain): "
               f"{escape(d.ks or 'none: no zone')}"]
    if d.efficiency is not None:
        lessons.append(f"The signed plan captured {d.efficiency:.0%} of the Nash plan's total gain.")
    blockers = ""
    if d.blockers:
        blockers = (f"<h3 style='{h}'>Who blocked, and why</h3>"
                    + items([f"<b>{escape(n)}</b>: {escape(w)}" for n, w in d.blockers], "debrief-blockers"))
    return (
        f"<h2 style='font-size:{'30px' if large else '24px'};font-weight:700;margin:12px 0 4px 0'>Debrief</h2>"
        f"<div class='debrief-grid{' large' if large else ''}'>"
        f"<div class='debrief-zone'><h3 style='{h}'>Zone of possible agreement</h3>"
        f"<p style='font-size:{size}'>{escape(zone)}</p>"
        f"<div class='debrief-table{' large-table' if large else ''}' tabindex='0' role='region' "
        f"aria-label='Each organisation: no deal, what it got, the Nash and KS plans'>{table}</div></div>"
        f"<div class='debrief-lessons'><h3 style='{h}'>Signed plan against the benchmarks</h3>{items(lessons)}"
        f"{blockers}<h3 style='{h}'>What would have changed the outcome</h3>"
        f"{items([escape(s) for s in d.would_change], 'debrief-change')}</div></div>"
    )


@solara.component
def ExportButtons(room: Room, version: int = 0):
    with solara.Row(classes=["exports"], style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: export.session_json(room), f"room-{room.code}.json", label="Session (JSON)",
                            mime_type="application/json")
        solara.FileDownload(lambda: export.session_csv(room), f"room-{room.code}.csv", label="Session (CSV)",
                            mime_type="text/csv")
        if room.model.finished and not missing("matplotlib"):  # (the PNG needs the report extra)
            solara.FileDownload(lambda: export.debrief_png(room), f"room-{room.code}-debrief.png",
                                label="Debrief (PNG)", mime_type="image/png")


def _presenter_tail(room: Room) -> str:
    return debrief_html(room, large=True) if room.model.finished else public_log_html(room, limit=12)


@solara.component
def PresenterView(room: Room):
    """No controls: after its first render the page is never re-rendered; the room's thread refreshes its
    live blocks (banner, timer, table, chart, log or debrief)."""
    _, live = use_live(room, "presenter", lambda r: None, {
        "banner": html(lambda: banner_html(room, large=True), "banner-block"),
        "clock": clock(room, large=True),
        "seats": html(lambda: seats_html(room, False), "seats-table", "large-table"),
        "fund": html(lambda: fund_html(room, width=760, height=430, font=LARGE), "fund-chart"),
        "tail": html(lambda: _presenter_tail(room), "presenter-tail"),
    })
    with solara.Column(classes=["presenter"], style={"font-size": "22px"}):
        with solara.Row(style={"align-items": "baseline", "justify-content": "space-between"}):
            solara.Text(f"{room.scenario.scenario.name}: room {room.code}", style={"font-size": "28px",
                                                                                  "font-weight": "700"})
            # A link, not a control (the page must have something keyboard-reachable to scroll with).
            Html(f"<a href='/room/{room.code}/debrief' style='font-size:18px'>Debrief page</a>")
        solara.Column(children=[live["banner"], live["clock"]])
        solara.ColumnsResponsive(12, large=[5, 7], children=[live["seats"], live["fund"]])
        solara.Column(children=[live["tail"]])


@solara.component
def DebriefView(room: Room):
    version, live = use_live(room, "debrief", lambda r: r.model.finished, {
        "banner": html(lambda: banner_html(room), "banner-block"),
        "debrief": html(lambda: debrief_html(room) if room.model.finished else
                        "<p>The debrief opens when the negotiation ends.</p>", "debrief-block"),
    })
    solara.Column(children=[live["banner"], live["debrief"]])
    if room.model.finished:
        ExportButtons(room, version)

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
from .room_common import FundChart, PublicLog, RoomBanner, RoundTimer, SeatsTable, use_room

LARGE = 22  # px at full width: the axes stay ≥ 18 px on a 1280-wide projector (chart drawn ~700 px wide)


def _m(v: float | None) -> str:
    return "—" if v is None else money(v)


def room_debrief(room: Room) -> Debrief:
    given = {}
    for e in room.log:
        if e.kind == "answered" and e.reason and "model's agent" not in e.reason and e.accepted is False:
            given[e.org_id] = e.reason
    return debrief(room.model, {o: s.person for o, s in room.seats.items()}, given)


@solara.component
def DebriefContent(room: Room, large: bool = False, version: int = 0):
    d = room_debrief(room)
    size = {"font-size": "20px" if large else "16px"}
    solara.Text("Debrief", style={"font-size": "30px" if large else "24px", "font-weight": "700"})
    with solara.ColumnsResponsive(12, large=[6, 6]):
        with solara.Column(classes=["debrief-zone"]):
            solara.Text("Zone of possible agreement", style={"font-size": "22px", "font-weight": "600"})
            solara.Text(f"{d.zone_plans} plans were within every organisation's duty and better than no deal "
                        "for all." if d.zone_plans else "No plan was within every organisation's duty and better "
                        "than no deal for all: there was no zone of agreement.", style=size)
            got = "Got" if d.signed else "Last plan tabled"
            rows = [[r.name, r.played_by, _m(r.no_deal), _m(r.got if d.signed else r.last_tabled), _m(r.nash),
                     _m(r.ks)] for r in d.rows]
            Html(table_html(["Organisation", "Played by", "No deal", got, "Nash plan", "KS plan"], rows),
                 ["debrief-table", "large-table" if large else ""])
        with solara.Column(classes=["debrief-lessons"]):
            solara.Text("Signed plan against the benchmarks", style={"font-size": "22px", "font-weight": "600"})
            items = [f"<li><b>Signed</b>: {escape(d.signed or 'nothing was signed')}</li>",
                     f"<li><b>Nash plan</b> (largest product of gains): {escape(d.nash or 'none: no zone')}</li>",
                     f"<li><b>Kalai–Smorodinsky plan</b> (equal shares of what each could gain): "
                     f"{escape(d.ks or 'none: no zone')}</li>"]
            if d.efficiency is not None:
                items.append(f"<li>The signed plan captured {d.efficiency:.0%} of the Nash plan's total gain.</li>")
            Html(f"<ul style='font-size:{size['font-size']}'>{''.join(items)}</ul>")
            if d.blockers:
                solara.Text("Who blocked, and why", style={"font-size": "22px", "font-weight": "600"})
                Html("<ul class='debrief-blockers' style='font-size:{}'>{}</ul>".format(
                    size["font-size"], "".join(f"<li><b>{escape(n)}</b>: {escape(w)}</li>" for n, w in d.blockers)))
            solara.Text("What would have changed the outcome", style={"font-size": "22px", "font-weight": "600"})
            Html("<ul class='debrief-change' style='font-size:{}'>{}</ul>".format(
                size["font-size"], "".join(f"<li>{escape(s)}</li>" for s in d.would_change)))


@solara.component
def ExportButtons(room: Room, version: int = 0):
    with solara.Row(classes=["exports"]):
        solara.FileDownload(lambda: export.session_json(room), f"room-{room.code}.json", label="Session (JSON)",
                            mime_type="application/json")
        solara.FileDownload(lambda: export.session_csv(room), f"room-{room.code}.csv", label="Session (CSV)",
                            mime_type="text/csv")
        if room.model.finished and not missing("matplotlib"):  # (the PNG needs the report extra)
            solara.FileDownload(lambda: export.debrief_png(room), f"room-{room.code}-debrief.png",
                                label="Debrief (PNG)", mime_type="image/png")


@solara.component
def PresenterView(room: Room):
    version = use_room(room, "presenter")
    with solara.Column(classes=["presenter"], style={"font-size": "22px"}):
        with solara.Row(style={"align-items": "baseline", "justify-content": "space-between"}):
            solara.Text(f"{room.scenario.scenario.name}: room {room.code}", style={"font-size": "28px",
                                                                                  "font-weight": "700"})
            # A link, not a control (the page must have something keyboard-reachable to scroll with).
            Html(f"<a href='/room/{room.code}/debrief' style='font-size:18px'>Debrief page</a>")
        RoomBanner(room, large=True, version=version)
        RoundTimer(room, large=True, version=version)
        with solara.ColumnsResponsive(12, large=[5, 7]):
            SeatsTable(room, False, version, ["large-table"])
            FundChart(room, version, width=760, height=430, font=LARGE)
        if room.model.finished:
            DebriefContent(room, large=True, version=version)
        else:
            PublicLog(room, limit=12, version=version)


@solara.component
def DebriefView(room: Room):
    version = use_room(room)
    RoomBanner(room, version=version)
    if not room.model.finished:
        solara.Text("The debrief opens when the negotiation ends.")
        return
    DebriefContent(room, version=version)
    ExportButtons(room, version)

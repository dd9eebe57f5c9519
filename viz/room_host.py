"""Hosting a workshop: create a room from the main page, and the facilitator's screen that runs it.

The facilitator's screen is reached only with the room's secret key in its
link; everything it does goes through :class:`Room` methods that check that key.
"""

from __future__ import annotations

import os
from html import escape

import segno
import solara

from negotiation.workshop import create_room
from negotiation.workshop.room import Room, RoomError

from . import session
from .components import Heading, Html
from .live import clock, html, use_live
from .room_common import banner_html, public_log_html, seats_html
from .room_screens import ExportButtons

PUBLIC_URL_ENV = "NEGOTIATION_PUBLIC_URL"  # e.g. http://192.168.1.20:8765 (set by `negotiation app --host 0.0.0.0`)


def base_url() -> str:
    """Where participants reach this server: the address the app was started for, else this browser's."""
    configured = os.environ.get(PUBLIC_URL_ENV, "").rstrip("/")
    if configured:
        return configured
    headers = solara.lab.headers.value or {}
    host = (headers.get("host") or ["127.0.0.1:8765"])[0]
    return f"http://{host}"


def join_link(room: Room) -> str:
    return f"{base_url()}/room/{room.code}"


@solara.component
def HostTab():
    names = solara.use_memo(lambda: session.one_board(session.shipped()), [])  # a room is one board's table
    choice = solara.use_reactive(next(iter(names)))
    seed = solara.use_reactive(0)
    minutes = solara.use_reactive(3.0)
    rounds = solara.use_reactive("the scenario's deadline")
    router = solara.use_router()
    Heading("Host a workshop")
    solara.Text("Pick a scenario; you get a room code, a join link and a QR code for the room. Seats nobody "
                "takes are played by the model's agents.")
    solara.Select("Scenario for the room", values=list(names), value=choice)
    solara.InputInt("Seed for the room", value=seed)
    solara.Select("Minutes per round (0 = no limit)", values=[0.0, 1.0, 2.0, 3.0, 5.0, 10.0], value=minutes)
    solara.Select("Rounds", values=["the scenario's deadline", "4", "6", "8", "10", "12"], value=rounds)

    def host():
        from negotiation.scenario import load_scenario

        room = create_room(load_scenario(names[choice.value]), seed=int(seed.value or 0),
                           rounds=int(rounds.value) if rounds.value.isdigit() else None,
                           round_seconds=60.0 * float(minutes.value))
        router.push(f"/room/{room.code}/facilitate?key={room.facilitator_key}")

    solara.Button("Host a workshop", on_click=host, color="primary")


@solara.component
def FacilitatorView(room: Room, key: str):
    version, live = use_live(room, "facilitator", _controls_state, {
        "banner": html(lambda: banner_html(room), "banner-block"),
        "clock": clock(room),
        "seats": html(lambda: seats_html(room, True), "seats-table"),
        "log": html(lambda: public_log_html(room), "room-log"),
    })
    error = solara.use_reactive("")
    link = join_link(room)
    qr = solara.use_memo(lambda: segno.make(link, error="m").svg_inline(scale=5, title=f"QR code of the join link {link}"),
                         [link])  # (drawing it took ~20 ms of every facilitator redraw)
    if not room.is_facilitator(key):
        solara.Error("This link does not hold the facilitator's key for this room.")
        return

    def do(action, *args):
        try:
            action(key, *args)
            error.set("")
        except RoomError as exc:
            error.set(str(exc))

    Heading(f"Facilitating room {room.code}: {room.scenario.scenario.name}")
    with solara.ColumnsResponsive(12, large=[4, 8]):
        with solara.Column(classes=["join-card"]):
            solara.Text(f"Room code: {room.code}", style={"font-size": "26px", "font-weight": "700"})
            Html(f"<p>Join link: <a href='{escape(link)}' class='join-link'>{escape(link)}</a></p>")
            Html(qr, ["join-qr"])
            if "127.0.0.1" in link or "localhost" in link:
                solara.Warning("This link only works on this machine. For a room, start the app with "
                               "`negotiation app --host 0.0.0.0` and open it by this machine's network address.")
            base = f"/room/{room.code}"
            Html(f"<p><a href='{base}/present' target='_blank'>Presenter view (projector)</a> · "
                 f"<a href='{base}/debrief' target='_blank'>Debrief</a></p>")
        with solara.Column():
            solara.Column(children=[live["banner"], live["clock"]])
            finished = room.phase == "finished"
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button("Start first round" if room.phase == "lobby" else "Next round",
                              on_click=lambda: do(room.next_round), color="primary", disabled=finished)
                solara.Button("Resume" if room.paused else "Pause",
                              on_click=lambda: do(room.resume if room.paused else room.pause), disabled=finished)
                solara.Button("End negotiation", on_click=lambda: do(room.end), disabled=finished)
            if error.value:
                solara.Error(error.value)
            solara.Column(children=[live["seats"]])
            SeatControls(room, key, do, version)
            ExportButtons(room, version)
    solara.Text("What has happened", style={"font-size": "20px"})
    solara.Column(children=[live["log"]])


def _controls_state(room: Room):
    """What the facilitator's controls depend on: the page re-renders when this changes, and only then."""
    return room.phase, room.paused, tuple((o, s.person) for o, s in room.seats.items()), tuple(room.free_seats())


@solara.component
def SeatControls(room: Room, key: str, do, version: int = 0):
    for org_id in list(room.seats):
        SeatControl(room, org_id, do, version)


@solara.component
def SeatControl(room: Room, org_id: str, do, version: int = 0):
    target = solara.use_reactive("")
    seat = room.seats.get(org_id)
    if seat is None:
        return
    free = {room.names[o]: o for o in room.free_seats()}
    with solara.Row(classes=["seat-control"], style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text(f"{seat.person} ({room.names[org_id]})")
        solara.Button(f"Free seat of {room.names[org_id]}", on_click=lambda: do(room.kick, org_id), outlined=True)
        if free:
            solara.Select(f"Move {seat.person} to", values=list(free), value=target.value or None,
                          on_value=lambda v: target.set(v or ""))
            solara.Button("Move", on_click=lambda: do(room.reseat, org_id, free.get(target.value, "")),
                          outlined=True, disabled=not target.value)

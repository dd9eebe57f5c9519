"""The room's addresses: ``/room/CODE`` (join and play; ``?seat=TOKEN`` rejoins a seat after a reload),
``/room/CODE/facilitate?key=KEY``, ``/room/CODE/present`` and ``/room/CODE/debrief``."""

from __future__ import annotations

from urllib.parse import parse_qs

import solara

from negotiation.workshop import get_room

from .room_host import FacilitatorView
from .room_play import ParticipantView
from .room_screens import DebriefView, PresenterView


@solara.component
def RoomPage(code: str, view: str, search: str):
    query = {k: v[0] for k, v in parse_qs(search).items()}
    router = solara.use_router()
    room = get_room(code)
    if room is None:
        solara.Error(f"There is no room with the code {code[:12]!r} on this server. Check the code with the "
                     "facilitator.")
        return
    solara.Title(f"Room {room.code}: {room.scenario.scenario.name}")
    with solara.Column(style={"padding": "8px 16px", "max-width": "1800px"}):
        if view == "facilitate":
            FacilitatorView(room, query.get("key", ""))
        elif view == "present":
            PresenterView(room)
        elif view == "debrief":
            DebriefView(room)
        else:
            ParticipantView(room, query.get("seat"), lambda token: router.push(f"/room/{room.code}?seat={token}"))

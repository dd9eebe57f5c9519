"""Workshop rooms: a facilitator hosts one negotiation that every participant plays from their own browser.

Plain Python (no web framework): :class:`Room` holds the model, the seats and
the log behind one lock; :mod:`.brief` is what one seat may see; :mod:`.debrief`
and :mod:`.export` turn a finished room into lessons and files. The Solara app
(viz/) only draws these.
"""

from negotiation.workshop.registry import create_room, drop_room, get_room
from negotiation.workshop.room import Event, Room, RoomError, Seat

__all__ = ["Room", "RoomError", "Seat", "Event", "create_room", "get_room", "drop_room"]

"""A workshop room: one negotiation, its seats and its log, shared by every browser in the room.

A plain, thread-safe object (one lock around the ``NegotiationModel``, the
seats and the log) that knows nothing of the web app: views call its methods
and subscribe to hear that something changed. Every method that changes the
room checks who is asking: the facilitator holds a secret key, a participant
holds the secret token of one seat and can act only for it.

A round runs as at a real board: the proposer (a person in their seat, or
the model's agent for a free seat) tables a plan; each seated person accepts
or rejects it, with a reason; free seats answer as the model's agents do. The
round closes when every seated person has answered, when the facilitator
moves on, or when the round's time runs out (the agents then answer for
those who did not); the next round opens unless the room is paused.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from negotiation.model import CHAIR, NegotiationModel
from negotiation.scenario import Scenario
from negotiation.workshop import brief as briefs

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
CODE_LENGTH = 8  # 32^8 ≈ 1.1e12 codes
MAX_NAME = 40


class RoomError(Exception):
    """An action the room refuses, with one sentence saying why (shown to the person who tried)."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass
class Seat:
    org_id: str
    person: str
    token: str
    joined: float


@dataclass(frozen=True)
class Event:
    """One line of the session log (exported as JSON and CSV)."""

    time: float  # seconds since the epoch
    round: int
    kind: str  # created, joined, kicked, reseated, opened, proposed, answered, closed, paused, resumed, ended, finished
    org_id: str = ""
    person: str = ""
    accepted: bool | None = None
    plan_index: int | None = None
    reason: str = ""


@dataclass
class Room:
    """One negotiation hosted for a workshop. Create with :func:`negotiation.workshop.registry.create_room`."""

    scenario: Scenario
    seed: int = 0
    rounds: int | None = None
    round_seconds: float = 180.0  # time allowed for each round; 0 = no limit
    code: str = field(default_factory=new_code)
    clock: Callable[[], float] = time.time

    def __post_init__(self):
        self.facilitator_key = secrets.token_urlsafe(16)
        self.model = NegotiationModel(self.scenario, seed=self.seed, rounds=self.rounds)
        self.names = {a.org_id: a.name for a in self.model.organisations}
        self.created = self.clock()
        self.seats: dict[str, Seat] = {}
        self.answers: dict[str, tuple[bool, str]] = {}  # this round's answers from seated people
        self.phase = "lobby"  # lobby | proposing | answering | finished
        self.paused = False
        self.round_started: float | None = None
        self.version = 0
        self.log: list[Event] = [Event(self.created, 0, "created")]
        self._lock = threading.RLock()
        self._listeners: list[Callable[[int], None]] = []
        self._late_listeners: list[Callable[[int], None]] = []
        self._wake = threading.Condition()
        self._dispatcher: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self._closed = False

    # ------------------------------------------------------------ who is asking
    def is_facilitator(self, key: str | None) -> bool:
        return bool(key) and secrets.compare_digest(str(key), self.facilitator_key)

    def _facilitator(self, key: str | None) -> None:
        if not self.is_facilitator(key):
            raise RoomError("Only the facilitator can do that.")

    def seat_of(self, token: str | None) -> str | None:
        """The organisation a seat token sits at (None for an unknown or revoked token)."""
        if not token:
            return None
        with self._lock:
            for seat in self.seats.values():
                if secrets.compare_digest(seat.token, str(token)):
                    return seat.org_id
        return None

    def _seat(self, token: str | None) -> Seat:
        org_id = self.seat_of(token)
        if org_id is None:
            raise RoomError("You do not hold a seat in this room (it may have been given up or reset).")
        return self.seats[org_id]

    # ------------------------------------------------------------ seats
    def free_seats(self) -> list[str]:
        with self._lock:
            return [o for o in self.names if o not in self.seats]

    def join(self, person: str, org_id: str) -> str:
        """Take a free seat; returns the seat's secret token (keep it: it is how a reload rejoins)."""
        person = " ".join(str(person).split())[:MAX_NAME]
        if not person:
            raise RoomError("Enter your name first.")
        with self._lock:
            if org_id not in self.names:
                raise RoomError("There is no such organisation in this room.")
            if org_id in self.seats:
                raise RoomError(f"{self.names[org_id]} is already taken; choose a free seat.")
            if self.phase == "finished":
                raise RoomError("The negotiation has ended.")
            token = secrets.token_urlsafe(18)
            self.seats[org_id] = Seat(org_id, person, token, self.clock())
            self._event("joined", org_id=org_id, person=person)
        self._changed()
        return token

    def kick(self, key: str, org_id: str) -> None:
        """Free a seat (the model's agent plays it again); the person's link stops working."""
        self._facilitator(key)
        with self._lock:
            seat = self.seats.pop(org_id, None)
            if seat is None:
                raise RoomError("Nobody sits there.")
            self.answers.pop(org_id, None)
            self._event("kicked", org_id=org_id, person=seat.person)
            if self.phase == "proposing" and self.proposer == org_id:
                self._agent_proposes("the seat was freed")
            self._maybe_close()
        self._changed()

    def reseat(self, key: str, org_id: str, to_org_id: str) -> None:
        """Move a person to a free seat; their link keeps working and now plays the new organisation."""
        self._facilitator(key)
        with self._lock:
            if org_id not in self.seats:
                raise RoomError("Nobody sits there.")
            if to_org_id not in self.names or to_org_id in self.seats:
                raise RoomError("Choose a free seat to move them to.")
            seat = self.seats.pop(org_id)
            seat.org_id = to_org_id
            self.seats[to_org_id] = seat
            self.answers.pop(org_id, None)  # an answer belongs to the organisation: they answer again
            if self.phase == "proposing" and self.proposer == org_id:
                self._agent_proposes("the person moved seat")
            self._event("reseated", org_id=to_org_id, person=seat.person, reason=f"from {self.names[org_id]}")
        self._changed()

    # ------------------------------------------------------------ private views
    def brief_for(self, token: str) -> briefs.Brief:
        """The brief of the token's own seat, and only that."""
        seat = self._seat(token)
        return briefs.brief(self.scenario, self.model.evaluation, seat.org_id)

    def check_for(self, token: str, plan: int) -> briefs.PlanCheck:
        seat = self._seat(token)
        return briefs.check(self.scenario, self.model.evaluation, seat.org_id, plan)

    # ------------------------------------------------------------ the round
    def next_proposer(self) -> str:
        """Who tables the next plan: the rotation's organisation, or the chair under the mediator protocol."""
        m = self.model
        if self.scenario.rules.protocol == "mediator":
            return CHAIR
        return m.ids[m.order[m.round % len(m.order)]]

    @property
    def proposer(self) -> str:
        """Who tables (or tabled) this round's plan."""
        if self.phase == "answering" and self.model.pending:
            return self.model.pending[0]
        return self.next_proposer()

    @property
    def plan_on_table(self) -> int | None:
        return self.model.pending[1] if self.model.pending else None

    def waiting_for(self) -> list[str]:
        """Seated organisations whose answer the round is waiting for."""
        with self._lock:
            if self.phase == "proposing":
                return [self.proposer] if self.proposer in self.seats else []
            if self.phase != "answering":
                return []
            return [o for o in self.seats if o != self.proposer and o not in self.answers]

    def seconds_left(self) -> float | None:
        if not self.round_seconds or self.round_started is None or self.phase in ("lobby", "finished"):
            return None
        return max(0.0, self.round_seconds - (self.clock() - self.round_started))

    def start(self, key: str) -> None:
        """Open the first round (or move on: see :meth:`next_round`)."""
        self.next_round(key)

    def next_round(self, key: str) -> None:
        """Facilitator: close the open round now (agents answer for anyone silent) and open the next."""
        self._facilitator(key)
        with self._lock:
            if self.phase == "finished":
                raise RoomError("The negotiation has ended.")
            if self.phase == "proposing":
                self._agent_proposes("the facilitator moved on")
            if self.phase == "answering":
                self._close()
            if self.phase != "finished":
                self._open()
        self._changed()

    def propose(self, token: str, plan: int) -> None:
        """A seated person tables a plan (an index in the plan space) when it is their turn."""
        with self._lock:
            seat = self._seat(token)
            self._refuse_if_paused()
            if self.phase != "proposing" or self.proposer != seat.org_id:
                raise RoomError("It is not your turn to propose.")
            plan = int(plan)
            if not 0 <= plan < len(self.model.evaluation.space):
                raise RoomError("That plan is not one the board can table.")
            # Seats change during a workshop, so the model learns who a person plays when they propose.
            self.model.human_players.add(seat.org_id)
            self.model.open_round(plan=plan)
            self._event("proposed", org_id=seat.org_id, person=seat.person, plan_index=plan)
            self.phase = "answering"
            self._maybe_close()
        self._changed()

    def answer(self, token: str, accept: bool, reason: str = "") -> None:
        """A seated person accepts or rejects the plan on the table. An Accept that would break their
        duty or sink below no deal is refused with the reason (never turned into a rejection)."""
        reason = " ".join(str(reason).split())[:300]
        with self._lock:
            seat = self._seat(token)
            self._refuse_if_paused()
            if self.phase != "answering" or self.plan_on_table is None:
                raise RoomError("There is no plan on the table to answer.")
            if seat.org_id == self.proposer:
                raise RoomError("You proposed this plan; wait for the others' answers.")
            if accept:
                verdict = briefs.check(self.scenario, self.model.evaluation, seat.org_id, self.plan_on_table)
                if not verdict.can_accept:
                    raise RoomError(verdict.why_not)
            self.answers[seat.org_id] = (bool(accept), reason)
            self._event("answered", org_id=seat.org_id, person=seat.person, accepted=bool(accept),
                        plan_index=self.plan_on_table, reason=reason)
            self._maybe_close()
        self._changed()

    def pause(self, key: str) -> None:
        self._facilitator(key)
        with self._lock:
            if self.phase == "finished" or self.paused:
                return
            self.paused = True
            self._cancel_timer()
            self._event("paused")
        self._changed()

    def resume(self, key: str) -> None:
        self._facilitator(key)
        with self._lock:
            if not self.paused:
                return
            self.paused = False
            if self.phase in ("proposing", "answering"):
                self.round_started = self.clock()  # the round's full time again after a pause
                self._arm_timer()
            self._event("resumed")
            if self.phase == "answering":
                self._maybe_close()
        self._changed()

    def end(self, key: str) -> None:
        """Facilitator: this round is the last; close it now and give the verdict."""
        self._facilitator(key)
        with self._lock:
            if self.phase == "finished":
                return
            m = self.model
            self._event("ended")
            if self.phase == "lobby":
                self._open()
            if self.phase == "proposing":
                self._agent_proposes("the facilitator ended the negotiation")
            m.deadline = m.round
            self._close()
        self._changed()

    def expire(self) -> None:
        """The round's time ran out: agents propose or answer for those who did not."""
        with self._lock:
            left = self.seconds_left()
            if self.paused or self.phase in ("lobby", "finished") or left is None or left > 0.5:
                return
            if self.phase == "proposing":
                self._agent_proposes("time ran out")
            else:
                self._close()
                if self.phase != "finished":
                    self._open()
        self._changed()

    # ------------------------------------------------------------ internals (lock held)
    def _refuse_if_paused(self) -> None:
        if self.paused:
            raise RoomError("The facilitator has paused the room.")

    def _open(self) -> None:
        self.answers = {}
        self.round_started = self.clock()
        who = self.next_proposer()
        if who in self.seats:
            self.phase = "proposing"
            self._event("opened", org_id=who, person=self.seats[who].person)
        else:
            proposer, plan = self.model.open_round()
            self.phase = "answering"
            self._event("opened", org_id=proposer)
            self._event("proposed", org_id=proposer, plan_index=plan, reason="the model's agent proposed")
        self._arm_timer()

    def _agent_proposes(self, why: str) -> None:
        proposer, plan = self.model.open_round()
        self.phase = "answering"
        self._event("proposed", org_id=proposer, plan_index=plan, reason=f"the model's agent proposed: {why}")

    def _maybe_close(self) -> None:
        if self.phase == "answering" and not self.paused and not self.waiting_for() and self._people_answer():
            self._close()
            if self.phase != "finished":
                self._open()

    def _people_answer(self) -> bool:
        """A round closes by itself only if a person took part (else the facilitator moves it on)."""
        return any(o in self.seats for o in self.names)

    def _close(self) -> None:
        m = self.model
        proposer = self.proposer
        ev = m.evaluation
        answers = {o: a for o, (a, _) in self.answers.items() if o in self.seats}
        pending = m.pending
        assert pending is not None, "a round is open"
        if proposer in self.seats:  # a person's own plan: they sign it if they lawfully can
            answers[proposer] = bool(ev.acceptable[m.ids.index(proposer), pending[1]])
        record = m.close_round(answers)
        for response in record.responses:
            if response.org_id in self.seats and response.org_id not in self.answers and response.org_id != proposer:
                self._event("answered", org_id=response.org_id, accepted=response.accepted,
                            plan_index=record.plan_index, reason="no answer in time: the model's agent answered")
        self._event("closed", org_id=proposer, plan_index=record.plan_index,
                    accepted=record.signed, reason="signed by all" if record.signed else
                    "rejected by " + ", ".join(self.names[o] for o in record.rejecters))
        if m.outcome is not None:
            self.phase = "finished"
            self._cancel_timer()
            self._event("finished", reason=m.outcome.outcome)
        else:
            self.phase = "between"

    def _event(self, kind: str, **fields) -> None:
        self.log.append(Event(self.clock(), self.model.round, kind, **fields))

    def _arm_timer(self) -> None:
        self._cancel_timer()
        if self.round_seconds and not self.paused and not self._closed:
            self._timer = threading.Timer(self.round_seconds + 0.6, self.expire)
            self._timer.daemon = True
            self._timer.start()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # ------------------------------------------------------------ listeners
    def subscribe(self, listener: Callable[[int], None], late: bool = False) -> Callable[[], None]:
        """Call ``listener(version)`` after every change (from the room's own thread); returns unsubscribe.
        ``late`` listeners are called after all the others (slow work, e.g. re-rendering a whole page, waits
        until every page's quick update has gone out)."""
        chosen = self._late_listeners if late else self._listeners
        with self._lock:
            chosen.append(listener)

        def unsubscribe():
            with self._lock:
                if listener in chosen:
                    chosen.remove(listener)

        return unsubscribe

    @property
    def listeners(self) -> int:
        return len(self._listeners) + len(self._late_listeners)

    def _changed(self) -> None:
        with self._lock:
            self.version += 1
        with self._wake:
            if self._dispatcher is None and not self._closed:
                self._dispatcher = threading.Thread(target=self._dispatch, name=f"room-{self.code}", daemon=True)
                self._dispatcher.start()
            self._wake.notify()

    def _dispatch(self) -> None:
        seen = -1
        while True:
            with self._wake:
                while self.version == seen and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                seen = self.version
            for listener in [*self._listeners, *self._late_listeners]:
                try:
                    listener(seen)
                except Exception:  # a closed browser session must not stop the others hearing
                    pass

    def close(self) -> None:
        """Stop the room's timer and thread (the registry calls this when it drops the room)."""
        with self._lock:
            self._cancel_timer()
            self._listeners.clear()
            self._late_listeners.clear()
        with self._wake:
            self._closed = True
            self._wake.notify_all()

    # ------------------------------------------------------------ the public picture
    def public_log(self) -> list[dict]:
        """The log as everyone in the room may see it: who proposed what, who accepted or rejected and the
        reasons people typed; agents' reasons (which state private figures) stay for the debrief."""
        ev = self.model.evaluation
        out = []
        with self._lock:
            for e in self.log:
                if e.kind not in ("proposed", "answered", "closed", "joined", "paused", "resumed", "ended", "finished"):
                    continue
                who = self.names.get(e.org_id, "HWB chair" if e.org_id == CHAIR else "")
                text = ""
                if e.kind == "proposed" and e.plan_index is not None:
                    text = f"{who} proposes: {briefs.plan_summary(ev, e.plan_index, self.names)}"
                elif e.kind == "answered":
                    text = f"{who} {'accepts' if e.accepted else 'rejects'}" + (f": “{e.reason}”" if e.reason and
                                                                                 "model's agent" not in e.reason else "")
                elif e.kind == "closed":
                    text = f"Round {e.round}: {e.reason}"
                elif e.kind == "joined":
                    text = f"{e.person} takes the seat of {who}"
                else:
                    text = {"paused": "The facilitator paused the room", "resumed": "The room resumed",
                            "ended": "The facilitator ended the negotiation",
                            "finished": "The negotiation is over"}.get(e.kind, e.kind)
                out.append({"time": e.time, "round": e.round, "kind": e.kind, "text": text})
        return out

    def stances(self) -> dict[str, str]:
        """Each organisation's public stance this round: proposer, accepts, rejects, waiting."""
        with self._lock:
            m = self.model
            if self.phase in ("answering", "proposing"):
                out = {o: "waiting" for o in self.names}
                if self.proposer in out:
                    out[self.proposer] = "proposer"
                for o, (a, _) in self.answers.items():
                    out[o] = "accepts" if a else "rejects"
                return out
            return {a.org_id: a.stance for a in m.organisations}

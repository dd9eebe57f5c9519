"""A participant's screen: join a seat, read the private brief, build and table a plan, answer the board.

Only the participant's own seat is ever read here (:meth:`Room.brief_for` and
:meth:`Room.check_for` take the seat's secret token), so another
organisation's private figures never reach this page or its websocket.
"""

from __future__ import annotations

import numpy as np
import solara

from negotiation.workshop import brief as briefs
from negotiation.workshop.room import Room, RoomError

from .components import Heading, Html
from .live import clock, html, use_live
from .room_common import ACCEPT_COLOUR, REJECT_COLOUR, banner_html, fund_html, public_log_html, seats_html


@solara.component
def JoinForm(room: Room, on_joined, version: int = 0):
    person = solara.use_reactive("")
    seat = solara.use_reactive("")
    error = solara.use_reactive("")
    free = room.free_seats()
    Heading(f"Join room {room.code}: {room.scenario.scenario.name}")
    if room.phase == "finished":
        solara.Text("This negotiation has ended; the debrief is on the presenter's screen.")
        return
    if not free:
        solara.Text("Every seat is taken. Ask the facilitator to free one.")
        return
    names = {room.names[o]: o for o in free}
    solara.InputText("Your name", value=person, continuous_update=True)
    solara.Select("Organisation to play", values=list(names), value=seat.value or None,
                  on_value=lambda v: seat.set(v or ""))

    def take():
        try:
            token = room.join(person.value, names.get(seat.value, ""))
        except RoomError as exc:
            error.set(str(exc))
            return
        on_joined(token)

    solara.Button("Take this seat", on_click=take, color="primary", disabled=not (person.value.strip() and seat.value))
    if error.value:
        solara.Error(error.value, classes=["join-error"])


@solara.component
def BriefCard(b: briefs.Brief):
    with solara.Card(f"Your brief: {b.name} (private)", classes=["private-brief"]):
        for line in b.lines():
            solara.Text(line, style={"display": "block", "margin-bottom": "4px"})


def check_lines(c: briefs.PlanCheck) -> list[str]:
    out = [f"You would pay £{c.pays:.1f}m in. It is worth {briefs.money(c.worth)} to you "
           f"(no deal: {briefs.money(c.no_deal)})."]
    out.append(f"It breaks your duty: you would be £{c.duty_gap:.1f}m short." if c.breaks_duty
               else "It keeps within your duty.")
    if c.below_no_deal:
        out.append("It is worse for you than no deal.")
    out += [f"Fails a national condition: {f}" for f in c.failed] or ["It meets every national condition."]
    return out


@solara.component
def PlanBuilder(room: Room, token: str, my_turn: bool, version: int = 0):
    ev = room.model.evaluation
    kinds = np.array([o.kind for o in room.scenario.organisations.values()])
    dims = solara.use_memo(lambda: briefs.plan_dimensions(ev, kinds == "ccg"), [room.code])
    ranges = solara.use_memo(lambda: briefs.control_ranges(dims), [room.code])
    org_index = list(room.names).index(room.seat_of(token))

    def start():  # the best plan for you within your duty: a sensible place to begin
        allowed = np.flatnonzero(ev.acceptable[org_index])
        plan = int(allowed[np.argmax(ev.utility[org_index, allowed])]) if len(allowed) else 0
        return briefs.controls_of(dims, plan)

    values = solara.use_reactive(solara.use_memo(start, [room.code, org_index]))
    error = solara.use_reactive("")
    with solara.Card("Build a plan", classes=["plan-builder"]):
        for name, (label, unit) in briefs.CONTROLS.items():
            r = ranges[name]
            if r.high - r.low < 1e-9:
                continue
            step = max(r.step, (r.high - r.low) / 200)
            shown = f"{values.value[name]:.1%}" if unit == "%" else f"£{values.value[name]:.1f}m"
            solara.SliderFloat(f"{label}: {shown}", value=values.value[name], min=r.low, max=r.high, step=step,
                               thumb_label=False,
                               on_value=lambda v, n=name: values.set({**values.value, n: float(v)}))
        plan = briefs.closest_plan(dims, values.value)
        c = room.check_for(token, plan)
        solara.Text("Closest plan the board can table: ", style={"font-weight": "600", "margin-right": "4px"})
        solara.Text(briefs.plan_summary(ev, plan, room.names), classes=["closest-plan"])
        Html("<ul class='plan-check'>" + "".join(f"<li>{_esc(line)}</li>" for line in check_lines(c)) + "</ul>")

        def send():
            try:
                room.propose(token, plan)
                error.set("")
            except RoomError as exc:
                error.set(str(exc))

        solara.Button("Table this plan", on_click=send, color="primary", disabled=not my_turn)
        if not my_turn:
            solara.Text("You can table a plan when it is your turn to propose.")
        if error.value:
            solara.Error(error.value)


def _esc(text: str) -> str:
    from html import escape

    return escape(text)


@solara.component
def AnswerPanel(room: Room, token: str, org_id: str, round_number: int = 0, given=None, paused: bool = False):
    """Drawn again when its round, this seat's answer or the pause changes (its arguments), not on every change."""
    plan = room.plan_on_table
    reason = solara.use_reactive("")
    error = solara.use_reactive("")

    def new_round():  # the panel is kept from round to round (new widgets cost more): clear what was typed
        reason.set("")
        error.set("")

    solara.use_effect(new_round, [round_number])
    c = room.check_for(token, plan)
    with solara.Card(f"Round {round_number}: on the table from {room.names.get(room.proposer, 'the HWB chair')}",
                     classes=["answer-panel"]):
        solara.Text(briefs.plan_summary(room.model.evaluation, plan, room.names))
        Html("<ul class='plan-check'>" + "".join(f"<li>{_esc(line)}</li>" for line in check_lines(c)) + "</ul>")
        if given is not None:
            solara.Text(f"You {'accepted' if given[0] else 'rejected'} this plan; you may change your answer until "
                        "the round closes.", classes=["my-answer"])
        solara.InputText("Your reason (optional, the room sees it)", value=reason, continuous_update=True)

        def act(accept: bool):
            if room.plan_on_table != plan or room.model.round != round_number:  # (this panel not yet redrawn)
                error.set("A new plan is on the table: read it, then answer.")
                return
            try:
                room.answer(token, accept, reason.value)
                error.set("")
            except RoomError as exc:
                error.set(str(exc))

        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button("Accept", on_click=lambda: act(True), disabled=not c.can_accept or room.paused,
                          color=ACCEPT_COLOUR, style={"color": "white"})
            solara.Button("Reject", on_click=lambda: act(False), disabled=room.paused, color=REJECT_COLOUR,
                          style={"color": "white"})
        if not c.can_accept:
            solara.Text(c.why_not, classes=["accept-disabled-reason"], style={"font-weight": "600"})
        if error.value:
            solara.Error(error.value)


@solara.component
def ParticipantView(room: Room, token: str | None, on_joined):
    version, live = use_live(room, "participant", lambda r: _my_state(r, token), {
        "banner": html(lambda: banner_html(room), "banner-block"),
        "clock": clock(room),
        "seats": html(lambda: seats_html(room, False), "seats-table"),
        "fund": html(lambda: fund_html(room), "fund-chart"),
        "log": html(lambda: public_log_html(room), "room-log"),
    })
    org_id = room.seat_of(token)
    if org_id is None:
        if token:
            solara.Warning("That seat link no longer works (the facilitator may have freed the seat). Join again.")
        JoinForm(room, on_joined, version)
        return
    seat = room.seats[org_id]
    Heading(f"{seat.person}: you play {room.names[org_id]}")
    solara.Column(children=[live["banner"], live["clock"]])
    with solara.ColumnsResponsive(12, large=[7, 5]):
        with solara.Column():
            my_turn = room.phase == "proposing" and room.proposer == org_id and not room.paused
            if room.phase == "answering" and room.proposer != org_id and room.plan_on_table is not None:
                AnswerPanel(room, token, org_id, room.model.round, room.answers.get(org_id),
                            room.paused).key("answer-panel")
            elif room.phase == "answering" and room.proposer == org_id:
                solara.Info("Your plan is on the table; the board is answering.")
            if my_turn:
                solara.Info("Your turn: build a plan and table it.")
            if room.phase != "finished":
                PlanBuilder(room, token, my_turn).key("plan-builder")  # (depends on the turn only)
            else:
                Html(f"<p>The negotiation is over. <a href='/room/{room.code}/debrief'>Open the debrief</a> "
                     "(also on the presenter's screen).</p>")
        with solara.Column():
            BriefCard(room.brief_for(token))
            solara.Column(children=[live["seats"]])
    with solara.ColumnsResponsive(12, large=[6, 6]):
        solara.Column(children=[live["fund"]])
        with solara.Column():
            solara.Text("What has happened", style={"font-size": "20px"})
            solara.Column(children=[live["log"]])


def _my_state(room: Room, token: str | None):
    """What this participant's controls depend on (their seat, turn, answer, the plan on the table, the
    phase): the page re-renders when this changes; the shared blocks refresh on their own."""
    org_id = room.seat_of(token)
    if org_id is None:  # the join form: the free seats and whether the game is over
        return None, tuple(room.free_seats()), room.phase == "finished"
    seat = room.seats.get(org_id)
    return (org_id, seat.person if seat else "", room.phase, room.proposer, room.model.round, room.paused,
            room.plan_on_table, room.answers.get(org_id))

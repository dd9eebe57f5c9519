"""Workshop rooms as plain Python: seats, secrets, turns, answers, timers, listeners, debrief and export."""

import json
import threading

import numpy as np
import pytest

from negotiation import load_scenario
from negotiation.workshop import RoomError, create_room, drop_room, get_room
from negotiation.workshop import brief as briefs
from negotiation.workshop.debrief import debrief
from negotiation.workshop.export import debrief_png, session_csv, session_json
from negotiation.workshop.room import CODE_ALPHABET, CODE_LENGTH, Room

from .conftest import NORTHAMPTONSHIRE, OXFORDSHIRE

COUNCIL, NENE, CORBY = "northamptonshire_county_council", "nene_ccg", "corby_ccg"


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def northants():
    return load_scenario(NORTHAMPTONSHIRE)


@pytest.fixture
def room(northants):
    r = Room(northants, round_seconds=0)
    yield r
    r.close()


def seat_three(room):
    return {org: room.join(name, org) for name, org in [("Ann", COUNCIL), ("Bob", NENE), ("Cy", CORBY)]}


def play_to_end(room, tokens, own_plan=None):
    """Everyone answers as their duty allows; the first person to propose tables ``own_plan``."""
    key = room.facilitator_key
    room.start(key)
    proposed = []
    for _ in range(200):
        if room.phase == "finished":
            return proposed
        if room.phase == "proposing":
            plan = own_plan if own_plan is not None else 0
            room.propose(tokens[room.proposer], plan)
            proposed.append((room.model.round, room.proposer, plan))
            continue
        waiting = room.waiting_for()
        if not waiting:
            room.next_round(key)
            continue
        for org in waiting:
            check = room.check_for(tokens[org], room.plan_on_table)
            room.answer(tokens[org], check.can_accept, "" if check.can_accept else "we cannot afford it")
    raise AssertionError("the room did not finish")


def test_codes_are_random_long_and_unambiguous(northants):
    codes = {Room(northants).code for _ in range(50)}
    assert len(codes) == 50
    assert all(len(c) == CODE_LENGTH >= 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01OI") & set(CODE_ALPHABET)


def test_registry_finds_rooms_by_code_however_typed(northants):
    r = create_room(northants, round_seconds=0)
    try:
        assert get_room(r.code.lower()) is r and get_room(" " + r.code + " ") is r
        assert get_room("NOPE") is None
    finally:
        drop_room(r.code)
    assert get_room(r.code) is None


def test_seats_are_taken_once_and_tokens_are_secret(room):
    token = room.join("  Ann   Smith ", COUNCIL)
    assert room.seat_of(token) == COUNCIL and room.seats[COUNCIL].person == "Ann Smith"
    assert len(token) >= 20 and room.seat_of(token[:-1] + "x") is None and room.seat_of("") is None
    with pytest.raises(RoomError, match="already taken"):
        room.join("Eve", COUNCIL)
    with pytest.raises(RoomError, match="no such organisation"):
        room.join("Eve", "martian_ccg")
    with pytest.raises(RoomError, match="name"):
        room.join("   ", NENE)
    assert COUNCIL not in room.free_seats() and NENE in room.free_seats()


def test_a_brief_is_only_ever_the_holders_own(room, northants):
    tokens = seat_three(room)
    b = room.brief_for(tokens[NENE])
    assert b.org_id == NENE and b.budget == northants.organisations[NENE].budget
    text = " ".join(b.lines())
    council = northants.organisations[COUNCIL]
    assert f"£{council.budget:.1f}m" not in text  # the council's private budget is not in the CCG's brief
    with pytest.raises(RoomError, match="do not hold a seat"):
        room.brief_for("forged-token")


def test_only_the_facilitator_controls_the_room(room):
    tokens = seat_three(room)
    for action in (room.start, room.next_round, room.pause, room.resume, room.end):
        with pytest.raises(RoomError, match="Only the facilitator"):
            action(tokens[COUNCIL])
    with pytest.raises(RoomError, match="Only the facilitator"):
        room.kick("wrong", COUNCIL)
    assert room.phase == "lobby" and len(room.seats) == 3


def test_accept_that_breaks_duty_is_refused_with_the_reason_not_turned_into_a_reject(room):
    tokens = seat_three(room)
    room.start(room.facilitator_key)
    assert room.phase == "answering"  # an agent proposes first (Northampton General Hospital)
    breaking = [o for o in tokens if room.check_for(tokens[o], room.plan_on_table).breaks_duty]
    assert breaking, "the hospital's first plan breaks a CCG's duty"
    org = breaking[0]
    with pytest.raises(RoomError, match="short of your duty"):
        room.answer(tokens[org], True)
    assert org not in room.answers
    room.answer(tokens[org], False, "we cannot afford it")
    assert room.answers[org] == (False, "we cannot afford it")


def test_people_act_only_in_turn(room):
    tokens = seat_three(room)
    with pytest.raises(RoomError, match="no plan on the table"):
        room.answer(tokens[NENE], False)
    room.start(room.facilitator_key)
    with pytest.raises(RoomError, match="not your turn"):
        room.propose(tokens[NENE], 3)


def test_three_people_play_northamptonshire_to_deadlock_one_proposing_their_own_plan(room):
    tokens = seat_three(room)
    ev = room.model.evaluation
    own = int(np.argmax(ev.utility[1]))  # Nene's favourite plan
    proposed = play_to_end(room, tokens, own_plan=own)
    assert room.model.outcome.outcome == "deadlock"
    assert proposed, "a person proposed"
    rnd, who, plan = proposed[0]
    record = room.model.history[rnd - 1]
    assert record.proposer == who and record.plan_index == plan == own
    kinds = [e.kind for e in room.log]
    assert kinds.count("proposed") == room.model.round and "finished" in kinds
    said = [e.reason for e in room.log if e.kind == "answered" and e.reason == "we cannot afford it"]
    assert said


def test_round_closes_when_everyone_seated_has_answered_and_the_next_opens(room):
    tokens = seat_three(room)
    room.start(room.facilitator_key)
    for org in (COUNCIL, NENE):
        room.answer(tokens[org], False)
    assert room.model.round == 1 and room.phase == "answering"
    room.answer(tokens[CORBY], False)
    assert len(room.model.history) == 1
    # Round 2 is open: its proposer is building a plan (a person) or has tabled one (an agent).
    assert (room.phase, room.model.round) in {("proposing", 1), ("answering", 2)}
    assert room.proposer == room.next_proposer() or room.phase == "answering"


def test_timer_expiry_lets_agents_answer_for_the_silent(northants):
    clock = Clock()
    room = Room(northants, round_seconds=60, clock=clock)
    try:
        tokens = seat_three(room)
        room.start(room.facilitator_key)
        assert room.seconds_left() == 60
        clock.now += 30
        room.expire()  # not yet
        assert len(room.model.history) == 0
        clock.now += 31
        room.expire()
        assert len(room.model.history) == 1
        silent = [e for e in room.log if e.kind == "answered" and "no answer in time" in e.reason]
        assert {e.org_id for e in silent} == set(tokens)
    finally:
        room.close()


def test_pause_refuses_answers_until_resumed(room):
    tokens = seat_three(room)
    key = room.facilitator_key
    room.start(key)
    room.pause(key)
    with pytest.raises(RoomError, match="paused"):
        room.answer(tokens[NENE], False)
    room.resume(key)
    room.answer(tokens[NENE], False)


def test_kick_frees_the_seat_and_revokes_the_link_reseat_moves_it(room):
    tokens = seat_three(room)
    key = room.facilitator_key
    room.kick(key, CORBY)
    assert room.seat_of(tokens[CORBY]) is None and CORBY in room.free_seats()
    room.reseat(key, NENE, CORBY)
    assert room.seat_of(tokens[NENE]) == CORBY and room.brief_for(tokens[NENE]).org_id == CORBY
    with pytest.raises(RoomError, match="free seat"):
        room.reseat(key, CORBY, COUNCIL)


def test_end_gives_a_verdict_at_once(room):
    seat_three(room)
    room.end(room.facilitator_key)
    assert room.phase == "finished" and room.model.outcome is not None and room.model.round == 1


def test_listeners_hear_every_change_from_the_rooms_thread(room):
    heard, done = [], threading.Event()

    def listener(version):
        heard.append((version, threading.current_thread().name))
        done.set()

    unsubscribe = room.subscribe(listener)
    room.join("Ann", COUNCIL)
    assert done.wait(5)
    assert heard[-1][0] == room.version and heard[-1][1] == f"room-{room.code}"
    unsubscribe()
    assert room.listeners == 0


def test_concurrent_answers_are_safe(room):
    tokens = seat_three(room)
    room.start(room.facilitator_key)
    errors = []

    def answer(org):
        try:
            for _ in range(20):
                room.answer(tokens[org], False, org)
        except RoomError as exc:  # the round may close under them: refused cleanly, never corrupted
            errors.append(str(exc))

    threads = [threading.Thread(target=answer, args=(org,)) for org in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(room.model.history) >= 1
    assert all(len(r.responses) == 6 for r in room.model.history)


def test_public_log_keeps_agents_private_figures_out(room):
    tokens = seat_three(room)
    play_to_end(room, tokens)
    public = " ".join(e["text"] for e in room.public_log())
    assert "short of" not in public and "worth" not in public
    assert "Ann takes the seat" in public and "rejects" in public


def test_debrief_names_the_zone_blockers_and_what_would_change(room):
    tokens = seat_three(room)
    play_to_end(room, tokens)
    d = debrief(room.model, {o: s.person for o, s in room.seats.items()})
    assert d.outcome == "deadlock" and d.zone_plans == 0 and d.nash is None
    assert {name for name, _ in d.blockers} >= {"Northamptonshire County Council"}
    assert any("Northamptonshire County Council had £" in s for s in d.would_change)
    assert [r.played_by for r in d.rows][:3] == ["Ann", "Bob", "Cy"]


def test_debrief_compares_a_signed_plan_with_nash_and_ks():
    room = Room(load_scenario(OXFORDSHIRE), round_seconds=0)
    try:
        while not room.model.finished:
            room.next_round(room.facilitator_key)
        d = debrief(room.model)
        # Oxfordshire signs a plan that fails assurance (no target is both at 3.5% and credible).
        assert d.outcome == "not_approved" and d.signed and d.nash and d.ks and d.efficiency is not None
        assert all(r.got >= r.no_deal for r in d.rows)
    finally:
        room.close()


def test_export_has_every_proposal_answer_and_reason_with_times(room):
    tokens = seat_three(room)
    play_to_end(room, tokens)
    body = json.loads(session_json(room))
    assert body["outcome"] == "deadlock" and len(body["rounds"]) == room.model.round
    answers = [e for e in body["events"] if e["event"] == "answered"]
    assert answers and all(e["time_utc"].endswith("+00:00") for e in answers)
    assert any(e["reason"] == "we cannot afford it" for e in answers)
    csv_text = session_csv(room)
    assert csv_text.splitlines()[0] == "time_utc,round,event,organisation,person,accepted,plan,reason"
    assert csv_text.count("\n") == len(room.log) + 1
    assert debrief_png(room)[:8] == b"\x89PNG\r\n\x1a\n"


def test_closest_plan_maps_a_plans_own_controls_back_to_it(northants):
    room = Room(northants)
    ev = room.model.evaluation
    kinds = np.array([o.kind for o in northants.organisations.values()])
    dims = briefs.plan_dimensions(ev, kinds == "ccg")
    for plan in (0, 17, len(ev.space) // 2, len(ev.space) - 1):
        found = briefs.closest_plan(dims, briefs.controls_of(dims, plan))
        assert briefs.controls_of(dims, found) == briefs.controls_of(dims, plan)
    room.close()

"""The single-user page's run: Step / Play / Run to end / Reset, and the views that change every round.

A Step used to re-render the whole tab (~865 elements: every slider of every
organisation) to change five pictures. Here the run's controls and the views
that change each round (the banner, the three charts, the log) are widgets
(viz/run_board.py) that a Step updates directly: one click message in, one
message out holding the views that changed. Reset makes a new model in
place and redraws the same widgets. The component re-renders only when what it
draws as Solara elements changes: a person's answer is awaited (the "Your turn"
card), Play starts or stops, the scenario or its figures change.
The address is kept in step (viz/url_state.py), so a reload restores the run.
"""

from __future__ import annotations

import threading
import time

import solara

from negotiation.model import NegotiationModel
from negotiation.scenario import Scenario
from negotiation.workshop import brief as briefs

from .components import table_html
from .run_board import RunBoard, RunControls, RunMemo, banner_html, views

__all__ = ["RunBoard", "RunControls", "RunView", "YourTurn", "banner_html", "replay", "views"]


def replay(model: NegotiationModel, human: str, rounds: int, answers: str, open_round: bool) -> bool:
    """Bring a new model to where the address says the run was (deterministic for its seed); returns whether
    a round is open, waiting for the person's answer."""
    for i in range(min(rounds, model.deadline)):
        if model.finished:
            break
        if human:
            model.open_round()
            model.close_round({human: i < len(answers) and answers[i] == "a"})
        else:
            model.step()
    if human and open_round and not model.finished:
        model.open_round()
        return True
    return False


@solara.component
def RunView(scenario: Scenario, seed: int, rounds: int, human: str, playing, speed, clear_overrides,
            base_query: str, board: RunBoard, explain_rows: list, restore: dict | None = None):
    """The run of one model: its controls, the "Your turn" card when a person plays, and the board.

    ``clear_overrides``: given when figures were moved (Reset puts the sliders back too); ``restore``: where a
    reload left the run (round, answers, open), applied once, to the first model.
    """
    tick = solara.use_reactive(0)  # bumped only when the card changes (a person's answer awaited or given)
    lock = solara.use_memo(threading.Lock, [])
    controls = solara.use_memo(RunControls, [])

    def make_model():
        return NegotiationModel(scenario, seed=seed, rounds=rounds or None, human_players=[human] if human else [])

    # The run: its model (replaced in place by Reset, without a render), a person's answers, an open round.
    run = solara.use_memo(lambda: {"model": make_model(), "answers": "", "awaiting": False, "memo": RunMemo()},
                          [scenario.fingerprint, seed, rounds, human])
    restored = solara.use_ref(False)

    def restore_once():
        if restore and not restored.current:
            restored.current = True
            model = run["model"]
            run["awaiting"] = replay(model, human, restore.get("round", 0), restore.get("answers", ""),
                                     restore.get("open", False))
            run["answers"] = restore.get("answers", "")[: model.round]
        return True

    solara.use_memo(restore_once, [run])

    def query() -> str:
        model = run["model"]
        parts = [base_query] if base_query else []
        closed = model.round - (1 if model.pending is not None else 0)  # (an open round is ``open=1``)
        if closed:
            parts.append(f"round={closed}")
        if run["answers"]:
            parts.append(f"answers={run['answers']}")
        if run["awaiting"]:
            parts.append("open=1")
        return "&".join(parts)

    def set_controls():
        model = run["model"]
        with controls.hold_sync():
            controls.can_step = not (model.finished or run["awaiting"])
            controls.can_play = not model.finished
            controls.can_run = not (model.finished or human)
            controls.playing = bool(playing.value)

    def refresh():
        """Send the views that changed, in one message; then the controls (unchanged: nothing sent). Under the
        lock: Play's thread and a click can both refresh, and the run's memo must see each round once."""
        with lock:
            if "explain" not in run:  # (the scenario's: the same every round)
                run["explain"] = table_html(["derived figure", "value"], [list(r) for r in explain_rows])
            state = {**views(run["model"], run["memo"]), "explain": run["explain"], "query": query()}
            with board.hold_sync():
                for key, value in state.items():
                    if getattr(board, key) != value:
                        setattr(board, key, value)
        set_controls()

    card = run["awaiting"]  # what this render drew

    def after_change():
        if run["awaiting"] != card:
            tick.set(tick.value + 1)

    def advance():
        model = run["model"]
        if model.finished or run["awaiting"]:
            return
        with lock:
            if human:
                model.open_round()
                run["awaiting"] = True
            else:
                model.step()
        refresh()
        after_change()

    def answer(accept: bool):
        model = run["model"]
        with lock:
            if model.pending is not None:
                model.close_round({human: accept})
                run["answers"] += "a" if accept else "r"
        run["awaiting"] = False
        refresh()
        after_change()

    def run_to_end():
        model = run["model"]
        if human:
            return
        with lock:
            while not model.finished:
                model.step()
        refresh()

    def reset():
        """Round 0 with the scenario's own figures: a new model in place, drawn on the same widgets."""
        if playing.value:
            playing.set(False)
        with lock:
            run.update(model=make_model(), answers="", awaiting=False, memo=RunMemo())
        if clear_overrides is not None:
            clear_overrides()  # the sliders go back too (a re-render, and a new run for the scenario's figures)
        refresh()
        after_change()

    def on_action(name: str):
        if name == "step":
            advance()
        elif name == "play":
            playing.set(not playing.value)
        elif name == "run":
            run_to_end()
        elif name == "reset":
            reset()

    controls.on_action = on_action  # (the newest render's: it sees this render's arguments)

    def stop_when_new():
        playing.set(False)

    solara.use_effect(stop_when_new, [run])

    def play(cancel: threading.Event):
        while playing.value and not cancel.is_set():
            time.sleep(1.0 / max(speed.value, 0.1))
            model = run["model"]
            if cancel.is_set() or model.finished or run["awaiting"]:
                break
            advance()
        model = run["model"]
        if model.finished or run["awaiting"]:
            playing.set(False)

    solara.use_thread(play, dependencies=[playing.value, speed.value, run])
    solara.use_memo(refresh, [run, base_query])  # a new run (or a moved figure): draw it
    solara.use_effect(set_controls, [playing.value, run])

    _ = tick.value
    solara.Column(children=[controls])
    if run["awaiting"] and run["model"].pending is not None:
        YourTurn(run["model"], human, answer)
    solara.Column(children=[board])


def _money(value: float) -> str:
    """£m as the briefs write it, with a word joiner after the minus so a narrow card never breaks "−" from
    "£4.0m" at the end of a line."""
    return briefs.money(value).replace("−", "−\u2060")


@solara.component
def YourTurn(model: NegotiationModel, human: str, answer, title: str | None = None):
    """``title``: the card's (default "Your turn as ..."; "" for none, under a heading of the caller's)."""
    proposer, plan_index = model.pending
    plan = model.evaluation.space.plan(plan_index)
    me = next(a for a in model.organisations if a.org_id == human)
    verdict = briefs.check(model.spec, model.evaluation, me.org_id, plan_index)
    with solara.Card(f"Your turn as {me.name}" if title is None else title):
        solara.Text(
            f"{next((a.name for a in model.organisations if a.org_id == proposer), 'The HWB chair')} proposes a "
            f"£{plan.fund_total:.1f}m fund, £{plan.asc_protection:.1f}m for social "
            f"care, £{plan.community_schemes:.1f}m of schemes, "
            f"{'target' if model.spec.rules.policy == 'bcf_2015_16' else 'local goal'} {plan.admissions_target:+.1%}. "
            f"You would pay {_money(verdict.pays)}; it is worth {_money(verdict.worth)} to you "
            f"(no deal: {_money(verdict.no_deal)})."
        )
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button("Accept", on_click=lambda: answer(True), color="#1b5e20",
                          style={"color": "white"}, disabled=not verdict.can_accept)
            solara.Button("Reject", on_click=lambda: answer(False), color="#b71c1c",
                          style={"color": "white"})
        if not verdict.can_accept:
            solara.Text(verdict.why_not, classes=["accept-disabled-reason"], style={"font-weight": "600"})

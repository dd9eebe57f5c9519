"""The workshop app: pick a scenario, move sliders, step through rounds, see why they agree or not.

Start it with ``negotiation app`` (or ``solara run negotiation.viz.app``). Each browser
session builds its own model inside :func:`Page`; nothing is shared between
the people in the room.
"""

from __future__ import annotations

import os
import threading
import time

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import solara  # noqa: E402
from solara.server import settings as _server_settings  # noqa: E402

_server_settings.telemetry.mixpanel_enable = False  # also under `solara run`, which reads settings first

from negotiation.errors import ScenarioError  # noqa: E402
from negotiation.model import NegotiationModel  # noqa: E402

from . import session, svg  # noqa: E402
from .compare_tab import CompareTab  # noqa: E402
from .components import ExplainTable, FileUpload, Html, OutcomeBanner, RoundLog  # noqa: E402


@solara.component
def Controls(raw: dict, overrides, seed, rounds, human, playing, speed, on_upload, upload_error, choice, names):
    solara.Select("Scenario", values=list(names), value=choice)
    solara.Text(f"Or upload a scenario (.toml, up to {session.MAX_UPLOAD_BYTES // 1024} KB):")
    FileUpload("Scenario file", on_upload, session.MAX_UPLOAD_BYTES)
    if upload_error.value:
        solara.Error(upload_error.value, classes=["upload-error"])
    with solara.Row():
        solara.SliderInt("Seed", value=seed, min=0, max=99, thumb_label="always")
    default_deadline = int(session.value_at(raw, "rules.deadline_rounds", 12))
    solara.SliderInt("Deadline (rounds)", value=rounds.value or default_deadline, min=1, max=30,
                     on_value=rounds.set, thumb_label="always")
    solara.Select("You play", values=["nobody", *raw["organisations"]], value=human.value or "nobody",
                  on_value=lambda v: human.set("" if v == "nobody" else v))
    solara.SliderFloat("Speed (rounds per second)", value=speed, min=0.5, max=10, step=0.5)

    def setter(key):
        def set_value(v):
            overrides.set({**overrides.value, key: v})

        return set_value

    knobs = session.knobs(raw)
    for knob in knobs[:2]:
        current = overrides.value.get(knob.key, session.value_at(raw, knob.key, knob.low))
        solara.SliderFloat(knob.label, value=float(current), min=knob.low, max=knob.high, step=knob.step,
                           on_value=setter(knob.key), thumb_label="always")
    for org_id, org in raw["organisations"].items():
        with solara.Details(summary=org.get("name", org_id)):
            for knob in knobs[2:]:
                if knob.key.startswith(f"organisations.{org_id}."):
                    current = overrides.value.get(knob.key, session.value_at(raw, knob.key, knob.low))
                    solara.SliderFloat(knob.label, value=float(current), min=knob.low, max=knob.high,
                                       step=knob.step, on_value=setter(knob.key), thumb_label="always")
            strategy_key = f"organisations.{org_id}.strategy"
            strategy = overrides.value.get(strategy_key, org.get("strategy", "linear"))
            solara.Select(f"{org.get('name', org_id)}: strategy", values=session.STRATEGY_CHOICES,
                          value=strategy if strategy in session.STRATEGY_CHOICES else "linear",
                          on_value=setter(strategy_key))
            beta_key = f"organisations.{org_id}.beta"
            beta = overrides.value.get(beta_key, org.get("beta") or 1.0)
            solara.SliderFloat(f"{org.get('name', org_id)}: β (time-dependent)", value=float(beta), min=0.1,
                               max=5.0, step=0.1, on_value=setter(beta_key))


@solara.component
def NegotiationTab():
    names = solara.use_memo(session.shipped, [])
    choice = solara.use_reactive(next(iter(names)))
    uploaded = solara.use_reactive(None)  # (file name, raw dict)
    upload_error = solara.use_reactive("")
    overrides = solara.use_reactive({})
    seed = solara.use_reactive(0)
    rounds = solara.use_reactive(0)
    human = solara.use_reactive("")
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(2.0)
    awaiting = solara.use_reactive(False)
    tick = solara.use_reactive(0)
    resets = solara.use_reactive(0)
    lock = solara.use_memo(threading.Lock, [])

    def on_choice_change():
        uploaded.set(None)
        overrides.set({})
        upload_error.set("")

    solara.use_effect(on_choice_change, [choice.value])

    def on_upload(name: str, data: bytes, size: int | None = None):
        try:
            raw = session.raw_from_upload(name, data, size)
        except ScenarioError as exc:
            upload_error.set(str(exc))
            return
        upload_error.set("")
        overrides.set({})
        uploaded.set((name, raw))

    shipped_raw = solara.use_memo(lambda: session.read_raw(names[choice.value]), [choice.value])
    source, raw = uploaded.value if uploaded.value else (names[choice.value].name, shipped_raw)
    try:
        scenario = session.build(raw, overrides.value, source)
        error = ""
    except ScenarioError as exc:
        scenario, error = None, str(exc)

    key = (scenario.fingerprint if scenario else None, seed.value, rounds.value, human.value, resets.value)

    def make_model():
        if scenario is None:
            return None
        return NegotiationModel(scenario, seed=seed.value, rounds=rounds.value or None,
                                human_players=[human.value] if human.value else [])

    model = solara.use_memo(make_model, [key])
    def stop_on_new_model():
        awaiting.set(False)
        playing.set(False)

    solara.use_effect(stop_on_new_model, [key])

    def advance():
        if model is None or model.finished or awaiting.value:
            return
        with lock:
            if human.value:
                model.open_round()
                awaiting.set(True)
            else:
                model.step()
        tick.set(tick.value + 1)

    def answer(accept: bool):
        with lock:
            if model is not None and model.pending is not None:
                model.close_round({human.value: accept})
        awaiting.set(False)
        tick.set(tick.value + 1)

    def run_to_end():
        if model is None or human.value:
            return
        with lock:
            while not model.finished:
                model.step()
        tick.set(tick.value + 1)

    def play(cancel: threading.Event):
        while playing.value and not cancel.is_set():
            time.sleep(1.0 / max(speed.value, 0.1))
            if cancel.is_set() or model is None or model.finished or awaiting.value:
                break
            advance()
        if model is not None and (model.finished or awaiting.value):
            playing.set(False)

    solara.use_thread(play, dependencies=[playing.value, speed.value, key])

    with solara.Columns([1, 3]):
        with solara.Column():
            Controls(raw, overrides, seed, rounds, human, playing, speed, on_upload, upload_error, choice, names)
        with solara.Column():
            if error:
                solara.Error(error)
                return
            _ = tick.value  # reading the tick subscribes this view to every round
            snap = session.snapshot(model)
            with solara.Row():
                solara.Button("Step", on_click=advance, disabled=model.finished or awaiting.value, color="primary")
                solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value),
                              disabled=model.finished)
                solara.Button("Run to end", on_click=run_to_end, disabled=model.finished or bool(human.value))
                solara.Button("Reset", on_click=lambda: resets.set(resets.value + 1))
            OutcomeBanner(snap)
            if awaiting.value and model.pending is not None:
                proposer, plan_index = model.pending
                plan = model.evaluation.space.plan(plan_index)
                me = next(a for a in model.organisations if a.org_id == human.value)
                worth = model.evaluation.rows.utility[me.index][plan_index]
                with solara.Card(f"Your turn as {me.name}"):
                    solara.Text(
                        f"{proposer} proposes a £{plan.fund_total:.1f}m fund, £{plan.asc_protection:.1f}m for social "
                        f"care, £{plan.community_schemes:.1f}m of schemes, target {plan.admissions_target:+.1%}. "
                        f"You would pay £{plan.contributions[me.org_id]:.1f}m; it is worth £{worth:.1f}m to you "
                        f"(no deal: £{me.reservation:.1f}m)."
                    )
                    with solara.Row():
                        solara.Button("Accept", on_click=lambda: answer(True), color="success")
                        solara.Button("Reject", on_click=lambda: answer(False), color="error")
            with solara.Columns([1, 1]):
                Html(svg.offers_svg(model), ["offers-chart"])
                Html(svg.fund_svg(model), ["fund-chart"])
            with solara.Columns([1, 1]):
                Html(svg.network_svg(model), ["network-chart"])
                with solara.Column():
                    solara.Text("Derived figures", style={"font-size": "20px"})
                    ExplainTable(session.explain_rows(scenario))
            solara.Text("Round by round", style={"font-size": "20px"})
            RoundLog(snap)


@solara.component
def Page():
    solara.Title("BCF negotiation simulator")
    with solara.lab.Tabs():
        with solara.lab.Tab("Negotiation"):
            NegotiationTab()
        with solara.lab.Tab("Compare"):
            CompareTab()

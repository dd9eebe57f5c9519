"""The workshop app: pick a scenario, move sliders, step through rounds, see why they agree or not;
or host a workshop room that every participant plays from their own browser.

Start it with ``negotiation app`` (or ``solara run negotiation.viz.app``). The main page
builds a private model per browser session; a room (``/room/CODE...``) is
shared by everyone who joins it (see negotiation.workshop and viz/room_*.py).
"""

from __future__ import annotations

import os
import threading
import time

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import solara  # noqa: E402
from solara.server import settings as _server_settings  # noqa: E402

_server_settings.telemetry.mixpanel_enable = False  # also under `solara run`, which reads settings first
_server_settings.theme.show_banner = False  # the "runs on Solara" badge covered content on phones

from negotiation.errors import ScenarioError  # noqa: E402
from negotiation.model import NegotiationModel  # noqa: E402
from negotiation.workshop import brief as briefs  # noqa: E402

from . import session, svg  # noqa: E402
from .boards_view import BoardsView  # noqa: E402
from .compare_tab import CompareTab  # noqa: E402
from .components import AppStyle, ExplainTable, FileUpload, Html, OutcomeBanner, RoundLog  # noqa: E402
from .room_common import chart  # noqa: E402
from .room_host import HostTab  # noqa: E402
from .room_pages import RoomPage  # noqa: E402


@solara.component
def Controls(raw: dict, overrides, seed, rounds, human, playing, speed, on_upload, upload_error, choice, names):
    solara.Select("Scenario", values=list(names), value=choice)
    solara.Text(f"Or upload a scenario (.toml, up to {session.MAX_UPLOAD_BYTES // 1024} KB):")
    FileUpload("Scenario file", on_upload, session.MAX_UPLOAD_BYTES)
    if upload_error.value:
        solara.Error(upload_error.value, classes=["upload-error"])
    with solara.Row():
        solara.SliderInt(f"Seed: {seed.value}", value=seed, min=0, max=99)
    default_deadline = int(session.value_at(raw, "rules.deadline_rounds", 12))
    solara.SliderInt(f"Deadline: {rounds.value or default_deadline} rounds", value=rounds.value or default_deadline,
                     min=1, max=30, on_value=rounds.set)
    solara.Select("You play", values=["nobody", *raw["organisations"]], value=human.value or "nobody",
                  on_value=lambda v: human.set("" if v == "nobody" else v))
    solara.SliderFloat(f"Speed: {speed.value:g} rounds per second", value=speed, min=0.5, max=10, step=0.5)

    def setter(key, step=None):
        def set_value(v):
            # A slider reports its value when it is drawn as well as when moved: only a real move counts.
            current = overrides.value.get(key, session.value_at(raw, key, v))
            if step is not None and isinstance(current, (int, float)) and abs(float(current) - float(v)) < step / 2:
                return
            if v == current:
                return
            overrides.set({**overrides.value, key: v})

        return set_value

    knobs = session.knobs(raw)
    for knob in [k for k in knobs if k.key.startswith("rules.")]:  # none under the 2023/24-on rule sets
        current = overrides.value.get(knob.key, session.value_at(raw, knob.key, knob.low))
        solara.SliderFloat(f"{knob.label}: {float(current):g}", value=float(current), min=knob.low, max=knob.high,
                           step=knob.step, on_value=setter(knob.key, knob.step))
    for org_id, org in raw["organisations"].items():
        with solara.Details(summary=org.get("name", org_id)):
            for knob in knobs:
                if knob.key.startswith(f"organisations.{org_id}."):
                    current = overrides.value.get(knob.key, session.value_at(raw, knob.key, knob.low))
                    solara.SliderFloat(f"{knob.label}: {float(current):g}", value=float(current), min=knob.low,
                                       max=knob.high, step=knob.step, on_value=setter(knob.key, knob.step))
            strategy_key = f"organisations.{org_id}.strategy"
            strategy = overrides.value.get(strategy_key, org.get("strategy", "linear"))
            solara.Select(f"{org.get('name', org_id)}: strategy", values=session.STRATEGY_CHOICES,
                          value=strategy if strategy in session.STRATEGY_CHOICES else "linear",
                          on_value=setter(strategy_key))
            beta_key = f"organisations.{org_id}.beta"
            beta = overrides.value.get(beta_key, org.get("beta") or 1.0)
            solara.SliderFloat(f"{org.get('name', org_id)}: β (time-dependent): {float(beta):g}", value=float(beta),
                               min=0.1,
                               max=5.0, step=0.1, on_value=setter(beta_key, 0.1))


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
    multi = "boards" in raw  # several boards, one ICB: viz/boards_view.py (issue 8)
    try:
        scenario = None if multi else session.build(raw, overrides.value, source)
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

    def reset():
        """Round 0 with the scenario's own figures (the sliders go back to them too)."""
        overrides.set({})
        resets.set(resets.value + 1)

    def play(cancel: threading.Event):
        while playing.value and not cancel.is_set():
            time.sleep(1.0 / max(speed.value, 0.1))
            if cancel.is_set() or model is None or model.finished or awaiting.value:
                break
            advance()
        if model is not None and (model.finished or awaiting.value):
            playing.set(False)

    solara.use_thread(play, dependencies=[playing.value, speed.value, key])

    if multi:
        BoardsView(raw, source, choice, names, on_upload, upload_error)
        return
    with solara.ColumnsResponsive(12, medium=[4, 8], large=[3, 9]):
        with solara.Column(classes=["controls-column"]):
            Controls(raw, overrides, seed, rounds, human, playing, speed, on_upload, upload_error, choice, names)
        with solara.Column():
            if error:
                solara.Error(error)
                return
            _ = tick.value  # reading the tick subscribes this view to every round
            snap = session.snapshot(model)
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button("Step", on_click=advance, disabled=model.finished or awaiting.value, color="primary")
                solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value),
                              disabled=model.finished)
                solara.Button("Run to end", on_click=run_to_end, disabled=model.finished or bool(human.value))
                solara.Button("Reset", on_click=reset)
            OutcomeBanner(snap)
            if awaiting.value and model.pending is not None:
                proposer, plan_index = model.pending
                plan = model.evaluation.space.plan(plan_index)
                me = next(a for a in model.organisations if a.org_id == human.value)
                verdict = briefs.check(model.spec, model.evaluation, me.org_id, plan_index)
                with solara.Card(f"Your turn as {me.name}"):
                    solara.Text(
                        f"{proposer} proposes a £{plan.fund_total:.1f}m fund, £{plan.asc_protection:.1f}m for social "
                        f"care, £{plan.community_schemes:.1f}m of schemes, target {plan.admissions_target:+.1%}. "
                        f"You would pay £{verdict.pays:.1f}m; it is worth £{verdict.worth:.1f}m to you "
                        f"(no deal: £{verdict.no_deal:.1f}m)."
                    )
                    with solara.Row(style={"flex-wrap": "wrap"}):
                        solara.Button("Accept", on_click=lambda: answer(True), color="#1b5e20",
                                      style={"color": "white"}, disabled=not verdict.can_accept)
                        solara.Button("Reject", on_click=lambda: answer(False), color="#b71c1c",
                                      style={"color": "white"})
                    if not verdict.can_accept:
                        solara.Text(verdict.why_not, classes=["accept-disabled-reason"], style={"font-weight": "600"})
            with solara.ColumnsResponsive(12, large=[6, 6]):
                Html(chart(svg.offers_svg, model), ["offers-chart"])
                Html(chart(svg.fund_svg, model), ["fund-chart"])
            with solara.ColumnsResponsive(12, large=[6, 6]):
                Html(chart(svg.network_svg, model), ["network-chart"])
                with solara.Column():
                    solara.Text("Derived figures", style={"font-size": "20px"})
                    ExplainTable(session.explain_rows(scenario))
            solara.Text("Round by round", style={"font-size": "20px"})
            RoundLog(snap)


@solara.component
def Page():
    solara.Title("BCF negotiation simulator")
    AppStyle()
    router = solara.use_router()
    parts = [p for p in router.path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "room":
        RoomPage(parts[1], parts[2] if len(parts) > 2 else "", router.search or "")
        return
    with solara.lab.Tabs():
        with solara.lab.Tab("Negotiation"):
            NegotiationTab()
        with solara.lab.Tab("Compare"):
            CompareTab()
        with solara.lab.Tab("Host a workshop"):
            HostTab()


@solara.component
def Layout(children=None):
    """No app bar or route tabs: each page (main, or a room's view) lays itself out."""
    return solara.Column(children=children or [], style={"padding": "4px 16px"})


# "/" is the single-user app; "/room/..." the workshop rooms (Page reads the rest of the path itself).
routes = [solara.Route(path="/", component=Page, layout=Layout), solara.Route(path="room", component=Page)]

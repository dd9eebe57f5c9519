"""The workshop app: pick a scenario, move sliders, step through rounds, see why they agree or not;
or host a workshop room that every participant plays from their own browser.

Start it with ``negotiation app`` (or ``solara run negotiation.viz.app``). The main page
builds a private model per browser session; a room (``/room/CODE...``) is
shared by everyone who joins it (see negotiation.workshop and viz/room_*.py).
"""

from __future__ import annotations

import os

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import solara  # noqa: E402
from solara.server import settings as _server_settings  # noqa: E402

_server_settings.telemetry.mixpanel_enable = False  # also under `solara run`, which reads settings first
_server_settings.theme.show_banner = False  # the "runs on Solara" badge covered content on phones

from negotiation.errors import ScenarioError  # noqa: E402

from . import session, url_state  # noqa: E402
from .boards_view import BoardsView  # noqa: E402
from .compare_tab import CompareTab  # noqa: E402
from .components import AppStyle, FileUpload  # noqa: E402
from .room_host import HostTab  # noqa: E402
from .room_pages import RoomPage  # noqa: E402
from .run_view import RunBoard, RunView  # noqa: E402


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

    knobs = session.knobs(raw)
    for knob in [k for k in knobs if k.key.startswith("rules.")]:  # none under the 2023/24-on rule sets
        current = overrides.value.get(knob.key, session.value_at(raw, knob.key, knob.low))
        solara.SliderFloat(f"{knob.label}: {float(current):g}", value=float(current), min=knob.low, max=knob.high,
                           step=knob.step, on_value=session.mover(raw, overrides, knob.key, step=knob.step))
    for org_id, org in raw["organisations"].items():
        with solara.Details(summary=org.get("name", org_id)):
            for knob in knobs:
                if knob.key.startswith(f"organisations.{org_id}."):
                    current = overrides.value.get(knob.key, session.value_at(raw, knob.key, knob.low))
                    solara.SliderFloat(f"{knob.label}: {float(current):g}", value=float(current), min=knob.low,
                                       max=knob.high, step=knob.step, on_value=session.mover(raw, overrides, knob.key, step=knob.step))
            strategy_key = f"organisations.{org_id}.strategy"
            strategy = overrides.value.get(strategy_key, org.get("strategy", "linear"))
            solara.Select(f"{org.get('name', org_id)}: strategy", values=session.STRATEGY_CHOICES,
                          value=strategy if strategy in session.STRATEGY_CHOICES else "linear",
                          on_value=session.mover(raw, overrides, strategy_key))
            beta_key = f"organisations.{org_id}.beta"
            beta = overrides.value.get(beta_key, org.get("beta") or 1.0)
            solara.SliderFloat(f"{org.get('name', org_id)}: β (time-dependent): {float(beta):g}", value=float(beta),
                               min=0.1,
                               max=5.0, step=0.1, on_value=session.mover(raw, overrides, beta_key, step=0.1))


def _initial(search: str, names: dict) -> tuple[url_state.PageState, str]:
    """The page's state from its address (a reload or a shared link), and the shipped scenario it names."""
    state = url_state.parse(search)
    by_stem = {path.stem: name for name, path in names.items()}
    return state, by_stem.get(state.scenario, next(iter(names)))


@solara.component
def NegotiationTab(search: str = ""):
    names = solara.use_memo(session.shipped, [])
    start, start_choice = solara.use_memo(lambda: _initial(search, names), [])
    recalled = url_state.recall_upload(start.upload) if start.upload else None
    choice = solara.use_reactive(start_choice)
    uploaded = solara.use_reactive(recalled)  # (file name, raw dict)
    upload_digest = solara.use_reactive(start.upload if recalled else "")
    upload_error = solara.use_reactive("" if recalled or not start.upload else
                                       "The uploaded scenario in this link is no longer on the server: upload it "
                                       "again.")
    overrides = solara.use_reactive(dict(start.overrides))
    seed = solara.use_reactive(start.seed)
    rounds = solara.use_reactive(start.deadline)
    human = solara.use_reactive(start.play)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(2.0)
    board = solara.use_memo(RunBoard, [])  # one per page, reused by every model (widgets live as long as it)
    shown_choice = solara.use_ref(choice.value)

    def on_choice_change():
        if shown_choice.current == choice.value:  # (the first render: keep what the address restored)
            return
        shown_choice.current = choice.value
        uploaded.set(None)
        upload_digest.set("")
        overrides.set({})
        upload_error.set("")
        human.set("")  # the last file's organisation is not in this one (a one-board model refuses it)

    solara.use_effect(on_choice_change, [choice.value])

    def on_upload(name: str, data: bytes, size: int | None = None):
        try:
            raw = session.raw_from_upload(name, data, size)
        except ScenarioError as exc:
            upload_error.set(str(exc))
            return
        upload_error.set("")
        overrides.set({})
        human.set("")
        upload_digest.set(url_state.remember_upload(name, data, raw))
        uploaded.set((name, raw))

    shipped_raw = solara.use_memo(lambda: session.read_raw(names[choice.value]), [choice.value])
    source, raw = uploaded.value if uploaded.value else (names[choice.value].name, shipped_raw)
    multi = "boards" in raw  # several boards, one ICB: viz/boards_view.py (issue 8)
    try:
        scenario = None if multi else session.build(raw, overrides.value, source)
        error = ""
    except ScenarioError as exc:
        scenario, error = None, str(exc)

    # who plays: nobody while the person's organisation (the last file's) is not in this file; reset after render
    player = human.value if multi or human.value in raw.get("organisations", {}) else ""
    key = (scenario.fingerprint if scenario else None, seed.value, rounds.value, player)
    start_key = solara.use_memo(lambda: key, [])

    def clear_overrides():
        """Reset with figures moved: the sliders go back to the scenario's own figures (a new model follows)."""
        overrides.set({})

    base_query = url_state.encode(url_state.PageState(
        scenario=names[choice.value].stem, upload=upload_digest.value if uploaded.value else "", seed=seed.value,
        deadline=rounds.value, play=player, overrides=overrides.value))
    restore = ({"round": start.round, "answers": start.answers, "open": start.open}
               if key == start_key and start.round else None)
    if multi:  # its own controls, run and address (viz/boards_view.py)
        BoardsView(raw, source, choice, names, on_upload, upload_error, overrides, seed, rounds, human, start,
                   upload_digest.value if uploaded.value else "")
        return
    with solara.ColumnsResponsive(12, medium=[4, 8], large=[3, 9]):
        with solara.Column(classes=["controls-column"]):
            Controls(raw, overrides, seed, rounds, human, playing, speed, on_upload, upload_error, choice, names)
        with solara.Column():
            if error:
                board.query = base_query
                solara.Error(error)
                return
            RunView(scenario, seed.value, rounds.value, player, playing, speed,
                    clear_overrides if overrides.value else None, base_query, board,
                    session.explain_rows(scenario), restore)


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
            NegotiationTab(router.search or "")
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

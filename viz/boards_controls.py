"""The controls column of a multi-board scenario (issue 8): the file, the order, seed and deadline, who a person
plays, and sliders for the figures that decide the run (each organisation's headroom, each board's minimum
fund and each council's social-care need) and each organisation's strategy.

The same controls as the one-board page (viz/app.py), for an area's fields: a slider moves a field of the file
(``organisations.ncl_icb.committed_spend``, ``boards.barnet.rules.minimum_fund``), so the address and
``negotiation run --set`` name the same figure.
"""

from __future__ import annotations

import solara

from . import boards_session as bs
from . import session
from .components import FileUpload


@solara.component
def FigureSliders(raw: dict, overrides):
    """Each group (a shared organisation, then each board) in its own fold, as the one-board page's organisations."""
    knobs = bs.area_knobs(raw)
    strategies = bs.strategy_keys(raw)
    groups = list(dict.fromkeys([k.group for k in knobs] + [s[2] for s in strategies]))
    for group in groups:
        with solara.Details(summary=group):
            for knob in (k for k in knobs if k.group == group):
                shown = knob.shown(raw, overrides.value)
                solara.SliderFloat(f"{knob.label}: {shown:g}", value=shown, min=knob.low, max=knob.high,
                                   step=knob.step,
                                   on_value=session.mover(raw, overrides, knob.key, lambda v, k=knob: k.moved(raw, v),
                                                  knob.step))
            for key, name, _, own in (s for s in strategies if s[2] == group):
                strategy = overrides.value.get(key, own)
                solara.Select(f"{name}: strategy", values=session.STRATEGY_CHOICES,
                              value=strategy if strategy in session.STRATEGY_CHOICES else "linear",
                              on_value=session.mover(raw, overrides, key))


@solara.component
def BoardControls(raw, choice, names, on_upload, upload_error, seed, rounds, order, first, human, overrides, area):
    solara.Select("Scenario", values=list(names), value=choice)
    solara.Text(f"Or upload a scenario (.toml, up to {session.MAX_UPLOAD_BYTES // 1024} KB):")
    FileUpload("Scenario file", on_upload, session.MAX_UPLOAD_BYTES)
    if upload_error.value:
        solara.Error(upload_error.value, classes=["upload-error"])
    solara.Select("Order the boards negotiate in", values=list(bs.ORDERS), value=order)
    if area is not None and order.value == "sequential":
        labels = {area.board_names[b]: b for b in area.sequence}
        current = next((n for n, b in labels.items() if b == first.value), next(iter(labels)))
        solara.Select("Board that goes first", values=list(labels), value=current,
                      on_value=lambda n: first.set(labels[n]))
    solara.SliderInt(f"Seed: {seed.value}", value=seed, min=0, max=99)
    default_deadline = int(session.value_at(raw, "rules.deadline_rounds", 12))
    solara.SliderInt(f"Deadline: {rounds.value or default_deadline} rounds (each board)",
                     value=rounds.value or default_deadline, min=1, max=30, on_value=rounds.set)
    if area is not None:
        who = bs.players(area)
        shown = next((label for label, org in who.items() if org == human.value), "nobody")
        solara.Select("You play", values=["nobody", *who], value=shown,
                      on_value=lambda v: human.set(who.get(v, "")))
        solara.Text("An organisation on several boards (the ICB) is yours in each of them: you answer every plan "
                    "put to it.", style={"font-size": "13px"})
    FigureSliders(raw, overrides)

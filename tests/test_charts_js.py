"""The page's own drawing of the charts (viz/charts.js) against viz/svg.py's, in Chromium.

The single-user page draws its charts in the browser from their numbers; the room's pages and the boards
view draw the same charts on the server. Both must give the same picture, so the two drawings are compared
character for character: on every round of every shipped single-board scenario (wide and phone-sized), and
on generated data that reaches the corners of the number formatting (ties at a half, negative values,
labels that need escaping or shortening, very small and very large ranges).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiation import load_scenario
from negotiation.model import NegotiationModel
from viz import svg
from viz.run_board import RunMemo, views

from .conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SIZES = [(560, 14), (380, 14), (420, 11)]  # the page's wide and phone drawings, and an odd one

DRAW = """(cases) => cases.map(([kind, data, stances, width, height, font]) => kind === 'line'
    ? lineChart(data, width, height, font) : kind === 'board' ? boardCharts(data, width)
    : networkChart(data, stances, width, height, font))"""


@pytest.fixture(scope="module")
def js():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install chromium (.ci/run does)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        page.set_content("<!doctype html><html><body></body></html>")
        page.add_script_tag(content=(ROOT / "viz" / "charts.js").read_text(encoding="utf-8"))
        yield lambda cases: page.evaluate(DRAW, cases)
        browser.close()


def single_board_scenarios() -> list:
    scenarios = []
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        if "[boards." not in path.read_text(encoding="utf-8"):
            scenarios.append(load_scenario(path))
    return scenarios


def test_every_round_of_every_shipped_scenario_is_drawn_alike(js):
    """What the board sends at each round (viz/run_board.views, kept between Steps as the page keeps it),
    drawn by the page, is what svg.py draws from the model: wide, phone-sized and at an odd size."""
    cases, expected = [], []
    for scenario in single_board_scenarios():
        for seed in range(2):
            model = NegotiationModel(scenario, seed=seed)
            memo = RunMemo()
            while True:
                sent = views(model, memo)
                for width, _font in SIZES[:2]:
                    cases.append(["board", sent, None, width, 0, 0])
                    expected.append({"offers": svg.offers_svg(model, width=width),
                                     "fund": svg.fund_svg(model, width=width),
                                     "network": svg.network_svg(model, width=width)})
                frame, rows, start = svg.chart_frame(model), svg.chart_rows(model), svg.start_aims(model)
                network, stances = svg.network_data(model), svg.network_stances(model)
                for width, font in SIZES:
                    for data in (svg.offers_data(frame, rows, start), svg.fund_data(frame, rows)):
                        cases.append(["line", data, None, width, 300, font])
                        expected.append(svg.line_chart(**data, width=width, height=300, font=font))
                    cases.append(["network", network, stances, width, 440, font])
                    expected.append(svg.network_chart(network, stances, width=width, height=440, font=font))
                if model.finished:
                    break
                model.step()
    assert len(cases) > 500
    drawn = js(cases)
    mismatched = [i for i, (a, b) in enumerate(zip(drawn, expected)) if a != b]
    assert not mismatched, f"{len(mismatched)} of {len(cases)} differ; first: {cases[mismatched[0]][0]}\n" \
                           f"{drawn[mismatched[0]]}\n{expected[mismatched[0]]}"


def test_a_run_played_by_a_person_is_drawn_alike(js):
    """Rounds opened and closed around a person's answer (no aims collected), and a round left open."""
    scenario = load_scenario(ROOT / "scenarios" / "oxfordshire_2014.toml")
    model = NegotiationModel(scenario, seed=1, human_players=["oxfordshire_ccg"])
    memo = RunMemo()
    cases, expected = [], []
    for n in range(6):
        model.open_round()
        for _ in range(2):  # a round open, then closed
            sent = views(model, memo)
            cases.append(["board", sent, None, 560, 0, 0])
            expected.append({"offers": svg.offers_svg(model), "fund": svg.fund_svg(model),
                             "network": svg.network_svg(model)})
            if model.pending is not None:
                model.close_round({"oxfordshire_ccg": n % 2 == 0})
        if model.finished:
            break
    assert js(cases) == expected


# labels: markup to escape, characters beyond the BMP (one character to Python, two UTF-16 units to
# JavaScript) and the separators where Python's str.split() and JavaScript's \\s disagree
labels = st.text(alphabet=st.sampled_from(list("ab &<>'\"£−…xyz🏥🩺\x1c\x85\ufeff\u00a0\u3000")), max_size=40)
values = st.one_of(st.floats(-1e4, 1e4, allow_nan=False), st.integers(-400, 400).map(lambda k: k / 4),
                   st.integers(-2000, 2000).map(lambda k: k / 20), st.just(-0.0))


@st.composite
def line_data(draw):
    n = draw(st.integers(0, 12))
    xs = list(range(1, n + 1)) if draw(st.booleans()) else [draw(st.integers(0, 50)) for _ in range(n)]
    if draw(st.booleans()):  # values
        ys = values
    else:  # or all close to one large value: ticks with 7 significant figures, exact ties in f"{v:g}"
        base = draw(st.integers(200_000, 2_000_000)) / 2
        ys = st.integers(0, 6).map(lambda k: base + k / 2)
    series = [(draw(labels), xs, [draw(ys) for _ in xs], draw(st.sampled_from(svg.PALETTE)), draw(st.booleans()))
              for _ in range(draw(st.integers(0, 5)))]
    hlines = [(draw(labels), draw(values), "#1565c0") for _ in range(draw(st.integers(0, 2)))]
    return {"series": series, "hlines": hlines, "title": draw(labels), "xlabel": draw(labels),
            "ylabel": draw(labels)}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=line_data(), size=st.sampled_from(SIZES))
def test_line_charts_are_drawn_alike_on_generated_data(js, data, size):
    width, font = size
    assert js([["line", data, None, width, 300, font]]) == [svg.line_chart(**data, width=width, height=300,
                                                                           font=font)]


@st.composite
def network(draw):
    shapes = st.sampled_from(["circle", "square", "triangle", "diamond"])
    kinds = [[draw(shapes), draw(labels.filter(bool))] for _ in range(draw(st.integers(1, 4)))]
    unit = st.one_of(st.floats(0, 1, allow_nan=False), st.just(-0.0))
    nodes = [[draw(labels), draw(shapes), draw(unit), draw(unit)] for _ in range(draw(st.integers(1, 7)))]
    edges = [[draw(unit), draw(unit), draw(unit), draw(unit), draw(unit), draw(labels)]
             for _ in range(draw(st.integers(0, 6)))]
    stances = [draw(st.sampled_from(["proposer", "accepts", "rejects", "waiting", "blocked"])) for _ in nodes]
    data = {"kinds": kinds, "nodes": nodes, "edges": edges, "colours": {**svg.STANCE_COLOURS, "blocked": "#c62828"},
            "words": svg.STANCE_TEXT}
    return data, stances


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=network(), size=st.sampled_from(SIZES))
def test_networks_are_drawn_alike_on_generated_data(js, case, size):
    data, stances = case
    width, font = size
    assert js([["network", data, stances, width, 440, font]]) == [svg.network_chart(data, stances, width=width,
                                                                                  height=440, font=font)]

"""A multi-board file's sliders, "You play" and address in a real browser (issue 8's gaps).

Same server and Chromium as tests/test_app_browser.py; screenshots go to artifacts/screenshots/boards-play-*.png.
"""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from negotiation.boards import load_area, run_area
from viz import boards_session as bs

from . import test_app_browser as _app
from .conftest import SCENARIOS
from .test_app_browser import SHOTS, choose

server, browser, page = _app.server, _app.browser, _app.page  # the same fixtures as the one-board app's tests

pytestmark = pytest.mark.browser

SIZES = {"1280x720": (1280, 720), "1920x1080": (1920, 1080), "390x844": (390, 844)}
NCL = SCENARIOS / "north_central_london_2024.toml"
NCL_HEADING = "North Central London 2024/25: 5 boards, one ICB"
ICB = "North Central London ICB (all 5 boards)"


def open_ncl(page):
    choose(page, "Scenario", "North Central London 2024/25")
    page.get_by_role("heading", name=NCL_HEADING).wait_for(timeout=60_000)


def overview(page):
    return page.locator(".boards-overview")


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def icb_headroom(page):
    return page.locator(".v-input", has_text="North Central London ICB: headroom")


def move_to_lowest(page, field):
    handle = field.locator("[role=slider]").first
    for _ in range(20):  # a re-render can swallow a key press
        if handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemin"):
            break
        handle.focus()
        handle.press("Home")
        page.wait_for_timeout(300)
    assert handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemin")


def test_the_icbs_headroom_slider_changes_the_run_and_a_reload_keeps_it(page):
    open_ncl(page)
    page.get_by_role("button", name="Run to end").click()
    overview(page).get_by_text("All 5 boards finished (simultaneous).").wait_for(timeout=60_000)
    assert page.locator(".boards-each").inner_text().count("Approved with conditions") == 5  # the file's figures
    page.get_by_text("Shared: North Central London ICB", exact=True).click()  # open its fold
    expect(icb_headroom(page)).to_contain_text("headroom (£m; budget less committed spend): 4", timeout=30_000)
    move_to_lowest(page, icb_headroom(page))  # £6m short: nothing the ICB can give
    expect(icb_headroom(page)).to_contain_text(": -6", timeout=30_000)
    overview(page).get_by_text("0 of 5 boards finished").wait_for(timeout=30_000)  # a new run, at round 0
    page.get_by_role("button", name="Run to end").click()
    overview(page).get_by_text("All 5 boards finished (simultaneous).").wait_for(timeout=60_000)
    each = page.locator(".boards-each").inner_text()
    # as `negotiation run north_central_london_2024 --set organisations.ncl_icb.committed_spend=3006`: Haringey
    # (the borough with least headroom of its own) now deadlocks; the others still agree
    short = run_area(load_area(NCL, {"organisations.ncl_icb.committed_spend": 3006.0}))
    assert each.splitlines()[1:] == [f"{v.name}\t{v.status}" for v in bs.boards(short)]
    assert "Haringey\tDeadlock" in each
    page.wait_for_function("window.location.search.includes('round=')", timeout=30_000)
    state = query(page)
    assert state["scenario"] == "north_central_london_2024"
    assert float(state["set.organisations.ncl_icb.committed_spend"]) == pytest.approx(3006.0)  # budget £3,000m less headroom −£6m
    steps = int(state["round"])
    page.reload()
    page.get_by_role("heading", name=NCL_HEADING).wait_for(timeout=60_000)
    overview(page).get_by_text("All 5 boards finished (simultaneous).").wait_for(timeout=60_000)
    assert page.locator(".boards-each").inner_text() == each
    assert int(query(page)["round"]) == steps
    page.get_by_text("Shared: North Central London ICB", exact=True).click()
    expect(icb_headroom(page)).to_contain_text(": -6", timeout=30_000)
    page.get_by_role("button", name="Reset").click()  # the file's own figures again
    expect(icb_headroom(page)).to_contain_text(": 4", timeout=30_000)
    page.wait_for_function("!window.location.search.includes('set.')", timeout=30_000)
    assert page.console_errors == []


def test_playing_the_icb_answers_in_every_board_and_a_reload_restores_it(page):
    open_ncl(page)
    choose(page, "You play", ICB)
    page.get_by_role("button", name="Step").click()
    cards = page.locator(".your-turn")
    expect(cards).to_have_count(5, timeout=30_000)  # one plan in each board, all on the table at once
    for board in ("Barnet", "Camden", "Enfield", "Haringey", "Islington"):
        page.get_by_role("heading", name=f"{board}: a plan awaits your answer").wait_for()
    assert page.get_by_role("button", name="Step").is_disabled()
    assert page.get_by_role("button", name="Run to end").is_disabled()
    # answered out of order: Camden's answer waits for Barnet's turn
    cards.filter(has_text="Camden: a plan awaits").get_by_role("button", name="Reject").click()
    expect(cards).to_have_count(4, timeout=30_000)
    assert "answers=" not in page.url  # nothing played yet: Barnet comes first
    for _ in range(4):
        cards.first.get_by_role("button", name="Reject").click()
        page.wait_for_timeout(300)
    expect(cards).to_have_count(0, timeout=30_000)
    page.wait_for_function("window.location.search.includes('answers=rrrrr')", timeout=30_000)
    state = query(page)
    assert (state["play"], state["round"], state["answers"]) == ("ncl_icb", "1", "rrrrr") and "open" not in state
    log = page.locator(".round-log").first.inner_text()
    assert "Round 1" in log and "(decided by the person playing it)" in log
    page.get_by_role("button", name="Step").click()  # the second round's plans: answer Barnet's, leave the rest
    expect(cards).to_have_count(5, timeout=30_000)
    cards.first.get_by_role("button", name="Reject").click()
    page.wait_for_function("window.location.search.includes('answers=rrrrrr&')", timeout=30_000)
    assert query(page)["open"] == "1" and query(page)["round"] == "1"
    page.screenshot(path=str(SHOTS / "boards-play-icb.png"), full_page=True)
    page.reload()
    page.get_by_role("heading", name=NCL_HEADING).wait_for(timeout=60_000)
    expect(cards).to_have_count(4, timeout=60_000)  # Barnet answered; Camden to Islington still waiting
    page.get_by_role("heading", name="Camden: a plan awaits your answer").wait_for()
    expect(page.locator(".v-select", has_text="You play")).to_contain_text(ICB)
    assert query(page)["answers"] == "rrrrrr" and query(page)["open"] == "1"
    assert page.console_errors == []


def test_playing_one_council_answers_in_its_board_only(page):
    open_ncl(page)
    choose(page, "You play", "London Borough of Haringey (Haringey)")
    page.get_by_role("button", name="Step").click()
    cards = page.locator(".your-turn")
    expect(cards).to_have_count(1, timeout=30_000)
    page.get_by_role("heading", name="Your turn as London Borough of Haringey: a plan awaits your answer").wait_for()
    assert "Haringey: a plan awaits your answer" in cards.inner_text()
    cards.get_by_role("button", name="Reject").click()
    expect(cards).to_have_count(0, timeout=30_000)
    page.wait_for_function("window.location.search.includes('play=haringey_council')", timeout=30_000)
    assert query(page)["answers"] == "r"
    assert page.console_errors == []


def test_the_order_and_first_board_are_kept_across_a_reload(page):
    choose(page, "Scenario", "Northamptonshire 2025/26")
    page.get_by_role("heading", name="Northamptonshire 2025/26: 2 boards, one ICB").wait_for(timeout=60_000)
    choose(page, "Order the boards negotiate in", "sequential")
    choose(page, "Board that goes first", "West Northamptonshire")
    for _ in range(3):
        page.get_by_role("button", name="Step").click()
        page.wait_for_timeout(400)
    page.wait_for_function("window.location.search.includes('round=3')", timeout=30_000)
    state = query(page)
    assert (state["order"], state["first"]) == ("sequential", "west")
    before = overview(page).inner_text()
    assert "waiting: opens when West Northamptonshire has finished" in before
    page.reload()
    page.get_by_role("heading", name="Northamptonshire 2025/26: 2 boards, one ICB").wait_for(timeout=60_000)
    expect(page.locator(".v-select", has_text="Order the boards")).to_contain_text("sequential", timeout=30_000)
    expect(page.locator(".v-select", has_text="Board that goes first")).to_contain_text("West Northamptonshire")
    overview(page).get_by_text("negotiating: round 3 of 8").wait_for(timeout=30_000)
    assert overview(page).inner_text() == before
    assert page.console_errors == []


def test_screenshots_of_the_new_controls_fit_and_pass_axe(page):
    from .test_room_browser import axe_serious

    open_ncl(page)
    choose(page, "You play", ICB)
    page.get_by_text("Shared: North Central London ICB", exact=True).click()
    page.get_by_text("Barnet", exact=True).first.click()
    icb_headroom(page).wait_for(timeout=30_000)
    page.get_by_role("button", name="Step").click()
    expect(page.locator(".your-turn")).to_have_count(5, timeout=30_000)
    for label, (w, h) in SIZES.items():
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_timeout(800)
        page.screenshot(path=str(SHOTS / f"boards-play-{label}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= w + 1, f"the page scrolls sideways at {label}"
        for button in page.locator(".your-turn button").all()[:2]:
            box = button.bounding_box()
            assert box and box["width"] >= 44 and box["height"] >= 30 and box["x"] + box["width"] <= w + 1
        for chart in page.locator(".network-chart svg").all():
            if chart.is_visible():
                box = chart.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= w + 1, f"a network chart is clipped at {label}"
        labels = page.locator(".v-input__slider .v-label").all()
        assert labels and all(lab.bounding_box()["width"] > 100 for lab in labels if lab.is_visible())
    assert not re.search(r"\b(icb|unitary_council)\b", page.locator(".network-chart").first.inner_text())
    assert axe_serious(page) == []  # after the pictures: axe's checks scroll the tab bars (a clipped tab in them)
    assert page.console_errors == []


def test_leaving_a_multi_board_file_while_playing_its_icb_opens_the_next_file_with_nobody_playing(page):
    open_ncl(page)
    choose(page, "You play", ICB)
    page.wait_for_function("window.location.search.includes('play=ncl_icb')", timeout=30_000)
    choose(page, "Scenario", "Oxfordshire 2014/15")  # the ICB is not in it: a one-board model would refuse it
    page.locator(".outcome-banner").get_by_text("Negotiating: round 0").wait_for(timeout=60_000)
    page.wait_for_function("window.location.search === '?scenario=oxfordshire_2014'", timeout=30_000)
    page.get_by_role("button", name="Run to end").click()
    page.locator(".outcome-banner").get_by_text("Not approved").wait_for(timeout=60_000)
    assert page.console_errors == []

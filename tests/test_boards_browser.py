"""Multi-board scenarios and the 2025/26 one-board file in the app, in a real browser (issue 8).

Same server and Chromium as tests/test_app_browser.py; screenshots go to artifacts/screenshots/boards-*.png.
"""

import pytest
from playwright.sync_api import expect

from . import test_app_browser as _app
from .test_app_browser import SHOTS, banner, choose

server, browser, page = _app.server, _app.browser, _app.page  # the same fixtures as the one-board app's tests

pytestmark = pytest.mark.browser

SIZES = {"1280x720": (1280, 720), "1920x1080": (1920, 1080), "390x844": (390, 844)}


def open_northants(page):
    choose(page, "Scenario", "Northamptonshire 2025/26")
    page.get_by_role("heading", name="Northamptonshire 2025/26: 2 boards, one ICB").wait_for(timeout=60_000)


def overview(page):
    return page.locator(".boards-overview")


def test_northamptonshire_2025_shows_each_boards_outcome_and_the_icbs_position(page):
    open_northants(page)
    assert "0 of 2 boards finished (simultaneous)" in overview(page).inner_text()
    page.get_by_role("button", name="Step").click()
    overview(page).get_by_text("negotiating: round 1 of 8").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Run to end").click()
    overview(page).get_by_text("All 2 boards finished (simultaneous).").wait_for(timeout=60_000)
    each = page.locator(".boards-each").inner_text()
    assert "North Northamptonshire\tApproved with conditions after 7 round(s)" in each
    assert "West Northamptonshire\tDeadlock after 8 round(s)" in each
    position = page.locator(".boards-position").inner_text()
    # the ICB: £4.0m headroom, £3.3m committed in North's plan, none in West (deadlock), £0.7m left, within duty
    assert "NHS Northamptonshire ICB\t£4.0m\t£3.3m\t£0.0m (no plan)\t£3.3m\t£0.7m\tyes" in position
    # each board's own views, in its tab
    assert "Approved with conditions" in banner(page).first.inner_text()
    page.get_by_role("tab", name="West Northamptonshire").click()
    page.get_by_text("Deadlock: blocked by NHS Northamptonshire ICB").wait_for(timeout=30_000)
    assert page.locator(".network-chart").first.is_visible() and page.locator(".offers-chart").first.is_visible()
    page.screenshot(path=str(SHOTS / "boards-northamptonshire.png"), full_page=True)
    assert page.console_errors == []


def test_sequential_order_with_west_first_reverses_the_outcomes(page):
    """The coupling, in the app: whichever board the ICB settles first agrees, the other deadlocks."""
    open_northants(page)
    choose(page, "Order the boards negotiate in", "sequential")
    choose(page, "Board that goes first", "West Northamptonshire")
    page.get_by_role("button", name="Step").click()
    overview(page).get_by_text("waiting: opens when West Northamptonshire has finished").wait_for(timeout=30_000)
    page.get_by_role("button", name="Run to end").click()
    overview(page).get_by_text("All 2 boards finished (sequential).").wait_for(timeout=60_000)
    each = page.locator(".boards-each").inner_text()
    assert "West Northamptonshire\tApproved with conditions" in each and "North Northamptonshire\tDeadlock" in each
    assert page.console_errors == []


def test_boards_view_screenshots_fit_and_pass_axe(page):
    from .test_room_browser import axe_serious

    open_northants(page)
    page.get_by_role("button", name="Run to end").click()
    overview(page).get_by_text("All 2 boards finished").wait_for(timeout=60_000)
    assert axe_serious(page) == []
    for label, (w, h) in SIZES.items():
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / f"boards-{label}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= w + 1, f"the page scrolls sideways at {label}"


def test_oxfordshire_2025_runs_to_a_verdict(page):
    choose(page, "Scenario", "Oxfordshire 2025/26")
    page.get_by_text("Buckinghamshire, Oxfordshire and Berkshire West ICB").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Run to end").click()
    banner(page).get_by_text("Approved").first.wait_for(timeout=60_000)
    text = banner(page).inner_text()
    assert text.startswith("Approved")  # as `negotiation run scenarios/oxfordshire_2025.toml` (seed 0)
    assert "Derived figures" in page.inner_text("body") and "Minimum fund" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "boards-oxfordshire-2025.png"), full_page=True)
    assert page.console_errors == []


def test_play_steps_the_boards_until_all_have_finished(page):
    open_northants(page)
    page.get_by_role("button", name="Play").click()
    overview(page).get_by_text("All 2 boards finished (simultaneous).").wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Play").is_disabled()
    assert page.console_errors == []


def test_rooms_offer_one_board_files_only(page):
    """A workshop room is one board's negotiation: multi-board files are not offered for one."""
    page.get_by_role("tab", name="Host a workshop").click()
    page.locator(".v-select", has_text="Scenario for the room").first.click()
    menu = page.locator(".v-menu__content.menuable__content__active")
    menu.get_by_role("option", name="Oxfordshire 2025/26", exact=True).wait_for(timeout=30_000)
    assert menu.get_by_role("option", name="Northamptonshire 2025/26", exact=True).count() == 0
    assert menu.get_by_role("option", name="Northamptonshire 2014/15", exact=True).count() == 1


def test_switching_between_multi_board_files_starts_each_at_its_first_board(page):
    choose(page, "Scenario", "North Central London 2024/25")
    page.get_by_role("heading", name="North Central London 2024/25: 5 boards, one ICB").wait_for(timeout=60_000)
    page.get_by_role("tab", name="Islington").click()
    page.get_by_role("button", name="Run to end").click()
    overview(page).get_by_text("All 5 boards finished (simultaneous).").wait_for(timeout=60_000)
    assert "North Central London ICB" in page.locator(".boards-position").inner_text()
    open_northants(page)
    expect(page.get_by_role("tab", name="North Northamptonshire")).to_have_attribute("aria-selected", "true")
    expect(banner(page).first).to_contain_text("Negotiating: round 0 of 8")
    assert page.console_errors == []


def test_the_address_names_the_multi_board_file_so_a_reload_reopens_it(page):
    open_northants(page)
    page.wait_for_function("window.location.search === '?scenario=northamptonshire_2025'", timeout=30_000)
    page.reload()
    page.get_by_role("heading", name="Northamptonshire 2025/26: 2 boards, one ICB").wait_for(timeout=60_000)
    assert page.console_errors == []

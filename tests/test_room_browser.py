"""A workshop room in a real browser: a facilitator and three participants, each in their own browser
context, play Northamptonshire to the end; forged websocket messages, reloads, access checks (axe-core)
and screenshots at projector, laptop and phone sizes (saved to artifacts/screenshots/, see the README)."""

import json

import pytest
from playwright.sync_api import expect

from negotiation import load_scenario
from negotiation.domain.evaluation import evaluate
from negotiation.model import NegotiationModel
from negotiation.workshop.brief import brief

from .conftest import NORTHAMPTONSHIRE
from .test_app_browser import SHOTS, browser, server  # noqa: F401  (fixtures: one app server, one Chromium)

pytestmark = pytest.mark.browser

SIZES = {"1280x720": (1280, 720), "1920x1080": (1920, 1080), "390x844": (390, 844)}
PEOPLE = [("Ann", "northamptonshire_county_council", "Northamptonshire County Council"),
          ("Bob", "nene_ccg", "NHS Nene CCG"),
          ("Cy", "corby_ccg", "NHS Corby CCG")]
ROUNDS = 4


def wire(page, store):
    """Pass the page's kernel websocket through, recording every frame both ways (and keep the route to
    send frames of our own: a forged message goes to the server exactly as the page's would)."""
    store.update(sent=[], received=[], server=None)

    def handler(ws):
        server_side = ws.connect_to_server()
        store["server"] = server_side

        def up(message):
            store["sent"].append(message)
            server_side.send(message)

        def down(message):
            store["received"].append(message)
            ws.send(message)

        ws.on_message(up)
        server_side.on_message(down)

    page.route_web_socket("**/jupyter/api/kernels/**", handler)


def text_of(frames) -> str:
    return "\n".join(f if isinstance(f, str) else f.decode("utf-8", "ignore") for f in frames)


def axe_serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['html'][:160]})"
            for v in result.response["violations"]
            if v["impact"] in ("critical", "serious")]


def shoot(page, name):
    original = page.viewport_size
    for label, (w, h) in SIZES.items():
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_timeout(400)
        page.screenshot(path=str(SHOTS / f"room-{name}-{label}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= w + 1, f"the {name} view scrolls sideways at {label} ({width} px)"
    page.set_viewport_size(original)


def banner(page):
    return page.locator(".outcome-banner")


def choose(page, label, option):
    page.locator(".v-select", has_text=label).first.click()
    page.locator(".v-menu__content.menuable__content__active").get_by_role("option", name=option, exact=True).click()


@pytest.fixture(scope="module")
def rotation():
    m = NegotiationModel(load_scenario(NORTHAMPTONSHIRE), seed=0, rounds=ROUNDS)
    return [m.ids[m.order[(r - 1) % len(m.order)]] for r in range(1, ROUNDS + 1)]


def settled_enabled(page, button) -> bool:
    """Whether a button is enabled once it has stopped changing.

    The shared room log (and so the answer panel's round) reaches a page as one pushed HTML block; the page's
    own controls follow in their own update (p95 ~160 ms, more on a loaded machine). Reading Accept between
    the two sees last round's state, so read until two looks 400 ms apart agree.
    """
    last = button.is_enabled()
    for _ in range(25):
        page.wait_for_timeout(400)
        now = button.is_enabled()
        if now == last:
            return now
        last = now
    return last


def test_a_room_plays_northamptonshire_to_the_end(server, browser, rotation):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = server.rstrip("/")
    contexts = []

    def new_page(w=1280, h=720):
        ctx = browser.new_context(viewport={"width": w, "height": h})
        contexts.append(ctx)
        page = ctx.new_page()
        page.console_errors = []
        page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
        return page

    try:
        # The facilitator hosts the room from the main page.
        fac = new_page()
        fac.goto(base + "/")
        fac.get_by_role("button", name="Step").wait_for(timeout=60_000)
        assert axe_serious(fac) == [], "main view"
        fac.get_by_role("tab", name="Host a workshop").click()
        choose(fac, "Scenario for the room", "Northamptonshire 2014/15")
        choose(fac, "Rounds", str(ROUNDS))
        fac.get_by_role("button", name="Host a workshop").click()
        fac.get_by_text("Room code:").wait_for(timeout=30_000)
        fac.wait_for_url("**/facilitate?key=*", timeout=30_000)
        link = fac.locator(".join-link").get_attribute("href")
        code = link.rsplit("/", 1)[1]
        assert fac.locator(".join-qr svg").count() == 1

        # Three participants join from their own browsers (one on a phone).
        people, stores = {}, {}
        for i, (name, org, org_name) in enumerate(PEOPLE):
            page = new_page(*((390, 844) if i == 2 else (1280, 720)))
            stores[org] = {}
            wire(page, stores[org])
            page.goto(link)
            page.get_by_label("Your name").fill(name)
            choose(page, "Organisation to play", org_name)
            page.get_by_role("button", name="Take this seat").click()
            page.get_by_text(f"{name}: you play {org_name}").wait_for(timeout=30_000)
            page.wait_for_url("**/room/*?seat=*", timeout=30_000)  # the address now holds the seat's token
            people[org] = page
        ann, bob, cy = (people[p[1]] for p in PEOPLE)
        fac.locator(".seats-table", has_text="Cy").wait_for(timeout=30_000)

        # A participant's own brief reaches their page; another's private figures never reach it.
        scenario = load_scenario(NORTHAMPTONSHIRE)
        ev = evaluate(scenario)
        own = brief(scenario, ev, "northamptonshire_county_council").lines()
        others = [line for org in ("nene_ccg", "corby_ccg") for line in brief(scenario, ev, org).lines()[:3]]
        ann.get_by_text(own[0]).wait_for()

        presenter = new_page(1280, 720)
        presenter.goto(f"{base}/room/{code}/present")
        banner(presenter).wait_for(timeout=30_000)

        fac.get_by_role("button", name="Start first round").click()
        forged_click = None
        for rnd in range(1, ROUNDS + 1):
            proposer = rotation[rnd - 1]
            for page in [fac, *people.values()]:
                banner(page).get_by_text(f"Round {rnd} of {ROUNDS}").wait_for(timeout=30_000)
            if proposer in people:  # a person builds and tables a plan of their own
                page = people[proposer]
                page.get_by_text("Your turn: build a plan").wait_for(timeout=30_000)
                slider = page.locator(".plan-builder .v-input", has_text="Social-care protection").locator(
                    "[role=slider]").first
                slider.press("Home")  # no social-care money, then all the board can table
                page.wait_for_timeout(2_000)  # the server maps the slider to the closest plan
                before = page.locator(".closest-plan").inner_text()
                slider.press("End")
                expect(page.locator(".closest-plan")).not_to_have_text(before, timeout=30_000)
                assert "£0.0m social care" not in page.locator(".closest-plan").inner_text()
                tabled = page.locator(".closest-plan").inner_text()
                shoot(page, "participant-building-a-plan")
                page.get_by_role("button", name="Table this plan").click()
                fac.locator(".room-log", has_text="NHS Corby CCG proposes: " + tabled[:40]).wait_for(timeout=30_000)
            answerers = [o for o in people if o != proposer]
            for org in answerers:
                page = people[org]
                # The panel names its round: the one kept from the last round is not this round's yet.
                panel = page.locator(".answer-panel", has_text=f"Round {rnd}: on the table from")
                panel.wait_for(timeout=30_000)
                if rnd == 3 and org == "nene_ccg" and forged_click is not None:
                    # Ann replays Bob's captured click through her own websocket before Bob answers.
                    stores["northamptonshire_county_council"]["server"].send(forged_click)
                    ann.wait_for_timeout(1500)
                    row = fac.locator(".seats-table tr", has_text="NHS Nene CCG")
                    assert "waiting for an answer" in row.inner_text()
                accept = page.get_by_role("button", name="Accept")
                if settled_enabled(page, accept):
                    accept.click()
                else:
                    assert page.locator(".accept-disabled-reason").inner_text().startswith("You cannot accept")
                    page.get_by_label("Your reason (optional, the room sees it)").fill(f"{org} cannot afford it")
                    before = len(stores[org]["sent"])
                    page.get_by_role("button", name="Reject").click()
                    if org == "nene_ccg" and forged_click is None:
                        page.wait_for_timeout(500)
                        clicks = [f for f in stores[org]["sent"][before:] if "click" in text_of([f])]
                        forged_click = clicks[-1] if clicks else None
                if org != answerers[-1]:
                    fac.locator(".seats-table tr", has_text=org_row(org)).get_by_text(
                        "answered").wait_for(timeout=30_000)
        assert forged_click is not None, "Bob's click frame was captured for the forgery"

        for page in (fac, presenter, *people.values()):
            banner(page).get_by_text("Deadlock").wait_for(timeout=30_000)
        presenter.get_by_text("What would have changed the outcome").wait_for(timeout=30_000)
        presenter.locator(".debrief-blockers").get_by_text("Northamptonshire County Council").wait_for()

        # No other seat's brief ever reached Ann's page or websocket while the game ran.
        received = text_of(stores["northamptonshire_county_council"]["received"])
        def sent_as(line):  # a line as it travels: raw, or inside JSON with non-ASCII escaped
            return {line, json.dumps(line)[1:-1], json.dumps(line, ensure_ascii=False)[1:-1]}

        assert any(form in received for form in sent_as(own[0])), "Ann's own brief reached her (control)"
        leaked = [line for line in others if any(f in received for f in sent_as(line))
                  or line in ann.inner_text("body")]
        assert leaked == []

        # Reload keeps the seat.
        bob.reload()
        bob.get_by_text("Bob: you play NHS Nene CCG").wait_for(timeout=60_000)
        banner(bob).get_by_text("Deadlock").wait_for(timeout=30_000)

        # Debrief and its downloads.
        debrief = new_page(1280, 720)
        debrief.goto(f"{base}/room/{code}/debrief")
        debrief.get_by_text("Zone of possible agreement").wait_for(timeout=30_000)
        with debrief.expect_download() as got:
            debrief.get_by_role("button", name="Session (CSV)").click()
        csv_text = open(got.value.path()).read()
        assert csv_text.startswith("time_utc,round,event,organisation,person,accepted,plan,reason")
        assert "nene_ccg cannot afford it" in csv_text and ",proposed,NHS Corby CCG,Cy," in csv_text
        with debrief.expect_download() as got:
            debrief.get_by_role("button", name="Session (JSON)").click()
        assert json.load(open(got.value.path()))["outcome"] == "deadlock"

        # Access: no critical or serious axe-core violations on the room's views.
        for view, page in (("participant", bob), ("presenter", presenter), ("debrief", debrief),
                           ("facilitator", fac)):
            assert axe_serious(page) == [], view
        bob.get_by_text("Open the debrief").wait_for()
        for view, page in (("facilitator", fac), ("participant", cy), ("presenter", presenter),
                           ("debrief", debrief)):
            shoot(page, view)
        errors = [e for page in (fac, presenter, debrief, *people.values()) for e in page.console_errors]
        assert errors == []
    finally:
        for ctx in contexts:
            ctx.close()


def org_row(org):
    return {o: n for _, o, n in PEOPLE}[org]


def test_a_forged_or_unknown_seat_link_only_offers_to_join(server, browser):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = ctx.new_page()
        page.goto(server.rstrip("/") + "/room/ZZZZZZZZ")
        page.get_by_text("There is no room with the code").wait_for(timeout=60_000)
        page.goto(server.rstrip("/") + "/room/ZZZZZZZZ/facilitate?key=guess")
        page.get_by_text("There is no room with the code").wait_for(timeout=60_000)
    finally:
        ctx.close()

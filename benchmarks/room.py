"""Load on one workshop room: 30 clients, from an action to every client seeing it.

Two modes. ``--mode ws`` (the default): 31 light clients that speak Solara's
websocket protocol (benchmarks/solara_client.py) instead of 31 browsers, so
the figure is the server's and not Chromium's fight for the same 2 CPUs:
"seeing" = the frame carrying the change has arrived. ``--mode browser``: one
app server (``negotiation app`` on loopback), one headless Chromium, 31
browser contexts: the facilitator, 6 participants in the 6 seats of
Northamptonshire, and 24 more people watching the presenter view (a room has
only as many seats as organisations; the rest of a 30-person room watches).
Each participant answers every round; the facilitator moves the round on.

Latency = from the click (participant's Reject, facilitator's Next round) to
the moment each of the 30 clients' pages shows its effect (polled every
animation frame in the page), so it includes the server, the websocket and
the browser's redraw. Target: p95 <= 300 ms.

Memory: the server's resident memory before the room, with the room and its 31
sessions, and the room object alone (tracemalloc, in this process, a played
room with its log).

    .venv/bin/python benchmarks/room.py [--mode ws|browser] [--clients 30] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SEATS = ["Northamptonshire County Council", "NHS Nene CCG", "NHS Corby CCG", "Northampton General Hospital",
         "Kettering General Hospital", "Northamptonshire Healthcare NHS FT"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))]


async def seen_by_all(pages, text: str, t0: float, timeout: float = 60.0) -> list[float]:
    """Seconds from t0 until each page's text contains ``text`` (timestamps taken in the page's own clock
    would drift; the page resolves a promise and we read the wall clock when it does)."""
    async def one(page):
        await page.wait_for_function("t => document.body.innerText.includes(t)", arg=text, polling="raf",
                                     timeout=timeout * 1000)
        return time.perf_counter() - t0

    try:
        return await asyncio.gather(*(one(p) for p in pages))
    except Exception as exc:
        raise RuntimeError(f"not every client saw {text!r}: {exc}".splitlines()[0]) from None


async def choose(page, label, option):
    await page.locator(".v-select", has_text=label).first.click()
    await page.locator(".v-menu__content.menuable__content__active").get_by_role(
        "option", name=option, exact=True).click()


def start_server(timing: bool = True):
    """``negotiation app`` on a free loopback port; returns (process, base address, timing file)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    timing_file = Path("/tmp") / f"room-timing-{port}.txt"
    env = {**os.environ, "NEGOTIATION_ROOM_TIMING": str(timing_file)} if timing else dict(os.environ)
    # BENCH_SERVER_WRAPPER: a script run instead of ``-m negotiation`` (e.g. one that profiles the server and
    # writes its figures on SIGUSR1, sent by stop_server); for finding where the time goes, not for figures.
    launch = [os.environ["BENCH_SERVER_WRAPPER"]] if os.environ.get("BENCH_SERVER_WRAPPER") else ["-m", "negotiation"]
    server = subprocess.Popen([sys.executable, *launch, "app", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base)
    return server, base, timing_file


def wait_until_serving(base: str) -> None:
    """Until the server answers its front page (up to ~90 s: a cold start on a loaded machine)."""
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            return
        except OSError:
            time.sleep(0.3)


async def ws_seen_by_all(futures, t0: float, text: str, timeout: float = 60.0) -> list[float]:
    try:
        done = await asyncio.wait_for(asyncio.gather(*futures), timeout)
    except TimeoutError:
        raise RuntimeError(f"not every client saw {text!r} within {timeout:.0f} s") from None
    return [t - t0 for t in done]


async def run_ws(clients: int, rounds: int) -> dict:
    """The same play as :func:`run`, with websocket clients instead of browsers."""
    import re

    from solara_client import SolaraClient

    server, base, timing = start_server()
    opened: list[SolaraClient] = []
    try:
        fac = SolaraClient(base, "/")
        opened.append(fac)
        await fac.open()
        rss_before = rss_mb(server.pid)
        tabs = [k for k, s in fac.widgets.items() if s.get("_model_name") == "TabsModel"]
        await fac.set_value(tabs[0], 2)  # the "Host a workshop" tab
        await fac.set_value(await fac.wait_for("Scenario for the room", "SelectModel"), "Northamptonshire 2014/15")
        await fac.set_value(await fac.wait_for("Rounds", "SelectModel"), str(rounds))
        await asyncio.sleep(0.5)
        hosted = fac.expect("facilitate?key=")
        await fac.click(fac.find("Host a workshop", "BtnModel"))
        await asyncio.wait_for(hosted, 60)
        await fac.wait_for("Start first round", "BtnModel")
        found = [re.search(r"/room/([A-Za-z0-9]+)/facilitate\?key=([A-Za-z0-9_-]+)", json.dumps(s))
                 for s in fac.widgets.values()]
        code = next(m.group(1) for m in found if m)
        seated = []
        for i, org in enumerate(SEATS[: min(6, clients)]):
            c = SolaraClient(base, f"/room/{code}")
            opened.append(c)
            await c.open()
            await c.set_value(await c.wait_for("Your name", "TextFieldModel"), f"P{i}")
            await c.set_value(await c.wait_for("Organisation to play", "SelectModel"), org)
            await asyncio.sleep(0.3)
            joined = c.expect(f"P{i}: you play")
            await c.click(await c.wait_for("Take this seat", "BtnModel"))
            await asyncio.wait_for(joined, 60)
            seated.append((org, c))
        watchers = []
        for _ in range(clients - len(seated)):
            c = SolaraClient(base, f"/room/{code}/present")
            opened.append(c)
            await c.open()
            watchers.append(c)
        everyone = [c for _, c in seated] + watchers
        rss_room = rss_mb(server.pid)

        controls_lat: list[float] = []

        async def act(client, button, text, controls=()):
            """``controls``: (marker, clients) whose own controls (answer panel, their answer) must follow; the
            time until each of them receives it is recorded as well (those that never get it within 10 s, e.g.
            a person who proposes next, are not counted)."""
            futures = [c.expect(text) for c in everyone]
            mine = [c.expect(marker) for marker, group in controls for c in group]
            t0 = time.perf_counter()
            await client.click(button)
            seen = await ws_seen_by_all(futures, t0, text)
            if mine:
                done, pending = await asyncio.wait(mine, timeout=10)
                controls_lat.extend(f.result() - t0 for f in done)
                for f in pending:
                    f.cancel()
            return seen

        def panels(rnd, but=None):
            return (f"Round {rnd}: on the table from", [c for o, c in seated if o != but])

        answer_lat, round_lat, table_lat = [], [], []
        round_lat += await act(fac, fac.find("Start first round", "BtnModel"), f"Round 1 of {rounds}", [panels(1)])
        for rnd in range(1, rounds + 1):
            await asyncio.sleep(0.3)
            for org, c in seated:
                if c.has_text("Your turn: build a plan"):
                    table_lat += await act(c, c.find("Table this plan", "BtnModel"),
                                           f"Round {rnd} of {rounds}: {org} has tabled", [panels(rnd, org)])
                    await asyncio.sleep(0.3)
            answering = [(o, c) for o, c in seated if c.has_text("answer-panel")]
            for org, c in answering:
                reason = f"r{rnd}-{page_person(seated, org)}"
                await c.set_value(c.find("Your reason (optional, the room sees it)", "TextFieldModel"), reason)
                await asyncio.sleep(0.3)  # the typed reason reaches the server first
                last = rnd == rounds and org == answering[-1][0]
                answer_lat += await act(c, c.find("Reject", "BtnModel"),
                                        "Deadlock" if last else f"{org} rejects: “{reason}”",
                                        [] if last else [("You rejected this plan", [c])])
                await asyncio.sleep(0.2)
                if not fac.has_text(f"Round {rnd} of {rounds}"):
                    break
            if rnd < rounds:
                marker = f"Round {rnd + 1} of {rounds}"
                await asyncio.sleep(0.3)
                if not fac.has_text(marker):
                    round_lat += await act(fac, fac.find("Next round", "BtnModel"), marker, [panels(rnd + 1)])
        for c in opened:
            await c.close()
        opened.clear()
        await asyncio.sleep(3)
        rss_closed = rss_mb(server.pid)
    finally:
        for c in opened:
            await c.close()
        stop_server(server)
    return {"answer": answer_lat, "round": round_lat, "table": table_lat, "redraws": read_timing(timing),
            "rss_before": rss_before, "rss_room": rss_room, "rss_closed": rss_closed, "clients": clients,
            "controls": controls_lat}


def stop_server(server) -> None:
    if os.environ.get("BENCH_SERVER_WRAPPER"):
        import signal

        server.send_signal(signal.SIGUSR1)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    server.terminate()
    server.wait(timeout=20)


def read_timing(timing: Path) -> dict:
    redraws: dict[str, list[float]] = {}
    if timing.exists():
        for line in timing.read_text().splitlines():
            kind, seconds = line.split()
            redraws.setdefault(kind, []).append(float(seconds))
        timing.unlink()
    return redraws


async def run(clients: int, rounds: int) -> dict:
    from playwright.async_api import async_playwright

    server, base, timing = start_server()
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)

            async def new_page():
                ctx = await browser.new_context(viewport={"width": 1280, "height": 720})
                return await ctx.new_page()

            fac = await new_page()
            await fac.goto(base + "/")
            await fac.get_by_role("button", name="Step").wait_for(timeout=120_000)
            rss_before = rss_mb(server.pid)
            await fac.get_by_role("tab", name="Host a workshop").click()
            await choose(fac, "Scenario for the room", "Northamptonshire 2014/15")
            await choose(fac, "Rounds", str(rounds))
            await fac.get_by_role("button", name="Host a workshop").click()
            await fac.get_by_text("Room code:").wait_for(timeout=60_000)
            link = await fac.locator(".join-link").get_attribute("href")
            seated = []
            for i, org in enumerate(SEATS[: min(6, clients)]):
                page = await new_page()
                await page.goto(link)
                await page.get_by_label("Your name").fill(f"P{i}")
                await choose(page, "Organisation to play", org)
                await page.get_by_role("button", name="Take this seat").click()
                await page.get_by_text(f"P{i}: you play").wait_for(timeout=120_000)
                seated.append((org, page))
            watchers = []
            for _ in range(clients - len(seated)):
                page = await new_page()
                await page.goto(link + "/present")
                await page.locator(".outcome-banner").wait_for(timeout=120_000)
                watchers.append(page)
            everyone = [pg for _, pg in seated] + watchers
            rss_room = rss_mb(server.pid)

            answer_lat, round_lat, table_lat = [], [], []
            t0 = time.perf_counter()
            await fac.get_by_role("button", name="Start first round").click()
            round_lat += await seen_by_all(everyone, f"Round 1 of {rounds}", t0)
            for rnd in range(1, rounds + 1):
                for org, page in seated:  # the round's proposer, if a person, tables the plan they built
                    if await page.get_by_text("Your turn: build a plan").count():
                        t0 = time.perf_counter()
                        await page.get_by_role("button", name="Table this plan").click()
                        table_lat += await seen_by_all(everyone, f"Round {rnd} of {rounds}: {org} has tabled", t0)
                answering = [(o, pg) for o, pg in seated if await pg.locator(".answer-panel").count()]
                for org, page in answering:
                    reason = f"r{rnd}-{page_person(seated, org)}"
                    await page.get_by_label("Your reason (optional, the room sees it)").fill(reason)
                    await page.wait_for_timeout(300)  # the typed reason reaches the server first
                    t0 = time.perf_counter()
                    await page.get_by_role("button", name="Reject").click()
                    # Every client's log shows this answer and its reason.
                    last = rnd == rounds and org == answering[-1][0]  # the verdict replaces the presenter's log
                    answer_lat += await seen_by_all(everyone, "Deadlock" if last else f"{org} rejects: “{reason}”", t0)
                    if await fac.get_by_text(f"Round {rnd} of {rounds}").count() == 0:
                        break
                if rnd < rounds:
                    marker = f"Round {rnd + 1} of {rounds}"
                    if await fac.get_by_text(marker).count() == 0:
                        t0 = time.perf_counter()
                        await fac.get_by_role("button", name="Next round").click()
                        round_lat += await seen_by_all(everyone, marker, t0)
            await browser.close()
        rss_closed = rss_mb(server.pid)
    finally:
        stop_server(server)
    return {"answer": answer_lat, "round": round_lat, "table": table_lat, "redraws": read_timing(timing), "rss_before": rss_before, "rss_room": rss_room,
            "rss_closed": rss_closed, "clients": clients}


def page_person(seated, org):
    return f"P{[o for o, _ in seated].index(org)}"


def room_object_kib(rounds: int = 8) -> float:
    from negotiation import load_scenario
    from negotiation.workshop.room import Room

    scenario = load_scenario(ROOT / "scenarios" / "northamptonshire_2014.toml")
    Room(scenario, round_seconds=0).close()  # warm the plan-space cache: shared by every room of a scenario
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    room = Room(scenario, round_seconds=0, rounds=rounds)
    tokens = {org: room.join(f"P{i}", org) for i, org in enumerate(room.names)}
    room.start(room.facilitator_key)
    while room.phase != "finished":
        if room.phase == "proposing":
            room.propose(tokens[room.proposer], 0)
        for org in room.waiting_for():
            room.answer(tokens[org], False, "a typed reason of moderate length for the log")
    after = tracemalloc.take_snapshot()
    size = sum(s.size_diff for s in after.compare_to(before, "filename"))
    tracemalloc.stop()
    room.close()
    return size / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--mode", choices=["ws", "browser"], default="ws",
                        help="ws: light websocket clients (default); browser: one Chromium context per client")
    args = parser.parse_args()
    kib = room_object_kib()
    load_before = os.getloadavg()[0]
    r = asyncio.run((run_ws if args.mode == "ws" else run)(args.clients, args.rounds))
    load_after = os.getloadavg()[0]
    lat = r["answer"] + r["round"] + r["table"]
    kind = "websocket clients (frame received)" if args.mode == "ws" else "browser clients (page redrawn)"
    print(f"one room, {r['clients']} {kind} (6 seated, {r['clients'] - 6} on the presenter view), "
          f"{args.rounds} rounds; machine load average {load_before:.1f} before, {load_after:.1f} after "
          f"({os.cpu_count()} CPUs, shared; the clients run on the same CPUs as the server)")
    for label, values in (("participant answers", r["answer"]), ("facilitator next round", r["round"]),
                          ("participant tables a plan", r["table"]),
                          ("all actions", lat)):
        if values:
            print(f"  {label}: {len(values)} client-updates, p50 {statistics.median(values) * 1000:.0f} ms, "
                  f"p95 {percentile(values, 95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms")
    if r.get("controls"):
        values = r["controls"]
        print(f"  a seated person's own controls after a change (the answer panel of a new round, their answer "
              f"shown back): {len(values)} updates, p50 {statistics.median(values) * 1000:.0f} ms, "
              f"p95 {percentile(values, 95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms")
    p95 = percentile(lat, 95) * 1000
    print(f"  p95 {p95:.0f} ms against the 300 ms target: {'met' if p95 <= 300 else 'NOT met'} "
          f"({p95 / 300:.2f}x the target)")
    print(f"  server memory: {r['rss_before']:.0f} MB before the room, {r['rss_room']:.0f} MB with the room and "
          f"its {r['clients'] + 1} sessions (+{r['rss_room'] - r['rss_before']:.0f} MB, "
          f"{(r['rss_room'] - r['rss_before']) / (r['clients'] + 1):.1f} MB per session), "
          f"{r['rss_closed']:.0f} MB after the clients closed")
    for kind, values in sorted(r["redraws"].items()):
        print(f"  server redraw of one {kind} session after a change: median {statistics.median(values) * 1000:.1f} ms,"
              f" p95 {percentile(values, 95) * 1000:.1f} ms ({len(values)} redraws; done one after another)")
    print(f"  the room object itself (model, seats, log of a played 8-round game): {kib:.0f} KiB")


if __name__ == "__main__":
    main()

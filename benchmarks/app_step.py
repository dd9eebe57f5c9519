"""Responsiveness of the workshop app.

1. Server-side time of one Step with every view updated: the round itself and
   what the board sends (the banner, the charts' new rows, the log); the page
   draws the charts itself (target: median <= 100 ms).
2. Steps through the real page: ``--sessions`` websocket clients
   (benchmarks/solara_client.py, speaking Solara's protocol as a page does) on
   one server started as ``negotiation app`` starts it, each pressing Step and
   waiting for the new round to arrive before pressing again (Northamptonshire,
   30-round deadline; Reset when a run ends, its time counted but not as a
   Step). Steps per second in all (target: >= 300 with 10 sessions), websocket
   frames and server CPU per Step. In the same run, the same clients drive two
   bare Solara pages served the same way (benchmarks/bare_solara_page.py: a
   Step button, a counter, one line of text): the idiomatic one (``solara.Button``
   -> reactive -> ``solara.HTML``) and one Vue template (a click calls a method
   that sets one trait). The faster is the limit Solara's own per-message
   handling allows on this machine; ours is printed as a ratio of it (target:
   within 1.5x). ``--repeats`` alternates the three pages and takes medians.
3. Time until the page is interactive in headless Chromium: from navigation to
   an enabled Step button (target: median <= 3 s over 5 loads).

    .venv/bin/python benchmarks/app_step.py [--sessions 10] [--seconds 20] [--repeats 1] [--loads 5]
    .venv/bin/python benchmarks/app_step.py --only page --repeats 3

``BENCH_PYSPY=DIR`` (py-spy on PATH, installed by hand: not a dependency) samples
each server while it steps (threads holding the GIL) into DIR/<page>.txt.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from negotiation import load_scenario  # noqa: E402
from negotiation.model import NegotiationModel  # noqa: E402
from viz.run_board import RunMemo, views  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def step_times(repeats: int = 10) -> list[float]:
    """The server's part of a Step on the single-user page: the round, then what the board sends (the banner,
    the new chart rows, the log; viz/run_board.views, with the run's memo as the page keeps it). The page draws
    the charts itself (viz/charts.js)."""
    times = []
    for name in ("oxfordshire_2014", "northamptonshire_2014"):
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        for seed in range(repeats):
            model = NegotiationModel(scenario, seed=seed)
            memo = RunMemo()  # what the page keeps for a run between Steps
            views(model, memo)
            while not model.finished:
                t0 = time.perf_counter()
                model.step()
                views(model, memo)
                times.append(time.perf_counter() - t0)
    return times


def cpu_seconds(pid: int) -> float:
    """The server process's CPU time so far (user + system, all threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(target: str):
    """``target`` (a module or file) served as ``negotiation app`` serves the app: ``solara run ... --production``
    on a free loopback port, in the app's environment. Returns (process, base address)."""
    from negotiation.cli_app import app_environment

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # BENCH_SERVER_WRAPPER: a script that profiles the server (it starts on SIGUSR2 and writes its figures on
    # SIGUSR1, e.g. /tmp/profile_server.py); for finding where the time goes, not for figures.
    wrapper = os.environ.get("BENCH_SERVER_WRAPPER")
    launch = [wrapper] if wrapper else ["-m", "solara"]
    server = subprocess.Popen([sys.executable, *launch, "run", target, "--host", "127.0.0.1", "--port", str(port),
                               "--production", "--no-open", "--log-level", "warning"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=app_environment())
    base = f"http://127.0.0.1:{port}"
    from room import wait_until_serving  # the same wait as the room benchmark's server

    wait_until_serving(base)
    return server, base


ENDED = ("Deadlock:", "Approved", "Not approved")  # the banner of a run that has ended
APP = "negotiation.viz.app"
BARE = str(ROOT / "benchmarks" / "bare_solara_page.py")  # the ceilings: a Step button, a counter, one text
# What is measured: (served module, page path, what a click is: a Solara button, or a Vue template's method
# called with this trait present in its state)
PAGES = {"app": (APP, "/", "can_step"), "bare": (BARE, "/", None), "bare-widget": (BARE, "/widget", "text")}


async def page_steps(sessions: int, seconds: float, page: str = "app") -> dict:
    """Closed loop: each session presses Step, waits for the round's frame, presses again."""
    target, path, template_key = PAGES[page]
    import asyncio

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from room import stop_server  # the same server, stopped the same way
    from solara_client import SolaraClient

    server, base = start_server(target)
    clients: list[SolaraClient] = []
    deadline_rounds = 30
    try:
        warm = SolaraClient(base, path)  # the first page imports the app: not part of the figures
        await warm.open()
        await warm.close()
        for _ in range(sessions):
            c = SolaraClient(base, path)
            await c.open()
            clients.append(c)
        if page == "app":
            for c in clients:
                await c.set_value(c.find("Scenario", "SelectModel"), "Northamptonshire 2014/15")
            for c in clients:
                end = time.perf_counter() + 60
                while not c.has_text("NHS Nene CCG") and time.perf_counter() < end:
                    await asyncio.sleep(0.05)
                ready = c.expect(f"round 0 of {deadline_rounds}")
                await c.set_value(c.find_prefix("Deadline:", "SliderModel"), deadline_rounds)
                await asyncio.wait_for(ready, 60)
        frames_before = [c.frames for c in clients]
        received_before = [c.received for c in clients]
        cpu_before = cpu_seconds(server.pid)
        if os.environ.get("BENCH_SERVER_WRAPPER"):
            import signal

            server.send_signal(signal.SIGUSR2)  # the profiling wrapper starts here
        spy = None
        if os.environ.get("BENCH_PYSPY"):  # a directory: py-spy samples the server while it steps (where time goes)
            out = Path(os.environ["BENCH_PYSPY"]) / f"{page}.txt"
            spy = subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--duration", str(int(seconds)),
                                    "--format", "raw", "--threads", "--gil", "--rate", "250", "-o", str(out)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        counts = [0] * sessions
        step_latency: list[float] = []
        stop_at = time.perf_counter() + seconds

        def press(c: SolaraClient, label: str, ids: dict):
            """A click on Step or Reset: a Vue template's method (ours: the run controls) or a Solara button's
            (the bare page; ours before the run controls), each found once per run, not searched for in every
            widget on every click."""
            if label not in ids:
                try:
                    ids[label] = (c.find_state(template_key), True) if template_key else None
                except LookupError:
                    ids[label] = None
                ids[label] = ids[label] or (c.find(label, "BtnModel"), False)
            comm_id, template = ids[label]
            return c.event(comm_id, "action", label.lower()) if template else c.click(comm_id)

        async def loop(i: int, c: SolaraClient):
            rnd = 0
            ids: dict[str, str] = {}
            while time.perf_counter() < stop_at:
                if rnd >= deadline_rounds:
                    seen = c.expect(f"round 0 of {deadline_rounds}")
                    await press(c, "Reset", ids)
                    await asyncio.wait_for(seen, 60)
                    ids.clear()
                    rnd = 0
                    continue
                rnd += 1
                seen = c.expect((*ENDED, f"round {rnd} of {deadline_rounds}"), which=True)
                t0 = time.perf_counter()
                await press(c, "Step", ids)
                arrived, found = await asyncio.wait_for(seen, 60)
                step_latency.append(arrived - t0)
                counts[i] += 1
                if found in ENDED:
                    rnd = deadline_rounds  # the run ended before its deadline: Reset next

        t0 = time.perf_counter()
        await asyncio.gather(*(loop(i, c) for i, c in enumerate(clients)))
        wall = time.perf_counter() - t0
        cpu = cpu_seconds(server.pid) - cpu_before
        frames = sum(c.frames - f for c, f in zip(clients, frames_before, strict=True))
        received = sum(c.received - r for c, r in zip(clients, received_before, strict=True))
        if spy is not None:
            spy.wait(timeout=60)
        return {"steps": sum(counts), "wall": wall, "latency": step_latency, "frames": frames, "received": received, "cpu": cpu}
    finally:
        for c in clients:
            await c.close()
        stop_server(server)


def describe(name: str, r: dict, sessions: int, load: float) -> str:
    rate = r["steps"] / r["wall"]
    lat = sorted(r["latency"])
    return (f"{name}: {sessions} sessions on one server, {r['wall']:.1f} s (load average {load:.1f} before, "
            f"{os.cpu_count()} CPUs shared with the clients): {r['steps']} Steps, {rate:.0f} Steps/s in all; "
            f"click -> new round received p50 {statistics.median(lat) * 1e3:.1f} ms, "
            f"p95 {lat[int(0.95 * (len(lat) - 1))] * 1e3:.1f} ms; {r['frames'] / max(r['steps'], 1):.1f} websocket "
            f"frames ({r['received'] / max(r['steps'], 1) / 1024:.1f} KB before compression) and {r['cpu'] / max(r['steps'], 1) * 1e3:.2f} ms of server CPU (user + system, all threads) "
            f"per Step, i.e. at most {r['steps'] / max(r['cpu'], 1e-9):.0f} Steps/s on one free CPU")


def load_times(loads: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "negotiation", "app", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
            for i in range(loads + 1):
                page = browser.new_page()
                t0 = time.perf_counter()
                page.goto(url)
                page.get_by_role("button", name="Step").wait_for(timeout=60_000)
                page.wait_for_function("() => [...document.querySelectorAll('button')].some("
                                       "b => b.innerText.trim() === 'STEP' && !b.disabled)")
                if i:  # the first load warms the server's caches
                    times.append(time.perf_counter() - t0)
                page.close()
            browser.close()
        return times
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=1, help="rounds of the pages, alternated")
    parser.add_argument("--pages", default="bare,bare-widget,app", help="which pages (comma-separated)")
    parser.add_argument("--only", choices=["server", "page", "load"], default=None)
    args = parser.parse_args()
    import asyncio

    if args.only in (None, "server"):
        steps = step_times()
        print(f"one Step with all views updated (server side), median of {len(steps)}: "
              f"{statistics.median(steps) * 1e3:.3f} ms (target <= 100 ms)")
    if args.only in (None, "page"):
        # The ceilings first, then our page, alternated (--repeats): the machine's load moves, ratios less so.
        names = {"bare": "bare Solara page (solara.Button -> reactive counter -> solara.HTML)",
                 "bare-widget": "bare widget page (one Vue template: click -> one trait)",
                 "app": "our page (Northamptonshire, 30 rounds)"}
        names = {name: label for name, label in names.items() if name in args.pages.split(",")}
        rates: dict[str, list[float]] = {name: [] for name in names}
        cpu: dict[str, list[float]] = {name: [] for name in names}  # server CPU ms per Step
        for _ in range(args.repeats):
            for name, label in names.items():
                load = os.getloadavg()[0]
                r = asyncio.run(page_steps(args.sessions, args.seconds, name))
                print(describe(label, r, args.sessions, load), flush=True)
                rates[name].append(r["steps"] / r["wall"])
                cpu[name].append(r["cpu"] / max(r["steps"], 1) * 1e3)
        if len(names) == 3:  # (one page on its own: e.g. an earlier commit's, see the README's Speed section)
            med = {name: statistics.median(v) for name, v in rates.items()}
            ms = {name: statistics.median(v) for name, v in cpu.items()}
            limit = max(("bare", "bare-widget"), key=lambda n: med[n])
            ceiling, rate = med[limit], med["app"]
            print(f"our page: {rate:.0f} Steps/s in all; the bare Solara page {med['bare']:.0f}, the bare widget page "
                  f"{med['bare-widget']:.0f} (medians of {args.repeats}); the measured limit (the faster bare page) / "
                  f"ours = {ceiling / rate:.2f}x (target <= 1.5x): {'met' if ceiling / rate <= 1.5 else 'NOT met'}")
            print(f"  server CPU per Step: ours {ms['app']:.2f} ms, the bare Solara page {ms['bare']:.2f} ms "
                  f"({ms['app'] / ms['bare']:.2f}x), the bare widget page {ms['bare-widget']:.2f} ms "
                  f"({ms['app'] / ms['bare-widget']:.2f}x)")
            print(f"  target >= 300 Steps/s in all: {'met' if rate >= 300 else 'NOT met'} ({rate / 300:.2f}x the target); "
                  f"the limit itself is {ceiling / 300:.2f}x the target on this machine")
    if args.only in ("server", "page"):
        return
    loads = load_times(args.loads)
    print(f"page interactive in headless Chromium, median of {len(loads)} loads: "
          f"{statistics.median(loads):.2f} s (target <= 3 s)")


if __name__ == "__main__":
    main()

"""Responsiveness of the workshop app.

1. Server-side time of one Step with every view updated: the round itself, the
   snapshot behind the banner and log, the derived figures, and the three
   charts (SVG) (target: median <= 100 ms).
2. Steps through the real page: ``--sessions`` websocket clients
   (benchmarks/solara_client.py, speaking Solara's protocol as a page does) on
   one ``negotiation app`` server, each pressing Step and waiting for the new
   round to arrive before pressing again (Northamptonshire, 30-round deadline;
   Reset when a run ends, its time counted but not as a Step). Steps per second
   in all (target: >= 300 with 10 sessions), and the widget updates one Step sends.
3. Time until the page is interactive in headless Chromium: from navigation to
   an enabled Step button (target: median <= 3 s over 5 loads).

    .venv/bin/python benchmarks/app_step.py [--sessions 10] [--seconds 20] [--loads 5]
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
from viz import session, svg  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def step_times(repeats: int = 10) -> list[float]:
    times = []
    for name in ("oxfordshire_2014", "northamptonshire_2014"):
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        for seed in range(repeats):
            model = NegotiationModel(scenario, seed=seed)
            while not model.finished:
                t0 = time.perf_counter()
                model.step()
                session.snapshot(model)
                session.explain_rows(scenario)
                svg.offers_svg(model), svg.fund_svg(model), svg.network_svg(model)
                times.append(time.perf_counter() - t0)
    return times


def cpu_seconds(pid: int) -> float:
    """The server process's CPU time so far (user + system, all threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def page_steps(sessions: int, seconds: float) -> dict:
    """Closed loop: each session presses Step, waits for the round's frame, presses again."""
    import asyncio

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from room import start_server, stop_server
    from solara_client import SolaraClient

    server, base, _ = start_server(timing=False)
    clients: list[SolaraClient] = []
    try:
        warm = SolaraClient(base, "/")  # the first page imports the app: not part of the figures
        await warm.open()
        await warm.close()
        for _ in range(sessions):
            c = SolaraClient(base, "/")
            await c.open()
            clients.append(c)
        deadline_rounds = 30
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
        cpu_before = cpu_seconds(server.pid)
        if os.environ.get("BENCH_SERVER_WRAPPER"):  # a profiling wrapper starts profiling here (SIGUSR2)
            import signal

            server.send_signal(signal.SIGUSR2)
        counts = [0] * sessions
        step_latency: list[float] = []
        stop_at = time.perf_counter() + seconds

        async def loop(i: int, c: SolaraClient):
            rnd = 0
            step = c.find("Step", "BtnModel")
            while time.perf_counter() < stop_at:
                if rnd >= deadline_rounds:
                    seen = c.expect(f"round 0 of {deadline_rounds}")
                    await c.click(c.find("Reset", "BtnModel"))
                    await asyncio.wait_for(seen, 60)
                    step = c.find("Step", "BtnModel")
                    rnd = 0
                    continue
                rnd += 1
                seen = c.expect((f"round {rnd} of {deadline_rounds}", "Deadlock:", "Approved", "Not approved"))
                t0 = time.perf_counter()
                await c.click(step)
                step_latency.append(await asyncio.wait_for(seen, 60) - t0)
                counts[i] += 1
                if any(c.has_text(v) for v in ("Deadlock:", "Approved", "Not approved")):
                    rnd = deadline_rounds  # the run ended before its deadline: Reset next

        t0 = time.perf_counter()
        await asyncio.gather(*(loop(i, c) for i, c in enumerate(clients)))
        wall = time.perf_counter() - t0
        cpu = cpu_seconds(server.pid) - cpu_before
        frames = sum(c.frames - f for c, f in zip(clients, frames_before, strict=True))
        return {"steps": sum(counts), "wall": wall, "latency": step_latency, "frames": frames, "cpu": cpu}
    finally:
        for c in clients:
            await c.close()
        stop_server(server)


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
    parser.add_argument("--only", choices=["server", "page", "load"], default=None)
    args = parser.parse_args()
    import asyncio

    if args.only in (None, "server"):
        steps = step_times()
        print(f"one Step with all views updated (server side), median of {len(steps)}: "
              f"{statistics.median(steps) * 1e3:.1f} ms (target <= 100 ms)")
    if args.only in (None, "page"):
        load = os.getloadavg()[0]
        r = asyncio.run(page_steps(args.sessions, args.seconds))
        rate = r["steps"] / r["wall"]
        lat = sorted(r["latency"])
        print(f"Steps through the page, {args.sessions} sessions on one server, {r['wall']:.1f} s (load average "
              f"{load:.1f} before, {os.cpu_count()} CPUs shared with the clients): {r['steps']} Steps, "
              f"{rate:.0f} Steps/s in all; a Step's click -> new round received p50 "
              f"{statistics.median(lat) * 1e3:.1f} ms, p95 {lat[int(0.95 * (len(lat) - 1))] * 1e3:.1f} ms; "
              f"{r['frames'] / max(r['steps'], 1):.1f} websocket frames per Step")
        print(f"  server CPU per Step (user + system, all its threads): {r['cpu'] / max(r['steps'], 1) * 1e3:.2f} ms, "
              f"i.e. at most {r['steps'] / max(r['cpu'], 1e-9):.0f} Steps/s on one free CPU")
        print(f"  target >= 300 Steps/s in all: {'met' if rate >= 300 else 'NOT met'} ({rate / 300:.2f}x the target)")
    if args.only in ("server", "page"):
        return
    loads = load_times(args.loads)
    print(f"page interactive in headless Chromium, median of {len(loads)} loads: "
          f"{statistics.median(loads):.2f} s (target <= 3 s)")


if __name__ == "__main__":
    main()

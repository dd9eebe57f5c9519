"""Responsiveness of the workshop app.

1. Server-side time of one Step with every view updated: the round itself, the
   snapshot behind the banner and log, the derived figures, and the three
   charts (SVG) (target: median <= 100 ms).
2. Time until the page is interactive in headless Chromium: from navigation to
   an enabled Step button (target: median <= 3 s over 5 loads).

    .venv/bin/python benchmarks/app_step.py [--loads 5]
"""

from __future__ import annotations

import argparse
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
    args = parser.parse_args()
    steps = step_times()
    print(f"one Step with all views updated (server side), median of {len(steps)}: "
          f"{statistics.median(steps) * 1e3:.1f} ms (target <= 100 ms)")
    loads = load_times(args.loads)
    print(f"page interactive in headless Chromium, median of {len(loads)} loads: "
          f"{statistics.median(loads):.2f} s (target <= 3 s)")


if __name__ == "__main__":
    main()

"""Load on the single-user app: 20 sessions on one server press "Run to end" at once.

Each session is a light client speaking Solara's websocket protocol
(benchmarks/solara_client.py), not a browser, so the figure is the server's.
Reports p50/p95 of page load (websocket open to the page's widgets received)
and of "Run to end" to the verdict arriving, and the server's resident memory
before the sessions, with them, and after they close (polled until Solara has
culled the closed sessions' kernels: ``SOLARA_KERNEL_CULL_TIMEOUT``, which
``negotiation app`` sets to 60 s unless you set it).

    .venv/bin/python benchmarks/app_load.py [--sessions 20] [--waves 2] [--settle 75]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from room import percentile, rss_mb, start_server, stop_server  # noqa: E402
from solara_client import SolaraClient  # noqa: E402

VERDICT = "Not approved"  # the default scenario (Oxfordshire 2014/15) ends not approved


async def run(sessions: int, settle_seconds: float, waves: int) -> dict:
    server, base, _ = start_server(timing=False)
    clients: list[SolaraClient] = []
    try:
        warm = SolaraClient(base, "/")  # the first page imports the app: not part of the figures
        await warm.open()
        await warm.close()
        await asyncio.sleep(2)
        rss_before = rss_mb(server.pid)
        results = []
        for _ in range(waves):  # memory that is dropped is reused by the next wave instead of growing
            results.append(await wave(server, base, clients, sessions, settle_seconds))
        return {"rss_before": rss_before, "waves": results}
    finally:
        for c in clients:
            await c.close()
        stop_server(server)


async def wave(server, base, clients, sessions, settle_seconds) -> dict:
    async def load():
        c = SolaraClient(base, "/")
        t0 = time.perf_counter()
        await c.open()
        clients.append(c)
        while True:  # the run controls (viz/run_board.py: one Vue template) have arrived
            try:
                c.find_state("can_run")
                break
            except LookupError:
                if time.perf_counter() - t0 > 120:
                    raise
                await asyncio.sleep(0.05)
        return time.perf_counter() - t0

    loads = await asyncio.gather(*(load() for _ in range(sessions)))
    seen = [c.expect(VERDICT) for c in clients]
    t0 = time.perf_counter()
    await asyncio.gather(*(c.event(c.find_state("can_run"), "action", "run") for c in clients))
    done = await asyncio.wait_for(asyncio.gather(*seen), 300)
    runs = [t - t0 for t in done]
    rss_with = rss_mb(server.pid)
    for c in clients:
        await c.close()
    clients.clear()
    # Poll until the memory settles (kernels of closed pages are culled after SOLARA_KERNEL_CULL_TIMEOUT).
    trace, end = [], time.perf_counter() + settle_seconds
    while time.perf_counter() < end:
        await asyncio.sleep(5)
        trace.append(rss_mb(server.pid))
    return {"loads": loads, "runs": runs, "rss_with": rss_with, "trace": trace}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--settle", type=float, default=75.0, help="seconds to watch memory after the sessions close")
    parser.add_argument("--waves", type=int, default=2, help="sessions open, run, close; this many times")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    everything = asyncio.run(run(args.sessions, args.settle, args.waves))
    print(f"{args.sessions} concurrent sessions of the single-user app, websocket clients; machine load average "
          f"{load:.1f} ({os.cpu_count()} CPUs, shared)")
    print(f"  server memory before any session: {everything['rss_before']:.0f} MB")
    for n, r in enumerate(everything["waves"], 1):
        report(n, r, args)


def report(n, r, args):
    print(f"  wave {n}:")
    for label, values in (("page load (widgets received)", r["loads"]), ("Run to end -> verdict", r["runs"])):
        print(f"    {label}: p50 {statistics.median(values) * 1000:.0f} ms, p95 {percentile(values, 95) * 1000:.0f} ms, "
              f"max {max(values) * 1000:.0f} ms")
    trace = r["trace"]
    print(f"    server memory: {r['rss_with']:.0f} MB with {args.sessions} sessions, "
          f"{trace[-1]:.0f} MB {args.settle:.0f} s after they closed (every 5 s: "
          f"{', '.join(f'{v:.0f}' for v in trace)})")


if __name__ == "__main__":
    main()

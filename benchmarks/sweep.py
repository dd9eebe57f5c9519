"""Sweep throughput and memory: our sweep engine against ``mesa.batch_run`` on the same model and parameters.

A 10,000-run Oxfordshire sweep (CCG budget x council social-care need x 20
seeds) run several ways, each in a fresh subprocess so peak memory is its own:
``mesa.batch_run`` with 2 processes (the baseline users would otherwise reach
for); the sweep serial and with 2 worker processes (both on the batched engine,
:mod:`negotiation.engine`, every seed of a setting stepped together); the sweep
serial on the one-at-a-time Mesa model (``--modes ... model``: what the batched
engine replaced); a Dask LocalCluster with 2 workers. Prints runs per second and
peak memory (the main process plus its largest worker), with ratios against the
baseline measured in the same run (issue 11 target: >= 30x with 2 workers); then
peak memory of a 100,000-run sweep against the 10,000-run one (target <= 1.2x).

    .venv/bin/python benchmarks/sweep.py [--runs 10000] [--modes batch_run,serial,processes,model,dask] [--skip-big]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = str(ROOT / "scenarios" / "oxfordshire_2014.toml")
SEEDS = 20


def axes(runs: int) -> tuple[int, int]:
    points = max(1, runs // SEEDS)
    budgets = 25 if points >= 25 else points
    return budgets, max(1, points // budgets)


def child(mode: str, runs: int) -> dict:
    nb, nn = axes(runs)
    import mesa  # noqa: F401  (imports are not what is measured)

    import negotiation.batch  # noqa: F401
    import negotiation.model  # noqa: F401

    t0, c0 = time.perf_counter(), _cpu()
    if mode == "batch_run":
        import mesa
        import numpy as np

        from negotiation.model import NegotiationModel

        overrides = [
            {"organisations.oxfordshire_ccg.budget": float(b), "organisations.oxfordshire_county_council.asc_need": float(n)}
            for b in np.linspace(600, 720, nb) for n in np.linspace(2, 12, nn)
        ]
        rows = mesa.batch_run(
            NegotiationModel, {"scenario": SCENARIO, "overrides": overrides}, number_processes=2,
            rng=range(SEEDS), display_progress=False,
        )
        done = len({r["RunId"] for r in rows})
    elif mode == "model":
        from negotiation.batch import rows as rows_module
        from negotiation.batch import run_sweep

        # The same sweep with every run made by NegotiationModel, one seed at a time (the engine before issue 11).
        rows_module.run_rows = lambda scenario, seeds, evaluation=None: [rows_module.run_row(scenario, k) for k in seeds]
        with tempfile.TemporaryDirectory() as tmp:
            summary = run_sweep(
                SCENARIO, Path(tmp) / "s",
                vary=[f"organisations.oxfordshire_ccg.budget=600:720:{nb}",
                      f"organisations.oxfordshire_county_council.asc_need=2:12:{nn}"],
                seeds=SEEDS, workers=1, progress=False,
            )
            done = summary.ran
    else:
        from negotiation.batch import run_sweep

        with tempfile.TemporaryDirectory() as tmp:
            summary = run_sweep(
                SCENARIO, Path(tmp) / "s",
                vary=[f"organisations.oxfordshire_ccg.budget=600:720:{nb}",
                      f"organisations.oxfordshire_county_council.asc_need=2:12:{nn}"],
                seeds=SEEDS, workers=1 if mode == "serial" else 2,
                backend="dask" if mode == "dask" else "processes", progress=False,
            )
            done = summary.ran
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"mode": mode, "runs": done, "seconds": seconds, "cpu_seconds": cpu, "peak_mib": kib / 1024}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (workers): what a run costs on a shared machine."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(mode: str, runs: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, "--runs", str(runs)],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--child")
    parser.add_argument("--skip-big", action="store_true", help="skip the 100,000-run memory check")
    parser.add_argument("--modes", default="batch_run,serial,processes,model,dask")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.runs)))
        return
    modes = ["batch_run"] + [m for m in args.modes.split(",") if m and m != "batch_run"]
    results = {mode: measure(mode, args.runs) for mode in modes}
    base = results["batch_run"]["runs"] / results["batch_run"]["seconds"]
    base_cpu = results["batch_run"]["cpu_seconds"] / results["batch_run"]["runs"]
    print(f"{args.runs:,}-run Oxfordshire sweep ({SEEDS} seeds per setting)")
    print(f"{'mode':<30}{'wall s':>8}{'runs/s':>8}{'vs batch_run':>14}{'CPU s':>8}{'vs (CPU)':>10}{'peak MiB':>10}")
    names = {"batch_run": "mesa.batch_run, 2 processes", "serial": "sweep, serial",
             "processes": "sweep, 2 processes", "dask": "sweep, Dask LocalCluster x2",
             "model": "sweep, serial, Mesa model/run"}
    for mode, r in results.items():
        rate = r["runs"] / r["seconds"]
        by_cpu = base_cpu / (r["cpu_seconds"] / r["runs"])
        print(f"{names[mode]:<30}{r['seconds']:>8.1f}{rate:>8.0f}{rate / base:>13.2f}x{r['cpu_seconds']:>8.1f}"
              f"{by_cpu:>9.2f}x{r['peak_mib']:>10.0f}")
    print("CPU s: this process and its workers (on a shared machine the honest measure; wall depends on the load)")
    if "processes" in results:
        r = results["processes"]
        by_cpu = base_cpu / (r["cpu_seconds"] / r["runs"])
        rate = r["runs"] / r["seconds"] / base
        print(f"target (issue 11): sweep with 2 processes >= 30x mesa.batch_run: {rate:.1f}x by wall, "
              f"{by_cpu:.1f}x by CPU: {'met' if min(rate, by_cpu) >= 30 else 'not met'}")
    if not args.skip_big and "processes" in results:
        small = results["processes"]
        big = measure("processes", args.runs * 10)
        print(f"peak memory, 2 processes: {small['runs']:,} runs {small['peak_mib']:.0f} MiB; "
              f"{big['runs']:,} runs {big['peak_mib']:.0f} MiB; ratio {big['peak_mib'] / small['peak_mib']:.2f} "
              "(target <= 1.2)")


if __name__ == "__main__":
    main()

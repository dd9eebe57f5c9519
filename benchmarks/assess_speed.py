"""How long an uncertainty assessment takes: the issue 11 target is ~10,000 sets of figures × 3 seeds in < 60 s.

Runs ``negotiation assess SCENARIO --samples N --seeds K --workers W`` in a fresh
process (into a temporary folder, so nothing is resumed) and prints its wall time
and the CPU seconds of the command and its worker processes (on a machine shared
with other work, CPU seconds are the honest measure; the wall time is what the
target names). ``--samples 192`` on Northamptonshire (51 ranges) is Saltelli's
192 × (51 + 2) = 10,176 sets of figures, 30,528 runs with 3 seeds.

    .venv/bin/python benchmarks/assess_speed.py [--samples 192] [--seeds 3] [--workers 2] [--scenario PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "northamptonshire_2014.toml"))
    parser.add_argument("--samples", type=int, default=192)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "negotiation.cli", "assess", args.scenario, "--samples", str(args.samples),
                   "--seeds", str(args.seeds), "--workers", str(args.workers), "--out", str(Path(tmp) / "a"),
                   "--json"]
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"assess failed:\n{done.stderr}")
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = kids.ru_utime + kids.ru_stime
        parts = len(list((Path(tmp) / "a" / "runs" / "parts").glob("*.parquet")))
    import json

    result = json.loads(done.stdout)
    sets, runs = result["points"], result["runs"]
    print(f"negotiation assess {Path(args.scenario).name} --samples {args.samples} --seeds {args.seeds} "
          f"--workers {args.workers}: {sets:,} sets of figures, {runs:,} runs in {parts} parts")
    print(f"wall {wall:.1f} s; CPU {cpu:.1f} s (command and workers; {cpu / sets * 1000:.1f} ms per set of figures); "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"target (issue 11): ~10,000 sets of figures x 3 seeds in < {TARGET_S:.0f} s wall with 2 workers: "
          f"{'met' if wall < TARGET_S else 'not met'} ({wall:.1f} s)")


if __name__ == "__main__":
    main()

"""How long one Oxfordshire negotiation takes, against an empty Mesa model doing the same number of rounds.

Prints the median of 200 runs of each (all rounds, data collected for the
negotiation), timed alternately so both see the same background load, and
their ratio. The target is a ratio of at most 3: the
negotiation itself should cost little more than Mesa's own bookkeeping.
Absolute times on shared machines are noisy; the ratio, measured in the
same run, is the figure to compare.

    .venv/bin/python benchmarks/run_speed.py [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import mesa

from negotiation import load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[1]


class EmptyAgent(mesa.Agent):
    def step(self):
        pass


class EmptyModel(mesa.Model):
    def __init__(self, n_agents=4, seed=0):
        super().__init__(rng=seed)
        for _ in range(n_agents):
            EmptyAgent(self)

    def step(self):
        self.agents.do("step")


def time_pairs(a, b, runs: int) -> tuple[list[float], list[float]]:
    """Time ``a`` and ``b`` alternately, so both see the same background load on a shared machine."""
    ta, tb = [], []
    for i in range(runs):
        t0 = time.perf_counter()
        a(i)
        t1 = time.perf_counter()
        b(i)
        t2 = time.perf_counter()
        ta.append(t1 - t0)
        tb.append(t2 - t1)
    return ta, tb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "oxfordshire_2014.toml"))
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    n_agents = len(scenario.organisations)
    rounds = run_scenario(scenario, seed=0).rounds  # also warms the plan-space cache

    def negotiation(i):
        run_scenario(scenario, seed=i)

    def empty(i):
        model = EmptyModel(n_agents, seed=i)
        for _ in range(rounds):
            model.step()

    time_pairs(negotiation, empty, 20)  # warm-up
    sims, floors = time_pairs(negotiation, empty, args.runs)
    sim, floor = statistics.median(sims), statistics.median(floors)
    t0 = time.perf_counter()
    from negotiation.domain.evaluation import evaluate_uncached

    evaluate_uncached(scenario)
    build = time.perf_counter() - t0
    print(f"scenario: {scenario.scenario.name} ({n_agents} organisations, {rounds} rounds)")
    print(f"one negotiation, median of {args.runs}: {sim * 1e3:.3f} ms")
    print(f"empty Mesa model, {n_agents} agents, {rounds} steps, median of {args.runs}: {floor * 1e3:.3f} ms")
    print(f"ratio negotiation / empty Mesa: {sim / floor:.2f}  (target <= 3)")
    print(f"plan space evaluation, once per distinct scenario: {build * 1e3:.1f} ms")


if __name__ == "__main__":
    main()

"""Head to head with NegMAS on the same outcome space and utilities (run only when NegMAS is installed by hand).

NegMAS is a benchmark peer, never a dependency of this project (its licence is
AGPL): install it yourself in a separate environment to run this. Without it the
script prints one line and exits 0.

The outcome space is the Oxfordshire plan space (one issue whose values are the
plan indexes), each organisation's utility is its row of ``Evaluation.utility``
with its no-deal value as the reserved value, and the negotiators are NegMAS's
time-based ones (linear and Boulware) under its stacked alternating offers
protocol (``SAOMechanism``) with the same number of rounds. Prints the median
time per negotiation for NegMAS and for this project (the Mesa model, and the
batched engine per run), warm (utilities built once) and cold (evaluation rebuilt
each run), and their ratios, at 8, 50 and 200 rounds. Issue 11's target: >= 50x
faster warm at 8 rounds.

    .venv/bin/python benchmarks/negmas_h2h.py [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def negmas_session(negmas, ev, rounds: int, utilities):
    """One NegMAS negotiation over the plan space: one issue whose values are plan indexes."""
    from negmas.sao.negotiators.timebased import BoulwareTBNegotiator, LinearTBNegotiator

    session = negmas.SAOMechanism(issues=[negmas.make_issue(name="plan", values=len(ev.space))], n_steps=rounds)
    for i, ufun in enumerate(utilities(session)):
        kind = LinearTBNegotiator if i % 2 == 0 else BoulwareTBNegotiator
        session.add(kind(name=f"org{i}"), ufun=ufun)
    return session


def negmas_utilities(negmas, ev):
    """Each organisation's utility as a NegMAS mapping from outcome to the model's own figure."""
    from negmas.preferences import MappingUtilityFunction

    tables = [{(j,): float(u) for j, u in enumerate(row)} for row in ev.utility]

    def make(session):
        return [MappingUtilityFunction(table, outcome_space=session.outcome_space, reserved_value=float(r))
                for table, r in zip(tables, ev.reservation)]

    return make


def median_time(fn, runs: int) -> float:
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    try:
        import negmas
    except ImportError:
        print("NegMAS is not installed: nothing to compare (it is a benchmark peer, never a dependency; "
              "install it by hand in a separate environment to run this head to head).")
        return
    from negotiation import load_scenario
    from negotiation.domain.evaluation import evaluate, evaluate_uncached
    from negotiation.engine import negotiate
    from negotiation.model import NegotiationModel

    scenario = load_scenario(ROOT / "scenarios" / "oxfordshire_2014.toml")
    ev = evaluate(scenario)
    make_utilities = negmas_utilities(negmas, ev)
    print(f"Oxfordshire plan space: {len(ev.space):,} outcomes, {len(ev.reservation)} negotiators; "
          f"median of {args.runs} runs")
    print("rounds  NegMAS ms  model ms  batched ms  NegMAS/model  NegMAS/batched  cold: NegMAS/model")
    for rounds in (8, 50, 200):
        t_negmas = median_time(lambda i, r=rounds: negmas_session(negmas, ev, r, make_utilities).run(), args.runs)
        t_model = median_time(lambda i, r=rounds: NegotiationModel(scenario, seed=i, rounds=r).run(), args.runs)
        t0 = time.perf_counter()
        negotiate(scenario, list(range(args.runs)), rounds=rounds, evaluation=ev)
        t_batch = (time.perf_counter() - t0) / args.runs

        def cold_negmas(i, r=rounds):
            fresh = evaluate_uncached(scenario)
            negmas_session(negmas, fresh, r, negmas_utilities(negmas, fresh)).run()

        def cold_model(i, r=rounds):
            evaluate_uncached(scenario)
            NegotiationModel(scenario, seed=i, rounds=r).run()

        cold = median_time(cold_negmas, max(3, args.runs // 10)) / median_time(cold_model, max(3, args.runs // 10))
        print(f"{rounds:>6}  {t_negmas * 1e3:>9.2f}  {t_model * 1e3:>8.3f}  {t_batch * 1e3:>10.3f}  "
              f"{t_negmas / t_model:>12.1f}  {t_negmas / t_batch:>14.1f}  {cold:>18.1f}")
    print("target (issue 11): >= 50x faster than NegMAS warm at 8 rounds")


if __name__ == "__main__":
    sys.exit(main())

"""Head to head with NegMAS on the same outcome space and utilities (run only when NegMAS is installed by hand).

NegMAS is a benchmark peer, never a dependency of this project (its licence is
AGPL): install it yourself in a separate, throwaway environment to run this, e.g.

    uv venv -p .venv/bin/python /tmp/negmas-venv
    VIRTUAL_ENV=/tmp/negmas-venv uv pip install negmas -e .
    /tmp/negmas-venv/bin/python benchmarks/negmas_h2h.py [--runs 50]

Without it the script prints one line and exits 0.

The outcome space is the Oxfordshire plan space (one issue whose values are the
plan indexes), each organisation's utility is its row of ``Evaluation.utility``
(a NegMAS ``MappingUtilityFunction``) with its no-deal value as the reserved
value, and the negotiators are NegMAS's time-based ones (``LinearTBNegotiator``
and ``BoulwareTBNegotiator``, alternately) under its stacked alternating offers
protocol (``SAOMechanism``) with ``n_steps`` equal to our rounds. A NegMAS step
gives every negotiator a turn (an offer each, answered by the next in turn); one
of our rounds is one proposal answered by every organisation.

Times are CPU seconds of this process (``time.process_time``: the machine may be
shared), medians over ``--runs`` runs after one untimed run of each. Warm: the
evaluation and the NegMAS utility functions are built once; each NegMAS session
still builds its negotiators (their sorted outcomes), as every NegMAS negotiation
does, and each of our runs reuses the proposal search's memo of earlier runs.
"Memos cleared": the evaluation kept but our proposal search and answers made
afresh every run (the nearest match to what a NegMAS session redoes). Cold: the
evaluation rebuilt each run (NegMAS: its utility tables too; ours: a fresh
evaluation with empty memos). Issue 11's target: >= 50x faster warm at 8 rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 50.0


def negmas_session(negmas, ev, rounds: int, utilities):
    """One NegMAS negotiation over the plan space: one issue whose values are plan indexes."""
    session = negmas.SAOMechanism(issues=[negmas.make_issue(name="plan", values=len(ev.space))], n_steps=rounds)
    for i, ufun in enumerate(utilities(session)):
        kind = negmas.sao.LinearTBNegotiator if i % 2 == 0 else negmas.sao.BoulwareTBNegotiator
        session.add(kind(name=f"org{i}"), preferences=ufun)
    return session


def negmas_utilities(negmas, ev):
    """Each organisation's utility as a NegMAS mapping from outcome to the model's own figure."""
    tables = [{(j,): float(u) for j, u in enumerate(row)} for row in ev.utility]

    def make(session):
        return [negmas.MappingUtilityFunction(table, outcome_space=session.outcome_space, reserved_value=float(r))
                for table, r in zip(tables, ev.reservation)]

    return make


def median_time(fn, runs: int) -> float:
    """Median CPU seconds of ``fn(i)`` over ``runs`` runs, after one untimed run (imports, first-call set-up)."""
    fn(-1)
    times = []
    for i in range(runs):
        t0 = time.process_time()
        fn(i)
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    try:
        with warnings.catch_warnings():  # NegMAS's own dependencies warn on import; not ours to show
            warnings.simplefilter("ignore")
            import negmas
            import negmas.sao
    except ImportError:
        print("NegMAS is not installed: nothing to compare (it is a benchmark peer, never a dependency; "
              "install it by hand in a separate environment to run this head to head).")
        return 0
    from negotiation import load_scenario
    from negotiation.domain.evaluation import evaluate, evaluate_uncached, keep
    from negotiation.engine import negotiate
    from negotiation.model import NegotiationModel

    def forget(ev) -> None:  # what runs memoise on an evaluation: proposals, answers, the search's orderings
        ev.proposal_cache.clear()
        ev.response_cache.clear()
        ev.memo.clear()

    scenario = load_scenario(ROOT / "scenarios" / "oxfordshire_2014.toml")
    ev = evaluate(scenario)
    make_utilities = negmas_utilities(negmas, ev)
    print(f"NegMAS {negmas.__version__}; Oxfordshire plan space: {len(ev.space):,} outcomes, "
          f"{len(ev.reservation)} negotiators; CPU ms, median of {args.runs} runs")
    print("rounds  NegMAS ms  model ms  batched ms  NegMAS/model  NegMAS/batched  "
          "memos cleared: model ms  NegMAS/model  cold: NegMAS/model  NegMAS agreed  ours signed")
    ratios = {}
    for rounds in (8, 50, 200):
        agreed = []

        def run_negmas(i, r=rounds, agreed=agreed):
            state = negmas_session(negmas, ev, r, make_utilities).run()
            agreed.append(state.agreement is not None)

        t_negmas = median_time(run_negmas, args.runs)
        t_model = median_time(lambda i, r=rounds: NegotiationModel(scenario, seed=max(i, 0), rounds=r).run(),
                              args.runs)

        def model_searching(i, r=rounds):  # the evaluation kept, but every proposal searched and answer made afresh
            forget(evaluate(scenario))
            NegotiationModel(scenario, seed=max(i, 0), rounds=r).run()

        t_searching = median_time(model_searching, args.runs)
        ours = evaluate(scenario)  # the evaluation the model uses (a cold run below replaces it)
        negotiate(scenario, list(range(args.runs)), rounds=rounds, evaluation=ours)  # untimed, as the others
        t0 = time.process_time()
        endings = negotiate(scenario, list(range(args.runs)), rounds=rounds, evaluation=ours)
        t_batch = (time.process_time() - t0) / args.runs

        def cold_negmas(i, r=rounds):
            fresh = evaluate_uncached(scenario)
            negmas_session(negmas, fresh, r, negmas_utilities(negmas, fresh)).run()

        def cold_model(i, r=rounds):
            keep(scenario.fingerprint, evaluate_uncached(scenario))  # the model finds a fresh evaluation, no memo
            NegotiationModel(scenario, seed=max(i, 0), rounds=r).run()

        k = max(3, args.runs // 10)
        cold = median_time(cold_negmas, k) / median_time(cold_model, k)
        ratios[rounds] = (t_negmas / t_model, t_negmas / t_batch, t_negmas / t_searching)
        signed = sum(e.signed_off for e in endings) / len(endings)
        print(f"{rounds:>6}  {t_negmas * 1e3:>9.2f}  {t_model * 1e3:>8.3f}  {t_batch * 1e3:>10.3f}  "
              f"{t_negmas / t_model:>12.1f}  {t_negmas / t_batch:>14.1f}  "
              f"{t_searching * 1e3:>23.3f}  {t_negmas / t_searching:>12.1f}  {cold:>18.1f}  "
              f"{sum(agreed) / len(agreed):>13.0%}  {signed:>11.0%}")
    model_8, batch_8, searching_8 = ratios[8]
    print(f"target (issue 11): >= {TARGET:.0f}x faster than NegMAS warm at 8 rounds: "
          f"model {model_8:.1f}x ({'met' if model_8 >= TARGET else 'NOT met'}), "
          f"batched engine {batch_8:.1f}x per run ({'met' if batch_8 >= TARGET else 'NOT met'}); "
          f"model with its memos cleared each run {searching_8:.1f}x ({'met' if searching_8 >= TARGET else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

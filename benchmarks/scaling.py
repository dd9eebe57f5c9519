"""How run time grows with organisations, rounds and plans: the batched engine against the Mesa model.

Three series, each measured in this one run so the ratios compare like with like:

* **organisations** 4 to 64 (an illustrative area grown by adding CCGs, councils and trusts in
  turn): time per run over ``--seeds`` seeds of one setting, the plan space evaluated beforehand (as a
  sweep over seeds uses it) and the proposal search included (memos cleared), on ``NegotiationModel``
  (one seed after another) and on the batched engine (all seeds together); median of 3. Target (issue 11): from 4 to 64
  organisations per-run time grows no more than 16x.
* **rounds** 8 to 500 (the deadline's limit; Northamptonshire deadlocks, so every run goes to it).
* **plans** 10^4 to 10^6: building and valuing a plan space of that many plans (``space_from_parameters``
  and ``value_plans`` for the 4 Oxfordshire organisations), and the bytes its arrays hold. Target: 10^6
  plans in under 2 s.

    .venv/bin/python benchmarks/scaling.py [--seeds 200] [--quick] [--only organisations] [--every-pair-named]

Times are CPU seconds of this process (``time.process_time``), as the machine may be shared.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from negotiation import load_scenario
from negotiation.domain.evaluation import evaluate, evaluate_uncached, value_plans
from negotiation.domain.grid import coarse_parameters
from negotiation.domain.plan import layout, space_from_parameters
from negotiation.engine import negotiate
from negotiation.model import NegotiationModel
from negotiation.scenario import scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("ccg", "council", "acute_trust", "community_trust")


def area(n: int, every_pair_named: bool = False) -> dict:
    """An illustrative area of ``n`` organisations (figures scaled so every size has a zone of agreement).

    No relationships are named (every pair has the default trust), as in most pairs of a real area; with
    ``every_pair_named`` every pair gets its own trust (0.2-0.8), the proposal search's worst case."""
    orgs = {}
    for i in range(n):
        kind = KINDS[i % 4]
        budget = {"ccg": 300.0, "council": 150.0, "acute_trust": 250.0, "community_trust": 60.0}[kind] * 4 / n
        orgs[f"{kind}_{i}"] = {
            "name": f"{kind.replace('_', ' ')} {i}", "kind": kind, "budget": budget,
            "committed_spend": budget * 0.97, "intervention_cost": 8.0 / n,
            "existing_pooled": 20.0 / n if kind == "ccg" else 0.0,
        } | ({"asc_need": 4.0 / n} if kind == "council" else {})
    ids = list(orgs)
    named = [{"a": a, "b": b, "trust": round(0.2 + 0.6 * ((i * 7 + j * 3) % 10) / 10, 2)}
             for i, a in enumerate(ids) for j, b in enumerate(ids) if i < j] if every_pair_named else []
    return {
        "relationships": named,
        "scenario": {"name": f"scaling area, {n} organisations"},
        "rules": {"minimum_fund": 25.0, "deadline_rounds": 8},
        "activity": {"admissions_last_year": 50000, "admissions_this_year": 50500, "baseline_admissions": 45000,
                     "tariff": 2000, "achievable_reduction": 0.02, "reduction_per_scheme": 0.002,
                     "max_reduction": 0.05},
        "organisations": orgs,
    }


def forget(ev) -> None:
    """Drop what runs memoise on an evaluation (proposals, answers, proposer views): a cold start for both engines."""
    ev.proposal_cache.clear()
    ev.response_cache.clear()
    ev.memo.clear()


def per_run(scenario, seeds: int) -> tuple[float, float, float, int, float, int]:
    """Seconds per run over ``seeds`` seeds, on the model (one after another) and on the batched engine (all
    together): the plan space evaluated beforehand, the proposal search included (memos cleared first); and
    the batched engine again with the proposals already searched (warm: what a longer sweep approaches); the
    CPU seconds of evaluating the plan space (once per setting, not in the per-run figures) and the number of
    distinct proposal searches the batch made."""
    evaluations = []
    for _ in range(3):
        t0 = time.process_time()
        evaluate_uncached(scenario)
        evaluations.append(time.process_time() - t0)
    ev = evaluate(scenario)
    model_times, batch_times, warm_times = [], [], []
    for _ in range(3):
        forget(ev)
        t0 = time.process_time()
        for seed in range(seeds):
            NegotiationModel(scenario, seed=seed).run()
        model_times.append((time.process_time() - t0) / seeds)
        forget(ev)
        t0 = time.process_time()
        negotiate(scenario, list(range(seeds)), evaluation=ev)
        batch_times.append((time.process_time() - t0) / seeds)
        searches = len(ev.proposal_cache)
        t0 = time.process_time()
        negotiate(scenario, list(range(seeds)), evaluation=ev)
        warm_times.append((time.process_time() - t0) / seeds)
    return (statistics.median(model_times), statistics.median(batch_times), statistics.median(warm_times),
            len(ev.space), statistics.median(evaluations), searches)


def organisations(seeds: int, sizes, every_pair_named: bool = False) -> None:
    trust = "every pair's trust named" if every_pair_named else "default trust between every pair"
    print(f"organisations ({trust}; {seeds} seeds; ms of CPU per run, median of 3)")
    print("organisations  plans  evaluate ms  searches  model ms/run  batched ms/run  batched warm ms/run")
    first = None
    for n in sizes:
        s = scenario_from_dict(area(n, every_pair_named), f"scaling-{n}")
        t_model, t_batch, t_warm, plans, t_eval, searches = per_run(s, seeds)
        first = first or (t_model, t_batch, t_warm, t_eval)
        print(f"{n:>13}  {plans:>5}  {t_eval * 1e3:>11.1f}  {searches:>8}  {t_model * 1e3:>12.3f}  "
              f"{t_batch * 1e3:>14.3f}  {t_warm * 1e3:>19.3f}")
    growth = t_batch / first[1]
    print(f"growth {sizes[0]} -> {sizes[-1]} organisations: model {t_model / first[0]:.1f}x, "
          f"batched {growth:.1f}x, batched with the proposals searched {t_warm / first[2]:.1f}x; "
          f"evaluating the plan space (once per setting) {t_eval / first[3]:.1f}x")
    if sizes[-1] == 16 * sizes[0]:
        print(f"target (issue 11): per-run time grows <= 16x from {sizes[0]} to {sizes[-1]} organisations, cold: "
              f"model {'met' if t_model / first[0] <= 16 else 'NOT met'}, "
              f"batched {'met' if growth <= 16 else 'NOT met'}")


def rounds(seeds: int, deadlines) -> None:
    s = load_scenario(ROOT / "scenarios" / "northamptonshire_2014.toml")
    print("\nrounds (Northamptonshire, deadlock: every run goes to the deadline)")
    print("deadline  model ms/run  batched ms/run  batched/model")
    ev = evaluate(s)
    for d in deadlines:
        forget(ev)
        t0 = time.process_time()
        k = max(5, seeds // 10)
        for seed in range(k):
            NegotiationModel(s, seed=seed, rounds=d).run()
        t_model = (time.process_time() - t0) / k
        forget(ev)
        t0 = time.process_time()
        negotiate(s, list(range(seeds)), rounds=d, evaluation=ev)
        t_batch = (time.process_time() - t0) / seeds
        print(f"{d:>8}  {t_model * 1e3:>12.3f}  {t_batch * 1e3:>14.3f}  {t_batch / t_model:>13.3f}")


def plans(sizes) -> None:
    s = load_scenario(ROOT / "scenarios" / "oxfordshire_2014.toml")
    lay = layout(s)
    x0 = coarse_parameters(s, lay)
    print("\nplans (4 organisations): build + value, and the arrays' size")
    print("    plans  seconds  arrays MiB")
    for n in sizes:
        x = np.tile(x0, (n // len(x0) + 1, 1))[:n]
        t0 = time.process_time()
        space = space_from_parameters(s, x, lay)
        values = value_plans(s, space)
        seconds = time.process_time() - t0
        mib = (sum(a.nbytes for a in values.values()) + space.nbytes) / 2**20
        print(f"{n:>9,}  {seconds:>7.2f}  {mib:>10.0f}")
    if sizes[-1] >= 1_000_000:
        print(f"target: 10^6 plans in under 2 s ({'met' if seconds < 2 else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="fewer sizes (a smoke test)")
    parser.add_argument("--every-pair-named", action="store_true",
                        help="organisations series: name every pair's trust (the proposal search's worst case)")
    parser.add_argument("--only", choices=("organisations", "rounds", "plans"), action="append",
                        help="run only this series (repeatable; default: all three)")
    args = parser.parse_args()
    only = set(args.only or ("organisations", "rounds", "plans"))
    print("CPU seconds of this process (time.process_time), so other jobs on a shared machine count less")
    if "organisations" in only:
        organisations(args.seeds, (4, 16) if args.quick else (4, 8, 16, 32, 64), args.every_pair_named)
    if "rounds" in only:
        rounds(args.seeds, (8, 50) if args.quick else (8, 50, 200, 500))
    if "plans" in only:
        plans((10_000,) if args.quick else (10_000, 100_000, 1_000_000))


if __name__ == "__main__":
    main()

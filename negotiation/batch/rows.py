"""One tidy row per negotiation, and a chunk of rows: the unit of work every backend runs.

A chunk is a fixed range of run ids, so its rows are the same whoever runs it,
on whatever engine, before or after a resume. The runs of one setting are made
by the batched engine (:mod:`negotiation.engine`), all seeds at once; a scenario
it cannot batch is run by :class:`~negotiation.model.NegotiationModel`, one seed
at a time. Either way the row comes from :func:`outcome_row`, so the two agree
column for column (``tests/test_engine_equivalence.py``).
"""

from __future__ import annotations

import math

from negotiation import analysis
from negotiation.boards.rows import area_row, validate_raw
from negotiation.boards.spec import Area
from negotiation.domain.evaluation import Evaluation
from negotiation.scenario import Scenario, apply_overrides

NAN = math.nan


def analysis_columns(ev: Evaluation, plan_index: int | None) -> dict:
    """A run's bargaining measures over its zone of agreement (README: sweeps; analysis.py), NaN without a plan.

    ``efficiency`` (in [0, 1]): the signed plan's total gain over no deal as a share of the utilitarian
    maximum over the zone; NaN when nothing was signed, or the zone is empty or offers no total gain.
    ``distance_to_frontier`` (£m, Euclidean over the organisations' gains): to the nearest Pareto-frontier
    plan that leaves nobody worse off, 0 on the frontier; NaN when nothing was signed or the zone is empty.
    The frontier and the utilitarian plan are memoised on the evaluation, so runs sharing a scenario pay
    for them once. :func:`plan_columns` calls it, so every engine writes the same figures.
    """
    if plan_index is None:
        return {"efficiency": NAN, "distance_to_frontier": NAN}
    # Seeds of one setting mostly sign the same few plans: each plan's figures are worked out once.
    memo = ev.memo.setdefault("analysis_columns", {})
    found = memo.get(plan_index)
    if found is None:
        eff = analysis.efficiency(ev, plan_index, analysis.utilitarian_plan(ev))
        dist = analysis.distance_to_frontier(ev, plan_index)
        found = memo[plan_index] = (NAN if eff is None else eff, NAN if dist is None else dist)
    return {"efficiency": found[0], "distance_to_frontier": found[1]}


def plan_columns(ev: Evaluation, ids: list[str] | tuple[str, ...], plan: int | None) -> dict:
    """Columns that depend only on the evaluation and the signed plan (``None``: no plan signed).

    The one place such per-run columns are computed, whichever engine ran the negotiation. The seeds of
    a setting sign a few plans between them, so each plan's money columns are worked out once (memoised
    on the evaluation); the bargaining measures keep their own memo (:func:`analysis_columns`).
    """
    memo = ev.memo.setdefault("plan_columns", {})
    key = (plan, tuple(ids))
    found = memo.get(key)
    if found is None:
        money: dict = {}
        for i, org_id in enumerate(ids):
            money[f"contribution.{org_id}"] = float(ev.space.contributions[plan, i]) if plan is not None else 0.0
            money[f"utility.{org_id}"] = float(ev.utility[i, plan]) if plan is not None else float(ev.reservation[i])
        found = memo[key] = (float(ev.space.fund_total[plan]) if plan is not None else 0.0, money)
    return {"fund_total": found[0], **analysis_columns(ev, plan), **found[1]}


def outcome_row(ev: Evaluation, ids, outcome: str, rounds: int, plan: int | None, blockers, failed,
                signed_off: bool | None = None) -> dict:
    """One run flattened into what a policy table needs (the schema of ``batch.spec.FIXED_COLUMNS``).

    ``signed_off`` defaults to "a plan is in force"; an arbitrated plan is in force without sign-off.
    """
    columns = plan_columns(ev, ids, plan)
    return {
        "outcome": outcome,
        "signed_off": plan is not None if signed_off is None else signed_off,
        "rounds": rounds,
        "fund_total": columns.pop("fund_total"),
        "blockers": ";".join(blockers),
        "failed_conditions": ";".join(failed),
        **columns,
    }


def run_row(scenario: Scenario, seed: int) -> dict:
    """Run one negotiation on the Mesa model and flatten it into one row."""
    from negotiation.model import NegotiationModel  # Mesa: a worker loads it only when a run needs the model

    model = NegotiationModel(scenario, seed=seed).run()
    outcome = model.outcome
    assert outcome is not None  # run() finishes the model
    return outcome_row(model.evaluation, model.ids, outcome.outcome, model.round, outcome.plan_index,
                       outcome.blockers, outcome.failed_conditions, outcome.signed_off)


def run_rows(scenario: Scenario, seeds: list[int], evaluation: Evaluation | None = None) -> list[dict]:
    """One row per seed, in order: all seeds together on the batched engine when it knows the scenario.

    ``evaluation``: the scenario's own (:func:`~negotiation.domain.evaluation.evaluate_many` made it), if at hand.
    """
    from negotiation.engine import batchable, negotiate

    if not batchable(scenario):
        return [run_row(scenario, seed) for seed in seeds]
    from negotiation.domain.evaluation import evaluate

    ev = evaluation if evaluation is not None else evaluate(scenario)
    return [outcome_row(ev, scenario.ids, e.outcome, e.rounds, e.plan_index, e.blockers, e.failed_conditions)
            for e in negotiate(scenario, seeds, evaluation=ev)]


SETTINGS_TOGETHER = 16  # settings of a chunk whose plan spaces are evaluated together (evaluate_many)


def run_chunk(raw: dict, source: str, runs: list[tuple[int, dict, int]]) -> list[dict]:
    """Rows for ``runs`` = [(run_id, parameter values, seed), ...]; consecutive runs share a scenario.

    The plan spaces of up to :data:`SETTINGS_TOGETHER` consecutive settings are evaluated together
    (:func:`~negotiation.domain.evaluation.evaluate_many`: the same evaluations, less overhead), then each
    setting's seeds are negotiated as before.
    """
    settings: list[tuple[dict, list]] = []  # (parameter values, its runs)
    start = 0
    while start < len(runs):
        params = runs[start][1]
        end = start
        while end < len(runs) and runs[end][1] == params:
            end += 1
        settings.append((params, runs[start:end]))
        start = end
    rows: list[dict] = []
    for first in range(0, len(settings), SETTINGS_TOGETHER):
        batch = settings[first:first + SETTINGS_TOGETHER]
        scenarios = [validate_raw(apply_overrides(raw, params, source), source) for params, _ in batch]
        evaluations = _evaluate_together(scenarios)
        for (params, group), scenario, ev in zip(batch, scenarios, evaluations):
            seeds = [seed for _, _, seed in group]
            # A file with several boards runs as one area (negotiation.boards), one seed at a time.
            results = ([area_row(scenario, seed) for seed in seeds] if isinstance(scenario, Area)
                       else run_rows(scenario, seeds, ev))
            for (run_id, _, seed), result in zip(group, results):
                rows.append({"run_id": run_id, **params, "seed": seed, **result})
    return rows


def _evaluate_together(scenarios: list) -> list[Evaluation | None]:
    """The evaluations the batched engine will use, made together; None where a setting runs otherwise."""
    from negotiation.domain.evaluation import evaluate_many
    from negotiation.engine import batchable

    wanted = [i for i, s in enumerate(scenarios) if not isinstance(s, Area) and batchable(s)]
    out: list[Evaluation | None] = [None] * len(scenarios)
    for i, ev in zip(wanted, evaluate_many([scenarios[i] for i in wanted], cache=False)):
        out[i] = ev
    return out

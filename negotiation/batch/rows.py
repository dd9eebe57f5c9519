"""One tidy row per negotiation, and a chunk of rows: the unit of work every backend runs.

A chunk is a fixed range of run ids, so its rows are the same whoever runs it,
on whatever engine, before or after a resume.
"""

from __future__ import annotations

import math

from negotiation import analysis
from negotiation.boards.rows import area_row, validate_raw
from negotiation.boards.spec import Area
from negotiation.domain.evaluation import Evaluation
from negotiation.model import NegotiationModel
from negotiation.scenario import Scenario, apply_overrides

NAN = math.nan


def analysis_columns(ev: Evaluation, plan_index: int | None) -> dict:
    """A run's bargaining measures over its zone of agreement (README: sweeps; analysis.py), NaN without a plan.

    ``efficiency`` (in [0, 1]): the signed plan's total gain over no deal as a share of the utilitarian
    maximum over the zone; NaN when nothing was signed, or the zone is empty or offers no total gain.
    ``distance_to_frontier`` (£m, Euclidean over the organisations' gains): to the nearest Pareto-frontier
    plan that leaves nobody worse off, 0 on the frontier; NaN when nothing was signed or the zone is empty.
    The frontier and the utilitarian plan are memoised on the evaluation, so runs sharing a scenario pay
    for them once. Every engine that writes sweep rows calls this one function.
    """
    if plan_index is None:
        return {"efficiency": NAN, "distance_to_frontier": NAN}
    eff = analysis.efficiency(ev, plan_index, analysis.utilitarian_plan(ev))
    dist = analysis.distance_to_frontier(ev, plan_index)
    return {"efficiency": NAN if eff is None else eff, "distance_to_frontier": NAN if dist is None else dist}


def run_row(scenario: Scenario, seed: int) -> dict:
    """Run one negotiation and flatten what a policy table needs into one row."""
    model = NegotiationModel(scenario, seed=seed).run()
    ev, outcome = model.evaluation, model.outcome
    assert outcome is not None  # run() finishes the model
    plan = outcome.plan_index
    row = {
        "outcome": outcome.outcome,
        "signed_off": outcome.signed_off,
        "rounds": model.round,
        "fund_total": float(ev.space.fund_total[plan]) if plan is not None else 0.0,
        "blockers": ";".join(outcome.blockers),
        "failed_conditions": ";".join(outcome.failed_conditions),
        **analysis_columns(ev, plan),
    }
    utility = ev.rows.utility
    for agent in model.organisations:
        i = agent.index
        row[f"contribution.{agent.org_id}"] = float(ev.space.contributions[plan, i]) if plan is not None else 0.0
        row[f"utility.{agent.org_id}"] = utility[i][plan] if plan is not None else agent.reservation
    return row


def run_chunk(raw: dict, source: str, runs: list[tuple[int, dict, int]]) -> list[dict]:
    """Rows for ``runs`` = [(run_id, parameter values, seed), ...]; consecutive runs share a scenario."""
    rows: list[dict] = []
    last_params: dict | None = None
    scenario: Scenario | Area | None = None
    for run_id, params, seed in runs:
        if params != last_params:
            scenario = validate_raw(apply_overrides(raw, params, source), source)
            last_params = params
        assert scenario is not None
        row = {"run_id": run_id, **params, "seed": seed}
        row.update(area_row(scenario, seed) if isinstance(scenario, Area) else run_row(scenario, seed))
        rows.append(row)
    return rows

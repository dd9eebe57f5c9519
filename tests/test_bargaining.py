"""Proposers who bargain, patience, the mediator, and the analysis of agreements (issue 7, items 5 and 6)."""

from collections import defaultdict

import numpy as np
import pytest

from negotiation import load_scenario, run_scenario
from negotiation.analysis import (
    distance_to_frontier,
    efficiency,
    gains,
    kalai_smorodinsky_plan,
    nash_plan,
    pareto_frontier,
    utilitarian_plan,
)
from negotiation.domain.evaluation import evaluate

from .conftest import BASELINE, NORTHAMPTONSHIRE, OXFORDSHIRE

SEEDS = range(60)


def _gain(r, org):
    o = r.organisations[org]
    return o["utility"] - o["reservation"]


def test_proposer_of_the_signed_plan_gains_at_least_as_much_as_when_another_signs_it():
    s = load_scenario(BASELINE)
    own, other = defaultdict(list), defaultdict(list)
    for seed in range(100):
        r = run_scenario(s, seed=seed)
        assert r.signed_off
        proposer = r.model.history[-1].proposer
        for org in r.organisations:
            (own if org == proposer else other)[org].append(_gain(r, org))
    checked = 0
    for org in s.organisations:
        if own[org] and other[org]:
            assert np.mean(own[org]) >= np.mean(other[org]) - 1e-9, org
            checked += 1
    assert checked >= 3  # most organisations propose a signed plan in some seeds


@pytest.mark.parametrize(
    "org", ["middleshire_ccg", "middleshire_council", "middleshire_community", "middleshire_hospitals"]
)
def test_a_more_patient_organisation_does_not_get_a_smaller_share(org):
    """Lower β: it holds out for more at every round, and is offered more.

    Where its duty fixes what it must get (the council needs its social-care money), β moves only the
    round the deal closes, and its gain by under 1%: that is the tolerance.
    """
    def mean_gain(beta):
        s = load_scenario(BASELINE, {f"organisations.{org}.strategy": "time_dependent",
                                     f"organisations.{org}.beta": beta})
        results = [run_scenario(s, seed=seed) for seed in SEEDS]
        assert all(r.signed_off for r in results)
        return np.mean([_gain(r, org) for r in results])

    patient, linear, eager = mean_gain(0.3), mean_gain(1.0), mean_gain(3.0)
    assert patient >= 0.99 * linear and linear >= 0.99 * eager and patient >= 0.99 * eager, (patient, linear, eager)


@pytest.mark.parametrize("path", [OXFORDSHIRE, NORTHAMPTONSHIRE, BASELINE], ids=lambda p: p.stem)
@pytest.mark.parametrize("protocol", ["rotating", "mediator"])
@pytest.mark.parametrize("deadline", [1, 2, 4, 8, 12])
def test_agreement_whenever_a_zone_exists_and_the_mediator_stays_within_duty(path, protocol, deadline):
    s = load_scenario(path, {"rules.protocol": protocol, "rules.deadline_rounds": deadline})
    ev = evaluate(s)
    has_zone = bool(ev.zone_of_agreement.any())
    for seed in range(5):
        r = run_scenario(s, seed=seed)
        assert r.signed_off == has_zone, (seed, r.outcome)
        if protocol == "mediator" and has_zone:
            for record in r.model.history:
                assert ev.zone_of_agreement[record.plan_index]  # within every duty, no worse than no deal
        if not has_zone:
            assert r.outcome == "deadlock" and r.blockers


def test_analysis_of_an_agreement():
    r = run_scenario(BASELINE, seed=0)
    ev, plan = r.model.evaluation, r.model.outcome.plan_index
    g = gains(ev)
    zone = np.flatnonzero(ev.zone_of_agreement)
    frontier = pareto_frontier(ev)
    assert len(frontier) and set(frontier) <= set(zone)
    # No zone plan dominates a frontier plan; every zone plan off the frontier is dominated by one on it.
    for j in frontier[:50]:
        dominated = (g[:, zone] >= g[:, [j]] - 1e-9).all(axis=0) & (g[:, zone] > g[:, [j]] + 1e-9).any(axis=0)
        assert not dominated.any()
    off = np.setdiff1d(zone, frontier)[:50]
    for j in off:
        assert distance_to_frontier(ev, int(j), frontier) >= 0
    for j in zone[:200]:
        e = efficiency(ev, int(j))
        assert 0.0 <= e <= 1.0
    assert efficiency(ev, utilitarian_plan(ev)) == pytest.approx(1.0)
    nash, ks = nash_plan(ev), kalai_smorodinsky_plan(ev)
    product = np.log(np.maximum(g[:, zone], 1e-9)).sum(axis=0)
    assert np.log(np.maximum(g[:, nash], 1e-9)).sum() == pytest.approx(product.max())
    assert ev.zone_of_agreement[ks]
    d = r.to_dict()
    a = d["analysis"]
    assert d["efficiency"] == a["efficiency"] and 0 <= a["efficiency"] <= 1
    assert a["on_frontier"] == (plan in set(frontier.tolist()))
    assert a["distance_to_frontier"] == pytest.approx(distance_to_frontier(ev, plan))
    assert a["nash"]["index"] == nash and a["kalai_smorodinsky"]["index"] == ks
    dead = run_scenario(NORTHAMPTONSHIRE, seed=0).to_dict()
    assert dead["efficiency"] is None and dead["analysis"]["nash"] is None

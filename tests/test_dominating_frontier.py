"""The quick route to a signed plan's distance to the frontier gives the full route's figure, to the last bit.

``analysis.distance_to_frontier`` without a frontier at hand asks
:mod:`negotiation.dominating_frontier` for the frontier plans that leave nobody
worse off, instead of building the whole frontier (a sweep asks in every
setting). These tests compare the two routes with ``==`` (not approx): on every
plan of every shipped one-board scenario, and on generated gains full of ties,
repeated plans and near-ties within the 1e-9 tolerance (where the quick route
must step aside and let the full one answer).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from negotiation import analysis, load_scenario
from negotiation.boards.spec import Area
from negotiation.domain.evaluation import evaluate_uncached
from negotiation.dominating_frontier import dominating_frontier, tolerance_decides_nothing
from negotiation.scenario import read_raw

from .conftest import SCENARIOS

ONE_BOARD = [p for p in sorted(SCENARIOS.glob("*.toml")) if "boards" not in read_raw(p)]


def _full_route(ev, plan: int) -> float | None:
    """The figure as it was always computed: the whole frontier, then the nearest plan above."""
    return analysis.distance_to_frontier(ev, plan, analysis.pareto_frontier(ev))


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and (a == b or math.isnan(a) and math.isnan(b)))


def _quick_route(ev, plan: int) -> float | None:
    ev.memo.pop("pareto_frontier", None)  # a memoised frontier would send the call down the full route
    return analysis.distance_to_frontier(ev, plan)


@pytest.mark.parametrize("path", ONE_BOARD, ids=lambda p: p.stem)
def test_every_plan_of_every_shipped_scenario(path):
    scenario = load_scenario(path)
    assert not isinstance(scenario, Area)
    quick, full = evaluate_uncached(scenario), evaluate_uncached(scenario)
    plans = len(quick.space)
    step = max(1, plans // 4000)  # every plan of the small spaces, an even sample of the largest
    answered = 0
    for plan in range(0, plans, step):
        assert _same(_quick_route(quick, plan), _full_route(full, plan)), plan
        answered += dominating_frontier(quick, plan) is not None
    zone = analysis.zone(full)
    if len(zone):
        assert answered > 0  # the quick route really was taken (not always deferring to the full one)
        frontier = analysis.pareto_frontier(full)
        for plan in zone[:: max(1, len(zone) // 500)]:  # its plans are exactly the frontier's above the plan
            found = dominating_frontier(quick, int(plan))
            if found is not None:
                above = (full.utility[:, frontier] - full.utility[:, [plan]] >= -analysis.TOL).all(axis=0)
                assert found.tolist() == frontier[above].tolist()


def _evaluation(utility: np.ndarray, reservation: np.ndarray, acceptable: np.ndarray) -> SimpleNamespace:
    """What the analysis reads of an evaluation: utilities, no-deal values, who could sign what, a memo."""
    return SimpleNamespace(utility=utility, reservation=reservation, acceptable=acceptable, memo={})


LEVELS = st.sampled_from([0.0, 1e-9, 2e-9, 5e-10, 1.5e-9, 0.1, 0.1 + 1e-9, 0.5, 0.5 + 1e-9, 0.5 + 2e-9,
                          1.0, 1.0 + 3e-9, 2.0, 7.5])  # near-ties on both sides of the 1e-9 tolerance


@st.composite
def evaluations(draw):
    orgs = draw(st.integers(1, 5))
    plans = draw(st.integers(1, 40))
    cells = st.one_of(LEVELS, st.floats(-1.0, 10.0, allow_nan=False, width=64),
                      st.integers(0, 8).map(lambda k: k * 0.125))  # coarse values: many repeated and equal gains
    utility = np.array(draw(st.lists(st.lists(cells, min_size=plans, max_size=plans), min_size=orgs, max_size=orgs)))
    if draw(st.booleans()):  # repeat some plans exactly
        copies = draw(st.lists(st.tuples(st.integers(0, plans - 1), st.integers(0, plans - 1)), max_size=6))
        for a, b in copies:
            utility[:, b] = utility[:, a]
    reservation = np.array(draw(st.lists(st.sampled_from([0.0, -1e-9, 0.1, -0.5]), min_size=orgs, max_size=orgs)))
    acceptable = utility >= reservation[:, None]
    if draw(st.booleans()):  # a zone that is not just "at least no deal" (duties)
        acceptable &= np.array(draw(st.lists(st.booleans(), min_size=plans, max_size=plans)))[None, :]
    if draw(st.booleans()):
        acceptable = np.asfortranarray(acceptable)  # as the batched evaluation lays it out
    return utility, reservation, acceptable


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evaluations())
def test_generated_gains_with_ties_and_near_ties(arrays):
    utility, reservation, acceptable = arrays
    quick = _evaluation(utility, reservation, acceptable)
    full = _evaluation(utility, reservation, acceptable)
    for plan in range(utility.shape[1]):
        found = dominating_frontier(quick, plan)
        event("quick route" if found is not None else "full route")
        assert _same(_quick_route(quick, plan), _full_route(full, plan))
        assert analysis.efficiency(quick, plan) == analysis.efficiency(full, plan)
        if found is not None:
            frontier = analysis.pareto_frontier(full)
            above = (utility[:, frontier] - utility[:, [plan]] >= -analysis.TOL).all(axis=0)
            assert found.tolist() == frontier[above].tolist()


def test_near_ties_within_the_tolerance_send_the_question_to_the_full_frontier():
    near = float(np.round(0.5 + 1e-9, 9))  # one in the 9th decimal above 0.5: a float gap just under 1e-9
    assert near - 0.5 <= analysis.TOL
    assert not tolerance_decides_nothing(np.array([[0.5, near, 2.0], [0.5, 0.5, 0.0]]))
    assert tolerance_decides_nothing(np.array([[1.0, 1.0, 2.0], [-0.0, 0.0, 3.0]]))  # equal gains are no near-tie
    assert not tolerance_decides_nothing(np.array([[np.nan, 1.0]]))
    assert not tolerance_decides_nothing(np.array([[1e6, 0.0]]))  # totals too large to be ordered by 1e-9
    ev = _evaluation(np.array([[0.5, near], [0.5, 0.5]]), np.zeros(2), np.ones((2, 2), dtype=bool))
    assert dominating_frontier(ev, 0) is None
    assert analysis.distance_to_frontier(ev, 0) == _full_route(ev, 0)


def test_a_repeated_plan_is_stood_for_by_its_first_copy():
    """Two plans with the same gains: the frontier keeps the first; the distance from the second is to it."""
    utility = np.array([[3.0, 1.0, 3.0], [1.0, 3.0, 1.0]])
    ev = _evaluation(utility, np.zeros(2), np.ones((2, 3), dtype=bool))
    assert dominating_frontier(ev, 2).tolist() == [0]
    assert analysis.pareto_frontier(_evaluation(utility, np.zeros(2), np.ones((2, 3), dtype=bool))).tolist() == [0, 1]
    assert analysis.distance_to_frontier(ev, 2) == 0.0

"""The batched engine gives exactly the rows of the one-at-a-time Mesa model, for every seed.

``sweep``, ``assess`` and ``compare`` make their runs on :mod:`negotiation.engine`;
users step :class:`~negotiation.model.NegotiationModel`. Both must say the same
thing about the same run, to the last bit of every column: the shipped scenarios
under both protocols and every strategy, many seeds, and scenarios hypothesis
draws (figures, organisations, strategies, β, trust, deadlines).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from negotiation.batch.rows import run_chunk, run_row, run_rows
from negotiation.engine import batchable, negotiate
from negotiation.errors import ScenarioError
from negotiation.scenario import apply_overrides, read_raw, scenario_from_dict
from negotiation.strategies import STRATEGIES

from .conftest import BASELINE, NORTHAMPTONSHIRE, OXFORDSHIRE, minimal_raw

OXFORDSHIRE_2025 = OXFORDSHIRE.parent / "oxfordshire_2025.toml"  # the 2025/26 rule set: approved with conditions
SHIPPED = [OXFORDSHIRE, NORTHAMPTONSHIRE, BASELINE, OXFORDSHIRE_2025]
SEEDS = list(range(40)) + [2**31 - 1, 2**40 + 7, 2**64 + 3]


def _scenario(path, sets):
    raw = read_raw(path)
    return scenario_from_dict(apply_overrides(raw, sets, str(path)), str(path))


def _everyone(raw_orgs, strategy):
    return {f"organisations.{org_id}.strategy": strategy for org_id in raw_orgs}


def _assert_same(scenario, seeds, label):
    assert batchable(scenario), label
    model_rows = [run_row(scenario, seed) for seed in seeds]
    engine_rows = run_rows(scenario, seeds)
    for seed, want, got in zip(seeds, model_rows, engine_rows):
        assert got == want, f"{label}, seed {seed}: {[(k, got[k], want[k]) for k in want if got.get(k) != want[k]]}"
        assert list(got) == list(want), label  # same columns, same order


@pytest.mark.parametrize("protocol", ["rotating", "mediator"])
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
@pytest.mark.parametrize("strategy", [None, *sorted(STRATEGIES)])
def test_shipped_scenarios_every_protocol_and_strategy(path, protocol, strategy):
    raw = read_raw(path)
    sets = {"rules.protocol": protocol} | (_everyone(raw["organisations"], strategy) if strategy else {})
    _assert_same(_scenario(path, sets), SEEDS, f"{path.stem} {protocol} {strategy or 'as shipped'}")


def test_mixed_strategies_and_deadlines():
    raw = read_raw(NORTHAMPTONSHIRE)
    names = sorted(STRATEGIES)
    for k, deadline in enumerate((1, 2, 3, 7, 30)):
        sets = {f"organisations.{org_id}.strategy": names[(i + k) % len(names)]
                for i, org_id in enumerate(raw["organisations"])}
        sets["rules.deadline_rounds"] = deadline
        _assert_same(_scenario(NORTHAMPTONSHIRE, sets), list(range(25)), f"mixed, deadline {deadline}")


def test_a_sweep_chunk_is_the_same_on_either_engine():
    raw = read_raw(OXFORDSHIRE)
    runs = [(i, {"organisations.oxfordshire_ccg.budget": 600.0 + 10 * (i // 5)}, i % 5) for i in range(20)]
    got = run_chunk(raw, str(OXFORDSHIRE), runs)
    for (run_id, params, seed), row in zip(runs, got):
        want = run_row(_scenario(OXFORDSHIRE, params), seed)
        assert row == {"run_id": run_id, **params, "seed": seed, **want}


def test_endings_come_back_in_seed_order_whatever_order_runs_finish():
    s = _scenario(BASELINE, {"rules.deadline_rounds": 12})
    seeds = [9, 3, 27, 3, 0]
    assert [e.seed for e in negotiate(s, seeds)] == seeds


# ---------------------------------------------------------------- scenarios hypothesis draws

fraction = st.floats(0, 1)
strategy_name = st.sampled_from(sorted(STRATEGIES))
beta = st.one_of(st.none(), st.floats(0.05, 5))


@st.composite
def shipped_variants(draw):
    path = draw(st.sampled_from(SHIPPED))
    raw = read_raw(path)
    sets: dict = {"rules.protocol": draw(st.sampled_from(["rotating", "mediator"])),
                  "rules.deadline_rounds": draw(st.integers(1, 40)),
                  "rules.trust_effect": draw(fraction)}
    for org_id, org in raw["organisations"].items():
        if draw(st.booleans()):
            sets[f"organisations.{org_id}.strategy"] = draw(strategy_name)
        b = draw(beta)
        if b is not None:
            sets[f"organisations.{org_id}.beta"] = b
        if draw(st.booleans()):
            sets[f"organisations.{org_id}.budget"] = org["budget"] * draw(st.floats(0.9, 1.1))
        if draw(st.integers(0, 9)) == 0:
            sets[f"organisations.{org_id}.breach_duty"] = True
    for i, _ in enumerate(raw.get("relationships", [])):
        if draw(st.booleans()):
            sets[f"relationships.{i}.trust"] = draw(fraction)
    if draw(st.booleans()):
        sets["activity.achievable_reduction"] = draw(st.floats(0, raw["activity"]["max_reduction"]))
    return path, sets


@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(case=shipped_variants(), seeds=st.lists(st.integers(0, 2**40), min_size=1, max_size=12))
def test_drawn_variants_of_the_shipped_scenarios(case, seeds):
    path, sets = case
    try:
        s = _scenario(path, sets)
    except ScenarioError:
        assume(False)
    _assert_same(s, seeds, f"{path.stem} {sets}")


@st.composite
def small_areas(draw):
    """Areas of 2 to 9 organisations of every kind, with their own figures and strategies."""
    raw = minimal_raw()
    raw["rules"]["protocol"] = draw(st.sampled_from(["rotating", "mediator"]))
    raw["rules"]["deadline_rounds"] = draw(st.integers(1, 20))
    raw["rules"]["minimum_fund"] = draw(st.floats(0, 30))
    kinds = draw(st.lists(st.sampled_from(["ccg", "council", "acute_trust", "community_trust"]), max_size=7))
    for i, kind in enumerate(kinds):
        budget = draw(st.floats(5, 300))
        raw["organisations"][f"org_{i}"] = {
            "name": f"Org {i}", "kind": kind, "budget": budget,
            "committed_spend": budget * draw(st.floats(0.8, 1.0)),
            "intervention_cost": draw(st.floats(0, 5)),
            "strategy": draw(strategy_name),
        } | ({"asc_need": draw(st.floats(0, 10))} if kind == "council" else {})
    for org in raw["organisations"].values():
        org["strategy"] = draw(strategy_name)
    ids = list(raw["organisations"])
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids), fraction), max_size=4))
    seen = set()
    raw["relationships"] = []
    for a, b, trust in pairs:
        if a != b and frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            raw["relationships"].append({"a": a, "b": b, "trust": trust})
    return raw


@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(raw=small_areas(), seeds=st.lists(st.integers(0, 2**32), min_size=1, max_size=8))
def test_drawn_areas(raw, seeds):
    try:
        s = scenario_from_dict(raw, "drawn.toml")
    except ScenarioError:
        assume(False)
    assume(all(math.isfinite(o.budget) for o in s.organisations.values()))
    _assert_same(s, seeds, f"{raw}")


def test_a_strategy_the_engine_does_not_know_falls_back_to_the_model(monkeypatch):
    """A strategy added later (here: a time-dependent curve with its own formula) is run by the Mesa model."""
    from negotiation import strategies
    from negotiation.strategies.time_dependent import TimeDependent

    class Stubborn(TimeDependent):
        name = "stubborn"
        history_free = False

        def aspiration(self, view):
            return view.ideal - (view.ideal - view.reservation) * view.time ** 4

    monkeypatch.setitem(strategies.STRATEGIES, "stubborn", Stubborn)
    raw = read_raw(BASELINE)
    s = scenario_from_dict(apply_overrides(raw, _everyone(raw["organisations"], "stubborn"), str(BASELINE)),
                           str(BASELINE))
    assert not batchable(s)
    seeds = list(range(6))
    assert run_rows(s, seeds) == [run_row(s, seed) for seed in seeds]


@pytest.mark.parametrize("method", ["final_offer", "nash"])
def test_arbitration_falls_back_to_the_model_with_the_same_rows(method):
    """An arbiter's award after deadlock is the model's (protocol.arbitration): run_rows must not batch it."""
    scenario = _scenario(NORTHAMPTONSHIRE, {"rules.arbitration": method})
    assert not batchable(scenario)
    seeds = list(range(6))
    rows = run_rows(scenario, seeds)
    assert rows == [run_row(scenario, seed) for seed in seeds]
    assert {r["outcome"] for r in rows} <= {"arbitrated", "deadlock", "approved", "not_approved"}

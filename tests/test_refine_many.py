"""Plan spaces refined together (``evaluate_many``) are the ones refined one at a time, to the last bit.

``run_chunk`` evaluates a chunk's settings together (:mod:`negotiation.domain.refine_many`):
each plan reads its own scenario's figures from a stack, and every value must be the
one the scenario alone gives (sign of zero included: Parquet would write it), for the
shipped scenarios' sampled figures, for scenarios of different shapes mixed in one
call, and for scenarios hypothesis draws.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiation.domain import evaluation as E
from negotiation.domain.refine_many import shape
from negotiation.scenario import apply_overrides, read_raw, scenario_from_dict
from negotiation.uncertainty.ranges import read_ranged
from negotiation.uncertainty.sampling import draw

from .conftest import BASELINE, NORTHAMPTONSHIRE, OXFORDSHIRE, minimal_raw

VALUES = ("money", "utility", "duty_gap", "acceptable", "failed", "realised_cut", "required_cut", "p4p_loss",
          "p4p_flows", "reservation", "ideal")
SPACE = ("contributions", "asc_protection", "community_schemes", "acute_support", "admissions_target",
         "ccg_risk_share", "fund_total", "trust_risk_share", "parameters")


def _bits(a) -> tuple:
    a = np.ascontiguousarray(a)
    return a.shape, a.dtype.str, a.tobytes()


def _assert_identical(scenarios):
    E._CACHE.clear()
    together = E.evaluate_many(scenarios)
    for s, got in zip(scenarios, together):
        alone = E.evaluate_uncached(s)
        for name in VALUES:
            assert _bits(getattr(got, name)) == _bits(getattr(alone, name)), (s.scenario.name, name)
        for name in SPACE:
            assert _bits(getattr(got.space, name)) == _bits(getattr(alone.space, name)), (s.scenario.name, name)
        assert got.conditions == alone.conditions and got.blocking == alone.blocking
    E._CACHE.clear()


def _sampled(path, n):
    ranged = read_ranged(str(path))
    points = draw(ranged.ranges, "sobol", 2).points[:n]
    return [scenario_from_dict(apply_overrides(ranged.raw, p, str(path)), str(path)) for p in points]


def test_sampled_figures_of_shipped_scenarios_are_valued_as_alone():
    northants = _sampled(NORTHAMPTONSHIRE, 20)
    assert all(shape(s) == shape(northants[0]) is not None for s in northants)  # one batch: really together
    _assert_identical(northants)
    _assert_identical(_sampled(OXFORDSHIRE, 20))


def test_shapes_mixed_in_one_call_come_back_in_order():
    """Different organisations, a later rule set (valued alone) and a repeated scenario, in one call."""
    ox_2025 = scenario_from_dict(read_raw(OXFORDSHIRE.parent / "oxfordshire_2025.toml"), "ox2025")
    assert shape(ox_2025) is None
    mixed = _sampled(NORTHAMPTONSHIRE, 3) + [ox_2025] + _sampled(OXFORDSHIRE, 3)
    baseline = scenario_from_dict(read_raw(BASELINE), str(BASELINE))
    _assert_identical(mixed + [baseline, mixed[0]])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.fixed_dictionaries({
            "ccg_budget": st.floats(150, 260), "council_need": st.floats(0.0, 8.0),
            "tariff": st.integers(900, 3500), "achievable": st.floats(0.0, 0.05),
            "per_scheme": st.floats(0.0, 0.01), "growth": st.integers(-300, 900),
            "minimum_fund": st.floats(2.0, 30.0), "ccg_intervention": st.floats(0.0, 6.0),
        }),
        min_size=2, max_size=6,
    )
)
def test_hypothesis_scenarios_are_valued_as_alone(draws):
    scenarios = []
    for d in draws:
        raw = minimal_raw(ccg={"budget": d["ccg_budget"], "intervention_cost": d["ccg_intervention"]},
                          council={"asc_need": d["council_need"]})
        raw["activity"].update(tariff=d["tariff"], achievable_reduction=d["achievable"],
                               reduction_per_scheme=d["per_scheme"], admissions_this_year=10000 + d["growth"],
                               max_reduction=0.06)
        raw["rules"]["minimum_fund"] = d["minimum_fund"]
        scenarios.append(scenario_from_dict(raw, "drawn"))
    _assert_identical(scenarios)

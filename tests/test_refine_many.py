"""Plan spaces refined together (``evaluate_many``) are the ones refined one at a time, to the last bit.

``run_chunk`` evaluates a chunk's settings together (:mod:`negotiation.domain.refine_many`):
each plan reads its own scenario's figures from a stack, and every value must be the
one the scenario alone gives (sign of zero included: Parquet would write it), for the
shipped scenarios' sampled figures, for scenarios of different shapes mixed in one
call, and for scenarios hypothesis draws.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiation.domain import evaluation as E
from negotiation.domain.refine import MAX_SEEDS, smallest
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


def _batch(**rules_and_activity) -> list:
    """Minimal scenarios whose rules or activity figures take each listed value in turn (the rest shared)."""
    out = []
    n = max(len(v) for v in rules_and_activity.values())
    for i in range(n):
        raw = minimal_raw()
        for name, values in rules_and_activity.items():
            group = "activity" if name in raw["activity"] else "rules"
            raw[group][name] = values[i % len(values)]
        out.append(scenario_from_dict(raw, "batch"))
    return out


def test_a_rule_that_varies_beside_organisation_figures_that_do_not():
    """The stack keeps figures every scenario shares once (a scalar, or one vector over organisations) and gathers
    the rest per plan: a per-plan share times a shared cost must still be each scenario's own product."""
    _assert_identical(_batch(unapproved_cost_share=[0.2, 0.5, 0.9], mret_rate=[0.3]))
    _assert_identical(_batch(mret_rate=[0.3, 0.5], tariff=[2000, 2600, 3100]))


def test_settings_whose_schemes_cannot_move_refine_beside_those_that_can():
    """No scheme effect (the scheme level cannot move: another move template) and some, in one batch."""
    scenarios = _batch(reduction_per_scheme=[0.0, 0.004, 0.0, 0.008])
    assert len({shape(s) for s in scenarios}) == 1
    _assert_identical(scenarios)


def test_the_stack_tells_minus_zero_from_zero():
    from negotiation.domain.stack import _same_everywhere

    assert _same_everywhere(np.array([1.5, 1.5, 1.5]), 0)
    assert not _same_everywhere(np.array([0.0, -0.0]), 0)
    assert not _same_everywhere(np.array([[1.0, 1.0], [2.0, 2.5]]), 1)
    assert _same_everywhere(np.array([[True, True], [False, False]]), 1)


def _pools(rng, n_settings, orgs=3):
    """Random pools: integer-valued utilities (ties), zones or none, approvable or not, and a few -0.0."""
    sizes = rng.integers(1, 40, n_settings)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    n = int(starts[-1])
    u = rng.integers(-3, 4, (orgs, n)).astype(float)
    u[rng.random((orgs, n)) < 0.05] = -0.0
    reservation = -rng.integers(0, 3, (orgs, n_settings)).astype(float)
    ok = rng.random((orgs, n)) < rng.choice([0.3, 0.8, 1.0], n_settings)[np.repeat(np.arange(n_settings), sizes)]
    duty_gap = rng.normal(0.0, 2.0, (orgs, n))
    approvable = rng.random(n) < rng.choice([0.0, 0.2, 0.9], n_settings)[np.repeat(np.arange(n_settings), sizes)]
    may_breach = rng.random((orgs, n_settings)) < 0.3
    return u, ok, duty_gap, approvable, reservation, may_breach, starts


def _seeds_alone(v: dict[str, np.ndarray]) -> list[int]:
    """The seed rule stated for one pool, plainly (the refinement's first statement of it): the plans to refine
    around are the bargaining solutions, the best approvable plan, ideals, or the plans nearest a zone."""
    u, ok, d = v["utility"], v["acceptable"], v["reservation"]
    zone = ok.all(axis=0)
    approvable = v["approvable"] if "approvable" in v else ~v["failed"].any(axis=1)
    gain = u - d[:, None]
    picked: list[int] = []
    has_zone = bool(zone.any())
    if has_zone:
        z = np.flatnonzero(zone)
        gz = gain[:, z]
        logs = np.log(np.maximum(gz, 1e-9)).sum(axis=0)
        picked += [int(z[i]) for i in np.argsort(-logs, kind="stable")[:4]]
        best = np.maximum(gz.max(axis=1), 1e-9)
        picked.append(int(z[np.argmax((gz / best[:, None]).min(axis=0))]))
        picked.append(int(z[np.argmax(gz.sum(axis=0))]))
        za = np.flatnonzero(zone & approvable)
        if len(za):
            picked.append(int(za[np.argmax(np.log(np.maximum(gain[:, za], 1e-9)).sum(axis=0))]))
    approvable_zone = has_zone and bool((zone & approvable).any())
    if not has_zone or (not approvable_zone and approvable.any()):
        # How far each plan is from being signable by everyone (£m short of duties and of no deal).
        short = np.maximum(v["duty_gap"], 0.0) * ~v["may_breach"][:, None] + np.maximum(-gain, 0.0)
        distance = short.sum(axis=0)
        if not has_zone:
            picked += smallest(distance, 4)
        if not approvable_zone and approvable.any():
            ap = np.flatnonzero(approvable)
            picked += [int(ap[i]) for i in smallest(distance[ap], 2)]
    # Each organisation's ideal: its best acceptable plan, the lowest index among equals (as argmax).
    first = min(len(d), MAX_SEEDS)
    has = ok[:first].any(axis=1)
    if has.any():
        best = np.where(ok[:first], u[:first], -np.inf).argmax(axis=1)
        picked += [int(j) for j in best[has]]
    return list(dict.fromkeys(picked))[:MAX_SEEDS]


@given(st.integers(0, 2**32 - 1), st.integers(1, 12))
@settings(max_examples=60, deadline=None)
def test_seeds_of_many_settings_are_each_settings_own(seed, n_settings):
    """``seeds_many`` picks, for every setting, the plans the rule stated for one pool (:func:`_seeds_alone`)
    picks from that setting's pool alone."""
    from negotiation.domain.seeds_many import seeds_many

    u, ok, duty_gap, approvable, reservation, may_breach, starts = _pools(np.random.default_rng(seed), n_settings)
    together = seeds_many(u, ok, duty_gap, approvable, reservation, may_breach, starts)
    for k in range(n_settings):
        a, b = starts[k], starts[k + 1]
        alone = _seeds_alone({"utility": u[:, a:b], "acceptable": ok[:, a:b], "duty_gap": duty_gap[:, a:b],
                       "approvable": approvable[a:b], "reservation": reservation[:, k], "may_breach": may_breach[:, k]})
        assert together[k] == [j + a for j in alone]


def _rows_by_pass(rng, n_passes=5, owners=4, width=3):
    """Passes of rows per owner, distinct within a pass, drawn from a small set (repeats across passes), with
    0.0 and -0.0 both present (the same value, different bytes)."""
    values = np.array([0.0, -0.0, 0.5, 1.0, 2.25])
    for _ in range(n_passes):
        x = values[rng.integers(0, len(values), (60, width))]
        owner = np.sort(rng.integers(0, owners, 60))
        keys = {(int(o), r.tobytes()) for o, r in zip(owner, x)}
        first = [i for i, key in enumerate((int(o), r.tobytes()) for o, r in zip(owner, x))
                 if key in keys and not keys.discard(key)]  # each distinct (owner, bytes) once
        yield x[first], owner[first]


@pytest.mark.parametrize("collide", [False, True], ids=["hashes", "every-hash-the-same"])
def test_seen_rows_answers_as_a_set_of_each_owners_row_bytes(monkeypatch, collide):
    """The batch's seen-rows test gives the Python set's answer, even when every row hashes alike."""
    from negotiation.domain import seen_rows

    if collide:
        monkeypatch.setattr(seen_rows, "row_hashes", lambda words, owner: np.zeros(len(owner), dtype=np.uint64))
    table = seen_rows.SeenRows(3)
    seen: set = set()
    for x, owner in _rows_by_pass(np.random.default_rng(7)):
        keys = [(int(o), r.tobytes()) for o, r in zip(owner, x)]
        expected = np.array([key not in seen for key in keys])
        seen.update(keys)
        assert (table.fresh(x, owner) == expected).all()
    assert table.size == len(seen)


def test_one_scenarios_seen_rows_answer_as_the_batchs():
    """A scenario refined alone keeps a set of row bytes (:class:`SeenBytes`): the batch's answers for one owner."""
    from negotiation.domain.seen_rows import SeenBytes, SeenRows

    alone, batch = SeenBytes(), SeenRows(3)
    met_again = 0
    for x, owner in _rows_by_pass(np.random.default_rng(11), owners=1):
        expected = batch.fresh(x, owner)
        assert (alone.fresh(x, owner) == expected).all()
        met_again += int((~expected).sum())
    assert met_again > 0 and len(alone.rows) == batch.size  # rows were met again, and -0.0 is not 0.0 in either


def test_care_levels_of_many_grids_are_each_grids_own():
    """``levels_many`` gives ``_levels`` of each row, bit for bit, including rows with -0.0 or NaN (left to it)."""
    from negotiation.domain.grid import _levels, levels_many

    rng = np.random.default_rng(3)
    tops = np.concatenate([rng.uniform(1.0, 30.0, 40), [1.0, 1.0, 2.5]])
    extras = np.round(rng.uniform(0.0, 20.0, (43, 2)), rng.integers(0, 3))
    extras[:5] = tops[:5, None] / 6 * np.array([1.0, 2.0])  # on the linspace: duplicates to drop
    extras[40] = (-0.0, 0.0)
    extras[41] = (np.nan, 0.25)
    extras[42] = (0.0, 2.5)
    for got, top, extra in zip(levels_many(tops, 7, extras), tops, extras):
        assert _bits(got) == _bits(_levels(top, 7, tuple(extra)))

"""The plan space: fine targets including a rise, negotiable splits, trusts sharing risk, gates, limits, cache."""

import subprocess

import numpy as np
import pytest

from negotiation import load_scenario
from negotiation.domain import evaluation as evaluation_module
from negotiation.domain.evaluation import evaluate, evaluate_uncached, footprint
from negotiation.domain.plan import MAX_PLAN_CELLS, TARGET_STEP, THETA, met_target, target_range
from negotiation.errors import ScenarioError
from negotiation.scenario import scenario_from_dict

from .conftest import BASELINE, NORTHAMPTONSHIRE, OXFORDSHIRE, ROOT, minimal_raw


@pytest.mark.parametrize("path", [OXFORDSHIRE, NORTHAMPTONSHIRE, BASELINE], ids=lambda p: p.stem)
def test_targets_on_a_half_point_scale_including_a_rise(path):
    s = load_scenario(path)
    ev = evaluate(s)
    tau = ev.space.admissions_target
    steps = tau / TARGET_STEP
    assert np.allclose(steps, np.round(steps), atol=1e-6)  # every target on the 0.5-point scale
    low, high = target_range(s)
    assert low < 0 and high > s.rules.national_admissions_target  # from a rise in admissions to above 3.5%
    assert low - 1e-9 <= tau.min() and tau.max() <= high + 1e-9
    assert tau.max() > 0.035
    # Targets below the one a plan's schemes meet are worth the same: each plan names the most ambitious met.
    met = met_target(s, ev.space.community_schemes)
    assert (tau >= np.clip(met, low, high) - 1e-9).all()
    assert len(np.unique(np.round(tau, 4))) >= 5


def test_oxfordshire_plans_include_a_rise_in_admissions():
    tau = evaluate(load_scenario(OXFORDSHIRE)).space.admissions_target
    assert tau.min() < 0 and len(np.unique(np.round(tau, 4))) >= 10


@pytest.mark.parametrize("path", [OXFORDSHIRE, NORTHAMPTONSHIRE, BASELINE], ids=lambda p: p.stem)
def test_conservation_and_who_pays(path):
    s = load_scenario(path)
    ev = evaluate(s)
    space = ev.space
    kinds = np.array([o.kind for o in s.organisations.values()])
    new_money = space.contributions.sum(axis=1)
    assert np.allclose(space.fund_total, s.existing_pooled + new_money)
    assert (space.asc_protection + space.community_schemes + space.acute_support <= new_money + 1e-9).all()
    # Only commissioners and councils pay into the pool; trusts may only absorb risk.
    assert (space.contributions[:, np.isin(kinds, ["acute_trust", "community_trust"])] == 0).all()
    assert (space.contributions >= -1e-12).all()
    # The unearned performance payment changes hands: nothing is destroyed.
    assert np.allclose(ev.p4p_flows.sum(axis=0), 0.0)
    assert (ev.p4p_loss <= s.rules.p4p_fraction * space.fund_total + 1e-9).all()
    # The CCGs' share of the new money is negotiated, not fixed.
    assert len(np.unique(np.round(space.parameters[:, THETA], 3))) >= 3
    if "acute_trust" in kinds:
        assert (space.trust_risk_share > 0).any()


def test_split_between_ccgs_is_negotiable_not_only_pro_rata():
    s = load_scenario(NORTHAMPTONSHIRE)
    c = evaluate(s).space.contributions
    nene, corby = s.ids.index("nene_ccg"), s.ids.index("corby_ccg")
    paid = c[:, nene] + c[:, corby]
    ratio = c[paid > 0, corby] / paid[paid > 0]
    assert len(np.unique(np.round(ratio, 4))) >= 2


def test_no_schemes_without_a_community_trust_and_no_acute_support_without_an_acute_trust():
    s = scenario_from_dict(minimal_raw())  # a CCG and a council only
    ev = evaluate(s)
    assert (ev.space.community_schemes == 0).all()
    assert (ev.space.acute_support == 0).all() and (ev.space.trust_risk_share == 0).all()
    assert np.allclose(ev.p4p_flows.sum(axis=0), 0.0)


def _many_organisations(n: int) -> dict:
    raw = minimal_raw()
    for i in range(n):
        raw["organisations"][f"trust_{i}"] = {"name": f"Trust {i}", "kind": "community_trust", "budget": 10,
                                              "committed_spend": 9, "activity_share": 1.0 / n}
    return raw


def test_a_plan_space_above_the_limit_is_refused_in_one_line(tmp_path):
    s = scenario_from_dict(_many_organisations(500))
    with pytest.raises(ScenarioError, match=f"above the limit of {MAX_PLAN_CELLS:,}"):
        evaluate_uncached(s)


def test_the_cli_refuses_a_huge_scenario_with_exit_2(tmp_path):
    lines = ['[scenario]\nname = "huge"\n[rules]\nminimum_fund = 10.0\n',
             "[activity]\nadmissions_last_year = 10000\nadmissions_this_year = 10100\nbaseline_admissions = 9000\n"
             "tariff = 2000\nachievable_reduction = 0.03\nreduction_per_scheme = 0.004\nmax_reduction = 0.06\n",
             '[organisations.ccg]\nname = "A CCG"\nkind = "ccg"\nbudget = 200\ncommitted_spend = 190\n',
             '[organisations.council]\nname = "A Council"\nkind = "council"\nbudget = 100\ncommitted_spend = 97\n']
    lines += [f'[organisations.trust_{i}]\nname = "T{i}"\nkind = "community_trust"\nbudget = 10\ncommitted_spend = 9\n'
              for i in range(500)]
    path = tmp_path / "huge.toml"
    path.write_text("\n".join(lines))
    p = subprocess.run([str(ROOT / ".venv" / "bin" / "negotiation"), "run", str(path)], capture_output=True,
                       text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 2, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "above the limit" in p.stderr


def test_the_evaluation_cache_is_bounded_by_bytes(monkeypatch):
    monkeypatch.setattr(evaluation_module, "_CACHE", {})
    one = footprint(evaluate(load_scenario(OXFORDSHIRE)))
    monkeypatch.setattr(evaluation_module, "CACHE_BYTES", int(2.5 * one))
    for budget in (600, 610, 620, 630, 640):
        evaluate(load_scenario(OXFORDSHIRE, {"organisations.oxfordshire_ccg.budget": budget}))
    cache = evaluation_module._CACHE
    assert sum(footprint(e) for e in cache.values()) <= 2.5 * one
    assert 1 <= len(cache) <= 2


@pytest.mark.parametrize("path", [OXFORDSHIRE, NORTHAMPTONSHIRE, BASELINE], ids=lambda p: p.stem)
def test_each_group_of_payers_pays_exactly_its_share_of_the_new_money(path):
    s = load_scenario(path)
    space = evaluate(s).space
    kinds = np.array([o.kind for o in s.organisations.values()])
    new_money = space.contributions.sum(axis=1)
    theta = space.parameters[:, THETA]
    assert np.allclose(space.contributions[:, kinds == "ccg"].sum(axis=1), theta * new_money)
    assert np.allclose(space.contributions[:, kinds == "council"].sum(axis=1), (1 - theta) * new_money)

"""Assurance judges whether an admissions target is credible (condition ``credible_target``).

The rule, from the sources: NHS England rejected 2014 plans it did not believe (it trusted £55m of
the £731m of savings the April plans promised; Oxfordshire's plan was "unrealistic"), and the March
2015 guidance left targets within 2 percentage points of the CCG's own operational plan unchanged.
A plan fails when its target (a cut on last year) exceeds the cut on last year its own schemes
achieve by more than ``rules.credibility_tolerance`` (default 0.02). The plans here are worked by
hand: with admissions flat (growth 0) the cut achieved on last year is the realised cut itself.
"""

import numpy as np
import pytest

from negotiation import ScenarioError, load_scenario
from negotiation.domain.evaluation import CONDITIONS, achieved_target, assess, evaluate
from negotiation.domain.plan import PARAMETERS, space_from_parameters
from negotiation.protocol.outcome import condition_sentence
from negotiation.scenario import scenario_from_dict

from .clirun import run_cli
from .conftest import OXFORDSHIRE, minimal_raw

CREDIBLE = CONDITIONS.index("credible_target")


def scenario(last=10000, this=10000, achievable=0.02, per_scheme=0.0, tolerance=None):
    raw = minimal_raw()
    raw["activity"].update(admissions_last_year=last, admissions_this_year=this, achievable_reduction=achievable,
                           reduction_per_scheme=per_scheme)
    if tolerance is not None:
        raw["rules"]["credibility_tolerance"] = tolerance
    return scenario_from_dict(raw)


def plans(s, targets, schemes=0.0):
    """Plans that differ only in their admissions target (and schemes), everything else at the minimum fund."""
    x = np.zeros((len(targets), len(PARAMETERS) + 2))  # one CCG and one council
    x[:, PARAMETERS.index("admissions_target")] = targets
    x[:, PARAMETERS.index("community_schemes")] = schemes
    x[:, PARAMETERS.index("ccg_share_of_new_money")] = 1.0
    x[:, PARAMETERS.index("top_up")] = 1.0
    x[:, len(PARAMETERS):] = 1.0  # each group's only member pays all of its group's share
    return space_from_parameters(s, x)


def test_default_tolerance_is_two_points_and_files_without_it_stay_valid():
    assert scenario().rules.credibility_tolerance == 0.02


def test_within_tolerance_passes_beyond_fails_boundary_passes():
    """Flat admissions, 2% achieved, tolerance 2 points: targets up to 4.0% are credible, 4.5% is not."""
    s = scenario()
    assert float(achieved_target(s, 0.0)) == pytest.approx(0.02)
    failed = assess(plans(s, [0.0, 0.035, 0.04, 0.045, 0.10]), s)[:, CREDIBLE]
    assert failed.tolist() == [False, False, False, True, True]  # 0.04 is exactly 2 points beyond: the boundary


def test_growth_turns_a_realised_cut_into_less_of_a_cut_on_last_year():
    """5% growth, 5% of this year's activity avoided: 1 − 1.05 × 0.95 = 0.25% on last year achieved,
    so with a 2-point tolerance a 2.0% target is credible and 2.5% (or the national 3.5%) is not."""
    s = scenario(last=10000, this=10500, achievable=0.05)
    assert float(achieved_target(s, 0.0)) == pytest.approx(0.0025)
    failed = assess(plans(s, [0.02, 0.0225, 0.025, 0.035]), s)[:, CREDIBLE]
    assert failed.tolist() == [False, False, True, True]


def test_schemes_buy_credibility():
    """Each £1m of schemes avoids 0.4% more: £2.5m makes a 5% target credible that fails without them."""
    s = scenario(per_scheme=0.004)
    failed = assess(plans(s, [0.05, 0.05], schemes=np.array([0.0, 2.5])), s)[:, CREDIBLE]
    assert failed.tolist() == [True, False]


def test_tolerance_is_a_rule_the_scenario_sets():
    s0, s1 = scenario(tolerance=0.0), scenario(tolerance=0.05)
    assert assess(plans(s0, [0.025]), s0)[0, CREDIBLE]
    assert not assess(plans(s1, [0.065]), s1)[0, CREDIBLE]


def test_the_failed_condition_is_explained_in_words():
    s = scenario(achievable=0.0)  # nothing avoided: the national 3.5% is 3.5 points beyond what is achieved
    ev = evaluate(s)
    j = int(np.flatnonzero(np.isclose(ev.space.admissions_target, 0.035))[0])
    assert ev.failed[j, CREDIBLE]
    text = condition_sentence("credible_target", ev, j, s)
    assert "(+3.5% on last year) is not credible" in text and "achieve +0.0% on last year" in text
    assert "2.0 percentage points" in text


@pytest.mark.parametrize("value, problem", [("0.02", "valid number"), (-0.01, "greater than or equal to 0"),
                                            (0.6, "less than or equal to 0.5"), (True, "valid number")])
def test_bad_tolerance_is_one_line_naming_file_field_and_value(tmp_path, value, problem):
    raw = minimal_raw()
    raw["rules"]["credibility_tolerance"] = value
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw, "area.toml")
    message = str(info.value)
    assert "area.toml" in message and "rules.credibility_tolerance" in message and problem in message
    assert "\n" not in message


def test_bad_tolerance_from_the_command_line_exits_2():
    code, out, err = run_cli("run", OXFORDSHIRE, "--set", "rules.credibility_tolerance=-1")
    assert code == 2 and "rules.credibility_tolerance" in err and len(err.strip().splitlines()) == 1


def test_explain_shows_the_credibility_test():
    code, out, _ = run_cli("explain", OXFORDSHIRE)
    assert code == 0 and "not credible" in out and "credible_target" in out
    code, out, _ = run_cli("explain", OXFORDSHIRE, "--json")
    import json

    d = json.loads(out)
    assert d["credibility_tolerance"] == 0.02 and d["national_target_credible"] is False
    # Oxfordshire: 7.2% growth, at most 5% of this year's activity avoided: 1 − 1.072 × 0.95 ≈ −1.8% on last year.
    assert d["achievable_target_at_most"] == pytest.approx(1 - 60032 / 56000 * 0.95, abs=1e-9)
    assert load_scenario(OXFORDSHIRE).rules.credibility_tolerance == 0.02

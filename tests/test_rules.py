"""Rules by policy year (issue 8): each rule set's checks on hand-worked plans, kinds validated, 2014/15 unchanged."""

from __future__ import annotations

import json

import numpy as np
import pytest

from negotiation import load_scenario, run_scenario
from negotiation.domain.evaluation import CONDITIONS, evaluate
from negotiation.domain.plan import PARAMETERS, SCH, TAU, A, layout, space_from_parameters
from negotiation.errors import ScenarioError
from negotiation.protocol.outcome import verdict
from negotiation.rules import available, rule_set
from negotiation.rules.pooled_grants import assess_pooled
from negotiation.scenario import scenario_from_dict

from .clirun import run_cli
from .conftest import ROOT, SCENARIOS, minimal_raw

OXON_2025 = SCENARIOS / "oxfordshire_2025.toml"


def test_rule_sets_state_their_rules_as_data():
    assert set(available()) >= {"bcf_2015_16", "bcf_2023_25", "bcf_2025_26"}
    old, new = rule_set("bcf_2015_16"), rule_set("bcf_2025_26")
    # The 2015/16 checks are the columns evaluation.assess() returns, in order (a new one is one line in the TOML).
    assert old.conditions == CONDITIONS
    assert {"mret", "payment_for_performance"} <= set(old.mechanisms)
    assert old.payment_at_risk and not new.payment_at_risk
    assert not {"mret", "payment_for_performance"} & set(new.mechanisms)
    assert [m["id"] for m in new.metrics] == ["emergency_admissions_65", "discharge_delay", "care_home_admissions_65"]
    assert new.asc_uplift == pytest.approx(0.039)
    assert {s["id"] for s in new.funding_streams} == {"nhs_minimum_contribution", "better_care_grant", "dfg"}
    assert "council section 151 officer" in new.signatories and "ICB chief executive" in new.signatories
    assert new.outcomes == ("approved", "approved_with_conditions", "not_approved")
    assert new.conditions == ("minimum_fund", "asc_uplift", "metric_goals")
    assert new.blocking == (True, True, False)
    for rs in map(rule_set, available()):  # every check has a source-backed place in its file
        assert rs.national_conditions and rs.funding_streams and rs.metrics and rs.signatories


def test_2025_26_checks_on_hand_worked_plans():
    s = load_scenario(OXON_2025)
    lay = layout(s)
    rows = np.zeros((4, lay.width))
    rows[:, len(PARAMETERS):] = 1.0  # one ICB, one council: each pays all of its group's share
    # a (£m to social care), schemes (£m): required uplift 3.9% x £19.2m = £0.749m.
    # Growth 2%, 1% avoided anyway, +0.4% per £1m of schemes: the goal met is 1 - 1.02 x (1 - cut).
    rows[:, A] = [0.0, 1.0, 1.0, 0.7]
    rows[:, SCH] = [5.0, 0.0, 5.0, 5.0]
    rows[:, TAU] = [0.01, -0.01, 0.01, 0.01]  # 1 - 1.02 x 0.97 = +1.06% -> 1.0%; 1 - 1.02 x 0.99 = -0.98% -> -1.0%
    space = space_from_parameters(s, rows, lay)
    failed = assess_pooled(space, s)
    assert failed.tolist() == [
        [False, True, False],   # no uplift: fails NC3
        [False, False, True],   # goal lets admissions rise 1%: approved with conditions
        [False, False, False],  # uplift and a goal that holds admissions: approved
        [False, True, False],   # £0.7m < £0.749m required
    ]
    ev = evaluate(s)
    names = ev.conditions
    assert verdict(ev, tuple(n for n, f in zip(names, failed[1]) if f)) == "approved_with_conditions"
    assert verdict(ev, tuple(n for n, f in zip(names, failed[0]) if f)) == "not_approved"
    assert verdict(ev, ()) == "approved"
    assert not ev.p4p_loss.any() and not ev.p4p_flows.any()  # no payment at risk in 2025/26


def test_2015_16_checks_on_hand_worked_plans(oxfordshire):
    lay = layout(oxfordshire)
    rows = np.zeros((2, lay.width))
    rows[:, len(PARAMETERS):] = 1.0
    rows[0, [A, TAU]] = [1.0, 0.0]  # £1.0m < £1.3m social care; target 0 < 3.5%; fund 25.3 + 1.0 < 37.5
    rows[1, [A, TAU]] = [12.2, 0.035]  # fund 25.3 + 12.2 = 37.5; social care and target met
    space = space_from_parameters(oxfordshire, rows, lay)
    from negotiation.domain.evaluation import assess

    # The fourth column is credible_target: 3.5% on last year is more than 2 points beyond what Oxfordshire's
    # schemes achieve with 7.2% growth (explain: at most -1.8%), so the second plan fails it too.
    assert assess(space, oxfordshire).tolist() == [[True, True, True, True], [False, False, False, True]]


def test_default_policy_is_2015_16_and_identical():
    assert load_scenario(SCENARIOS / "oxfordshire_2014.toml").rules.policy == "bcf_2015_16"
    a = run_scenario("oxfordshire_2014", seed=3).to_dict()
    b = run_scenario("oxfordshire_2014", seed=3, overrides={"rules.policy": "bcf_2015_16"}).to_dict()
    assert a == b


def test_2014_15_scenarios_give_the_results_they_gave_before_issue_8():
    """Stored from the tree just before the rule sets were merged (it already had the credibility condition):
    same outcome, plan and history (tests/data/results_2014_15.json)."""
    stored = json.loads((ROOT / "tests" / "data" / "results_2014_15.json").read_text())
    for key, expected in stored.items():
        name, seed = key.split("/")
        d = run_scenario(name, seed=int(seed)).to_dict()
        got = {k: d[k] for k in ("outcome", "rounds", "fund_total", "contributions", "plan", "failed_conditions",
                                 "blockers", "reasons")}
        got["history"] = [[h["round"], h["proposer"], h["plan"]["fund_total"], h["accepted"]] for h in d["history"]]
        assert json.loads(json.dumps(got)) == expected, key


@pytest.mark.parametrize("change, words", [
    ({"organisations.ccg.kind": "icb"}, "ICBs replaced CCGs on 1 July 2022"),
    ({"rules.policy": "bcf_2025_26", "rules.nhs_asc_contribution_last_year": 1.0, "rules.emergency_saving_rate": 0.2},
     "CCGs were replaced by ICBs"),
    ({"organisations.council.kind": "district_council", "organisations.council.asc_need": 0}, "needs at least one council"),
    ({"rules.policy": "bcf_2026_27"}, "rules.policy"),
])
def test_kinds_and_policies_are_validated(change, words):
    from negotiation.overrides import apply_overrides

    raw = apply_overrides(minimal_raw(), change, "t.toml")
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(raw, "t.toml")
    assert words in str(err.value) and str(err.value).startswith("t.toml: ")


def _raw_2025(**org):
    raw = minimal_raw()
    raw["rules"] = {"minimum_fund": 10.0, "deadline_rounds": 6, "policy": "bcf_2025_26",
                    "nhs_asc_contribution_last_year": 2.0, "emergency_saving_rate": 0.2}
    del raw["activity"]["baseline_admissions"]
    raw["organisations"]["ccg"]["kind"] = "icb"
    raw["organisations"].update(org)
    return raw


def test_district_needs_its_county_and_2025_fields_are_checked(tmp_path):
    ok = scenario_from_dict(_raw_2025(d={"name": "D", "kind": "district_council", "budget": 10, "committed_spend": 9,
                                         "dfg": 1.0}))
    assert ok.existing_pooled == pytest.approx(7.0)
    raw = _raw_2025(d={"name": "D", "kind": "district_council", "budget": 10, "committed_spend": 9})
    raw["organisations"]["council"]["kind"] = "unitary_council"
    with pytest.raises(ScenarioError, match="a district_council needs its county council"):
        scenario_from_dict(raw, "x.toml")
    raw = _raw_2025()
    raw["rules"]["mret_rate"] = 0.5
    with pytest.raises(ScenarioError, match="rules.mret_rate is not part of rules.policy 'bcf_2025_26'"):
        scenario_from_dict(raw, "x.toml")
    raw = _raw_2025()
    raw["organisations"]["council"]["breach_duty"] = True
    with pytest.raises(ScenarioError, match="section 151 officer"):
        scenario_from_dict(raw, "x.toml")
    # From the command line: one line naming the file and the problem, exit code 2.
    from .fuzzgen import to_toml

    raw = _raw_2025(d={"name": "D", "kind": "district_council", "budget": 10, "committed_spend": 9})
    del raw["organisations"]["council"]  # a district and no county (no council at all)
    path = tmp_path / "district.toml"
    path.write_text(to_toml(raw))
    code, out, err = run_cli("run", path)
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and str(path) in err and "needs at least one council" in err


def test_oxfordshire_2025_runs_and_explains():
    result = run_scenario(OXON_2025, seed=0)
    assert result.outcome in ("approved", "approved_with_conditions", "not_approved", "deadlock")
    assert result.to_dict()["rule_set"] == "bcf_2025_26"
    code, out, _ = run_cli("explain", OXON_2025, "--json")
    figures = json.loads(out)
    assert code == 0 and figures["rule_set"] == "bcf_2025_26"
    assert figures["asc_uplift_required"] == pytest.approx(0.039 * 19.2)
    assert sum(p["share_of_pool"] for p in figures["parties"].values()) == pytest.approx(1.0)
    assert figures["dfg_to_districts"] == pytest.approx(7.0)
    code, out, _ = run_cli("explain", OXON_2025)
    assert code == 0 and "ASC uplift required" in out and "section 151" in out


def test_every_estimate_in_the_new_scenarios_has_a_range():
    import tomllib

    from negotiation.uncertainty.ranges import split_ranges

    for name in ("oxfordshire_2025", "northamptonshire_2025", "north_central_london_2024"):
        text = (SCENARIOS / f"{name}.toml").read_text()
        _, ranges = split_ranges(tomllib.loads(text), name)[:2]
        assert len(ranges) > 10
        for line in text.splitlines():
            code = line.split("#")[0]
            if "=" in code and "estimate" in line and "{" not in code and not code.strip().startswith("["):
                pytest.fail(f"{name}: an estimate without a range: {line}")


def test_the_apps_session_handles_2025_rules():
    """The app (viz/) lists the one-board 2025 file and runs it; multi-board files are listed too (their own view)."""
    from negotiation.model import NegotiationModel
    from viz import session

    listed = session.shipped()
    assert "Oxfordshire 2025/26" in listed and "Northamptonshire 2025/26" in listed
    assert "Northamptonshire 2025/26" not in session.one_board(listed)
    raw = session.read_raw(OXON_2025)
    knobs = session.knobs(raw)
    assert not any(k.key.startswith("rules.") for k in knobs)  # no MRET or national target after 2015/16
    scenario = session.build(raw, {k.key: k.high for k in knobs}, "oxfordshire_2025.toml")
    model = NegotiationModel(scenario, seed=0).run()
    assert session.snapshot(model).banner.split(":")[0] in session.BANNERS.values()
    assert session.explain_rows(scenario)[0][0].startswith("Minimum fund")

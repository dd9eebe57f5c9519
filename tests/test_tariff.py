"""The tariff and target formulas, checked on the Oxfordshire paper's own figures (seed A ¶10)."""

import pytest

from negotiation.domain import tariff
from negotiation.explain import explain


def test_income_is_full_tariff_to_baseline_then_marginal_rate():
    assert tariff.acute_income(90, 100, 1000.0, 0.3) == 90_000
    assert tariff.acute_income(120, 100, 1000.0, 0.3) == pytest.approx(100_000 + 0.3 * 20 * 1000)


def test_saving_above_baseline_is_marginal_rate_and_below_is_full_tariff():
    assert tariff.commissioner_saving(120, 10, 100, 1000.0, 0.3) == pytest.approx(3000)
    # Crossing the baseline: 10 at 30% above, 10 at full tariff below.
    assert tariff.commissioner_saving(110, 20, 100, 1000.0, 0.3) == pytest.approx(3000 + 10000)


def test_conservation_income_lost_equals_commissioner_saving():
    lost = tariff.acute_income(130, 100, 800.0, 0.5) - tariff.acute_income(115, 100, 800.0, 0.5)
    assert lost == pytest.approx(tariff.commissioner_saving(130, 15, 100, 800.0, 0.5))


def test_oxfordshire_almost_ten_percent_and_around_twenty_five(oxfordshire):
    figures = explain(oxfordshire)
    assert 0.095 <= figures["required_cut_vs_current"] < 0.10  # "almost 10%"
    # "around 25%" is the paper's linear formula; the model's piecewise MRET gives 19.0% (16% of activity is
    # above the baseline), and both are shown as a calibration target with the model's value beside it.
    assert figures["activity_cut_to_fund_ccg_contribution_linear"] == pytest.approx(0.25, abs=0.02)
    assert figures["activity_cut_to_fund_ccg_contribution"] == pytest.approx(0.190, abs=0.002)
    assert figures["activity_above_mret_baseline"] == pytest.approx(0.164, abs=0.002)
    targets = {t["paper"]: t["model"] for t in figures["calibration_targets"]}
    assert targets["around 25% (linear formula)"] == figures["activity_cut_to_fund_ccg_contribution"]
    assert len(targets) == 3
    assert figures["retained_marginal_pot_last_year"] == pytest.approx(11.0, abs=0.5)  # "approximately £11m"


def test_explain_moves_with_inputs(oxfordshire):
    """Derived, not typed in: a higher marginal rate means a smaller cut releases the same cash."""
    raised = oxfordshire.model_copy(update={"rules": oxfordshire.rules.model_copy(update={"mret_rate": 0.5})})
    assert explain(raised)["activity_cut_to_fund_ccg_contribution_linear"] == pytest.approx(
        explain(oxfordshire)["activity_cut_to_fund_ccg_contribution_linear"] * 0.3 / 0.5
    )
    assert (explain(raised)["activity_cut_to_fund_ccg_contribution"]
            < explain(oxfordshire)["activity_cut_to_fund_ccg_contribution"])


def test_required_cut_formula():
    assert tariff.required_cut_vs_current(0.035, 0.0) == pytest.approx(0.035)
    assert tariff.required_cut_vs_current(0.0, 0.1) == pytest.approx(1 - 1 / 1.1)


def test_piecewise_release_inverts_the_commissioner_saving():
    for cash in (1.0, 7.0, 12.2, 30.0):
        frac = tariff.activity_cut_to_release_piecewise(cash, 60032, 50180, 2700.0, 0.3)
        saved = tariff.commissioner_saving(60032, frac * 60032, 50180, 2700.0, 0.3) / tariff.GBP_PER_M
        assert saved == pytest.approx(cash)

"""The figures the Oxfordshire paper quotes, derived from a scenario's inputs (seed A, paragraph 10).

They are computed, not typed in: change the admissions or the tariff in a
scenario and these move. They are **calibration targets**, not validation:
three inputs were set so that they come out (this year's admissions for the
"almost 10%", the existing pooled money for the "around 25%", the MRET baseline
for the "approximately £11m"), so :data:`CALIBRATION` lists each with the
paper's words and the model's own value beside it. Every cut is computed with
the piecewise MRET formula the model uses (:func:`tariff.commissioner_saving`);
the paper's linear shortcut (valid only above the baseline, where about 16% of
Oxfordshire's activity lies) is shown beside it for comparison.
"""

from __future__ import annotations

from negotiation.domain import tariff
from negotiation.scenario import Scenario


def ccg_additional_contribution(s: Scenario) -> float:
    """£m of new money the CCGs must pool to bring the fund to its minimum, after existing pooled money.

    Councils' existing money (e.g. the Disabled Facilities Grant) is counted;
    the rest of the minimum is the CCGs' additional contribution, as in the
    2015/16 BCF where the new money was top-sliced from CCG allocations.
    """
    return max(0.0, s.rules.minimum_fund - s.existing_pooled)


def explain(s: Scenario) -> dict:
    """The rule set's figures: the paper's for 2015/16; from 2023/24 the streams, shares and ASC uplift."""
    if s.rule_set.valuation != "payment_for_performance":
        from negotiation.rules.explain_pooled import explain_pooled

        return explain_pooled(s)
    act, rules = s.activity, s.rules
    g = tariff.growth(act.admissions_last_year, act.admissions_this_year)
    extra = ccg_additional_contribution(s)
    figures = {
        "scenario": s.scenario.name,
        "admissions_growth": g,
        "national_admissions_target": rules.national_admissions_target,
        "required_cut_vs_current": float(tariff.required_cut_vs_current(rules.national_admissions_target, g)),
        "ccg_additional_contribution": extra,
        "activity_cut_to_fund_ccg_contribution": tariff.activity_cut_to_release_piecewise(
            extra, act.admissions_this_year, act.baseline_admissions, act.tariff, rules.mret_rate
        ),
        "activity_cut_to_fund_ccg_contribution_linear": tariff.activity_cut_to_release(
            extra, act.admissions_this_year, act.tariff, rules.mret_rate
        ),
        "activity_above_mret_baseline": max(0.0, act.admissions_this_year - act.baseline_admissions)
        / act.admissions_this_year,
        "retained_marginal_pot_last_year": tariff.retained_marginal_pot_m(
            act.admissions_last_year, act.baseline_admissions, act.tariff, rules.mret_rate
        ),
        "emergency_spend_this_year": float(
            tariff.acute_income(act.admissions_this_year, act.baseline_admissions, act.tariff, rules.mret_rate)
        )
        / tariff.GBP_PER_M,
        "mret_rate": rules.mret_rate,
    }
    figures.update(credibility(s))
    figures["calibration_targets"] = calibration(figures)
    return figures


def credibility(s: Scenario) -> dict:
    """The assurance test of a target's credibility (condition ``credible_target``), for the national target.

    The most a plan can achieve is with schemes at their ceiling; a target counts as credible up to
    ``rules.credibility_tolerance`` beyond what the plan achieves (the March 2015 guidance's 2 points).
    """
    from negotiation.domain.evaluation import achieved_target
    from negotiation.domain.plan import scheme_ceiling

    has_community = any(o.kind == "community_trust" for o in s.organisations.values())
    best = float(achieved_target(s, scheme_ceiling(s) if has_community else 0.0))
    tol = s.rules.credibility_tolerance
    return {
        "achievable_target_at_most": best,
        "credibility_tolerance": tol,
        "most_ambitious_credible_target": best + tol,
        "national_target_credible": bool(s.rules.national_admissions_target <= best + tol + 1e-9),
    }


def calibration(figures: dict) -> list[dict]:
    """The paper's three figures (seed A ¶10) as calibration targets, with the model's value beside each."""
    return [
        {"figure": label, "paper": words, "paper_value": value, "model": figures[key], "unit": unit,
         "calibrated_by": by}
        for key, label, words, value, unit, by in CALIBRATION
    ]


CALIBRATION = (
    ("required_cut_vs_current", "Cut needed against current activity", "almost 10%", 0.10, "pct",
     "activity.admissions_this_year"),
    ("activity_cut_to_fund_ccg_contribution", "Activity cut to release the CCGs' contribution (piecewise MRET)",
     "around 25% (linear formula)", 0.25, "pct", "organisations.*.existing_pooled"),
    ("retained_marginal_pot_last_year", "Commissioner's retained MRET pot last year (£m)", "approximately £11m",
     11.0, "m", "activity.baseline_admissions"),
)


LABELS = {
    "admissions_growth": ("Emergency admissions growth this year", "pct"),
    "national_admissions_target": ("National target: cut on last year", "pct"),
    "required_cut_vs_current": ("Cut needed against current activity", "pct"),
    "ccg_additional_contribution": ("CCGs' additional contribution (£m)", "m"),
    "activity_cut_to_fund_ccg_contribution": ("Activity cut to release that cash (piecewise MRET)", "pct"),
    "activity_cut_to_fund_ccg_contribution_linear": ("The same by the paper's linear formula", "pct"),
    "activity_above_mret_baseline": ("Share of current activity above the MRET baseline", "pct"),
    "retained_marginal_pot_last_year": ("Commissioner's retained MRET pot last year (£m)", "m"),
    "emergency_spend_this_year": ("Emergency spend this year (£m)", "m"),
    "mret_rate": ("Marginal rate", "pct"),
    "achievable_target_at_most": ("Most a plan achieves: cut on last year, schemes at their ceiling", "pct"),
    "credibility_tolerance": ("Credibility tolerance at assurance (points beyond what is achieved)", "pct"),
    "most_ambitious_credible_target": ("Most ambitious credible target (cut on last year)", "pct"),
}

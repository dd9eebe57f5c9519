"""Payment-by-results arithmetic for emergency admissions (DESIGN.md §3, §7).

Under the marginal rate emergency tariff (MRET) a hospital is paid the full
tariff up to a baseline volume and only a fraction ``mret_rate`` of it above.
So a commissioner that cuts admissions above the baseline saves only that
fraction: the reason Oxfordshire could not fund its pool from admissions
falling. Money here is in pounds per admission and £m per year.
"""

from __future__ import annotations

import numpy as np

GBP_PER_M = 1_000_000.0


def acute_income(admissions, baseline, tariff, mret_rate):
    """Acute trust income (£) for a year's emergency admissions.

    I(N) = T·min(N, N_b) + m·T·max(0, N − N_b)

    >>> acute_income(110, 100, 1000.0, 0.3)
    103000.0
    """
    admissions = np.asarray(admissions, dtype=float)
    above = np.maximum(0.0, admissions - baseline)
    income = tariff * np.minimum(admissions, baseline) + mret_rate * tariff * above
    return float(income) if income.ndim == 0 else income


def commissioner_saving(current, cut, baseline, tariff, mret_rate):
    """Cash (£) a commissioner saves when admissions fall from ``current`` by ``cut``.

    Equal to m·T·cut while both points lie above the baseline.

    >>> commissioner_saving(110, 5, 100, 1000.0, 0.3)
    1500.0
    """
    return acute_income(current, baseline, tariff, mret_rate) - acute_income(
        np.asarray(current) - cut, baseline, tariff, mret_rate
    )


def growth(last_year: float, this_year: float) -> float:
    """Year-on-year growth g of emergency admissions.

    >>> round(growth(100, 107), 3)
    0.07
    """
    if last_year <= 0:  # guard: scenario validation keeps admissions at 1 or more
        raise ValueError(f"admissions last year must be above 0 (got {last_year})")
    return this_year / last_year - 1.0


def required_cut_vs_current(target_vs_last_year, growth_rate):
    """Cut against this year's activity that a target on last year's demands.

    r = 1 − (1 − τ)/(1 + g): a 3.5% cut on last year after 7.2% growth is
    almost 10% of current activity (seed A, paragraph 10).

    >>> round(required_cut_vs_current(0.035, 0.072), 3)
    0.1
    """
    if np.ndim(growth_rate) == 0 and growth_rate <= -1.0:  # guard: no activity this year, no cut can do it
        return float("inf")
    return 1.0 - (1.0 - target_vs_last_year) / (1.0 + growth_rate)


def activity_cut_to_release(cash_m: float, current: float, tariff: float, mret_rate: float) -> float:
    """Fraction of current activity to cut to release ``cash_m`` (£m) at the marginal rate.

    ΔN/N0 = X/(m·T·N0), valid above the baseline (seed A, paragraph 10: "around 25%").

    >>> round(activity_cut_to_release(12.15, 60000, 2700.0, 0.3), 3)
    0.25
    """
    if mret_rate * tariff * current <= 0:  # guard: at a zero rate no cut releases any cash
        return float("inf")
    return cash_m * GBP_PER_M / (mret_rate * tariff * current)


def retained_marginal_pot_m(admissions: float, baseline: float, tariff: float, mret_rate: float) -> float:
    """The commissioner's retained MRET pot (£m): R = (1 − m)·T·max(0, N − N_b).

    >>> round(retained_marginal_pot_m(56000, 50180, 2700.0, 0.3), 1)
    11.0
    """
    return (1.0 - mret_rate) * tariff * max(0.0, admissions - baseline) / GBP_PER_M


def activity_cut_to_release_piecewise(cash_m, current, baseline, tariff, mret_rate) -> float:
    """Fraction of current activity to cut so that the commissioner saves ``cash_m`` (£m), by the piecewise MRET.

    The inverse of :func:`commissioner_saving`: admissions above the baseline save m·T each, those below it
    the full tariff. Valid everywhere, unlike :func:`activity_cut_to_release` (seed A's linear arithmetic).

    >>> round(activity_cut_to_release_piecewise(12.15, 60000, 50180, 2700.0, 0.3), 3)
    0.19
    """
    cash = cash_m * GBP_PER_M
    above = max(0.0, current - baseline)
    at_margin = mret_rate * tariff * above
    cut = cash / (mret_rate * tariff) if cash <= at_margin else above + (cash - at_margin) / tariff
    return min(cut, current) / current

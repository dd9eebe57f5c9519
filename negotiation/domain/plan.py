"""The space of whole plans a Health and Wellbeing Board could be asked to sign.

A plan fixes every organisation's additional contribution (£m per year, on top
of money already pooled), the new money spent protecting adult social care,
on community (admission-avoidance) schemes and as risk-share support to the
acute trust, the admissions target on last year, and the CCGs' share of any
performance payment lost. The space is a grid built once per scenario, so a
round of negotiation is an array lookup, not an optimisation: that is what
lets a sweep run millions of negotiations.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from negotiation.domain import tariff
from negotiation.scenario import Scenario

RISK_SHARES = (0.25, 0.5, 0.75)  # CCGs' share of lost performance payment; the rest falls on councils
CCG_SHARES_OF_EXTRA = (1.0, 0.8)  # share of new money paid by the CCGs; councils pay the rest


@dataclass(frozen=True)
class Plan:
    """One proposal, in the words of a BCF plan template (£m per year)."""

    contributions: dict[str, float]
    fund_total: float  # existing pooled money + the contributions
    asc_protection: float
    community_schemes: float
    acute_support: float
    admissions_target: float  # reduction on last year, fraction
    ccg_risk_share: float

    def to_dict(self) -> dict:
        return {
            "contributions": {k: round(v, 4) for k, v in self.contributions.items()},
            "fund_total": round(self.fund_total, 4),
            "asc_protection": round(self.asc_protection, 4),
            "community_schemes": round(self.community_schemes, 4),
            "acute_support": round(self.acute_support, 4),
            "admissions_target": round(self.admissions_target, 4),
            "ccg_risk_share": self.ccg_risk_share,
        }


@dataclass(frozen=True, eq=False)
class PlanSpace:
    ids: tuple[str, ...]
    contributions: np.ndarray  # (plans, organisations) £m
    asc_protection: np.ndarray  # (plans,)
    community_schemes: np.ndarray
    acute_support: np.ndarray
    admissions_target: np.ndarray
    ccg_risk_share: np.ndarray
    fund_total: np.ndarray

    def __len__(self) -> int:
        return len(self.asc_protection)

    def plan(self, j: int) -> Plan:
        return Plan(
            contributions={org: float(c) for org, c in zip(self.ids, self.contributions[j])},
            fund_total=float(self.fund_total[j]),
            asc_protection=float(self.asc_protection[j]),
            community_schemes=float(self.community_schemes[j]),
            acute_support=float(self.acute_support[j]),
            admissions_target=float(self.admissions_target[j]),
            ccg_risk_share=float(self.ccg_risk_share[j]),
        )


def shares(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each masked organisation's share of ``values`` among its group (equal shares if all are zero).

    >>> shares(np.array([3.0, 1.0, 5.0]), np.array([True, True, False])).tolist()
    [0.75, 0.25, 0.0]
    """
    w = np.where(mask, values, 0.0)
    total = w.sum()
    return w / total if total > 0 else np.where(mask, 1.0 / max(mask.sum(), 1), 0.0)


def _levels(top: float, n: int, extra=()) -> np.ndarray:
    values = np.concatenate([np.linspace(0.0, max(top, 0.0), n), np.asarray(extra, dtype=float)])
    return np.unique(np.round(values, 4))


def scheme_ceiling(s: Scenario) -> float:
    """£m of schemes beyond which no further admissions can be avoided (capped at half the fund)."""
    a = s.activity
    if a.reduction_per_scheme <= 0:
        return 0.0
    return min((a.max_reduction - a.achievable_reduction) / a.reduction_per_scheme, 0.5 * s.rules.minimum_fund)


def target_levels(s: Scenario) -> np.ndarray:
    nat = s.rules.national_admissions_target
    return np.unique(np.round([nat + 0.01, nat, nat - 0.01, 0.02, 0.01, 0.0, -0.02, -0.04, -0.06], 4))


def build_plan_space(s: Scenario) -> PlanSpace:
    orgs = list(s.organisations.values())
    ids = tuple(s.organisations)
    kinds = np.array([o.kind for o in orgs])
    budgets = np.array([o.budget for o in orgs])
    ccg_w, council_w = shares(budgets, kinds == "ccg"), shares(budgets, kinds == "council")

    asc_need = sum(o.asc_need for o in orgs)
    a_top = max(1.25 * asc_need, 1.5 * s.rules.asc_protection_min, 1.0)
    a_levels = _levels(a_top, 9, (asc_need, s.rules.asc_protection_min))
    s_top = scheme_ceiling(s)
    s_levels = _levels(s_top, 4)
    has_acute = "acute_trust" in kinds
    if has_acute:
        act = s.activity
        cut = (act.max_reduction - act.achievable_reduction) * act.admissions_this_year
        loss = tariff.commissioner_saving(
            act.admissions_this_year, cut, act.baseline_admissions, act.tariff, s.rules.mret_rate
        ) / tariff.GBP_PER_M
        k_levels = _levels(max(loss, 0.5), 3)
    else:
        k_levels = np.array([0.0])
    min_new = max(0.0, s.rules.minimum_fund - s.existing_pooled)

    grid = np.array(
        list(itertools.product(a_levels, s_levels, k_levels, target_levels(s), RISK_SHARES, CCG_SHARES_OF_EXTRA, (0, 1))),
        dtype=float,
    )
    a, sch, k, tau, rho, theta, top_up = grid.T
    payouts = a + sch + k
    new_money = np.where(top_up == 1, np.maximum(payouts, min_new), payouts)
    # Both fund options coincide when the payouts already reach the minimum; keep one copy.
    keep = (top_up == 0) | (new_money > payouts + 1e-9)
    a, sch, k, tau, rho, theta, new_money = (x[keep] for x in (a, sch, k, tau, rho, theta, new_money))
    contributions = np.outer(theta * new_money, ccg_w) + np.outer((1.0 - theta) * new_money, council_w)
    return PlanSpace(
        ids=ids,
        contributions=contributions,
        asc_protection=a,
        community_schemes=sch,
        acute_support=k,
        admissions_target=tau,
        ccg_risk_share=rho,
        fund_total=s.existing_pooled + new_money,
    )

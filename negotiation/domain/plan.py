"""The space of whole plans a Health and Wellbeing Board could be asked to sign.

A plan fixes every organisation's additional contribution (£m per year, on top
of money already pooled), the new money spent protecting adult social care,
on community (admission-avoidance) schemes and as support to the acute trust
for the income it loses, the admissions target on last year, and who carries
the risk of the performance payment not being earned (CCGs, councils, trusts).

A plan is a row of a parameter matrix (:data:`PARAMETERS`, then each payer's
share of its group's contribution), so the space stays rows of numpy arrays
and every evaluation an (organisations × plans) array: a round of negotiation
is an array lookup, not an optimisation, which is what lets a sweep run
millions of negotiations. The coarse grid of candidate plans is built by
:mod:`negotiation.domain.grid` and refined around the plans that matter by
:mod:`negotiation.domain.refine`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.domain import tariff
from negotiation.domain.stack import StackRows
from negotiation.errors import ScenarioError
from negotiation.rules import role_kind
from negotiation.scenario import Scenario

# Columns of the parameter matrix, in order; then one column per CCG and per council (its share of
# its group's new money, summing to 1 within the group).
PARAMETERS = (
    "asc_protection",  # £m of new money to the council(s) for adult social care
    "community_schemes",  # £m to community trusts for admission avoidance (0 when there is none)
    "acute_support_share",  # share of the acute trusts' lost income (net of cost shed) the pool repays
    "admissions_target",  # reduction on last year, fraction (negative: a rise is allowed)
    "ccg_risk_share",  # CCGs' share of the payers' performance-payment risk; councils carry the rest
    "trust_risk_share",  # share of an unearned performance payment acute trusts forgo (absorb)
    "ccg_share_of_new_money",  # CCGs' share of the new money; councils pay the rest
    "top_up",  # 1: new money brought up to the area's minimum fund even if the payouts are smaller
)
A, SCH, KAPPA, TAU, RHO, SIGMA, THETA, TOP = range(len(PARAMETERS))
TARGET_STEP = 0.005  # the admissions target moves on a half-percentage-point scale
MAX_PLAN_CELLS = 1_000_000  # organisations × plans the evaluation may hold (8 MB per array; README: limits)


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
    trust_risk_share: float = 0.0
    ccg_share_of_new_money: float = 1.0

    def to_dict(self) -> dict:
        return {
            "contributions": {k: round(v, 4) for k, v in self.contributions.items()},
            "fund_total": round(self.fund_total, 4),
            "asc_protection": round(self.asc_protection, 4),
            "community_schemes": round(self.community_schemes, 4),
            "acute_support": round(self.acute_support, 4),
            "admissions_target": round(self.admissions_target, 4),
            "ccg_risk_share": round(self.ccg_risk_share, 4),
            "trust_risk_share": round(self.trust_risk_share, 4),
            "ccg_share_of_new_money": round(self.ccg_share_of_new_money, 4),
        }


@dataclass(frozen=True, eq=False)
class PlanSpace:
    ids: tuple[str, ...]
    contributions: np.ndarray  # (plans, organisations) £m
    asc_protection: np.ndarray  # (plans,)
    community_schemes: np.ndarray
    acute_support: np.ndarray  # £m
    admissions_target: np.ndarray
    ccg_risk_share: np.ndarray
    fund_total: np.ndarray
    trust_risk_share: np.ndarray
    parameters: np.ndarray  # (plans, len(PARAMETERS) + CCGs + councils): the rows plans are made from

    def __len__(self) -> int:
        return len(self.asc_protection)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f).nbytes for f in (
            "contributions", "asc_protection", "community_schemes", "acute_support", "admissions_target",
            "ccg_risk_share", "fund_total", "trust_risk_share", "parameters"))

    def part(self, rows: slice) -> PlanSpace:
        """The plans in ``rows`` (views, no copies): a large space is valued a piece at a time."""
        return PlanSpace(ids=self.ids, **{f: getattr(self, f)[rows] for f in (
            "contributions", "asc_protection", "community_schemes", "acute_support", "admissions_target",
            "ccg_risk_share", "fund_total", "trust_risk_share", "parameters")})

    def plan(self, j: int) -> Plan:
        return Plan(
            contributions={org: float(c) for org, c in zip(self.ids, self.contributions[j])},
            fund_total=float(self.fund_total[j]),
            asc_protection=float(self.asc_protection[j]),
            community_schemes=float(self.community_schemes[j]),
            acute_support=float(self.acute_support[j]),
            admissions_target=float(self.admissions_target[j]),
            ccg_risk_share=float(self.ccg_risk_share[j]),
            trust_risk_share=float(self.trust_risk_share[j]),
            ccg_share_of_new_money=float(self.parameters[j, THETA]),
        )


def shares(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each masked organisation's share of ``values`` among its group (equal shares if all are zero).

    >>> shares(np.array([3.0, 1.0, 5.0]), np.array([True, True, False])).tolist()
    [0.75, 0.25, 0.0]
    """
    w = np.where(mask, values, 0.0)
    total = w.sum()
    return w / total if total > 0 else np.where(mask, 1.0 / max(mask.sum(), 1), 0.0)


# ---------------------------------------------------------------- what the scenario allows


@dataclass(frozen=True)
class Layout:
    """Who is in the room, by kind: fixes the parameter matrix's columns and what each may receive."""

    kinds: np.ndarray
    ccgs: np.ndarray  # organisation indexes
    councils: np.ndarray
    has_acute: bool
    has_community: bool  # schemes need a community trust to receive the money (as acute support an acute trust)
    min_new: float  # £m of new money that brings the fund to the area's minimum

    @property
    def width(self) -> int:
        return len(PARAMETERS) + len(self.ccgs) + len(self.councils)


def layout(s: Scenario) -> Layout:
    kinds = np.array([role_kind(o.kind) for o in s.organisations.values()])  # an ICB pays as a CCG did
    return Layout(
        kinds=kinds,
        ccgs=np.flatnonzero(kinds == "ccg"),
        councils=np.flatnonzero(kinds == "council"),
        has_acute=bool((kinds == "acute_trust").any()),
        has_community=bool((kinds == "community_trust").any()),
        min_new=max(0.0, s.rules.minimum_fund - s.existing_pooled),
    )


def scheme_ceiling(s: Scenario) -> float:
    """£m of schemes beyond which no further admissions can be avoided (capped at half the fund)."""
    a = s.activity
    if a.reduction_per_scheme <= 0:
        return 0.0
    return min((a.max_reduction - a.achievable_reduction) / a.reduction_per_scheme, 0.5 * s.rules.minimum_fund)


def realised_cut(s: Scenario, schemes) -> np.ndarray:
    """Share of this year's emergency activity avoided: what happens anyway plus what the schemes add."""
    act = s.activity
    return np.minimum(act.max_reduction, act.achievable_reduction + act.reduction_per_scheme * np.asarray(schemes))


def commissioner_saving_gbp(s: Scenario, avoided) -> np.ndarray:
    """£ the commissioner saves (and the acute trust loses in income) when ``avoided`` admissions do not happen.

    2015/16: the piecewise MRET (full tariff below the baseline, ``mret_rate`` above it). Later rule sets have no
    MRET: the contract pays ``emergency_saving_rate`` of tariff for each admission (the rest is fixed).
    """
    act = s.activity
    if "mret" in s.rule_set.mechanisms:
        return tariff.commissioner_saving(
            act.admissions_this_year, avoided, act.baseline_admissions, act.tariff, s.rules.mret_rate
        )
    return (s.rules.emergency_saving_rate or 0.0) * act.tariff * np.asarray(avoided, dtype=float)


def required_asc_protection(s: Scenario) -> float:
    """£m of new money the plan must put into adult social care: the 2015/16 minimum, or the rule set's
    required uplift of last year's NHS contribution to social care (2025/26: 3.9%)."""
    uplift = s.rule_set.asc_uplift
    if uplift and s.rules.nhs_asc_contribution_last_year is not None:
        return uplift * s.rules.nhs_asc_contribution_last_year
    return s.rules.asc_protection_min


def local_goals(s: Scenario) -> bool:
    """True when the metrics are local goals with no money at risk: the plan's goal is what its schemes achieve."""
    return not s.rule_set.payment_at_risk


def acute_net_loss(s: Scenario, schemes) -> np.ndarray:
    """£m of income the acute trusts lose to the admissions the schemes add, net of the cost they shed (MRET)."""
    act = s.activity
    avoided = (realised_cut(s, schemes) - act.achievable_reduction) * act.admissions_this_year
    saving = commissioner_saving_gbp(s, avoided)
    return np.maximum(0.0, (saving - act.acute_marginal_cost * act.tariff * avoided) / tariff.GBP_PER_M)


def growth_rate(s: Scenario) -> float:
    if isinstance(s, StackRows):  # plans of several scenarios: each plan's own (refine_many)
        return s.growth
    return tariff.growth(s.activity.admissions_last_year, s.activity.admissions_this_year)


def met_target(s: Scenario, schemes) -> np.ndarray:
    """The most ambitious target on the half-point scale that the schemes' realised cut meets (no payment lost)."""
    tau = 1.0 - (1.0 + growth_rate(s)) * (1.0 - realised_cut(s, schemes))
    return np.floor(np.round(tau / TARGET_STEP, 6)) * TARGET_STEP


def target_range(s: Scenario) -> tuple[float, float]:
    """Targets considered: from a rise that needs no cut at all (minus a step) to a point above the national one."""
    nat = s.rules.national_admissions_target
    # At most a 50% rise: growth beyond that (valid at the input limits) would make the lattice huge.
    low = -np.ceil(min(max(growth_rate(s), 0.0), 0.5) / TARGET_STEP) * TARGET_STEP - TARGET_STEP
    return float(min(low, -0.01)), float(np.ceil((nat + 0.01) / TARGET_STEP) * TARGET_STEP)


# ---------------------------------------------------------------- parameters -> plans


def space_from_parameters(s: Scenario, x: np.ndarray, lay: Layout | None = None,
                          acute_support: np.ndarray | None = None) -> PlanSpace:
    """Plans from parameter rows: payouts, new money, each organisation's contribution, the fund.

    ``acute_support`` (£m per plan), when the caller has it already (:func:`negotiation.domain.grid.coarse_grid`),
    must be ``acute_support_share × acute_net_loss`` of the rows: it is taken as given, not worked out again.
    """
    lay = lay or layout(s)
    x = np.asarray(x, dtype=float)
    a, sch, kappa = x[:, A], x[:, SCH], x[:, KAPPA]
    if acute_support is not None:
        k = acute_support
    else:
        k = kappa * acute_net_loss(s, sch) if lay.has_acute else np.zeros(len(x))
    payouts = a + sch + k
    new_money = np.where(x[:, TOP] > 0.5, np.maximum(payouts, lay.min_new), payouts)
    n_org = len(lay.kinds)
    weights = np.zeros((len(x), n_org))
    nc = len(lay.ccgs)
    weights[:, lay.ccgs] = x[:, THETA, None] * x[:, len(PARAMETERS):len(PARAMETERS) + nc]
    weights[:, lay.councils] = (1.0 - x[:, THETA, None]) * x[:, len(PARAMETERS) + nc:]
    contributions = new_money[:, None] * weights
    return PlanSpace(
        ids=tuple(s.organisations),
        contributions=contributions,
        asc_protection=a,
        community_schemes=sch,
        acute_support=k,
        admissions_target=x[:, TAU],
        ccg_risk_share=x[:, RHO],
        fund_total=s.existing_pooled + new_money,
        trust_risk_share=x[:, SIGMA],
        parameters=x,
    )


def concat(spaces: list[PlanSpace]) -> PlanSpace:
    first = spaces[0]
    fields = ("contributions", "asc_protection", "community_schemes", "acute_support", "admissions_target",
              "ccg_risk_share", "fund_total", "trust_risk_share", "parameters")
    return PlanSpace(ids=first.ids, **{f: np.concatenate([getattr(p, f) for p in spaces]) for f in fields})


def check_size(s: Scenario, plans: int, source: str = "scenario") -> None:
    """Refuse a plan space too large to evaluate in bounded memory (README: limits)."""
    cells = plans * len(s.organisations)
    if cells > MAX_PLAN_CELLS:
        raise ScenarioError(
            source, "organisations",
            f"{len(s.organisations)} organisations x {plans} plans = {cells:,} plan values, above the limit of "
            f"{MAX_PLAN_CELLS:,}; use fewer organisations (group small ones)",
        )

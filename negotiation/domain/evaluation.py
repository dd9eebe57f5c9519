"""What every plan is worth to every organisation, and which national conditions it meets.

Utilities are £m-equivalent per year against the status quo (DESIGN.md §2–3):
money paid in and received, admissions savings at the marginal rate, work
pushed onto community services, performance payment lost on a target the
area cannot meet, and the cost of national intervention when there is no
approved plan. No deal is worth ``−intervention_cost`` to each organisation:
that is its reservation.

A plan *breaches a statutory duty* when, after it, the organisation's own
headroom cannot cover what the plan takes from it (NHS bodies: break even or
the required surplus), or, for a council, cannot cover its adult social care
need. What an organisation can afford is therefore derived, never a set cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from negotiation.domain import tariff
from negotiation.domain.plan import PlanSpace, build_plan_space, shares
from negotiation.scenario import Scenario

CONDITIONS = ("minimum_fund", "asc_protection", "admissions_target")
EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Rows:
    utility: list[list[float]]
    duty_gap: list[list[float]]
    reservation: list[float]
    money: list[list[float]]
    contributions: list[list[float]]  # [plan][organisation], £m


@dataclass(frozen=True, eq=False)
class Evaluation:
    space: PlanSpace
    money: np.ndarray  # (orgs, plans) £m net effect of the plan on each organisation
    utility: np.ndarray  # (orgs, plans) money less intervention cost when not approvable
    duty_gap: np.ndarray  # (orgs, plans) £m short of its statutory duty (> 0: breach)
    acceptable: np.ndarray  # (orgs, plans) within duty (unless it may breach) and at least no deal
    reservation: np.ndarray  # (orgs,)
    ideal: np.ndarray  # (orgs,)
    failed: np.ndarray  # (plans, conditions) bool
    realised_cut: np.ndarray  # (plans,) share of this year's activity avoided
    required_cut: np.ndarray  # (plans,) share the target demands
    p4p_loss: np.ndarray  # (plans,) £m
    proposal_cache: dict = field(default_factory=dict, repr=False)  # see protocol.proposing
    response_cache: dict = field(default_factory=dict, repr=False)  # see protocol.responding

    @cached_property
    def rows(self) -> Rows:
        """The same figures as Python lists: a round reads single values, which lists serve fastest."""
        return Rows(
            self.utility.tolist(), self.duty_gap.tolist(), self.reservation.tolist(), self.money.tolist(),
            self.space.contributions.tolist(),
        )

    @property
    def approvable(self) -> np.ndarray:
        return ~self.failed.any(axis=1)

    @property
    def zone_of_agreement(self) -> np.ndarray:
        """Plans every organisation could sign without breaching its duty or going below no deal."""
        return self.acceptable.all(axis=0)


def assess(space: PlanSpace, s: Scenario) -> np.ndarray:
    """National conditions each plan fails (DESIGN.md §4 'assurance'), as a (plans, 3) mask."""
    return np.column_stack(
        [
            space.fund_total < s.rules.minimum_fund - EPS,
            space.asc_protection < s.rules.asc_protection_min - EPS,
            space.admissions_target < s.rules.national_admissions_target - EPS,
        ]
    )


def evaluate_uncached(s: Scenario) -> Evaluation:
    space = build_plan_space(s)
    orgs = list(s.organisations.values())
    kinds = np.array([o.kind for o in orgs])
    act, rules = s.activity, s.rules
    n0, price, m = act.admissions_this_year, act.tariff, rules.mret_rate
    g = tariff.growth(act.admissions_last_year, act.admissions_this_year)

    a, sch, k = space.asc_protection, space.community_schemes, space.acute_support
    realised = np.minimum(act.max_reduction, act.achievable_reduction + act.reduction_per_scheme * sch)
    # Money effects come only from what the plan's schemes add: the rest happens with or without a plan.
    avoided = (realised - act.achievable_reduction) * n0
    saving = tariff.commissioner_saving(n0, avoided, act.baseline_admissions, price, m) / tariff.GBP_PER_M
    acute_net_loss = saving - act.acute_marginal_cost * price * avoided / tariff.GBP_PER_M
    community_work = act.community_cost_per_admission * avoided / tariff.GBP_PER_M
    required = tariff.required_cut_vs_current(space.admissions_target, g)
    shortfall = np.maximum(0.0, required - realised) * n0
    p4p_loss = np.minimum(rules.p4p_fraction * space.fund_total, shortfall * price / tariff.GBP_PER_M)

    new_money = space.contributions.sum(axis=1)
    remainder = new_money - (a + sch + k)
    with np.errstate(invalid="ignore", divide="ignore"):
        back = np.where(new_money[:, None] > 0, space.contributions / new_money[:, None], 0.0)
    returned = back * (remainder * (1.0 - rules.pooling_friction))[:, None]  # (plans, orgs)

    budgets = np.array([o.budget for o in orgs])
    ccg_w = shares(budgets, kinds == "ccg")
    council_w = shares(np.array([o.asc_need or o.budget for o in orgs]), kinds == "council")
    activity = np.array([o.activity_share for o in orgs])
    acute_w = shares(activity, kinds == "acute_trust")
    community_w = shares(activity, kinds == "community_trust")
    rho = space.ccg_risk_share

    money = -space.contributions.T + returned.T
    money += np.outer(ccg_w, saving + act.asc_spillover * a - rho * p4p_loss)
    money += np.outer(council_w, a - (1.0 - rho) * p4p_loss)
    money += np.outer(acute_w, k - acute_net_loss)
    money += np.outer(community_w, sch - community_work)

    failed = assess(space, s)
    approvable = ~failed.any(axis=1)
    intervention = np.array([o.intervention_cost for o in orgs])
    # No deal costs the full intervention; a signed plan that fails assurance a share of it.
    utility = money - np.outer(intervention * rules.unapproved_cost_share, ~approvable)
    reservation = -intervention

    headroom = np.array([max(0.0, o.headroom) for o in orgs])
    need = np.array([o.asc_need for o in orgs])
    duty_gap = need[:, None] - (money + headroom[:, None])
    may_breach = np.array([o.breach_duty for o in orgs])
    within_duty = (duty_gap <= EPS) | may_breach[:, None]
    acceptable = within_duty & (utility >= reservation[:, None] - EPS)
    ideal = np.array(
        [utility[i, acceptable[i]].max() if acceptable[i].any() else reservation[i] for i in range(len(orgs))]
    )
    for arr in (money, utility, duty_gap, acceptable, failed):
        arr.setflags(write=False)
    return Evaluation(
        space=space,
        money=money,
        utility=utility,
        duty_gap=duty_gap,
        acceptable=acceptable,
        reservation=reservation,
        ideal=ideal,
        failed=failed,
        realised_cut=realised,
        required_cut=required,
        p4p_loss=p4p_loss,
    )


_CACHE: dict[str, Evaluation] = {}
_CACHE_SIZE = 32


def evaluate(s: Scenario) -> Evaluation:
    """Evaluate the plan space, once per distinct scenario (runs over seeds share it)."""
    key = s.fingerprint
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        found = _CACHE[key] = evaluate_uncached(s)
    return found

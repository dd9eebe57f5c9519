"""What a plan is worth under the pooled-grants rules (2023/24 onwards): no MRET, no payment at risk.

The same money as the 2015/16 valuation (:func:`negotiation.domain.evaluation.value_plans`) without its
two 2015/16 mechanisms: the ICB saves ``emergency_saving_rate`` of tariff per emergency admission avoided
(contracts are mostly fixed payments; there is no marginal rate against a baseline), and nothing is paid
only on a target (the metrics are local goals, so ``p4p_loss`` and ``p4p_flows`` are zero). The mandated
streams (NHS minimum contribution, Local Authority Better Care Grant, DFG) are in the fund before anyone
negotiates; what is negotiated is the new money on top: the uplift of the NHS contribution to adult social
care, community schemes and support to the acute trust, and who pays it. Returns the same keys as
``value_plans``, so the rest of the model does not know which rule set it runs.
"""

from __future__ import annotations

import numpy as np

from negotiation.domain import tariff
from negotiation.domain.plan import (
    PlanSpace,
    commissioner_saving_gbp,
    met_target,
    realised_cut,
    required_asc_protection,
    shares,
)
from negotiation.rules import role_kind
from negotiation.scenario import Scenario

EPS = 1e-9


def assess_pooled(space: PlanSpace, s: Scenario) -> np.ndarray:
    """The rule set's assurance checks, one column each, in its order (minimum_fund, asc_uplift, metric_goals)."""
    columns = {
        # NC3: the minimum contributions pooled in full
        "minimum_fund": space.fund_total < s.rules.minimum_fund - EPS,
        # NC3: the NHS contribution to adult social care kept and uplifted (2025/26: 3.9%)
        "asc_uplift": space.asc_protection < required_asc_protection(s) - EPS,
        # the local goal for emergency admissions 65+ lets them rise on last year (model reading)
        "metric_goals": np.minimum(space.admissions_target, met_target(s, space.community_schemes)) < -EPS,
    }
    return np.column_stack([columns[c] for c in s.rule_set.conditions])


def value_plans_pooled(s: Scenario, space: PlanSpace) -> dict[str, np.ndarray]:
    """What each plan is worth to each organisation, its duty gaps and the checks it fails (£m per year)."""
    orgs = list(s.organisations.values())
    kinds = np.array([role_kind(o.kind) for o in orgs])
    act, rules = s.activity, s.rules
    n0, price = act.admissions_this_year, act.tariff

    a, sch, k = space.asc_protection, space.community_schemes, space.acute_support
    realised = realised_cut(s, sch)
    avoided = (realised - act.achievable_reduction) * n0  # only what the plan's schemes add
    saving = commissioner_saving_gbp(s, avoided) / tariff.GBP_PER_M
    acute_net_loss = saving - act.acute_marginal_cost * price * avoided / tariff.GBP_PER_M
    community_work = act.community_cost_per_admission * avoided / tariff.GBP_PER_M

    new_money = space.contributions.sum(axis=1)
    remainder = new_money - (a + sch + k)
    with np.errstate(invalid="ignore", divide="ignore"):
        back = np.where(new_money[:, None] > 0, space.contributions / new_money[:, None], 0.0)
    returned = back * (remainder * (1.0 - rules.pooling_friction))[:, None]

    budgets = np.array([o.budget for o in orgs])
    icb_w = shares(budgets, kinds == "ccg")
    council_w = shares(np.array([o.asc_need or o.budget for o in orgs]), kinds == "council")
    activity = np.array([o.activity_share for o in orgs])
    acute_w = shares(activity, kinds == "acute_trust") if (kinds == "acute_trust").any() else np.zeros(len(orgs))
    community_w = (shares(activity, kinds == "community_trust") if (kinds == "community_trust").any()
                   else np.zeros(len(orgs)))

    money = -space.contributions.T + returned.T
    money += np.outer(icb_w, saving + act.asc_spillover * a)
    money += np.outer(council_w, a)
    money += np.outer(acute_w, k - acute_net_loss)
    money += np.outer(community_w, sch - community_work)

    failed = assess_pooled(space, s)
    blocking = np.array(s.rule_set.blocking, dtype=bool)
    approvable = ~failed[:, blocking].any(axis=1)
    intervention = np.array([o.intervention_cost for o in orgs])
    utility = money - np.outer(intervention * rules.unapproved_cost_share, ~approvable)
    reservation = -intervention

    headroom = np.array([max(0.0, o.headroom) for o in orgs])
    need = np.array([o.asc_need for o in orgs])
    duty_gap = need[:, None] - (money + headroom[:, None])
    may_breach = np.array([o.breach_duty for o in orgs])
    within_duty = (duty_gap <= EPS) | may_breach[:, None]
    acceptable = within_duty & (utility >= reservation[:, None] - EPS)
    zeros = np.zeros(len(space))
    required = tariff.required_cut_vs_current(space.admissions_target,
                                              tariff.growth(act.admissions_last_year, act.admissions_this_year))
    return {
        "money": money, "utility": utility, "duty_gap": duty_gap, "acceptable": acceptable, "failed": failed,
        "realised_cut": realised, "required_cut": required, "p4p_loss": zeros,
        "p4p_flows": np.zeros((len(orgs), len(space))), "reservation": reservation,
    }

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
from negotiation.domain.plan import PlanSpace, growth_rate, realised_cut, shares
from negotiation.domain.stack import StackRows
from negotiation.rules import role_kind
from negotiation.scenario import Scenario

CONDITIONS = ("minimum_fund", "asc_protection", "admissions_target", "credible_target")
EPS = 1e-9


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
    p4p_loss: np.ndarray  # (plans,) £m of performance payment not earned (it pays for the excess admissions)
    p4p_flows: np.ndarray  # (orgs, plans) £m each organisation gains (+) or pays (−) through it; columns sum to 0
    conditions: tuple[str, ...] = CONDITIONS  # the rule set's assurance checks, one per column of ``failed``
    blocking: tuple[bool, ...] = ()  # per check: failing it means not approved (else approved with conditions)
    proposal_cache: dict = field(default_factory=dict, repr=False)  # see protocol.proposing
    response_cache: dict = field(default_factory=dict, repr=False)  # see protocol.responding
    memo: dict = field(default_factory=dict, repr=False)  # derived figures, e.g. the Pareto frontier (analysis)

    @property
    def approvable(self) -> np.ndarray:
        """Plans that pass assurance (perhaps with conditions): no check whose failure means not approved fails."""
        if not self.blocking or all(self.blocking):
            return ~self.failed.any(axis=1)
        return ~self.failed[:, np.array(self.blocking)].any(axis=1)

    @cached_property
    def zone_of_agreement(self) -> np.ndarray:
        """Plans every organisation could sign without breaching its duty or going below no deal."""
        return self.acceptable.all(axis=0)


def assess(space: PlanSpace, s: Scenario) -> np.ndarray:
    """National conditions each plan fails (DESIGN.md §4 'assurance'), as a (plans, len(CONDITIONS)) mask.

    Assurance judged a plan's level (fund, social-care protection, the 3.5% target) and whether its
    admissions target was credible: NHS England trusted £55m of the £731m of savings the April 2014 plans
    promised, and Oxfordshire's plan was rejected as unrealistic (research §2, seed B). ``credible_target``
    fails a plan whose target (a cut on last year) exceeds the cut on last year its own schemes achieve by
    more than ``rules.credibility_tolerance``.
    """
    return np.column_stack(failed_checks(space, s))


def failed_checks(space: PlanSpace, s: Scenario) -> list[np.ndarray]:
    """:func:`assess`'s columns, one (plans,) mask per condition."""
    return [
        space.fund_total < s.rules.minimum_fund - EPS,
        space.asc_protection < s.rules.asc_protection_min - EPS,
        space.admissions_target < s.rules.national_admissions_target - EPS,
        space.admissions_target - achieved_target(s, space.community_schemes) > s.rules.credibility_tolerance + EPS,
    ]


def achieved_target(s: Scenario, schemes) -> np.ndarray:
    """The cut on last year (fraction) that the realised cut on this year's activity amounts to: 1 − (1 + g)(1 − r)."""
    return 1.0 - (1.0 + growth_rate(s)) * (1.0 - realised_cut(s, schemes))
PIECE = 16_384  # plans valued at a time: temporaries stay in cache and peak memory near the results' own


def value_plans(s: Scenario, space: PlanSpace) -> dict[str, np.ndarray]:
    """What each plan is worth to each organisation, its duty gaps and the conditions it fails (row by row).

    Each plan's figures depend on that plan alone, so a refined space is valued in pieces and joined, and a
    large one is valued :data:`PIECE` plans at a time into arrays allocated once (the same figures, bit for bit,
    with memory no more than the results plus one piece's temporaries).
    """
    n = len(space)
    if n <= PIECE:
        return _value_piece(s, space)
    first = _value_piece(s, space.part(slice(0, PIECE)))
    out = {}
    for key, a in first.items():
        if key == "reservation":
            out[key] = a
        elif a.ndim == 2 and key != "failed":
            out[key] = np.empty((a.shape[0], n), dtype=a.dtype)
            out[key][:, :PIECE] = a
        else:
            out[key] = np.empty((n, *a.shape[1:]), dtype=a.dtype)
            out[key][:PIECE] = a
    for start in range(PIECE, n, PIECE):
        rows = slice(start, min(start + PIECE, n))
        for key, a in _value_piece(s, space.part(rows)).items():
            if key == "reservation":
                continue
            if a.ndim == 2 and key != "failed":
                out[key][:, rows] = a
            else:
                out[key][rows] = a
    return out


_FIGURES: tuple = (None, None)  # (scenario, its organisations' figures): the last scenario valued


def _figures(s: Scenario) -> dict[str, np.ndarray]:
    """Each organisation's figures and shares that every piece of a scenario's plan space reads (made once)."""
    global _FIGURES
    if isinstance(s, StackRows):  # plans of several scenarios: each plan's own organisations' figures
        return s.figures
    last = _FIGURES  # one read: another thread may replace the pair (a tuple, swapped whole) meanwhile
    if last[0] is s:
        return last[1]
    orgs = list(s.organisations.values())
    kinds = np.array([role_kind(o.kind) for o in orgs])  # a unitary council holds social care as a county does
    activity = np.array([o.activity_share for o in orgs])
    f = {
        "ccg_w": shares(np.array([o.budget for o in orgs]), kinds == "ccg"),
        "council_w": shares(np.array([o.asc_need or o.budget for o in orgs]), kinds == "council"),
        "acute_w": shares(activity, kinds == "acute_trust") if (kinds == "acute_trust").any() else np.zeros(len(orgs)),
        "community_w": (shares(activity, kinds == "community_trust") if (kinds == "community_trust").any()
                        else np.zeros(len(orgs))),
        "intervention": np.array([o.intervention_cost for o in orgs]),
        "headroom": np.array([max(0.0, o.headroom) for o in orgs]),
        "need": np.array([o.asc_need for o in orgs]),
        "may_breach": np.array([o.breach_duty for o in orgs]),
    }
    for a in f.values():
        a.setflags(write=False)
    _FIGURES = (s, f)  # holding the scenario keeps its id from being reused while this is kept
    return f


def _outer(w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``np.outer(w, v)`` of an organisation vector and a plan vector; an (organisations × plans) ``w`` (each plan
    its own scenario's figures, :class:`~negotiation.domain.stack.StackRows`) times ``v`` element by element."""
    return np.outer(w, v) if w.ndim == 1 else w * v


def _col(w: np.ndarray) -> np.ndarray:
    """An organisation vector as a column against plans (already (organisations × plans) when stacked)."""
    return w[:, None] if w.ndim == 1 else w


def _value_piece(s: Scenario, space: PlanSpace) -> dict[str, np.ndarray]:
    f = _figures(s)
    act, rules = s.activity, s.rules
    n0, price, m = act.admissions_this_year, act.tariff, rules.mret_rate
    g = growth_rate(s)

    a, sch, k = space.asc_protection, space.community_schemes, space.acute_support
    realised = realised_cut(s, sch)
    # Money effects come only from what the plan's schemes add: the rest happens with or without a plan.
    avoided = (realised - act.achievable_reduction) * n0
    saving = tariff.commissioner_saving(n0, avoided, act.baseline_admissions, price, m) / tariff.GBP_PER_M
    acute_net_loss = saving - act.acute_marginal_cost * price * avoided / tariff.GBP_PER_M
    community_work = act.community_cost_per_admission * avoided / tariff.GBP_PER_M
    required = tariff.required_cut_vs_current(space.admissions_target, g)
    shortfall = np.maximum(0.0, required - realised) * n0
    # The performance payment not earned (capped at the local sum) pays the acute trust for the admissions
    # above the target, money the CCGs' contract would otherwise pay (research, P4P lines and §3(d)).
    unearned = np.minimum(rules.p4p_fraction * space.fund_total, shortfall * price / tariff.GBP_PER_M)

    new_money = space.contributions.sum(axis=1)
    remainder = new_money - (a + sch + k)
    # Each payer's share of the new money (0 where there is none), worked out only where there is some.
    back = np.divide(space.contributions, new_money[:, None], out=np.zeros_like(space.contributions),
                     where=new_money[:, None] > 0)
    returned = back * (remainder * (1.0 - rules.pooling_friction))[:, None]  # (plans, orgs)

    ccg_w, council_w, acute_w, community_w = f["ccg_w"], f["council_w"], f["acute_w"], f["community_w"]
    rho, sigma = space.ccg_risk_share, space.trust_risk_share
    if acute_w.any():
        # The pot pays the acute trust full tariff for the excess admissions; the CCGs' contract no longer
        # pays for them what it would have (at the marginal rate above the baseline: piecewise MRET).
        excess_paid = unearned * tariff.GBP_PER_M / price
        contract = tariff.commissioner_saving(n0 * (1.0 - realised), excess_paid, act.baseline_admissions, price, m)
        relief = contract / tariff.GBP_PER_M
        to_acute = _outer(acute_w, (1.0 - sigma) * unearned - relief)  # the trust forgoes the share it absorbs
    else:
        # No acute trust at the table: the money goes to local NHS services as the board agrees (the CCGs').
        sigma, relief, to_acute = np.zeros_like(sigma), unearned, np.zeros((len(ccg_w), len(unearned)))
    payers_risk = (1.0 - sigma) * unearned  # what the payers must make good so the pool's services are paid
    # Conservation (columns sum to zero): CCGs are relieved of the contract payments (+relief) and make good
    # their share of the pool, councils theirs, acute trusts are paid for the excess admissions.
    p4p_flows = (_outer(ccg_w, relief - rho * payers_risk) - _outer(council_w, (1.0 - rho) * payers_risk)
                 + to_acute)

    # −contributions + returned + flows, and each kind's gains: x − y is x + (−y) in IEEE arithmetic, and the
    # products go through one buffer, so these are the same sums, in the same order, with fewer temporaries.
    money = np.subtract(returned.T, space.contributions.T)
    money += p4p_flows
    term = np.empty_like(money)
    for w, v in ((ccg_w, saving + act.asc_spillover * a), (council_w, a), (acute_w, k - acute_net_loss),
                 (community_w, sch - community_work)):
        money += np.multiply(_col(w), v, out=term)

    checks = failed_checks(space, s)
    approvable = ~(checks[0] | checks[1] | checks[2] | checks[3])
    failed = np.column_stack(checks)
    intervention = f["intervention"]
    # No deal costs the full intervention; a signed plan that fails assurance a share of it.
    # (The share times each organisation's cost: the same products whether either is one figure or one per plan.)
    utility = np.subtract(money, np.multiply(_col(intervention) * rules.unapproved_cost_share, ~approvable, out=term))
    reservation = -intervention

    headroom, need = f["headroom"], f["need"]
    duty_gap = np.add(money, _col(headroom))
    np.subtract(_col(need), duty_gap, out=duty_gap)
    may_breach = f["may_breach"]
    within_duty = (duty_gap <= EPS) | _col(may_breach)
    acceptable = within_duty & (utility >= _col(reservation) - EPS)
    return {
        "money": money, "utility": utility, "duty_gap": duty_gap, "acceptable": acceptable, "failed": failed,
        "realised_cut": realised, "required_cut": required, "p4p_loss": unearned, "p4p_flows": p4p_flows,
        "reservation": reservation, "approvable": approvable,
    }


def valuation_for(s: Scenario):
    """The valuation of the scenario's rule set: :func:`value_plans` for 2015/16 (MRET and the performance
    payment); :func:`negotiation.rules.pooled_grants.value_plans_pooled` from 2023/24 (no money at risk)."""
    from negotiation.rules import valuation

    return valuation(s.rule_set.valuation)


def conditions_for(s: Scenario) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """The assurance checks of the scenario's rule set (the ``failed`` mask's columns) and which ones block."""
    if s.rule_set.valuation == "payment_for_performance":
        return CONDITIONS, tuple(True for _ in CONDITIONS)
    return s.rule_set.conditions, s.rule_set.blocking


def join(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Values of spaces valued in pieces, in the order the spaces were joined (plans are the last axis)."""
    out = {}
    for key, first in parts[0].items():
        if key == "reservation":
            out[key] = first
        elif first.ndim == 2 and key not in ("failed",):
            out[key] = np.concatenate([p[key] for p in parts], axis=1)
        else:
            out[key] = np.concatenate([p[key] for p in parts], axis=0)
    return out


def evaluate_uncached(s: Scenario) -> Evaluation:
    """The coarse grid, refined around the plans that decide the bargaining, valued for every organisation."""
    from negotiation.domain.refine_many import refined_space  # refining reads values; values do not read it

    return _evaluation(s, *refined_space(s))


def _evaluation(s: Scenario, space: PlanSpace, v: dict[str, np.ndarray]) -> Evaluation:
    utility, acceptable, reservation = v["utility"], v["acceptable"], v["reservation"]
    ideal = np.array(
        [utility[i, acceptable[i]].max() if acceptable[i].any() else reservation[i] for i in range(len(reservation))]
    )
    for key in ("money", "utility", "duty_gap", "acceptable", "failed", "p4p_flows"):
        v[key].setflags(write=False)
    return Evaluation(
        space=space,
        money=v["money"],
        utility=utility,
        duty_gap=v["duty_gap"],
        acceptable=acceptable,
        reservation=reservation,
        ideal=ideal,
        failed=v["failed"],
        realised_cut=v["realised_cut"],
        required_cut=v["required_cut"],
        p4p_loss=v["p4p_loss"],
        p4p_flows=v["p4p_flows"],
        conditions=conditions_for(s)[0],
        blocking=conditions_for(s)[1],
    )


_CACHE: dict[str, Evaluation] = {}
_SIZES: dict[str, int] = {}  # footprint of each cached evaluation, so eviction does not re-measure them
CACHE_BYTES = 256 * 1024 * 1024  # evaluations kept for reuse across runs, by estimated memory (README: limits)


def footprint(ev: Evaluation) -> int:
    """Bytes an evaluation holds: its arrays (no Python-list copies of them are kept)."""
    arrays = sum(a.nbytes for a in (ev.money, ev.utility, ev.duty_gap, ev.acceptable, ev.failed, ev.p4p_flows,
                                    ev.realised_cut, ev.required_cut, ev.p4p_loss))
    return arrays + ev.space.nbytes


def evaluate(s: Scenario) -> Evaluation:
    """Evaluate the plan space, once per distinct scenario (runs over seeds share it).

    The cache is bounded by bytes, not entries, so a few huge scenarios cannot hold the memory of many
    (the oldest go first); one larger than the whole budget is evaluated but not kept.
    """
    key = s.fingerprint
    found = _CACHE.get(key)
    if found is None:
        found = evaluate_uncached(s)
        keep(key, found)
    return found


def evaluate_many(scenarios: list[Scenario], cache: bool = True) -> list[Evaluation]:
    """:func:`evaluate` of each scenario (same order): those not cached are refined together, a batch of one shape
    at a time (:mod:`negotiation.domain.refine_many`): the same evaluations, in a fraction of the time.

    ``cache=False``: neither look up nor keep them (a sweep's chunk: every setting is new and used once, and the
    cache key, the scenario's canonical JSON, costs more than it saves).
    """
    from negotiation.domain.refine_many import refined_spaces

    if not cache:
        return [_evaluation(s, *sv) for s, sv in zip(scenarios, refined_spaces(scenarios))]
    found: list[Evaluation | None] = [_CACHE.get(s.fingerprint) for s in scenarios]
    todo: dict[str, Scenario] = {}
    for s, ev in zip(scenarios, found):
        if ev is None:
            todo.setdefault(s.fingerprint, s)
    made = dict(zip(todo, (_evaluation(s, *sv) for s, sv in zip(todo.values(), refined_spaces(list(todo.values()))))))
    for key, ev in made.items():
        keep(key, ev)
    return [ev if ev is not None else made[s.fingerprint] for s, ev in zip(scenarios, found)]


def _held_by(k: str, e: Evaluation) -> int:
    """Bytes a cached evaluation holds: its arrays (fixed when kept) and the proposal search's memo
    (``protocol.proposing``), which grows as runs ask."""
    return (_SIZES.get(k) or footprint(e)) + e.memo.get("proposer_bytes", 0)


def keep(key: str, ev: Evaluation) -> None:
    """Keep ``ev`` for reuse under ``key``, dropping the oldest until the cache fits in CACHE_BYTES."""
    size = footprint(ev)
    if size > CACHE_BYTES:
        return
    held = sum(_held_by(k, e) for k, e in _CACHE.items())
    while _CACHE and held + size > CACHE_BYTES:
        old = next(iter(_CACHE))
        held -= _held_by(old, _CACHE[old])
        _CACHE.pop(old)
        _SIZES.pop(old, None)
    _CACHE[key] = ev
    _SIZES[key] = size

"""From the last round to a verdict: sign-off, assurance, deadlock and their reasons in words."""

from __future__ import annotations

from dataclasses import dataclass

from negotiation.domain import tariff
from negotiation.domain.evaluation import Evaluation, achieved_target
from negotiation.domain.plan import required_asc_protection
from negotiation.protocol.records import RoundRecord
from negotiation.scenario import Scenario

APPROVED, NOT_APPROVED, DEADLOCK = "approved", "not_approved", "deadlock"
APPROVED_WITH_CONDITIONS, ARBITRATED = "approved_with_conditions", "arbitrated"
OUTCOMES = (APPROVED, APPROVED_WITH_CONDITIONS, NOT_APPROVED, DEADLOCK, ARBITRATED)  # every verdict a run can end in


@dataclass(frozen=True)
class Outcome:
    outcome: str
    signed_off: bool
    plan_index: int | None
    failed_conditions: tuple[str, ...]
    blockers: tuple[str, ...]
    reasons: tuple[str, ...]
    arbitration: dict | None = None  # when an arbiter imposed the plan: method, whose offer, unaided outcome


def failed_conditions(ev: Evaluation, plan: int) -> tuple[str, ...]:
    return tuple(name for name, failed in zip(ev.conditions, ev.failed[plan]) if failed)


def verdict(ev: Evaluation, failed: tuple[str, ...]) -> str:
    """Assurance's verdict on a plan failing ``failed``: the rule set says which checks block approval."""
    if not failed:
        return APPROVED
    blocking = dict(zip(ev.conditions, ev.blocking or (True,) * len(ev.conditions)))
    return NOT_APPROVED if any(blocking[c] for c in failed) else APPROVED_WITH_CONDITIONS


def condition_sentence(name: str, ev: Evaluation, plan: int, s: Scenario) -> str:
    p = ev.space
    if name == "minimum_fund":
        return f"The fund (£{p.fund_total[plan]:.1f}m) is below the area's minimum of £{s.rules.minimum_fund:.1f}m."
    if name == "asc_uplift":
        last = s.rules.nhs_asc_contribution_last_year or 0.0
        return (
            f"The NHS contribution to adult social care rises by £{p.asc_protection[plan]:.1f}m, below the required "
            f"{s.rule_set.asc_uplift:.1%} uplift of last year's £{last:.1f}m (£{required_asc_protection(s):.1f}m)."
        )
    if name == "metric_goals":
        return (
            f"Approved with conditions: the plan's local goal lets emergency admissions rise "
            f"{-p.admissions_target[plan]:.1%} on last year (its schemes avoid {ev.realised_cut[plan]:.1%} of "
            "current activity); assurance asks for a goal that at least holds them level."
        )
    if name == "asc_protection":
        return (
            f"Adult social care protection (£{p.asc_protection[plan]:.1f}m) is below the required "
            f"£{s.rules.asc_protection_min:.1f}m."
        )
    if name == "credible_target":
        achieved = float(achieved_target(s, p.community_schemes[plan]))
        tol = s.rules.credibility_tolerance
        return (
            f"The admissions target ({p.admissions_target[plan]:+.1%} on last year) is not credible: the plan's "
            f"schemes achieve {achieved:+.1%} on last year ({ev.realised_cut[plan]:.1%} of current activity), "
            f"and a target more than {tol * 100:.1f} percentage points beyond what a plan achieves fails assurance."
        )
    nat = s.rules.national_admissions_target
    growth = tariff.growth(s.activity.admissions_last_year, s.activity.admissions_this_year)
    needed = tariff.required_cut_vs_current(nat, growth)
    return (
        f"The admissions target ({p.admissions_target[plan]:+.1%} on last year) is below the national "
        f"expectation of {nat:.1%}; meeting it would need a {needed:.1%} cut on current activity "
        f"against {ev.realised_cut[plan]:.1%} the plan's schemes can achieve."
    )


def decide(ev: Evaluation, s: Scenario, history: list[RoundRecord], names: dict[str, str]) -> Outcome:
    last = history[-1]
    if last.signed:
        failed = failed_conditions(ev, last.plan_index)
        reasons = [f"All {len(last.responses)} organisations signed the plan in round {last.round} (HWB sign-off)."]
        if s.rule_set.s151_signs:
            reasons[0] = reasons[0].replace(
                "(HWB sign-off).", "(HWB sign-off, with the ICB and council chief executives and the council's s151 officer).")
        reasons += [condition_sentence(c, ev, last.plan_index, s) for c in failed]
        if not failed:
            reasons.append("The plan meets every national condition checked at assurance.")
        return Outcome(verdict(ev, failed), True, last.plan_index, failed, (), tuple(reasons))
    unaided = _deadlock(ev, history, names)
    if s.rules.arbitration == "none":
        return unaided
    from negotiation.protocol.arbitration import arbitrate

    award = arbitrate(ev, s.rules.arbitration, history, list(names))
    if award is None:
        nothing = unaided.reasons + ("The arbiter could impose nothing: no plan is within every party's duty.",)
        return Outcome(DEADLOCK, False, None, (), unaided.blockers, nothing)
    failed = failed_conditions(ev, award.plan_index)
    how = ("its own Nash plan (the largest product of the parties' gains over no deal)" if award.method == "nash"
           else f"{names[award.offered_by]}'s final offer, the one closest to a fair (Nash) settlement")
    imposed = unaided.reasons + (
        f"After the deadline an independent arbiter imposed {how}, within every party's statutory duty.",
        *(condition_sentence(c, ev, award.plan_index, s) for c in failed),
    )
    info = {"method": award.method, "offered_by": award.offered_by, "unaided_outcome": DEADLOCK,
            "verdict": verdict(ev, failed)}
    return Outcome(ARBITRATED, False, award.plan_index, failed, unaided.blockers, imposed, info)


def _deadlock(ev: Evaluation, history: list[RoundRecord], names: dict[str, str]) -> Outcome:
    last = history[-1]

    window = history[-len(last.responses):]
    # Blockers: those whose duty or no-deal position ruled the final rotation's proposals out;
    # if everyone could have signed something, those still holding out.
    hard = {org for record in window for org in record.hard_rejecters}
    soft = {org for record in window for org in record.rejecters}
    blockers = sorted(hard or soft, key=list(names).index)
    reasons = [f"No plan was signed by the deadline (round {last.round})."]
    if not ev.zone_of_agreement.any():
        reasons.append(
            "No plan meets every organisation's statutory duty and is better than no deal for all: "
            "there is no zone of agreement."
        )
    for record in reversed(window):
        for response in record.responses:
            if not response.accepted and response.org_id in blockers and not any(
                r.startswith(names[response.org_id] + " rejects") for r in reasons
            ):
                reasons.append(response.reason + ".")
    return Outcome(DEADLOCK, False, None, (), tuple(blockers), tuple(reasons))

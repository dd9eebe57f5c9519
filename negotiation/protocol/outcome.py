"""From the last round to a verdict: sign-off, assurance, deadlock and their reasons in words."""

from __future__ import annotations

from dataclasses import dataclass

from negotiation.domain import tariff
from negotiation.domain.evaluation import CONDITIONS, Evaluation, achieved_target
from negotiation.protocol.records import RoundRecord
from negotiation.scenario import Scenario

APPROVED, NOT_APPROVED, DEADLOCK = "approved", "not_approved", "deadlock"


@dataclass(frozen=True)
class Outcome:
    outcome: str
    signed_off: bool
    plan_index: int | None
    failed_conditions: tuple[str, ...]
    blockers: tuple[str, ...]
    reasons: tuple[str, ...]


def failed_conditions(ev: Evaluation, plan: int) -> tuple[str, ...]:
    return tuple(name for name, failed in zip(CONDITIONS, ev.failed[plan]) if failed)


def condition_sentence(name: str, ev: Evaluation, plan: int, s: Scenario) -> str:
    p = ev.space
    if name == "minimum_fund":
        return f"The fund (£{p.fund_total[plan]:.1f}m) is below the area's minimum of £{s.rules.minimum_fund:.1f}m."
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
        reasons += [condition_sentence(c, ev, last.plan_index, s) for c in failed]
        if not failed:
            reasons.append("The plan meets every national condition checked at assurance.")
        return Outcome(APPROVED if not failed else NOT_APPROVED, True, last.plan_index, failed, (), tuple(reasons))

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

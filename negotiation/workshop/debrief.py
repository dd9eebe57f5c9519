"""The debrief of a finished negotiation: what was possible, what was signed, who blocked, what would have helped.

Everything is read from the model's evaluated plan space, so the lessons are
the model's own arithmetic: the zone of possible agreement (each
organisation's no-deal value against what it got), the signed plan against
the Nash and Kalai–Smorodinsky plans (:mod:`negotiation.analysis`), and for
each blocker the smallest change to its position that would have opened a
plan everyone else could also sign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.analysis import efficiency, kalai_smorodinsky_plan, nash_plan
from negotiation.domain.evaluation import EPS
from negotiation.model import NegotiationModel
from negotiation.workshop.brief import plan_summary

BANNERS = {"approved": "Approved", "not_approved": "Not approved", "deadlock": "Deadlock"}


@dataclass(frozen=True)
class OrgRow:
    org_id: str
    name: str
    played_by: str  # a person's name, or "the model"
    no_deal: float  # £m-equivalent per year
    got: float  # value of the signed plan (no deal when nothing was signed)
    last_tabled: float  # value of the last plan on the table
    nash: float | None
    ks: float | None


@dataclass(frozen=True)
class Debrief:
    outcome: str
    banner: str
    reasons: tuple[str, ...]
    rows: tuple[OrgRow, ...]
    zone_plans: int  # plans every organisation could sign
    signed: str | None  # the signed plan, in words
    nash: str | None
    ks: str | None
    efficiency: float | None  # signed plan's total gain as a share of the Nash plan's
    blockers: tuple[tuple[str, str], ...]  # (name, why)
    would_change: tuple[str, ...]  # what would have changed the outcome, in sentences


def debrief(model: NegotiationModel, played_by: dict[str, str] | None = None,
            reasons_given: dict[str, str] | None = None) -> Debrief:
    """``played_by``: org id -> person; ``reasons_given``: org id -> the last reason a person typed."""
    if model.outcome is None:
        raise ValueError("the negotiation has not ended")
    ev, o = model.evaluation, model.outcome
    names = {a.org_id: a.name for a in model.organisations}
    played_by, reasons_given = played_by or {}, reasons_given or {}
    nash, ks = nash_plan(ev), kalai_smorodinsky_plan(ev)
    last = model.history[-1].plan_index if model.history else None
    rows = []
    for i, agent in enumerate(model.organisations):
        res = float(ev.reservation[i])
        rows.append(OrgRow(
            agent.org_id, agent.name, played_by.get(agent.org_id, "the model"), res,
            float(ev.utility[i, o.plan_index]) if o.plan_index is not None else res,
            float(ev.utility[i, last]) if last is not None else res,
            None if nash is None else float(ev.utility[i, nash]),
            None if ks is None else float(ev.utility[i, ks]),
        ))
    banner = BANNERS[o.outcome]
    if o.outcome == "not_approved":
        banner += ": failed " + ", ".join(c.replace("_", " ") for c in o.failed_conditions)
    if o.outcome == "deadlock":
        banner += ": blocked by " + ", ".join(names[b] for b in o.blockers)
    blockers = []
    for b in o.blockers:
        said = reasons_given.get(b)
        model_reason = next((r for r in o.reasons if r.startswith(names[b] + " rejects")), "")
        why = model_reason.rstrip(".") or "held out for more than the plans tabled gave it"
        if said:
            why += f"; its player said: “{said}”"
        blockers.append((names[b], why))
    return Debrief(
        o.outcome, banner, tuple(o.reasons), tuple(rows), int(ev.zone_of_agreement.sum()),
        None if o.plan_index is None else plan_summary(ev, o.plan_index, names),
        None if nash is None else plan_summary(ev, nash, names),
        None if ks is None else plan_summary(ev, ks, names),
        efficiency(ev, o.plan_index, nash) if o.plan_index is not None else None,
        tuple(blockers), tuple(what_would_change(model, nash)),
    )


def what_would_change(model: NegotiationModel, nash: int | None) -> list[str]:
    ev, o = model.evaluation, model.outcome
    assert o is not None, "the negotiation has ended"
    names = [a.name for a in model.organisations]
    zone = ev.zone_of_agreement
    out = []
    if o.outcome == "approved":
        eff = efficiency(ev, o.plan_index, nash)
        if eff is not None:
            out.append(f"The signed plan captured {eff:.0%} of the total gain of the Nash plan.")
        return out
    if o.outcome == "not_approved":
        passing = zone & ~ev.failed.any(axis=1)
        if passing.any():
            out.append(f"{int(passing.sum())} plans everyone could sign would also have passed assurance; "
                       "the board signed one that fails. Tabling one of them (for instance the Nash plan, if it "
                       "passes) would have changed the verdict.")
        else:
            out.append("No plan every organisation could sign passes assurance: the national conditions, not "
                       "the bargaining, decided this. Only a change in the figures (the target, the minimum fund "
                       "or the money) would change it.")
        return out
    if zone.any():
        out.append(f"{int(zone.sum())} plans could have been signed by everyone; the organisations held out for "
                   "more until the deadline. More rounds, more trust or an earlier concession would have closed it.")
        return out
    out.append("No plan in the board's space was within every organisation's duty and better than no deal for all.")
    gap = np.maximum(ev.duty_gap, 0.0) * ~np.array([a.breach_duty for a in model.organisations])[:, None]
    short = np.maximum(ev.reservation[:, None] - ev.utility, 0.0)
    need = gap + short  # £m each organisation would need to be able to sign each plan
    for i, name in enumerate(names):
        others = np.delete(ev.acceptable, i, axis=0).all(axis=0)
        if not others.any():
            continue
        best = float(need[i, others].min())
        if best > EPS:
            out.append(f"If {name} had £{best:.1f}m more room (headroom, or a smaller need), a plan the others "
                       "could all sign would have been signable by everyone.")
    if len(out) == 1:
        total = float(need.sum(axis=0).min())
        out.append(f"No single organisation's limits explain it: together they would need £{total:.1f}m more "
                   "room for the least demanding plan.")
    return out

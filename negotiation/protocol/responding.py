"""Accept or reject a proposal, and say why (DESIGN.md §4).

The order of the checks is the order a board member would give them: first
the statutory duty (a chief finance officer cannot sign a plan that breaks
it), then no deal (never sign something worse than walking away: individual
rationality), then the organisation's current aim, lowered for a trusted
proposer.
"""

from __future__ import annotations

from negotiation.domain.evaluation import EPS, Evaluation
from negotiation.protocol.records import Response


def threshold(aspiration: float, reservation: float, trust: float, trust_effect: float) -> float:
    """The least an organisation accepts from a proposer it trusts this much.

    >>> threshold(10.0, 0.0, 1.0, 0.5)
    5.0
    """
    return reservation + (aspiration - reservation) * (1.0 - trust_effect * trust)


def respond(
    ev: Evaluation, org: int, org_id: str, name: str, kind: str, plan: int, aim: float, may_breach: bool
) -> Response:
    """The answer is a pure function of its inputs, so it is memoised on the evaluation (bounded)."""
    key = (org, plan, aim, may_breach)
    found = ev.response_cache.get(key)
    if found is None:
        found = _respond(ev, org, org_id, name, kind, plan, aim, may_breach)
        if len(ev.response_cache) < 200_000:
            ev.response_cache[key] = found
    return found


def _respond(
    ev: Evaluation, org: int, org_id: str, name: str, kind: str, plan: int, aim: float, may_breach: bool
) -> Response:
    u = float(ev.utility[org, plan])
    gap = float(ev.duty_gap[org, plan])
    d = float(ev.reservation[org])
    if gap > EPS and not may_breach:
        what = "its adult social care need" if kind == "council" else "its statutory financial duty"
        reason = f"{name} rejects: the plan would leave it £{gap:.1f}m short of {what}"
        return Response(org_id, False, u, aim, reason + _target_clause(ev, plan), "duty")
    if u < d - EPS:
        reason = f"{name} rejects: the plan is worth £{u:.1f}m to it, less than no deal (£{d:.1f}m)"
        return Response(org_id, False, u, aim, reason + _target_clause(ev, plan), "no_deal")
    if u < aim - EPS:
        reason = f"{name} rejects: the plan is worth £{u:.1f}m to it, below the £{aim:.1f}m it is holding out for"
        return Response(org_id, False, u, aim, reason, "aspiration")
    return Response(org_id, True, u, aim)


def _target_clause(ev: Evaluation, plan: int) -> str:
    loss = float(ev.p4p_loss[plan])
    if loss < 0.05:
        return ""
    return (
        f" (£{loss:.1f}m of performance payment would not be earned and would pay for the excess admissions: "
        f"the target needs a {ev.required_cut[plan]:.1%} cut on current activity, "
        f"{ev.realised_cut[plan]:.1%} is achievable)"
    )

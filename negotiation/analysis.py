"""Bargaining benchmarks over the same plan space (DESIGN.md §4).

Nash: maximise the product of gains over reservations. Kalai–Smorodinsky:
maximise the smallest share of each party's possible gain. Both are taken
over the zone of agreement (plans every organisation could sign), so
"efficiency" says how much of the best jointly acceptable gain an agreement
captured.
"""

from __future__ import annotations

import numpy as np

from negotiation.domain.evaluation import Evaluation


def gains(ev: Evaluation) -> np.ndarray:
    """(orgs, plans) utility above each organisation's reservation, £m."""
    return ev.utility - ev.reservation[:, None]


def nash_plan(ev: Evaluation) -> int | None:
    zone = np.flatnonzero(ev.zone_of_agreement)
    if len(zone) == 0:
        return None
    g = np.maximum(gains(ev)[:, zone], 1e-9)
    return int(zone[np.argmax(np.log(g).sum(axis=0))])


def kalai_smorodinsky_plan(ev: Evaluation) -> int | None:
    zone = np.flatnonzero(ev.zone_of_agreement)
    if len(zone) == 0:
        return None
    best = np.maximum(gains(ev)[:, zone].max(axis=1), 1e-9)
    ratio = (gains(ev)[:, zone] / best[:, None]).min(axis=0)
    return int(zone[np.argmax(ratio)])


def efficiency(ev: Evaluation, plan: int | None, nash: int | None = None) -> float | None:
    """Total gain of ``plan`` as a share of the Nash plan's total gain (None without a zone or a plan)."""
    nash = nash_plan(ev) if nash is None else nash
    if plan is None or nash is None:
        return None
    best = gains(ev)[:, nash].sum()
    return float(gains(ev)[:, plan].sum() / best) if best > 0 else None


def benchmarks(ev: Evaluation, plan: int | None) -> dict:
    nash, ks = nash_plan(ev), kalai_smorodinsky_plan(ev)
    return {
        "zone_of_agreement_plans": int(ev.zone_of_agreement.sum()),
        "nash": None if nash is None else ev.space.plan(nash).to_dict(),
        "kalai_smorodinsky": None if ks is None else ev.space.plan(ks).to_dict(),
        "efficiency": efficiency(ev, plan, nash),
    }

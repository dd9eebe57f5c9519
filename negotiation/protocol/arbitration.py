"""An independent arbiter imposes a plan after the deadline passes without sign-off.

Two methods (``rules.arbitration``), both restricted to plans within every party's statutory duty (an
arbiter cannot order a council to break its balanced budget or an NHS body its financial duty) and, when
any such plan passes assurance, to those:

* ``nash``: the arbiter's own view of a fair settlement, the Nash bargaining plan (Nash 1950): the largest
  product of every party's gain over no deal among the plans where all gain; when no plan makes everyone
  gain, the plan whose worst-off party loses least against no deal, in proportion to what is at stake for it.
* ``final_offer``: final-offer arbitration (as in baseball and public-sector pay): each party's final
  offer is the last plan it proposed, if that plan is within every duty, else the plan best for it among
  those that are; the arbiter may not split the difference and picks the offer closest (in £m to each
  party) to its own view of a fair settlement, the Nash plan above.

When no plan is within every duty there is nothing lawful to impose and the outcome stays deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.domain.evaluation import EPS, Evaluation
from negotiation.protocol.records import RoundRecord

METHODS = ("final_offer", "nash")


@dataclass(frozen=True)
class Award:
    plan_index: int
    method: str
    offered_by: str  # whose final offer was chosen ("" for the Nash plan the arbiter drew up itself)


def lawful(ev: Evaluation) -> np.ndarray:
    """Plans within every party's duty, and among them those passing assurance if there are any."""
    within = (ev.duty_gap <= EPS).all(axis=0)
    passing = within & ev.approvable
    return np.flatnonzero(passing if passing.any() else within)


def nash_plan(ev: Evaluation, candidates: np.ndarray) -> int:
    gain = ev.utility[:, candidates] - ev.reservation[:, None]
    positive = (gain > EPS).all(axis=0)
    if positive.any():
        logs = np.where(positive, np.log(np.maximum(gain, 1e-12)).sum(axis=0), -np.inf)
        return int(candidates[int(np.argmax(logs))])
    stake = np.maximum(ev.ideal - ev.reservation, 0.1)[:, None]
    return int(candidates[int(np.argmax((gain / stake).min(axis=0)))])


def arbitrate(ev: Evaluation, method: str, history: list[RoundRecord], ids: list[str]) -> Award | None:
    """The plan the arbiter imposes, or None when no plan is within every party's duty."""
    candidates = lawful(ev)
    if len(candidates) == 0:
        return None
    fair = nash_plan(ev, candidates)
    if method == "nash":
        return Award(fair, method, "")
    allowed = set(candidates.tolist())
    last: dict[str, int] = {}
    for record in history:
        last[record.proposer] = record.plan_index
    offers = []
    for i, org in enumerate(ids):
        plan = last.get(org)
        if plan is None or plan not in allowed:
            plan = int(candidates[int(np.argmax(ev.utility[i, candidates]))])
        offers.append((org, plan))
    distance = [float(np.abs(ev.utility[:, plan] - ev.utility[:, fair]).sum()) for _, plan in offers]
    org, plan = offers[int(np.argmin(distance))]
    return Award(plan, method, org)

"""How a run ended, as a sweep row keeps it: the verdict on the signed plan, or deadlock and who blocked."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.domain.evaluation import Evaluation
from negotiation.protocol.outcome import DEADLOCK, failed_conditions, verdict


@dataclass(frozen=True)
class Ending:
    """How one run ended: what a sweep row is made from."""

    seed: int
    outcome: str
    rounds: int
    plan_index: int | None
    blockers: tuple[str, ...]
    failed_conditions: tuple[str, ...]

    @property
    def signed_off(self) -> bool:
        return self.plan_index is not None


def signed(ev: Evaluation, seed: int, round_: int, plan: int, verdicts: dict[int, tuple[str, tuple[str, ...]]]
           ) -> Ending:
    """Assurance's verdict on the signed plan (as ``protocol.outcome.decide``, without the sentences a sweep
    row does not keep); ``verdicts`` holds those already reached, as many runs sign the same plan."""
    found = verdicts.get(plan)
    if found is None:
        failed = failed_conditions(ev, plan)
        found = verdicts[plan] = (verdict(ev, failed), failed)
    return Ending(seed, found[0], round_, plan, (), found[1])


def deadlock(ids: list[str], seed: int, round_: int, hard: np.ndarray, soft: np.ndarray) -> Ending:
    """Deadlock: the blockers are those whose duty or no-deal position ruled out a proposal of the last
    rotation (``hard``: each organisation's, over those rounds), else those holding out (``soft``)."""
    blocking = hard if hard.any() else soft
    return Ending(seed, DEADLOCK, round_, None, tuple(ids[i] for i in np.flatnonzero(blocking)), ())

"""Behaviour-dependent tactic: concede as the others concede (Faratin et al., 1998; Axelrod, 1984).

Absolute tit-for-tat in utility space: when the latest proposal improved on
the one before it for this organisation, it lowers its aspiration by the same
amount; when the others hardened, it hardens too. A slow Boulware ceiling
(β = 0.3 by default) caps its aim, so two tit-for-tat players do not freeze
and it reaches its reservation at the deadline.
"""

from __future__ import annotations

from negotiation.strategies.base import Strategy, View
from negotiation.strategies.time_dependent import concession


class TitForTat(Strategy):
    name = "tit_for_tat"
    classifier = {"concedes": True, "time_dependent": False, "behaviour_dependent": True, "human": False}

    def __init__(self, beta: float | None = None):
        self.beta = float(beta if beta is not None else 0.3)

    def aspiration(self, view: View) -> float:
        if view.last_aspiration is None or len(view.received) < 2:
            return view.ideal
        others_moved = view.received[-1] - view.received[-2]
        reciprocated = view.last_aspiration - others_moved
        ceiling = view.ideal - (view.ideal - view.reservation) * concession(view.time, self.beta)
        return max(view.reservation, min(reciprocated, ceiling))

    def __repr__(self) -> str:
        return f"TitForTat(beta={self.beta})"

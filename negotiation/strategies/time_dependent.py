"""Time-dependent tactics (Faratin, Sierra and Jennings, 1998).

aspiration(t) = ideal − (ideal − reservation) · t^(1/β)

β < 1 is Boulware (holds out until near the deadline), β = 1 linear,
β > 1 a conceder (gives ground early). The curve ends at the reservation on
the deadline, so a time-dependent organisation never aims below no deal.
"""

from __future__ import annotations

from negotiation.strategies.base import Strategy, View


def concession(time: float, beta: float) -> float:
    """Share of the way from ideal to reservation conceded at ``time`` in [0, 1].

    >>> concession(0.5, 1.0)
    0.5
    >>> round(concession(0.5, 0.2), 4)   # Boulware: barely moved at half time
    0.0312
    """
    return min(1.0, max(0.0, time)) ** (1.0 / beta)


class TimeDependent(Strategy):
    history_free = True
    name = "time_dependent"
    classifier = {"concedes": True, "time_dependent": True, "behaviour_dependent": False, "human": False}
    default_beta = 1.0

    def __init__(self, beta: float | None = None):
        self.beta = float(beta if beta is not None else self.default_beta)

    def aspiration(self, view: View) -> float:
        return view.ideal - (view.ideal - view.reservation) * concession(view.time, self.beta)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(beta={self.beta})"


class Boulware(TimeDependent):
    name = "boulware"
    default_beta = 0.2


class Linear(TimeDependent):
    name = "linear"
    default_beta = 1.0


class Conceder(TimeDependent):
    name = "conceder"
    default_beta = 3.0

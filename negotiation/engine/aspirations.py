"""Each organisation's aspiration per round, for many runs at once, exactly as its Mesa agent computes it.

A time-only strategy (the time-dependent family, hard-liner, a person's default
curve) gives every run of a scenario the same aspiration in a round, so it is
tabulated once; tit-for-tat depends on what each run was offered, so it is kept
per run as an array. The arithmetic is the agent's own (same operations in the
same order), so the batched engine and :class:`~negotiation.model.NegotiationModel`
agree to the last bit. A strategy not known here makes the scenario fall back to
the one-at-a-time model (:func:`batchable`).
"""

from __future__ import annotations

import numpy as np

from negotiation.strategies import Strategy, View
from negotiation.strategies.curves import aspiration_curve
from negotiation.strategies.hardliner import Hardliner
from negotiation.strategies.time_dependent import TimeDependent, concession
from negotiation.strategies.tit_for_tat import TitForTat


def time_only(strategy: Strategy) -> bool:
    """Its aspiration depends on the round alone (not on what it was offered)."""
    if type(strategy) is Hardliner:
        return True
    return isinstance(strategy, TimeDependent) and type(strategy).aspiration is TimeDependent.aspiration


def known(strategy: Strategy) -> bool:
    return time_only(strategy) or (type(strategy) is TitForTat)


class Aspirations:
    """Aspirations of ``n`` organisations in ``runs`` runs, round by round (call :meth:`update` once a round)."""

    def __init__(self, strategies: list[Strategy], ideal: list[float], reservation: list[float], deadline: int,
                 runs: int):
        self.strategies = strategies
        self.ideal, self.reservation, self.deadline = ideal, reservation, deadline
        n = len(strategies)
        # A history-free strategy's tabulated curve (the agent's own table); a time-only one that is not
        # history-free (a person) computes the same value each round, but holds out for its current aim.
        self.curves: list[list[float] | None] = [
            aspiration_curve(s, ideal[i], reservation[i], deadline) if s.history_free else None
            for i, s in enumerate(strategies)
        ]
        self.tft = np.array([type(s) is TitForTat for s in strategies])
        self.current = np.tile(np.array(ideal, dtype=float), (runs, 1))  # (runs, n)
        self.received: list[np.ndarray] = []  # (runs, n) utility of each round's proposal, oldest first
        self.n = n

    @property
    def shared(self) -> bool:
        """Every run has the same aspirations (no tit-for-tat at the table)."""
        return not self.tft.any()

    def update(self, round_: int) -> None:
        """Aspirations at the start of ``round_`` (1-based), as ``OrganisationAgent.update_aspiration``."""
        for i, s in enumerate(self.strategies):
            curve = self.curves[i]
            if curve is not None:
                self.current[:, i] = curve[min(round_, len(curve)) - 1]
            elif self.tft[i]:
                self.current[:, i] = self._tit_for_tat(i, s, round_)
            else:
                aim = s.aspiration(View(round_, self.deadline, self.reservation[i], self.ideal[i], (), None))
                self.current[:, i] = min(self.ideal[i], max(self.reservation[i], aim))

    def _tit_for_tat(self, i: int, s, round_: int) -> np.ndarray:
        ideal, res = self.ideal[i], self.reservation[i]
        if round_ == 1 or len(self.received) < 2:
            return np.full(len(self.current), min(ideal, max(res, ideal)))
        view = View(round_, self.deadline, res, ideal, (), None)
        ceiling = ideal - (ideal - res) * concession(view.time, s.beta)  # as TitForTat.aspiration
        others_moved = self.received[-1][:, i] - self.received[-2][:, i]
        reciprocated = self.current[:, i] - others_moved
        aim = np.maximum(res, np.minimum(reciprocated, ceiling))
        return np.minimum(ideal, np.maximum(res, aim))

    def continuation(self, i: int, round_: int) -> np.ndarray | float:
        """What organisation ``i`` holds out for next round (``OrganisationAgent.next_aspiration``)."""
        if round_ >= self.deadline:
            return self.reservation[i]
        curve = self.curves[i]
        if curve is not None:
            return curve[min(round_ + 1, len(curve)) - 1]
        return self.current[:, i]

    def record(self, utilities: np.ndarray) -> None:
        """Each run's utility of this round's proposal, for every organisation (what tit-for-tat reacts to)."""
        if self.tft.any():
            self.received = self.received[-1:] + [utilities]

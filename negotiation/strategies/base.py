"""What a concession strategy sees and must answer.

A strategy sees a read-only :class:`View` of its own side of the negotiation
(never the other organisations' private figures) and returns the utility it
aims for this round, its *aspiration* (£m-equivalent per year). Acceptance and
proposing are shared rules in :mod:`negotiation.protocol`; strategies differ
only in how fast they give ground, as in Faratin, Sierra and Jennings (1998).
"""

from __future__ import annotations

from typing import NamedTuple


class View(NamedTuple):
    """One organisation's read-only view of the negotiation at the start of a round (cheap to make)."""

    round: int  # 1-based
    deadline: int  # last round
    reservation: float  # utility of no deal (£m-equivalent per year)
    ideal: float  # the best utility any plan in the space gives it within its duty
    received: tuple[float, ...]  # its utility for each proposal put so far, oldest first
    last_aspiration: float | None  # what it aimed for last round

    @property
    def time(self) -> float:
        """Share of the time to the deadline already used, in [0, 1]."""
        if self.deadline <= 1:
            return 1.0
        return min(1.0, (self.round - 1) / (self.deadline - 1))


class Strategy:
    """Base class: a name, a classifier of traits, and one decision method."""

    name: str = "strategy"
    history_free: bool = False  # aspiration depends only on time, ideal and reservation (can be tabulated)
    classifier: dict = {"concedes": True, "time_dependent": False, "behaviour_dependent": False, "human": False}

    def aspiration(self, view: View) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"

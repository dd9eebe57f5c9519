"""Concession strategies, one family per file, and the registry scenarios name them by."""

from __future__ import annotations

from negotiation.strategies.base import Strategy, View
from negotiation.strategies.hardliner import Hardliner
from negotiation.strategies.human import Human
from negotiation.strategies.time_dependent import Boulware, Conceder, Linear, TimeDependent
from negotiation.strategies.tit_for_tat import TitForTat

STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls for cls in (TimeDependent, Boulware, Linear, Conceder, Hardliner, TitForTat, Human)
}


def make_strategy(name: str, beta: float | None = None) -> Strategy:
    """Build a strategy from its registry name; ``beta`` tunes the time-dependent family."""
    cls = STRATEGIES[name]
    if cls is Hardliner:
        return cls()
    return cls(beta)  # type: ignore[call-arg]  # every family but Hardliner takes beta


__all__ = ["STRATEGIES", "Strategy", "View", "make_strategy"]

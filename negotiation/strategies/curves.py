"""A history-free strategy's aspiration for every round, tabulated once and shared by the Mesa agent and the
batched engine (here, not beside the agent, so the engine and sweep workers need not import Mesa)."""

from __future__ import annotations

from negotiation.strategies.base import Strategy, View

_CURVES: dict[tuple, list[float]] = {}


def aspiration_curve(strategy: Strategy, ideal: float, reservation: float, deadline: int) -> list[float]:
    """A history-free strategy's aspiration for every round, tabulated once (runs over seeds share it)."""
    key = (repr(strategy), ideal, reservation, deadline)
    curve = _CURVES.get(key)
    if curve is None:
        if len(_CURVES) > 4096:
            _CURVES.clear()
        curve = _CURVES[key] = [
            min(ideal, max(reservation, strategy.aspiration(View(r, deadline, reservation, ideal, (), None))))
            for r in range(1, deadline + 1)
        ]
    return curve

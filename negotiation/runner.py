"""One call from Python: a scenario (file or object) in, a :class:`NegotiationResult` out."""

from __future__ import annotations

from pathlib import Path

from negotiation.model import NegotiationModel
from negotiation.result import NegotiationResult, collect
from negotiation.scenario import Scenario, load_scenario


def run_scenario(
    scenario: Scenario | str | Path, seed: int = 0, rounds: int | None = None, overrides=None
) -> NegotiationResult:
    """Run one negotiation to its end.

    >>> run_scenario("scenarios/baseline_agreement.toml", seed=1).outcome
    'approved'
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    elif overrides:
        raise ValueError("overrides apply to scenario files; pass a path")
    return collect(NegotiationModel(scenario, seed=seed, rounds=rounds).run())

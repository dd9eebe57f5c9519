"""One call from Python: a scenario (file or object) in, a :class:`NegotiationResult` out."""

from __future__ import annotations

from pathlib import Path

from negotiation.limits import check_rounds, check_seed
from negotiation.model import NegotiationModel
from negotiation.result import NegotiationResult, collect
from negotiation.scenario import Scenario, load_scenario


def run_scenario(
    scenario: Scenario | str | Path, seed: int | None = 0, rounds: int | None = None, overrides=None
) -> NegotiationResult:
    """Run one negotiation to its end.

    ``rounds`` (the deadline) is at most 500 (:data:`negotiation.limits.MAX_ROUNDS`) and ``seed`` a
    whole number 0 or more; anything else raises :class:`~negotiation.errors.ScenarioError`.

    >>> run_scenario("scenarios/baseline_agreement.toml", seed=1).outcome
    'approved'
    """
    seed = check_seed(seed, "run_scenario")
    if rounds is not None:
        rounds = check_rounds(rounds, "run_scenario")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    elif overrides:
        raise ValueError("overrides apply to scenario files; pass a path")
    return collect(NegotiationModel(scenario, seed=seed, rounds=rounds).run())

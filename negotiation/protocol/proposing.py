"""How a whole-plan proposal is chosen.

An organisation proposing picks, among plans that give it at least its own
aspiration and keep it within its duty, the one it expects most others to
accept (a trade-off strategy in the sense of Faratin, Sierra and Jennings,
2002), judging the others by public figures: their reservation, their ideal
and how far through the negotiation we are. The HWB chair as mediator picks
the single text that the most organisations accepted last time, then the one
with the fairest (max–min) slack over their revealed demands (Raiffa's single
negotiating text, Klein et al., 2003). Ties are broken by the model's seeded RNG.
"""

from __future__ import annotations

import random

import numpy as np

from negotiation.domain.evaluation import EPS, Evaluation


def _best(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    return candidates[scores >= scores.max() - 1e-9]


def _pick(top: np.ndarray, rng: random.Random) -> int:
    """One of the equally good plans, chosen by the model's seeded RNG (the same draw whether cached or not)."""
    return int(top[rng.randrange(len(top))]) if len(top) > 1 else int(top[0])


def _scale(ev: Evaluation) -> np.ndarray:
    return np.maximum(ev.ideal - ev.reservation, 0.1)


def believed_thresholds(ev: Evaluation, time: float, trust_to_proposer: np.ndarray, trust_effect: float):
    """What a proposer guesses each organisation needs: a linear concession from ideal to reservation."""
    d = ev.reservation
    aim = d + (ev.ideal - d) * (1.0 - time)
    return d + (aim - d) * (1.0 - trust_effect * trust_to_proposer)


def propose_as_organisation(
    ev: Evaluation, proposer: int, aspiration: float, time: float, trust_row: np.ndarray, trust_effect: float,
    rng: random.Random,
) -> int:
    # The best plans are a pure function of the scenario (hence ``ev``), the proposer, its aspiration
    # and the time; runs over seeds of one scenario meet the same ones again and again, so they are
    # memoised on the evaluation (bounded) and only the tie is drawn each time.
    key = (proposer, aspiration, time)
    top = ev.proposal_cache.get(key)
    if top is None:
        believed = believed_thresholds(ev, time, trust_row, trust_effect)
        top = _best_for_organisation(ev, proposer, aspiration, believed)
        if len(ev.proposal_cache) < 4096:
            ev.proposal_cache[key] = top
    return _pick(top, rng)


def _best_for_organisation(ev: Evaluation, proposer: int, aspiration: float, believed: np.ndarray) -> np.ndarray:
    u = ev.utility
    own = ev.acceptable[proposer] & (u[proposer] >= aspiration - EPS)
    if not own.any():
        own = ev.acceptable[proposer] if ev.acceptable[proposer].any() else np.ones(len(ev.space), bool)
    candidates = np.flatnonzero(own)
    others = np.arange(len(ev.ideal)) != proposer
    sub_u = u[others][:, candidates]
    need = believed[others][:, None]
    likely = ev.acceptable[others][:, candidates] & (sub_u >= need - EPS)
    slack = np.clip((sub_u - need) / _scale(ev)[others][:, None], -1.0, 1.0).sum(axis=0)
    own_gain = (u[proposer, candidates] - ev.reservation[proposer]) / _scale(ev)[proposer]
    scores = likely.sum(axis=0) * 10.0 + slack + 0.01 * own_gain
    return _best(scores, candidates)


def propose_as_mediator(ev: Evaluation, demands: np.ndarray, rng: random.Random) -> int:
    """The chair's single text: most organisations satisfied, then the fairest slack."""
    u = ev.utility
    satisfied = ev.acceptable & (u >= demands[:, None] - EPS)
    slack = ((u - demands[:, None]) / _scale(ev)[:, None]).min(axis=0)
    scores = satisfied.sum(axis=0) * 10.0 + np.clip(slack, -5.0, 5.0)
    return _pick(_best(scores, np.arange(len(ev.space))), rng)

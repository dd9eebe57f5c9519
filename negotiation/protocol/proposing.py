"""How a whole-plan proposal is chosen.

An organisation proposing bargains, as in alternating-offers models (Rubinstein
1982; Baron and Ferejohn 1989): among the plans it expects every other party to
accept, it takes the one best for itself, offering each the least that party
takes. As those models assume the parties' patience is common knowledge, a
proposer knows each party's concession curve (its strategy and β, from its
ideal to its no-deal value over the time to the deadline) and its trust in the
proposer, so it knows the least each accepts this round: a more patient party
holds out for more and is offered more. It takes that deal if it is worth at
least what it would itself hold out for next round (its continuation value; no
deal at the deadline), and signs what it proposes. Otherwise it holds out: among
plans worth its own aspiration, the one the most parties accept, then the best
for itself. At the deadline every
concession curve reaches no deal, so a zone of agreement is found if one exists.
A person playing an organisation is expected to behave like the linear curve.

The HWB chair as mediator proposes only plans within every party's duty and
no worse than no deal for anyone (the zone of agreement) when there is one:
the single text that the most organisations' revealed demands accept, then the
one with the fairest (max–min) slack (Raiffa's single negotiating text, Klein
et al., 2003). Ties are broken by the model's seeded RNG.
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


def expected_thresholds(ev: Evaluation, aims: np.ndarray, trust_to_proposer: np.ndarray, trust_effect: float):
    """The least each organisation accepts from this proposer: its aim lowered by its trust in the proposer."""
    d = ev.reservation
    return d + (aims - d) * (1.0 - trust_effect * trust_to_proposer)


def propose_as_organisation(
    ev: Evaluation, proposer: int, aims: tuple[float, ...], trust_row: np.ndarray, trust_effect: float,
    rng: random.Random, continuation: float | None = None,
) -> int:
    """``aims``: every organisation's aspiration this round (the proposer's own included);
    ``continuation``: what the proposer would hold out for next round (default: its aim now)."""
    return _pick(organisation_plans(ev, proposer, aims, trust_row, trust_effect, continuation), rng)


def organisation_plans(
    ev: Evaluation, proposer: int, aims: tuple[float, ...], trust_row: np.ndarray, trust_effect: float,
    continuation: float | None = None,
) -> np.ndarray:
    """The equally best plans for this proposer (ascending plan indexes); the tie is drawn by the caller."""
    # The best plans are a pure function of the scenario (hence ``ev``), the proposer and the aims;
    # runs over seeds of one scenario meet the same ones again and again, so they are memoised on the
    # evaluation (bounded) and only the tie is drawn each time (the batched engine shares this memo).
    continuation = aims[proposer] if continuation is None else continuation
    key = (proposer, aims, continuation)
    top = ev.proposal_cache.get(key)
    if top is None:
        expected = expected_thresholds(ev, np.array(aims), trust_row, trust_effect)
        top = _best_for_organisation(ev, proposer, aims[proposer], expected, continuation)
        if len(ev.proposal_cache) < 4096:
            ev.proposal_cache[key] = top
    return top


PROPOSER_MEMO_BYTES = 64 * 1024 * 1024  # per evaluation: each proposer's candidate columns, kept for later rounds


def _proposer_view(ev: Evaluation, proposer: int):
    """The plans a proposer may put and the other parties' figures on them (memoised while small).

    Every round of every run asks the same proposer about the same columns; only the thresholds change.
    """
    key = ("proposer", proposer)
    found = ev.memo.get(key)
    if found is not None:
        return found
    u, ok = ev.utility, ev.acceptable
    candidates = np.flatnonzero(ok[proposer])
    if len(candidates) == 0:  # it can sign nothing: put the plan that leaves it least short of its duty
        gap = ev.duty_gap[proposer]
        candidates = np.flatnonzero(gap <= gap.min() + 1e-9)
    others = np.arange(len(ev.ideal)) != proposer
    # Columns first, then rows (a take, then a small row selection): the same arrays, in half the time.
    found = (candidates, others, u.take(candidates, axis=1)[others], ok.take(candidates, axis=1)[others],
             u[proposer, candidates],
             _scale(ev)[others][:, None])
    held = ev.memo.get("proposer_bytes", 0)
    size = found[2].nbytes + found[3].nbytes
    if held + size <= PROPOSER_MEMO_BYTES:
        ev.memo[key] = found
        ev.memo["proposer_bytes"] = held + size
    return found


def _best_for_organisation(
    ev: Evaluation, proposer: int, aspiration: float, believed: np.ndarray, continuation: float,
) -> np.ndarray:
    candidates, others, sub_u, sub_ok, own, scale = _proposer_view(ev, proposer)
    need = believed[others][:, None]
    likely = sub_ok & (sub_u >= need - EPS)
    n_likely = np.zeros(len(candidates), dtype=np.intp)
    for row in likely:  # row by row: a boolean sum down the columns is several times slower
        n_likely += row

    def slack(cols: np.ndarray) -> np.ndarray:  # how comfortably the others clear their thresholds (ties only)
        return np.clip((sub_u[:, cols] - need) / scale, -1.0, 1.0).sum(axis=0)

    passes = n_likely == others.sum()
    if passes.any() and own[passes].max() >= continuation - EPS:
        # A plan is expected to pass and beats waiting: the one best for itself, each other party getting
        # what it is expected to take (then the safest of those).
        best_own = own[passes].max()
        cols = np.flatnonzero(passes & (own >= best_own - 1e-9))
        return _best(slack(cols), candidates[cols])
    # Nothing is expected to pass: hold out for its aspiration with the plan the most parties are expected
    # to accept, then the one best for itself.
    mine = own >= aspiration - EPS
    if not mine.any():
        mine = own >= own.max() - 1e-9
    score = n_likely[mine].astype(float)
    top = score >= score.max()
    best_own = own[mine][top].max()
    top &= own[mine] >= best_own - 1e-9
    cols = np.flatnonzero(mine)[top]
    return _best(slack(cols), candidates[cols])


def propose_as_mediator(ev: Evaluation, demands: np.ndarray, rng: random.Random) -> int:
    """The chair's single text: within every duty and no worse than no deal, most satisfied, then the fairest."""
    return _pick(mediator_plans(ev, demands), rng)


def mediator_plans(ev: Evaluation, demands: np.ndarray) -> np.ndarray:
    """The chair's equally good single texts for these revealed demands (ascending plan indexes)."""
    u = ev.utility
    zone = ev.zone_of_agreement
    if zone.any():
        pool = np.flatnonzero(zone)
    else:  # no zone: the plans leaving the parties least short of their duties
        short = np.maximum(ev.duty_gap, 0.0).sum(axis=0)
        pool = np.flatnonzero(short <= short.min() + 1e-9)
    sub = u[:, pool]
    satisfied = ev.acceptable[:, pool] & (sub >= demands[:, None] - EPS)
    slack = ((sub - demands[:, None]) / _scale(ev)[:, None]).min(axis=0)
    scores = satisfied.sum(axis=0) * 10.0 + np.clip(slack, -5.0, 5.0)
    return _best(scores, pool)

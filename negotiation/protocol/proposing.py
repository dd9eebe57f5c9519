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

import math
import random

import numpy as np

from negotiation.domain.evaluation import EPS, Evaluation
from negotiation.protocol import whole_space
from negotiation.protocol.acceptance import Acceptance, dense, named_parties, proposer_plans


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
        top = _best_for_organisation(ev, proposer, aims, trust_row, trust_effect, continuation)
        if len(ev.proposal_cache) < 4096:
            ev.proposal_cache[key] = top
    return top


BOUND_FROM = 12  # parties: with fewer, an exact count costs less than bounding it first (two more shared counts)


def _best_for_organisation(
    ev: Evaluation, proposer: int, aims: tuple[float, ...], trust_row: np.ndarray, trust_effect: float,
    continuation: float,
) -> np.ndarray:
    """The search itself, over the whole plan space by masks (``protocol.whole_space``) when it can; else it
    counts acceptance only on the plans it needs: a deal is among those worth its continuation value, else it
    holds out among those worth its aspiration; and the counts start from those shared by every proposer of
    the round (``protocol.acceptance``)."""
    n = len(ev.ideal)
    aims_now = np.array(aims)
    believed = expected_thresholds(ev, aims_now, trust_row, trust_effect)
    # Over the whole plan space (protocol.whole_space): every party's row compared at a small table or where
    # most trust is named, else the round's counts at the usual trust, corrected for the few named.
    shared = None
    if n >= whole_space.WHOLE_SPACE_BELOW:
        usual, named = named_parties(ev, trust_row, proposer)
        if not dense(named, n):
            shared = (expected_thresholds(ev, aims_now, np.full(n, usual), trust_effect) - EPS, named)
        elif n >= whole_space.BOUNDED_FROM:
            at = whole_space.bounded_finalists(ev, proposer, believed, aims[proposer], continuation,
                                               _trust_bounds(ev, aims_now, trust_row, trust_effect, proposer))
            if at is not None:
                return at if len(at) == 1 else _best(_slack(ev, proposer, believed, at), at)
    at = whole_space.finalists(ev, proposer, believed, aims[proposer], continuation, shared)
    if at is not None:
        return at if len(at) == 1 else _best(_slack(ev, proposer, believed, at), at)
    # A proposer who could sign no plan (or rows too large to keep): the search over the plans it reaches.
    usual, named = named_parties(ev, trust_row, proposer)
    usual_floors = expected_thresholds(ev, aims_now, np.full(n, usual), trust_effect) - EPS
    candidates, own = proposer_plans(ev, proposer)
    bounds = None
    if n >= BOUND_FROM and dense(named, n):  # thresholds are monotone in trust: the extremes bound every party's
        bounds = _trust_bounds(ev, aims_now, trust_row, trust_effect)
    accepting = Acceptance(ev, proposer, believed - EPS, usual_floors, named, bounds)

    def best(at: np.ndarray) -> np.ndarray:  # of equally good plans (ascending positions), the safest
        plans = candidates[at]
        return _best(_slack(ev, proposer, believed, plans), plans)

    # Only the plans worth its continuation value (a deal must beat waiting) or its aspiration (what it holds
    # out with otherwise; if none, its best) are counted, once for both.
    deal = own >= continuation - EPS
    hold = own >= aims[proposer] - EPS
    if not hold.any():
        hold = own >= own.max() - 1e-9
    reached = np.flatnonzero(deal | hold)
    counts = accepting.decisive(candidates[reached], deal[reached], hold[reached])
    passes = deal[reached] & (counts == n - 1)
    if passes.any():
        # A plan expected to pass that beats waiting: the one best for itself, each other party getting what
        # it is expected to take (then the safest of those).
        near = own >= own[reached][passes].max() - 1e-9
        if (near & ~deal).any():  # a plan within 1e-9 of it lies just below what was counted exactly
            at = np.flatnonzero(near)
            return best(at[accepting.exactly(candidates[at]) == n - 1])
        return best(reached[(counts == n - 1) & near[reached]])
    # Nothing is expected to pass: hold out for its aspiration with the plan the most parties are expected
    # to accept, then the one best for itself.
    mine = hold[reached]
    at, score = reached[mine], counts[mine]
    top = score == score.max()
    best_own = own[at][top].max()
    top &= own[at] >= best_own - 1e-9
    return best(at[top])


def _trust_bounds(ev: Evaluation, aims: np.ndarray, trust_row: np.ndarray, trust_effect: float,
                  proposer: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each party's threshold (less EPS) at the most lenient and at the strictest trust: thresholds are
    monotone in trust, so these bound every party's. The trust range is 0 to 1 (or wider), or with
    ``proposer`` the other parties' range widened to tenths, tighter and still the same for most proposers
    of a round (so are the counts at these thresholds, which the round shares)."""
    if proposer is None:
        trust_range = (min(0.0, float(trust_row.min())), max(1.0, float(trust_row.max())))
    else:
        others = trust_row.tolist()
        del others[proposer]
        trust_range = (math.floor(min(others) * 10 - 1e-6) / 10, math.ceil(max(others) * 10 + 1e-6) / 10)
    edges = [expected_thresholds(ev, aims, np.full(len(aims), t), trust_effect) - EPS for t in trust_range]
    return np.minimum(*edges), np.maximum(*edges)


def _slack(ev: Evaluation, proposer: int, believed: np.ndarray, plans: np.ndarray) -> np.ndarray:
    """How comfortably the other parties clear their thresholds on each plan (to break ties only).

    Each plan's terms are summed in one contiguous run, as the search always laid them out, so each sum
    adds the same numbers in the same order and the same plan wins a tie as before. With fewer than 8 other
    parties numpy adds such a run one term after another whichever way the block is laid out, so the block
    is taken plan by plan (rows of the evaluation's column-major matrix: no transposing copy).
    """
    others, scale = _others(ev, proposer)
    if len(others) < 8:
        block = ev.utility.T[plans][:, others]  # (plans, others)
        terms = (block - believed[others]) / scale
        np.maximum(terms, -1.0, out=terms)
        return np.minimum(terms, 1.0, out=terms).sum(axis=1)
    sub_u = np.asfortranarray(ev.utility[:, plans][others])
    need = believed[others][:, None]
    return np.clip((sub_u - need) / scale[:, None], -1.0, 1.0).sum(axis=0)


def _others(ev: Evaluation, proposer: int) -> tuple[np.ndarray, np.ndarray]:
    """The other parties (ascending) and the scale of each one's stake (£m): memoised per proposer."""
    key = ("others", proposer)
    found = ev.memo.get(key)
    if found is None:
        others = np.flatnonzero(np.arange(len(ev.ideal)) != proposer)
        found = ev.memo[key] = (others, _scale(ev)[others])
    return found


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

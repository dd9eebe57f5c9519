"""Runs whose aspirations are the same in every run: a round's proposals and answers made per proposer, not per run.

With no tit-for-tat at the table every organisation's aspiration depends on the
round alone, so every run of a scenario holds the same aims in a round; the runs
differ only in who speaks when (each seed's rotation) and in which of equally
good plans a proposer draws. So each round the proposals are searched once per
proposer speaking in some run, the answers to each of those plans are worked
out once (as ``OrganisationAgent.respond`` gives them: duty, then no deal, then
the aim lowered by trust in the proposer), and each run only looks up its
proposer's column: a handful of array operations a round, whatever the number of
runs, instead of a dozen over (runs × organisations) and a Python step per run.
A run draws from its own ``random.Random(seed)`` only when its proposer has a
tie, in the model's order; the generator is made at its first draw.
"""

from __future__ import annotations

import random

import numpy as np

from negotiation.domain.evaluation import EPS, Evaluation
from negotiation.engine.aspirations import Aspirations
from negotiation.engine.endings import Ending, deadlock, signed
from negotiation.protocol.proposing import mediator_plans, organisation_plans


def negotiate_alike(ev: Evaluation, ids: list[str], seeds: list[int], orders: np.ndarray, aims: Aspirations,
                    trust: np.ndarray, trust_effect: float, mediated: bool, chair_trust: np.ndarray,
                    may_breach: np.ndarray) -> list[Ending]:
    """Every run to its end; ``orders``: (runs, organisations) speaking orders; ``aims``: one run's aspirations
    (:attr:`Aspirations.shared`), updated here round by round up to its deadline; ``chair_trust``: each
    organisation's trust in the chair (its mean trust, as the model sums it)."""
    n, r_count, deadline = len(ids), len(seeds), aims.deadline
    res = ev.reservation.astype(float)
    res_col = res[:, None]
    no_deal_below = res_col - EPS
    breach_barred = ~may_breach[:, None]
    # The least each organisation accepts from each proposer is res + (aim − res)·(1 − trust_effect·trust): the
    # second factor does not change from round to round (the chair's: each organisation's mean trust).
    lowered = 1.0 - trust_effect * (chair_trust[:, None] if mediated else trust)  # (n, proposers)
    diagonal = np.arange(n)
    speaking = [np.ascontiguousarray(orders[:, c]) for c in range(n)]  # who speaks in each run, by turn
    demands = ev.ideal.astype(float)  # what the chair believes each party wants (mediator)
    live = np.arange(r_count)
    endings: list[Ending | None] = [None] * r_count
    window: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # last n rounds: (run → column, hard, rejected)
    ties: dict[int, random.Random] = {}
    verdicts: dict = {}
    for round_ in range(1, deadline + 1):
        aims.update(round_)
        current = aims.current[0]
        aim = res_col + (current - res)[:, None] * lowered  # (n, proposers): as OrganisationAgent.respond
        # Column p of this round's answers: to proposer p's plan (the chair's: column 0); after those, the
        # other plans of a proposer with a tie.
        if mediated:
            tops = {0: mediator_plans(ev, demands)}
            demands = np.maximum(aim[:, 0], res)
            column = np.zeros(len(live), dtype=np.intp)
        else:
            column = speaking[(round_ - 1) % n]
            if len(live) < r_count:
                column = column[live]
            shared = tuple(current.tolist())
            tops = {p: organisation_plans(ev, p, shared, trust[p], trust_effect, _continuation(aims, p, round_))
                    for p in set(column.tolist())}
            aim[diagonal, diagonal] = res  # a proposer signs its own plan unless it breaks its duty or no deal
        plans = [0] * aim.shape[1]  # a proposer not speaking in any run: plan 0's answers, never read
        for p, top in tops.items():
            plans[p] = top[0]
        if any(len(top) > 1 for top in tops.values()):
            aim, column = _draw(tops, plans, aim, column, live, seeds, ties)
        u = ev.utility[:, plans]  # (n, columns): every answer to every plan put this round
        hard = ((ev.duty_gap[:, plans] > EPS) & breach_barred) | (u < no_deal_below)
        rejected = hard | (u < aim - EPS)
        if round_ > deadline - n:  # the rounds a deadlock's blockers are read from
            by_run = np.zeros(r_count, dtype=np.intp)
            by_run[live] = column
            window.append((by_run, hard, rejected))
        agreed = ~rejected.any(axis=0)[column]
        for pos in agreed.nonzero()[0].tolist():
            k = int(live[pos])
            endings[k] = signed(ev, seeds[k], round_, int(plans[column[pos]]), verdicts)
        live = live[~agreed]
        if not len(live):
            break
    if len(live):
        _deadlocks(ids, seeds, live, deadline, window[-n:], endings)
    return [e for e in endings if e is not None]


def _draw(tops: dict[int, np.ndarray], plans: list, aim: np.ndarray, column: np.ndarray, live: np.ndarray,
          seeds: list[int], ties: dict[int, random.Random]) -> tuple[np.ndarray, np.ndarray]:
    """Each run whose proposer has several equally good plans takes one by its own draw (as ``_pick``): the
    other plans get columns after the proposers' (``plans`` grows), each with its proposer's aims."""
    after: dict[int, int] = {}  # proposer → the column before its second plan's
    extra: list[int] = []
    for p, top in tops.items():
        if len(top) > 1:
            after[p] = len(plans) - 1
            plans.extend(top[1:].tolist())
            extra.extend([p] * (len(top) - 1))
    column = column.copy()
    for pos, p in enumerate(column.tolist()):
        if p in after:
            k = int(live[pos])
            rng = ties.get(k)
            if rng is None:
                rng = ties[k] = random.Random(seeds[k])
            drawn = rng.randrange(len(tops[p]))
            if drawn:
                column[pos] = after[p] + drawn
    return np.concatenate([aim, aim[:, extra]], axis=1), column


def _continuation(aims: Aspirations, i: int, round_: int) -> float:
    cont = aims.continuation(i, round_)
    return float(cont[0]) if isinstance(cont, np.ndarray) else cont


def _deadlocks(ids, seeds, live, round_, window, endings) -> None:
    """The runs still unsigned at the deadline: each one's rejections over the last rotation."""
    hard = np.logical_or.reduce([h[:, by_run[live]] for by_run, h, _ in window])  # (n, runs)
    soft = np.logical_or.reduce([r[:, by_run[live]] for by_run, _, r in window])
    for pos, k in enumerate(live.tolist()):
        endings[k] = deadlock(ids, seeds[k], round_, hard[:, pos], soft[:, pos])

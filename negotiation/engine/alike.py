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
    n, r_count, te = len(ids), len(seeds), trust_effect
    res = ev.reservation.astype(float)
    no_deal_below = (res - EPS)[:, None]
    breach_barred = ~may_breach[:, None]
    demands = ev.ideal.astype(float)  # what the chair believes each party wants (mediator)
    live = np.arange(r_count)
    endings: list[Ending | None] = [None] * r_count
    window: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # last n rounds: (run → column, hard, rejected)
    ties: dict[int, random.Random] = {}
    verdicts: dict = {}
    for round_ in range(1, aims.deadline + 1):
        aims.update(round_)
        current = aims.current[0]
        if mediated:
            tops = [mediator_plans(ev, demands)]
            group = np.zeros(len(live), dtype=np.intp)
            aim = (res + (current - res) * (1.0 - te * chair_trust))[:, None]  # (n, 1): one text for every run
            demands = np.maximum(aim[:, 0], res)
        else:
            speaker = orders[live, (round_ - 1) % n]
            present = np.zeros(n, dtype=bool)
            present[speaker] = True
            who = np.flatnonzero(present)
            shared = tuple(current.tolist())
            tops = [organisation_plans(ev, p, shared, trust[p], te, _continuation(aims, p, round_))
                    for p in who.tolist()]
            slot = np.empty(n, dtype=np.intp)
            slot[who] = np.arange(len(who))
            group = slot[speaker]
            aim = res[:, None] + (current - res)[:, None] * (1.0 - te * trust[:, who])  # (n, proposers)
            aim[who, np.arange(len(who))] = res[who]  # a proposer signs its own plan unless it breaks duty or no deal
        sizes = [len(t) for t in tops]
        plans = np.concatenate(tops) if len(tops) > 1 else tops[0]
        starts = np.cumsum([0, *sizes[:-1]])
        column_aim = aim[:, np.repeat(np.arange(len(tops)), sizes)] if len(plans) != len(tops) else aim
        u = ev.utility[:, plans]  # (n, columns): every answer to every plan put this round
        hard = ((ev.duty_gap[:, plans] > EPS) & breach_barred) | (u < no_deal_below)
        rejected = hard | (u < column_aim - EPS)
        column = starts[group]
        for g, size in enumerate(sizes):
            if size > 1:  # a tie: each run speaking for this proposer draws, from its own generator
                for pos in np.flatnonzero(group == g).tolist():
                    k = int(live[pos])
                    rng = ties.get(k)
                    if rng is None:
                        rng = ties[k] = random.Random(seeds[k])
                    column[pos] += rng.randrange(size)
        by_run = np.zeros(r_count, dtype=np.intp)
        by_run[live] = column
        window = (window + [(by_run, hard, rejected)])[-n:]
        agreed = ~rejected.any(axis=0)[column]
        for pos in np.flatnonzero(agreed).tolist():
            k = int(live[pos])
            endings[k] = signed(ev, seeds[k], round_, int(plans[column[pos]]), verdicts)
        live = live[~agreed]
        if round_ == aims.deadline and len(live):
            _deadlocks(ids, seeds, live, round_, window, endings)
        if not len(live):
            break
    return [e for e in endings if e is not None]


def _continuation(aims: Aspirations, i: int, round_: int) -> float:
    cont = aims.continuation(i, round_)
    return float(cont[0]) if isinstance(cont, np.ndarray) else cont


def _deadlocks(ids, seeds, live, round_, window, endings) -> None:
    """The runs still unsigned at the deadline: each one's rejections over the last rotation."""
    hard = np.logical_or.reduce([h[:, by_run[live]] for by_run, h, _ in window])  # (n, runs)
    soft = np.logical_or.reduce([r[:, by_run[live]] for by_run, _, r in window])
    for pos, k in enumerate(live.tolist()):
        endings[k] = deadlock(ids, seeds[k], round_, hard[:, pos], soft[:, pos])

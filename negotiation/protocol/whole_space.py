"""The proposal search over the whole plan space by masks: no gathering of the plans a search reaches.

:mod:`negotiation.protocol.acceptance` counted acceptance only on the plans a
proposer's search reaches (those worth its continuation value or its aim),
gathering their columns first. Gathers cost more than they save: a search is a
dozen array operations, thousands of times in a sweep, and a comparison along
a contiguous row of every plan is cheaper than picking a few thousand plans out
of it. Here every plan is counted and the search reads the whole plan space by
masks, in half the operations:

* at a table of a few parties (below :data:`WHOLE_SPACE_BELOW`; the shipped
  areas have 2 to 6), or where most pairs' trust is named, the (parties × plans)
  acceptance rows are compared with the thresholds at once;
* at a larger table where most pairs share the usual trust, the count starts
  from the parties accepting each plan at the usual trust, counted once a round
  for every proposer (:func:`~negotiation.protocol.acceptance.usual_counts`),
  corrected for the proposer itself and the few parties with a named trust in it,
  so a search costs the same whatever the number of parties.

Either way the counts are the integers the direct search counts, so it decides
exactly as the direct search does (``tests/test_proposal_search.py``). A proposer
who could sign no plan, or acceptance rows too large for the memo budget, are
left to :func:`negotiation.protocol.proposing._best_for_organisation`'s search
over the plans it reaches.
"""

from __future__ import annotations

import sys
from typing import NamedTuple

import numpy as np

from negotiation.domain.evaluation import EPS, Evaluation
from negotiation.protocol.acceptance import accepted_utility, usual_counts

WHOLE_SPACE_BELOW = 12  # parties: from here on the round's shared counts cost less than comparing every row
BOUNDED_FROM = 40  # parties, most pairs' trust named: from here on bounding the counts first costs less
SIGNABLE = -sys.float_info.max  # a threshold every plan the party could sign clears (−∞ marks the others)


class Rows(NamedTuple):
    """Each party's acceptance row (``acceptance.accepted_utility``: utility where it could sign the plan, −∞
    elsewhere, row-major) and its best utility among the plans it could sign (−∞ if none). The proposer's
    own row is also its utility wherever the search reads it (on plans it could put)."""

    acceptance: np.ndarray  # (parties, plans)
    top: list[float]


def rows(ev: Evaluation) -> Rows | None:
    """:class:`Rows`, made once per evaluation; None when the acceptance rows are too large to keep within
    the search's memo budget (then the other search is used)."""
    found = ev.memo.get("party_rows", False)
    if found is False:
        acceptance = accepted_utility(ev)
        if ev.memo.get("accepted_utility") is not acceptance:  # not kept: it would be made again each search
            found = ev.memo["party_rows"] = None
        else:
            found = ev.memo["party_rows"] = Rows(acceptance, acceptance.max(axis=1).tolist())
    return found


def finalists(ev: Evaluation, proposer: int, believed: np.ndarray, aim: float, continuation: float,
              shared: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray | None:
    """The plans (ascending) among which the search's tie-break (the safest: most slack) chooses; None when
    the proposer could sign no plan or the rows are too large to keep.

    ``believed``: each party's expected threshold for this proposer; ``aim`` and ``continuation``: what the
    proposer holds out for this round and next; ``shared``: for a larger table, the thresholds (less EPS)
    at the usual trust and the other parties whose trust in the proposer is not the usual one.
    A plan every other party is expected to accept and worth the continuation value: the best such for the
    proposer (and those within 1e-9 of it). Otherwise, among the plans worth its aim (if none, its best
    plans), those the most parties are expected to accept, then the best for itself.
    """
    found = rows(ev)
    if found is None or found.top[proposer] == -np.inf:
        return None
    acceptance = found.acceptance
    own = acceptance[proposer]  # its utility on the plans it could put, the only ones read below
    floors = believed - EPS
    if shared is None:
        floors[proposer] = SIGNABLE  # the proposer's own row then marks the plans it may put
        clears = acceptance >= floors[:, None]  # (parties, plans)
        mine = clears[proposer]
        passes = np.logical_and.reduce(clears, axis=0)  # every other party accepts, and the proposer may put it
        counts = None
    else:
        counts = _others_accepting(ev, acceptance, proposer, floors, *shared)
        mine = own >= SIGNABLE
        passes = (counts == len(floors) - 1) & mine
    if passes.any():
        best = own[passes].max()
        if best >= continuation - EPS:
            return (passes & (own >= best - 1e-9)).nonzero()[0]
    hold = mine & (own >= aim - EPS)
    if not hold.any():  # none worth its aim: its best plans
        hold = own >= found.top[proposer] - 1e-9
    if counts is None:
        counts = np.add.reduce(clears, axis=0, dtype=np.int16)  # parties accepting, the proposer too
    else:
        counts += mine  # the proposer too, as above: at least 1 on every plan it holds out with
    counts *= hold  # 0 off the plans it holds out with
    top = counts == counts.max()
    best_own = own[top].max()
    return (top & (own >= best_own - 1e-9)).nonzero()[0]


def _others_accepting(ev: Evaluation, acceptance: np.ndarray, proposer: int, floors: np.ndarray,
                      usual_floors: np.ndarray, named: np.ndarray) -> np.ndarray:
    """For every plan, how many of the other parties are expected to accept it: the round's count at the usual
    trust, less the proposer's own, corrected for the parties whose trust in the proposer is named."""
    counts = usual_counts(ev, usual_floors).copy()
    counts -= acceptance[proposer] >= usual_floors[proposer]
    for j in named.tolist():
        counts -= acceptance[j] >= usual_floors[j]
        counts += acceptance[j] >= floors[j]
    return counts


def bounded_finalists(ev: Evaluation, proposer: int, believed: np.ndarray, aim: float, continuation: float,
                      bounds: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    """:func:`finalists` at a larger table where most pairs' trust is named (no usual count to correct).

    Thresholds are monotone in trust, so the round's counts at the most lenient and the strictest trust
    (``bounds``: those thresholds less EPS, shared by every proposer of the round) bound each plan's count;
    every party's row is compared only on the plans the bounds leave open: those that might pass, and those
    the proposer holds out with that might have the most acceptances.
    """
    found = rows(ev)
    if found is None or found.top[proposer] == -np.inf:
        return None
    acceptance = found.acceptance
    own = acceptance[proposer]
    floors = believed - EPS
    floors[proposer] = SIGNABLE  # the proposer's own row marks the plans it may put (counted as 1 on them)
    lenient, strict = bounds
    mine = own >= SIGNABLE
    most = usual_counts(ev, lenient) - (own >= lenient[proposer])  # the other parties who might accept
    maybe = ((most == len(floors) - 1) & mine).nonzero()[0]
    if len(maybe):
        passes = maybe[np.logical_and.reduce(acceptance[:, maybe] >= floors[:, None], axis=0)]
        if len(passes):
            best = own[passes].max()
            if best >= continuation - EPS:
                return passes[own[passes] >= best - 1e-9]
    hold = mine & (own >= aim - EPS)
    if not hold.any():  # none worth its aim: its best plans
        hold = own >= found.top[proposer] - 1e-9
    least = usual_counts(ev, strict) - (own >= strict[proposer])  # the other parties sure to accept
    open_ = (hold & (most >= least[hold].max())).nonzero()[0]  # below that bound a plan cannot have the most
    counts = np.add.reduce(acceptance[:, open_] >= floors[:, None], axis=0, dtype=np.int16)
    top = open_[counts == counts.max()]
    best_own = own[top].max()
    return top[own[top] >= best_own - 1e-9]

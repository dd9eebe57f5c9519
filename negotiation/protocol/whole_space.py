"""The proposal search at a table of a few organisations: every plan against every party's threshold at once.

:mod:`negotiation.protocol.acceptance` keeps a proposer's search linear in the
number of organisations by sharing counts between the proposers of a round and
counting only the plans the search reaches; for a table of a few parties (the
shipped areas have 2 to 6) that bookkeeping costs more than it saves: gathering
the reached plans' columns, correcting shared counts, and a dozen small array
operations per search, at some 80 µs each, thousands of times in a sweep. Here
the (parties × plans) acceptance matrix is compared with the thresholds in one
operation and the search reads the whole plan space by masks, about a third of
the operations and no gathers. It decides exactly as the direct search does
(``tests/test_proposal_search.py``); :func:`negotiation.protocol.proposing.organisation_plans`
uses it below :data:`WHOLE_SPACE_BELOW` parties, where it is the faster of the two.
"""

from __future__ import annotations

import sys
from typing import NamedTuple

import numpy as np

from negotiation.domain.evaluation import EPS, Evaluation
from negotiation.protocol.acceptance import MEMO_BYTES, _keep

WHOLE_SPACE_BELOW = 12  # parties: from here on the whole (parties × plans) comparison per search costs more
SIGNABLE = -sys.float_info.max  # a threshold every plan the party could sign clears (−∞ marks the others)


class Rows(NamedTuple):
    """The evaluation's matrices laid out party by party (rows): the evaluation keeps them plan by plan
    (columns), and a comparison or sum along a row of those strides through memory several times slower."""

    acceptance: np.ndarray  # (parties, plans): utility where the party could sign the plan, −∞ elsewhere
    utility: np.ndarray  # (parties, plans)
    best: list[np.ndarray | None]  # per party: the plans best for it among those it could sign (within 1e-9)


def rows(ev: Evaluation) -> Rows | None:
    """:class:`Rows`, made once per evaluation within the search's memo budget; None when they would not fit
    (then the other search is used)."""
    found = ev.memo.get("party_rows", False)
    if found is False:
        size = 2 * ev.utility.nbytes + ev.acceptable.nbytes
        if ev.memo.get("proposer_bytes", 0) + size > MEMO_BYTES:
            found = ev.memo["party_rows"] = None
        else:
            utility = np.ascontiguousarray(ev.utility)
            acceptance = np.where(np.ascontiguousarray(ev.acceptable), utility, -np.inf)
            top = acceptance.max(axis=1)  # −∞ for a party that could sign no plan
            best = [acceptance[i] >= top[i] - 1e-9 if np.isfinite(top[i]) else None for i in range(len(top))]
            found = Rows(acceptance, utility, best)
            _keep(ev, "party_rows", found, size)
    return found


def finalists(ev: Evaluation, proposer: int, believed: np.ndarray, aim: float, continuation: float,
              ) -> np.ndarray | None:
    """The plans (ascending) among which the search's tie-break (the safest: most slack) chooses; None when
    this search does not apply (a larger table, a proposer who could sign no plan, rows too large to keep).

    ``believed``: each party's expected threshold for this proposer; ``aim`` and ``continuation``: what the
    proposer holds out for this round and next. A plan every other party is expected to accept and worth
    the continuation value: the best such for the proposer (and those within 1e-9 of it). Otherwise, among
    the plans worth its aim (if none, its best plans), those the most parties are expected to accept, then
    the best for itself.
    """
    if len(believed) >= WHOLE_SPACE_BELOW:
        return None
    found = rows(ev)
    if found is None or found.best[proposer] is None:
        return None
    own = found.utility[proposer]
    floors = believed - EPS
    floors[proposer] = SIGNABLE  # the proposer's own row then marks the plans it may put
    clears = found.acceptance >= floors[:, None]  # (parties, plans)
    passes = np.logical_and.reduce(clears, axis=0)  # every other party accepts, and the proposer may put it
    if passes.any():
        best = own[passes].max()
        if best >= continuation - EPS:
            return np.flatnonzero(passes & (own >= best - 1e-9))
    hold = clears[proposer] & (own >= aim - EPS)
    if not hold.any():
        hold = found.best[proposer]
    counts = np.add.reduce(clears, axis=0, dtype=np.int16)  # parties accepting, the proposer too
    counts *= hold  # 0 off the plans it holds out with; on them at least 1 (itself)
    top = counts == counts.max()
    best_own = own[top].max()
    return np.flatnonzero(top & (own >= best_own - 1e-9))

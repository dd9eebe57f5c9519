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
    """Each party's acceptance row laid out row by row: utility where it could sign the plan, −∞ elsewhere.

    The evaluation keeps its matrices plan by plan (columns), and a comparison or sum along a row of those
    strides through memory several times slower. The proposer's own row is also its utility wherever the
    search reads it (on plans it could put), so no copy of the utility is needed.
    """

    acceptance: np.ndarray  # (parties, plans)
    top: list[float]  # each party's best utility among the plans it could sign (−∞ if none)


def rows(ev: Evaluation) -> Rows | None:
    """:class:`Rows`, made once per evaluation within the search's memo budget; None when they would not fit
    (then the other search is used)."""
    found = ev.memo.get("party_rows", False)
    if found is False:
        size = ev.utility.nbytes
        if ev.memo.get("proposer_bytes", 0) + size > MEMO_BYTES:
            found = ev.memo["party_rows"] = None
        else:
            acceptance = np.full(ev.utility.shape, -np.inf)
            np.copyto(acceptance, ev.utility, where=ev.acceptable)
            found = Rows(acceptance, acceptance.max(axis=1).tolist())
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
    if found is None or found.top[proposer] == -np.inf:
        return None
    acceptance = found.acceptance
    own = acceptance[proposer]  # its utility on the plans it could put, the only ones read below
    floors = believed - EPS
    floors[proposer] = SIGNABLE  # the proposer's own row then marks the plans it may put
    clears = acceptance >= floors[:, None]  # (parties, plans)
    passes = np.logical_and.reduce(clears, axis=0)  # every other party accepts, and the proposer may put it
    if passes.any():
        best = own[passes].max()
        if best >= continuation - EPS:
            return (passes & (own >= best - 1e-9)).nonzero()[0]
    hold = clears[proposer] & (own >= aim - EPS)
    if not hold.any():  # none worth its aim: its best plans
        hold = own >= found.top[proposer] - 1e-9
    counts = np.add.reduce(clears, axis=0, dtype=np.int16)  # parties accepting, the proposer too
    counts *= hold  # 0 off the plans it holds out with; on them at least 1 (itself)
    top = counts == counts.max()
    best_own = own[top].max()
    return (top & (own >= best_own - 1e-9)).nonzero()[0]

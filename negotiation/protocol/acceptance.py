"""Which plans each party is expected to accept: counted once a round for every proposer, not once per proposer.

A proposer's search (:mod:`negotiation.protocol.proposing`) needs, for each plan
it may put, how many of the other parties are expected to accept it: party j
accepts a plan within its duty worth at least its threshold, its aim lowered by
its trust in the proposer. Counted afresh for each proposer this is
(organisations × plans) per search, and a batch of runs makes a search for
nearly every organisation each round, so the cost grows with the square of the
number of organisations (issue 11). But the thresholds differ between proposers
only where trust differs: most pairs of organisations have no named relationship
and share the default trust. So the parties accepting each plan at the *usual*
trust are counted once for every proposer in a round (:func:`usual_counts`,
memoised by the thresholds) and each proposer corrects the count only for itself
and for the few parties it has a named relationship with (:func:`expected_counts`),
and only on the plans its search reaches (those worth its continuation value or
its aspiration). Where most pairs are named, :class:`Acceptance` bounds each count
between the round's shared counts at the most lenient and the strictest trust and
counts exactly only the plans the bounds leave open. The counts are integers, so
they are exactly those of the direct count and the proposals are unchanged
(``tests/test_proposal_search.py`` keeps the direct search and compares).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from negotiation.domain.evaluation import Evaluation

MEMO_BYTES = 64 * 1024 * 1024  # per evaluation: each proposer's plans (and the matrix acceptance is read from)


def _keep(ev: Evaluation, key, value, size: int) -> None:
    """Memoise ``value`` on the evaluation while the search's memo stays within MEMO_BYTES (counted in
    ``proposer_bytes``, which the evaluation cache adds to the evaluation's own footprint)."""
    held = ev.memo.get("proposer_bytes", 0)
    if held + size <= MEMO_BYTES:
        ev.memo[key] = value
        ev.memo["proposer_bytes"] = held + size


def accepted_utility(ev: Evaluation) -> np.ndarray:
    """(orgs, plans): each party's utility where it could sign the plan, −∞ where it could not (duty or no deal),
    so "expected to accept at threshold t" is one comparison, ``≥ t``.

    Laid out party by party (row-major), whatever the evaluation's layout (it keeps its matrices plan by
    plan): the searches compare and gather along a party's row, several times faster when it is contiguous.
    """
    found = ev.memo.get("accepted_utility")
    if found is None:
        found = np.full(ev.utility.shape, -np.inf)
        np.copyto(found, ev.utility, where=ev.acceptable)
        _keep(ev, "accepted_utility", found, found.nbytes)
    return found


def proposer_plans(ev: Evaluation, proposer: int) -> tuple[np.ndarray, np.ndarray]:
    """The plans a proposer may put (ascending) and its utility of each.

    It may put the plans it could sign; if there are none, those leaving it least short of its duty.
    """
    key = ("proposer_plans", proposer)
    found = ev.memo.get(key)
    if found is not None:
        return found
    candidates = np.flatnonzero(ev.acceptable[proposer])
    if len(candidates) == 0:
        gap = ev.duty_gap[proposer]
        candidates = np.flatnonzero(gap <= gap.min() + 1e-9)
    found = (candidates, ev.utility[proposer, candidates])
    _keep(ev, key, found, found[0].nbytes + found[1].nbytes)
    return found


def named_parties(ev: Evaluation, trust_row: np.ndarray, proposer: int) -> tuple[float, np.ndarray]:
    """The trust most parties have in this proposer (the smallest such value if several are equally common),
    and the other parties whose trust in it differs from that (those with a named relationship, usually)."""
    key = ("named", proposer, trust_row.tobytes())
    found = ev.memo.get(key)
    if found is None:
        row = trust_row.tolist()
        tally = Counter(t for j, t in enumerate(row) if j != proposer)
        usual = max(tally.items(), key=lambda kv: (kv[1], -kv[0]))[0] if tally else 1.0
        found = (usual, np.array([j for j, t in enumerate(row) if j != proposer and t != usual], dtype=np.intp))
        _keep(ev, key, found, found[1].nbytes + 64)
    return found


COUNTS_BYTES = 16 * 1024 * 1024  # per evaluation: acceptance counts kept (a few rounds' worth; oldest dropped first)


def usual_counts(ev: Evaluation, floors: np.ndarray) -> np.ndarray:
    """For every plan, how many parties are expected to accept it when party j's threshold is ``floors[j]``
    (already less EPS); memoised by the thresholds, which every proposer of a round with the usual trust shares."""
    kept = ev.memo.setdefault("usual_counts", {})
    key = floors.tobytes()
    found = kept.get(key)
    if found is not None:
        return found
    acc = accepted_utility(ev)
    count = np.zeros(acc.shape[1], dtype=np.int16 if len(floors) < 2**15 else np.int64)
    for j in range(len(floors)):  # row by row: a boolean sum down the columns is several times slower
        np.add(count, acc[j] >= floors[j], out=count)
    if count.nbytes <= COUNTS_BYTES:
        held = ev.memo.get("counts_bytes", 0)
        while kept and held + count.nbytes > COUNTS_BYTES:  # rounds long past are not asked again
            held -= kept.pop(next(iter(kept))).nbytes
        kept[key] = count
        ev.memo["proposer_bytes"] = ev.memo.get("proposer_bytes", 0) + (held + count.nbytes
                                                                         - ev.memo.get("counts_bytes", 0))
        ev.memo["counts_bytes"] = held + count.nbytes
    return count


def expected_counts(
    ev: Evaluation, proposer: int, plans: np.ndarray, floors: np.ndarray, usual_floors: np.ndarray,
    named: np.ndarray,
) -> np.ndarray:
    """How many of the *other* parties are expected to accept each of ``plans``: party j's threshold is
    ``floors[j]`` (less EPS); ``usual_floors`` are the thresholds at the usual trust, which ``floors`` equal
    except for the parties in ``named`` (those whose trust in the proposer is not the usual one)."""
    acc = accepted_utility(ev)
    if dense(named, len(floors)):
        if len(floors) > 16:  # one gather of the block (parties × plans): fewer calls than a row at a time
            accepts = acc[:, plans] >= floors[:, None]
            accepts[proposer] = False
            return np.count_nonzero(accepts, axis=0)
        count = np.zeros(len(plans), dtype=np.intp)
        for j in range(len(floors)):
            if j != proposer:
                count += acc[j, plans] >= floors[j]
        return count
    count = usual_counts(ev, usual_floors)[plans].astype(np.intp)
    count -= acc[proposer, plans] >= usual_floors[proposer]  # the proposer is not asked
    for j in named.tolist():
        count -= acc[j, plans] >= usual_floors[j]
        count += acc[j, plans] >= floors[j]
    return count


def dense(named: np.ndarray, n: int) -> bool:
    """Trust named for most parties: correcting the usual count costs more than counting afresh."""
    return 2 * len(named) >= n


class Acceptance:
    """How many of the other parties are expected to accept a proposer's plans, as exactly as its search needs.

    When most parties' trust in the proposer is named, each exact count costs a pass over every party; then
    ``bounds`` (the thresholds, less EPS, at the most lenient and the strictest trust) bound the counts from
    the round's shared counts, and :meth:`decisive` counts exactly only the plans the bounds leave open.
    Otherwise (``bounds`` None) the exact count is as cheap, and every count is exact.
    """

    def __init__(self, ev: Evaluation, proposer: int, floors: np.ndarray, usual_floors: np.ndarray,
                 named: np.ndarray, bounds: tuple[np.ndarray, np.ndarray] | None):
        self.ev, self.proposer = ev, proposer
        self.floors, self.usual_floors, self.named, self.bounds = floors, usual_floors, named, bounds

    def exactly(self, plans: np.ndarray) -> np.ndarray:
        return expected_counts(self.ev, self.proposer, plans, self.floors, self.usual_floors, self.named)

    def _shared(self, plans: np.ndarray, floors: np.ndarray) -> np.ndarray:
        own = accepted_utility(self.ev)[self.proposer, plans] >= floors[self.proposer]
        return usual_counts(self.ev, floors)[plans].astype(np.intp) - own

    def decisive(self, plans: np.ndarray, deal: np.ndarray, hold: np.ndarray) -> np.ndarray:
        """Counts for ``plans`` that decide the search as the exact counts would: exact for every plan that
        might pass among those marked ``deal`` and for every plan that might have the most among those marked
        ``hold``; elsewhere an upper bound, which is below what would make it pass or have the most."""
        if self.bounds is None:
            return self.exactly(plans)
        counts = self._shared(plans, self.bounds[0])
        open_ = deal & (counts == len(self.floors) - 1)
        if hold.any():
            open_ |= hold & (counts >= self._shared(plans[hold], self.bounds[1]).max())
        counts[open_] = self.exactly(plans[open_])
        return counts

"""The Pareto-frontier plans that leave nobody worse off than a signed plan, without the whole frontier.

``analysis.distance_to_frontier`` measures, in £m, how far the nearest frontier
plan that leaves no organisation worse off lies from the signed plan. Building
the frontier of a zone of ~1,000 plans costs ~1 ms, and a 10,000-run sweep asks
for it in every setting (500 times) for a plan or two each; the answer only
involves the zone plans that leave nobody worse off than the signed plan (the
*candidates*: in the Oxfordshire sweep, one or two). This finds which of them
are on the frontier by comparing them with the few zone plans above them.

Why these are exactly the frontier's plans among the candidates (so the distance
is the same, to the last bit: ``distance_to_frontier`` computes it from them
with the same expression, on an array of the same shape):

* The frontier is built on gains rounded to 9 decimals, with a tolerance ``TOL``
  (1e-9) in "at least as good" and "better". When every two different rounded
  gains of one organisation differ by more than ``TOL`` (checked per organisation
  once per evaluation), the tolerance decides nothing: "dominates" is plain Pareto
  dominance on the rounded gains, a strict partial order in which a dominating
  plan has the larger float total (gains below ``LARGEST_TOTAL_GAIN``). The block
  algorithm of :func:`~negotiation.analysis.pareto_frontier` then keeps exactly the
  zone plans no zone plan dominates, one per group of equal rounded gains (the
  first in zone order): a dominated plan is dominated by some undominated plan,
  which has the larger total, so it comes in an earlier block or the same one.
* So a candidate is on the frontier iff no zone plan dominates it and no earlier
  zone plan has the same rounded gains; either kind of plan has rounded gains at
  least the candidates' lowest, so only those zone plans are compared.
* Candidates are picked with the full route's own expression on the same values.

When the check fails (two gains of one organisation within ``TOL``, gains too
large or not finite), or there are too many candidates to be quicker than the
whole (memoised) frontier, this returns None and the caller builds the frontier.
``tests/test_dominating_frontier.py`` compares both routes, on every shipped
scenario and on generated gains with ties and near-ties.
"""

from __future__ import annotations

import numpy as np

from negotiation import analysis
from negotiation.analysis import TOL
from negotiation.domain.evaluation import Evaluation

LARGEST_TOTAL_GAIN = 1e5  # £m: below it, a gain 1e-9 larger always makes a strictly larger float total
MOST_CANDIDATES = 64  # beyond this many, building (and memoising) the whole frontier is as quick


def zone_view(ev: Evaluation) -> tuple[np.ndarray, np.ndarray, bool]:
    """Memoised per evaluation: the zone's (orgs, zone) utilities, its gains rounded as the frontier rounds
    them (orgs, zone), and whether the tolerance decides nothing among them."""
    found = ev.memo.get("zone_view")
    if found is None:
        z, g = analysis.zone_gains(ev)
        rounded = np.round(g, 9)
        found = ev.memo["zone_view"] = (ev.utility[:, z], rounded, tolerance_decides_nothing(rounded))
    return found


def tolerance_decides_nothing(g: np.ndarray) -> bool:
    """True when every two different gains (orgs, plans) of one organisation differ by more than ``TOL`` (so
    the tolerance never makes "worse" count as "as good", nor "as good" as "better") and totals stay ordered."""
    if not g.size:
        return True
    largest = max(-float(g.min()), float(g.max()))  # NaN if any gain is NaN: then the comparison below fails
    if not largest * len(g) < LARGEST_TOTAL_GAIN:  # also refuses infinite gains
        return False
    gaps = np.diff(np.sort(g, axis=1), axis=1)  # between neighbouring gains of each organisation, >= 0
    return not ((gaps > 0) & (gaps <= TOL)).any()  # equal (also -0.0 and 0.0) or clearly apart


def _all_rows(mask: np.ndarray) -> np.ndarray:
    """``mask.all(axis=0)`` for a few rows (organisations) and many columns, a row at a time."""
    out = mask[0].copy()
    for row in mask[1:]:
        out &= row
    return out


def dominating_frontier(ev: Evaluation, plan: int) -> np.ndarray | None:
    """Frontier plans (ascending) leaving nobody worse off than ``plan``; None: only the whole frontier can tell.

    Equal to ``f[(ev.utility[:, f] - ev.utility[:, [plan]] >= -TOL).all(axis=0)]`` for
    ``f = analysis.pareto_frontier(ev)``, whenever it is not None.
    """
    z, _ = analysis.zone_gains(ev)
    if len(z) == 0:
        return None  # no zone: the full route says so at no cost
    utility, g, clear = zone_view(ev)
    if not clear:
        return None
    # The full route's expression (analysis._nearest) on the same values, for every zone plan.
    candidates = np.flatnonzero(_all_rows(utility - ev.utility[:, [plan]] >= -TOL))  # zone positions, ascending
    if len(candidates) > MOST_CANDIDATES:
        return None
    if not len(candidates):
        return z[candidates]
    if len(candidates) == 1:  # the usual case (the signed plan itself): settled with one comparison per org
        return z[candidates] if _on_frontier(g, int(candidates[0])) else z[candidates[:0]]
    mine = g[:, candidates]  # (orgs, candidates)
    above = np.flatnonzero(_all_rows(g >= mine.min(axis=1)[:, None]))  # the only zone plans that can matter
    theirs = g[:, above]
    at_least = np.ones((len(above), len(candidates)), dtype=bool)
    better = np.zeros_like(at_least)
    for c in range(len(g)):  # one organisation at a time (as analysis.dominates, without the tolerance)
        at_least &= theirs[c][:, None] >= mine[c][None, :]
        better |= theirs[c][:, None] > mine[c][None, :]
    # Dominated, or standing for the same gains as an earlier zone plan (the frontier keeps that one).
    beaten = (at_least & (better | (above[:, None] < candidates[None, :]))).any(axis=0)
    return z[candidates[~beaten]]


def _on_frontier(g: np.ndarray, c: int) -> bool:
    """Whether zone position ``c`` is on the frontier: no zone plan has rounded gains at least its own
    other than itself and later plans with the very same gains (an earlier one would stand for it)."""
    mine = g[:, c]
    above = np.flatnonzero(_all_rows(g >= mine[:, None]))
    others = above[above != c]
    return not len(others) or not ((others < c).any() or (g[:, others] != mine[:, None]).any())

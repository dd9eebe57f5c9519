"""What a bargaining theorist asks of an agreement, over the same plan space (DESIGN.md §4).

All measures are taken over the zone of agreement (plans every organisation
could sign: within its duty and no worse than no deal), in gains over each
organisation's no-deal value (£m-equivalent per year):

* the **Pareto frontier**: zone plans no other zone plan improves for someone
  without making someone else worse off;
* the agreement's **distance to the frontier**: how far (£m, Euclidean over
  the organisations' gains) the nearest frontier plan that leaves nobody worse
  off lies; 0 on the frontier;
* **efficiency** in [0, 1]: the agreement's total gain as a share of the largest
  total gain any zone plan offers (the utilitarian maximum);
* the **Nash** plan (largest product of gains) and the **Kalai–Smorodinsky**
  plan (largest smallest share of each party's best possible gain).

Functions take an :class:`~negotiation.domain.evaluation.Evaluation` and plan
indexes, so ``assess``, the report and the app can call them on any run.
"""

from __future__ import annotations

import numpy as np

from negotiation.domain.evaluation import Evaluation

TOL = 1e-9


def gains(ev: Evaluation) -> np.ndarray:
    """(orgs, plans) utility above each organisation's reservation, £m."""
    return ev.utility - ev.reservation[:, None]


def zone(ev: Evaluation) -> np.ndarray:
    """Indexes of the zone-of-agreement plans (``ev.zone_of_agreement``, worked out on a contiguous copy:
    the batched evaluation's ``acceptable`` is a strided view, 10x slower to reduce as it stands)."""
    found = ev.__dict__.get("zone_of_agreement")  # already worked out (a cached property)
    return np.flatnonzero(found if found is not None else np.ascontiguousarray(ev.acceptable).all(axis=0))


def nash_plan(ev: Evaluation) -> int | None:
    z = zone(ev)
    if len(z) == 0:
        return None
    g = np.maximum(gains(ev)[:, z], 1e-9)
    return int(z[np.argmax(np.log(g).sum(axis=0))])


def kalai_smorodinsky_plan(ev: Evaluation) -> int | None:
    z = zone(ev)
    if len(z) == 0:
        return None
    g = gains(ev)[:, z]
    best = np.maximum(g.max(axis=1), 1e-9)
    return int(z[np.argmax((g / best[:, None]).min(axis=0))])


def utilitarian_plan(ev: Evaluation) -> int | None:
    """The zone plan with the largest total gain (memoised per evaluation: every signed run asks for it)."""
    if "utilitarian_plan" in ev.memo:
        return ev.memo["utilitarian_plan"]
    z, g = zone_gains(ev)
    best = None if len(z) == 0 else int(z[np.argmax(g.sum(axis=0))])
    ev.memo["utilitarian_plan"] = best
    return best


def zone_gains(ev: Evaluation) -> tuple[np.ndarray, np.ndarray]:
    """(zone plan indexes, their (orgs, zone) gains), memoised: only the zone's columns are ever subtracted.

    The same values as ``gains(ev)[:, zone(ev)]``, element for element, without the whole plan space's gains.
    """
    found = ev.memo.get("zone_gains")
    if found is None:
        z = zone(ev)
        found = ev.memo["zone_gains"] = (z, ev.utility[:, z] - ev.reservation[:, None])
    return found


BLOCK = 128  # candidates settled together in :func:`pareto_frontier` (memory: BLOCK x zone x organisations)


def dominates(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)): a[i] is at least as good as b[j] for everyone and better for someone."""
    at_least = np.ones((len(a), len(b)), dtype=bool)
    better = np.zeros((len(a), len(b)), dtype=bool)
    for c in range(a.shape[1]):  # one organisation at a time: 2-D temporaries, no reduction over a short axis
        diff = a[:, c, None] - b[None, :, c]
        at_least &= diff >= -TOL
        better |= diff > TOL
    return at_least & better


def pareto_frontier(ev: Evaluation) -> np.ndarray:
    """Indexes of the zone plans on its Pareto frontier (ascending; memoised per evaluation).

    Plans are taken in order of total gain (a dominating plan has the larger total, so it comes first),
    a block at a time: a block's plans that no other plan of the block dominates are on the frontier
    (those dominated by an earlier frontier plan were already removed), and every later plan they
    dominate is removed. The same frontier as testing plans one by one, in a few array operations.
    """
    found = ev.memo.get("pareto_frontier")
    if found is not None:
        return found
    z, g = zone_gains(ev)
    if len(z) == 0:
        return z
    g = np.round(g.T, 9)  # (zone plans, orgs)
    g, first = np.unique(g, axis=0, return_index=True)  # identical gain vectors: keep one
    order = np.argsort(-g.sum(axis=1), kind="stable")
    g, idx = g[order], order
    kept: list[np.ndarray] = []
    while len(g):
        head = g[:BLOCK]
        new = ~dominates(head, head).any(axis=0)
        kept.append(idx[:BLOCK][new])
        rest, rest_idx = g[BLOCK:], idx[BLOCK:]
        if len(rest):
            beaten = dominates(head[new], rest).any(axis=0)
            rest, rest_idx = rest[~beaten], rest_idx[~beaten]
        g, idx = rest, rest_idx
    found = ev.memo["pareto_frontier"] = np.sort(z[first[np.concatenate(kept)]])
    return found


def distance_to_frontier(ev: Evaluation, plan: int | None, frontier: np.ndarray | None = None) -> float | None:
    """£m (Euclidean over gains) to the nearest frontier plan that leaves no organisation worse off.

    0.0 when no frontier plan leaves everyone at least as well off (the plan is on the frontier, or
    outside the zone); None without a plan or a zone. Without ``frontier`` (and none memoised yet) only
    the frontier plans leaving nobody worse off are found (:mod:`negotiation.dominating_frontier`: a
    sweep asks this in thousands of settings, for a plan or two each); the same figure, to the last bit.
    """
    if plan is None:
        return None
    if frontier is None and "pareto_frontier" not in ev.memo:
        from negotiation.dominating_frontier import dominating_frontier

        above = dominating_frontier(ev, plan)
        if above is not None:  # 0.0 also when the plan is itself among them: _nearest's minimum would be 0.0
            return 0.0 if not len(above) or plan in above else _nearest(ev, plan, above)
    frontier = pareto_frontier(ev) if frontier is None else frontier
    if len(frontier) == 0:
        return None
    return _nearest(ev, plan, frontier)


def _nearest(ev: Evaluation, plan: int, frontier: np.ndarray) -> float:
    """Distance to the nearest of ``frontier`` (ascending plan indexes) leaving nobody worse off; 0.0 if none."""
    better = ev.utility[:, frontier] - ev.utility[:, [plan]]  # (orgs, frontier): differences of gains
    ok = (better >= -TOL).all(axis=0)
    if not ok.any():
        return 0.0
    return float(np.sqrt((better[:, ok] ** 2).sum(axis=0)).min())


def efficiency(ev: Evaluation, plan: int | None, best: int | None = None) -> float | None:
    """The plan's total gain as a share of the utilitarian maximum over the zone, in [0, 1].

    None without a plan, without a zone, or when no zone plan gains anything in total.
    """
    best = utilitarian_plan(ev) if best is None else best
    if plan is None or best is None:
        return None
    g = ev.utility[:, [best, plan]] - ev.reservation[:, None]  # only the two plans' gains
    top = float(g[:, 0].sum())
    if top <= TOL:
        return None
    return float(min(1.0, max(0.0, g[:, 1].sum() / top)))


def benchmarks(ev: Evaluation, plan: int | None) -> dict:
    """Every measure above for one agreement (``plan`` None when deadlocked), ready for JSON."""
    nash, ks, util = nash_plan(ev), kalai_smorodinsky_plan(ev), utilitarian_plan(ev)
    frontier = pareto_frontier(ev)
    ids = ev.space.ids
    g = gains(ev)

    def described(j):
        if j is None:
            return None
        return {**ev.space.plan(j).to_dict(), "index": int(j),
                "gains": {org: round(float(g[i, j]), 4) for i, org in enumerate(ids)}}

    return {
        "zone_of_agreement_plans": int(ev.zone_of_agreement.sum()),
        "pareto_frontier_plans": int(len(frontier)),
        "on_frontier": None if plan is None or len(frontier) == 0 else bool(plan in set(frontier.tolist())),
        "distance_to_frontier": distance_to_frontier(ev, plan, frontier),
        "efficiency": efficiency(ev, plan, util),
        "nash": described(nash),
        "kalai_smorodinsky": described(ks),
        "utilitarian": described(util),
    }

"""Refine the coarse plan grid around the plans that decide the bargaining.

A uniform grid fine enough in every parameter would be far too large (the
target alone has some twenty-five half-point levels), and a coarse one leaves
the negotiation on artefacts: every signed plan on the grid's lowest target,
Nash products a quarter below the continuous optimum. So, as a pattern search
would, the space is refined where it matters: around the Nash, Kalai–Smorodinsky
and utilitarian plans of the zone of agreement, the best approvable plan, each
organisation's ideal and, with no zone, the plans closest to one. Each pass adds
the neighbours of those plans along each parameter and along pairs that trade
money for risk, plus moves in random directions around the best Nash plan (ridges
where a duty binds defeat moves along one axis), at a step shrinking by 0.6 a pass,
and values only the new rows. Everything is a pure function of the scenario (the
directions come from a generator with a fixed seed; ties go to the lowest index),
and the result is still rows of arrays indexed by plan.
"""

from __future__ import annotations

import numpy as np

from negotiation.domain.evaluation import join, valuation_for
from negotiation.domain.grid import coarse_grid, unique_rows
from negotiation.domain.plan import (
    KAPPA,
    PARAMETERS,
    RHO,
    SCH,
    SIGMA,
    TARGET_STEP,
    TAU,
    THETA,
    TOP,
    A,
    Layout,
    PlanSpace,
    check_size,
    concat,
    layout,
    local_goals,
    met_target,
    required_asc_protection,
    scheme_ceiling,
    space_from_parameters,
    target_range,
)
from negotiation.scenario import Scenario

PASSES = 7
MAX_SEEDS = 12
RANDOM_MOVES = 48  # seeded random directions around the best Nash plan each pass (ridges defeat axis moves)
SHRINK = 0.6  # step multiplier per pass
MAX_PAIRS = 6  # within a group of payers, split moves tried between at most this many pairs


def _bounds(s: Scenario, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    asc_need = sum(o.asc_need for o in s.organisations.values())
    a_top = max(1.25 * asc_need, 1.5 * required_asc_protection(s), 1.0)
    low, high = target_range(s)
    lo = np.zeros(lay.width)
    hi = np.ones(lay.width)
    lo[TAU], hi[TAU] = low, high
    hi[A] = a_top
    hi[SCH] = scheme_ceiling(s) if lay.has_community else 0.0
    if not lay.has_acute:
        hi[KAPPA] = hi[SIGMA] = 0.0
    return lo, hi


def canonical(s: Scenario, x: np.ndarray, lay: Layout, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Clip to bounds and write equivalent plans one way (so duplicates are caught)."""
    x = np.clip(x, lo, hi)
    for cols in _group_slices(lay):  # a group's shares stay non-negative and sum to one
        group = x[:, cols]
        x[:, cols] = group / np.maximum(group.sum(axis=1, keepdims=True), 1e-12)
    x[:, TOP] = np.round(x[:, TOP])
    x[:, TAU] = np.round(x[:, TAU] / TARGET_STEP) * TARGET_STEP
    met = np.clip(met_target(s, x[:, SCH]), lo[..., TAU], hi[..., TAU])  # bounds per row when stacked
    x[:, TAU] = met if local_goals(s) else np.maximum(x[:, TAU], met)
    nothing_at_risk = x[:, TAU] <= met + 1e-9
    x[nothing_at_risk, RHO] = 0.5
    x[nothing_at_risk, SIGMA] = 0.0
    x[x[:, SCH] <= 1e-9, KAPPA] = 0.0
    return np.round(x, 6)


def _groups(lay: Layout, singletons: bool = False) -> list[np.ndarray]:
    start = len(PARAMETERS)
    ccg_cols = np.arange(start, start + len(lay.ccgs))
    council_cols = np.arange(start + len(lay.ccgs), lay.width)
    return [cols for cols in (ccg_cols, council_cols) if len(cols) > (0 if singletons else 1)]


def _group_slices(lay: Layout) -> list[slice]:
    """Each payers' group's share columns (as :func:`_groups` with singletons), as slices: views, not copies."""
    start, mid = len(PARAMETERS), len(PARAMETERS) + len(lay.ccgs)
    return [cols for cols in (slice(start, mid), slice(mid, lay.width)) if cols.stop > cols.start]


_TEMPLATES: dict = {}  # move templates by the room's shape and which parameters can move (a few small arrays)


def move_template(lay: Layout, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """The moves :func:`neighbours` makes, as signs and the column whose step each entry takes (-1: a target
    step): built once per shape of room (the same for every scenario with it), scaled by the shrinking steps
    each pass."""
    key = (lay.width, len(lay.ccgs), len(lay.councils), tuple(bool(hi[p] > lo[p]) for p in range(len(PARAMETERS))))
    found = _TEMPLATES.get(key)
    if found is None:
        found = _TEMPLATES[key] = _move_template(lay, lo, hi)
        for a in found:
            a.setflags(write=False)
    return found


def _move_template(lay: Layout, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    signs, source = [], []

    def move(entries):
        d, src = np.zeros(lay.width), np.full(lay.width, -2)
        for col, sign, step_of in entries:
            d[col], src[col] = sign, step_of
        signs.append(d)
        source.append(src)

    for p in (A, SCH, KAPPA, RHO, SIGMA, THETA):
        if hi[p] > lo[p]:
            for sign in (1.0, -1.0):
                move([(p, sign, p)])
    for sign in (1.0, -1.0):
        move([(TAU, sign, -1)])
    # Paired moves: more social care paid by the CCGs; more target with the trust absorbing more risk.
    for p, q in ((A, THETA), (TAU, SIGMA), (TAU, RHO), (SCH, KAPPA)):
        for sp in (1.0, -1.0):
            for sq in (1.0, -1.0):
                move([(p, sp, -1 if p == TAU else p), (q, sq, q)])
    for cols in _groups(lay):
        pairs = [(i, j) for i in cols for j in cols if i != j][:MAX_PAIRS * 2]
        for i, j in pairs:
            move([(i, 1.0, i), (j, -1.0, i)])
    return np.array(signs), np.array(source)


def neighbours(s: Scenario, seeds: np.ndarray, steps: np.ndarray, lay: Layout, lo, hi, template=None) -> np.ndarray:
    """Each seed moved one step along each parameter, and along the pairs that trade money for risk."""
    signs, source = template if template is not None else move_template(lay, lo, hi)
    scale = np.concatenate([steps, [0.0, TARGET_STEP]])[source]  # -1: a target step; -2: not moved
    moves = np.where(source > -2, signs * scale, 0.0)
    moved = (seeds[:, None, :] + moves[None, :, :]).reshape(-1, lay.width)
    flipped = seeds.copy()
    flipped[:, TOP] = 1.0 - flipped[:, TOP]
    return canonical(s, np.concatenate([moved, flipped]), lay, lo, hi)


def seeds(v: dict[str, np.ndarray]) -> list[int]:
    """The plans to refine around: bargaining solutions, the best approvable plan, ideals, or the nearest to a zone."""
    u, ok, d = v["utility"], v["acceptable"], v["reservation"]
    zone = ok.all(axis=0)
    approvable = v["approvable"] if "approvable" in v else ~v["failed"].any(axis=1)
    gain = u - d[:, None]
    picked: list[int] = []
    has_zone = bool(zone.any())
    if has_zone:
        z = np.flatnonzero(zone)
        gz = gain[:, z]
        logs = np.log(np.maximum(gz, 1e-9)).sum(axis=0)
        picked += [int(z[i]) for i in np.argsort(-logs, kind="stable")[:4]]
        best = np.maximum(gz.max(axis=1), 1e-9)
        picked.append(int(z[np.argmax((gz / best[:, None]).min(axis=0))]))
        picked.append(int(z[np.argmax(gz.sum(axis=0))]))
        za = np.flatnonzero(zone & approvable)
        if len(za):
            picked.append(int(za[np.argmax(np.log(np.maximum(gain[:, za], 1e-9)).sum(axis=0))]))
    approvable_zone = has_zone and bool((zone & approvable).any())
    if not has_zone or (not approvable_zone and approvable.any()):
        # How far each plan is from being signable by everyone (£m short of duties and of no deal).
        short = np.maximum(v["duty_gap"], 0.0) * ~v["may_breach"][:, None] + np.maximum(-gain, 0.0)
        distance = short.sum(axis=0)
        if not has_zone:
            picked += smallest(distance, 4)
        if not approvable_zone and approvable.any():
            ap = np.flatnonzero(approvable)
            picked += [int(ap[i]) for i in smallest(distance[ap], 2)]
    # Each organisation's ideal: its best acceptable plan, the lowest index among equals (as argmax).
    first = min(len(d), MAX_SEEDS)
    has = ok[:first].any(axis=1)
    if has.any():
        best = np.where(ok[:first], u[:first], -np.inf).argmax(axis=1)
        picked += [int(j) for j in best[has]]
    return list(dict.fromkeys(picked))[:MAX_SEEDS]


def smallest(values: np.ndarray, k: int) -> list[int]:
    """Indexes of the ``k`` smallest values, ties to the lowest index: ``np.argsort(values, kind="stable")[:k]``
    without sorting the whole array (a selection, then a stable sort of the few at or below the k-th value)."""
    if len(values) <= 4 * k:
        return [int(i) for i in np.argsort(values, kind="stable")[:k]]
    kth = np.partition(values, k - 1)[k - 1]
    if kth != kth:  # NaN among the k smallest: the plain sort's order (NaN last)
        return [int(i) for i in np.argsort(values, kind="stable")[:k]]
    few = np.flatnonzero(values <= kth)
    return [int(i) for i in few[np.argsort(values[few], kind="stable")[:k]]]


SEED_FIGURES = ("utility", "acceptable", "reservation", "duty_gap", "failed", "approvable")


def _seed_figures(v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The figures :func:`seeds` reads: only these are carried from pass to pass (the rest wait for the end)."""
    return {key: v[key] for key in SEED_FIGURES if key in v}


def _take(v: dict[str, np.ndarray], cols: np.ndarray) -> dict[str, np.ndarray]:
    out = {}
    for key, a in v.items():
        if key == "reservation":
            out[key] = a
        elif a.ndim == 2 and key != "failed":
            out[key] = a[:, cols]
        else:
            out[key] = a[cols]
    return out


def refined_space(s: Scenario) -> tuple[PlanSpace, dict[str, np.ndarray]]:
    lay = layout(s)
    lo, hi = _bounds(s, lay)
    x, acute_support = coarse_grid(s, lay)
    check_size(s, len(x) + PASSES * (MAX_SEEDS * 60 + RANDOM_MOVES))
    spaces = [space_from_parameters(s, x, lay, acute_support)]
    value_plans = valuation_for(s)  # the rule set's mechanism (2015/16: evaluation.value_plans)
    parts = [value_plans(s, spaces[0])]
    may_breach = np.array([o.breach_duty for o in s.organisations.values()])
    seen: set[bytes] = set()
    steps = np.zeros(lay.width)
    steps[A] = hi[A] / 12
    steps[SCH] = hi[SCH] / 6
    steps[[KAPPA, RHO, SIGMA]] = 0.25
    steps[THETA] = 0.125
    steps[len(PARAMETERS):] = 0.1
    rng = np.random.default_rng(0)  # fixed: the space is a function of the scenario alone
    template = move_template(lay, lo, hi)
    # Seeds are chosen among the previous seeds and the newest plans only: the best of a union is the best
    # of the bests, so nothing already valued is looked at twice.
    pool_x, pool_v = x, _seed_figures(parts[0])
    for _ in range(PASSES):
        picked = seeds({**pool_v, "may_breach": may_breach})
        if not picked:
            break
        base_x, base_v = pool_x[picked], _take(pool_v, np.array(picked))
        candidates = neighbours(s, base_x, steps, lay, lo, hi, template)
        if base_v["acceptable"].all(axis=0).any():  # a zone: search around its best Nash plan in every direction
            directions = rng.standard_normal((RANDOM_MOVES, lay.width)) * steps
            directions[:, TAU] = np.round(rng.standard_normal(RANDOM_MOVES)) * TARGET_STEP
            candidates = np.concatenate([candidates, canonical(s, base_x[0] + directions, lay, lo, hi)])
        steps = steps * SHRINK
        candidates = unique_rows(candidates)
        keys = list(candidates.view(np.dtype((np.void, candidates.shape[1] * candidates.itemsize))).ravel().tolist())
        fresh = np.fromiter((k not in seen for k in keys), dtype=bool, count=len(keys))
        seen.update(keys)  # type: ignore[arg-type]  # a void row's tolist() is bytes
        if not fresh.any():
            pool_x, pool_v = base_x, base_v
            continue
        new = candidates[fresh]
        space = space_from_parameters(s, new, lay)
        spaces.append(space)
        part = value_plans(s, space)
        parts.append(part)
        pool_x, pool_v = np.concatenate([base_x, new]), join([base_v, _seed_figures(part)])
    return concat(spaces), join(parts)

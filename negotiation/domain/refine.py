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

This module holds what the refinement is: its constants, each parameter's bounds,
the one way a plan is written (:func:`canonical`) and the moves tried around a seed
(:func:`move_template`). The passes themselves are implemented once, in
:mod:`negotiation.domain.refine_many`: ``refined_space`` refines one scenario (a
Mesa model's run), ``refined_spaces`` many of one shape at once (assessments and
sweeps), with the same plans and values either way.
"""

from __future__ import annotations

import numpy as np

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
    local_goals,
    met_target,
    required_asc_protection,
    scheme_ceiling,
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
    """The moves tried around each seed (one step along each parameter that can move, and along the pairs that
    trade money for risk), as signs and the column whose step each entry takes (-1: a target step): built once
    per shape of room (the same for every scenario with it), scaled by the shrinking steps each pass."""
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

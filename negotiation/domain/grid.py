"""The coarse grid of candidate plans (before refinement): every level of each parameter that changes a plan's worth.

Equivalent plans are built once (with no payment at risk the risk shares do not matter; with no schemes there is
no lost acute income to support; targets below the one the schemes meet cost nothing more and only fail assurance
more, so the grid names the most ambitious one met), and the grid is (social-care levels) × (scheme, target, risk,
share and top-up rows) × (payers' splits), so what depends on the scheme alone is worked out once per middle row.
:mod:`negotiation.domain.refine` then refines it around the plans that matter.
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
    TOP,
    A,
    Layout,
    acute_net_loss,
    layout,
    local_goals,
    met_target,
    required_asc_protection,
    scheme_ceiling,
    target_range,
)
from negotiation.scenario import Scenario


def _levels(top: float, n: int, extra=()) -> np.ndarray:
    values = np.concatenate([np.linspace(0.0, max(top, 0.0), n), np.asarray(extra, dtype=float)])
    return np.unique(np.round(values, 4))


def care_levels(s: Scenario) -> tuple[float, float, float]:
    """What the grid's social-care levels are made from: the top level, the councils' need and the minimum (£m)."""
    asc_need = sum(o.asc_need for o in s.organisations.values())
    asc_min = required_asc_protection(s)
    return max(1.25 * asc_need, 1.5 * asc_min, 1.0), asc_need, asc_min


def levels_many(tops: np.ndarray, n: int, extras: np.ndarray) -> list[np.ndarray]:
    """``_levels(tops[i], n, extras[i])`` for every ``i`` (a batch of scenarios' grids, ``refine_many``) in a few
    array operations: the same numbers rounded the same way, each row's distinct values in order (a row holding a
    NaN or a −0.0, where which of equal values survives could differ, is left to ``_levels``)."""
    values = np.concatenate([np.linspace(0.0, np.maximum(tops, 0.0), n, axis=1), extras], axis=1)
    rounded = np.round(values, 4)
    ordered = np.sort(rounded, axis=1)
    fresh = np.ones(ordered.shape, dtype=bool)
    fresh[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    plain = ~(np.isnan(rounded) | ((rounded == 0) & np.signbit(rounded))).any(axis=1)
    return [row[keep] if ok else _levels(top, n, extra) for row, keep, ok, top, extra in
            zip(ordered, fresh, plain.tolist(), tops.tolist(), extras)]


def cartesian(*axes) -> np.ndarray:
    """Every combination of the axes' values, one per row, the last axis varying fastest (index arithmetic).

    >>> cartesian((1.0, 2.0), (0.0, 5.0)).tolist()
    [[1.0, 0.0], [1.0, 5.0], [2.0, 0.0], [2.0, 5.0]]
    """
    values = [np.asarray(a, dtype=float) for a in axes]
    index = np.indices([len(v) for v in values]).reshape(len(values), -1)
    return np.stack([v[i] for v, i in zip(values, index)], axis=1) if len(index[0]) else np.zeros((0, len(values)))


def group_splits(s: Scenario, members: np.ndarray) -> np.ndarray:
    """Ways to split a group's new money: pro rata to budget and, if different, to headroom (what each can afford)."""
    orgs = list(s.organisations.values())
    budget = np.array([orgs[i].budget for i in members])
    room = np.array([max(0.0, orgs[i].headroom) for i in members])
    splits = [budget / budget.sum() if budget.sum() > 0 else np.full(len(members), 1.0 / len(members))]
    if len(members) > 1 and room.sum() > 0:
        splits.append(room / room.sum())
    return unique_rows(np.round(np.array(splits), 6))


def unique_rows(x: np.ndarray) -> np.ndarray:
    """The distinct rows of ``x`` in lexicographic order: ``np.unique(x, axis=0)``, by a lexsort (faster)."""
    if len(x) == 0 or x.shape[1] == 0:
        return x[:1] if x.shape[1] == 0 else x  # rows of no columns are all the same row
    ordered = x[np.lexsort(x.T[::-1])]
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    return np.ascontiguousarray(ordered[keep])


def coarse_parameters(s: Scenario, lay: Layout | None = None) -> np.ndarray:
    """The coarse grid, before refinement: every level of each parameter that changes what a plan is worth.

    Equivalent plans are built once: with no payment at risk the risk shares do not matter; with no
    schemes there is no lost acute income to support; targets below the one the schemes meet cost
    nothing more and only fail assurance more, so the grid names the most ambitious one met.
    """
    return coarse_grid(s, lay)[0]


def coarse_grid(s: Scenario, lay: Layout | None = None, middle: dict | None = None,
                a_levels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`coarse_parameters` and, when it is known on the way, each row's acute support (£m), else None.

    The grid is (social-care levels) × (scheme, target, risk, share and top-up rows) × (payers' splits), and
    the acute support depends on the scheme alone, so it is worked out once per middle row, not per plan
    (the same operations on the same numbers: the same figures, bit for bit).

    ``middle``: a dict a caller building many grids keeps (``refine_many``): scenarios whose scheme levels,
    met targets, target range and trusts agree (a sweep over budgets or needs) share their middle rows.
    ``a_levels``: the social-care levels, when that caller made them for all its scenarios (``levels_many``).
    """
    lay = lay or layout(s)
    nat = s.rules.national_admissions_target
    if a_levels is None:
        a_top, asc_need, asc_min = care_levels(s)
        a_levels = _levels(a_top, 7, (asc_need, asc_min))
    s_levels = _levels(scheme_ceiling(s), 4) if lay.has_community else np.array([0.0])
    low, high = target_range(s)
    ccg_splits, council_splits = group_splits(s, lay.ccgs), group_splits(s, lay.councils)
    mets = np.clip(met_target(s, s_levels), low, high)  # the target each scheme level meets
    key = (s_levels.tobytes(), mets.tobytes(), nat, low, high, lay.has_acute)
    base = middle.get(key) if middle is not None else None
    if base is None:
        base = _middle_rows(s_levels, mets, nat, low, high, lay.has_acute)
        if middle is not None:
            middle[key] = base
    n_a, n_b = len(a_levels), len(base)
    pair = cartesian(np.arange(len(ccg_splits)), np.arange(len(council_splits))).astype(int)
    splits = np.concatenate([ccg_splits[pair[:, 0]], council_splits[pair[:, 1]]], axis=1)
    n_s = len(splits)
    if local_goals(s):  # no money at risk: the goal is what the schemes achieve, and risk shares are moot
        grid = np.zeros((n_a * n_b, len(PARAMETERS)))
        grid[:, A] = np.repeat(a_levels, n_b)
        grid[:, SCH:] = np.tile(base, (n_a, 1))
        x = np.concatenate([np.repeat(grid, n_s, axis=0), np.tile(splits, (len(grid), 1))], axis=1)
        x[:, TAU] = np.clip(met_target(s, x[:, SCH]), low, high)
        x[:, RHO], x[:, SIGMA] = 0.5, 0.0
        x = np.unique(x, axis=0)
        return drop_redundant(s, x, lay), None
    # drop_redundant on the (social care, middle row) pairs: whether to keep a row does not depend on the split.
    sch = base[:, 0]
    k_base = base[:, KAPPA - 1] * acute_net_loss(s, sch) if lay.has_acute else np.zeros(n_b)
    payouts = a_levels[:, None] + sch[None, :] + k_base[None, :]
    keep = (base[None, :, TOP - 1] < 0.5) | (payouts < lay.min_new - 1e-9)
    ia, ib = np.nonzero(keep)  # row-major: the grid's order
    x = np.empty((len(ia), n_s, lay.width))
    x[:, :, A] = a_levels[ia][:, None]
    x[:, :, SCH:len(PARAMETERS)] = base[ib][:, None, :]
    x[:, :, len(PARAMETERS):] = splits[None, :, :]
    return x.reshape(-1, lay.width), np.repeat(k_base[ib], n_s)


def _middle_rows(s_levels: np.ndarray, mets: np.ndarray, nat: float, low: float, high: float,
                 has_acute: bool) -> np.ndarray:
    """The grid's (scheme, acute support, target, CCG risk, trust risk, CCGs' share, top-up) rows: for each scheme
    level, every target from the one it meets (``mets``) up, with the risk, share and top-up combinations."""
    thetas = (1.0, 0.75, 0.5)
    lattice = np.round(np.arange(low, high + TARGET_STEP / 2, TARGET_STEP) / TARGET_STEP) * TARGET_STEP
    blocks = []
    for sch, met in zip(s_levels, mets.tolist()):
        taus = np.array(sorted({met, nat, high, float(np.round((met + nat) / 2 / TARGET_STEP) * TARGET_STEP)}))
        # Every half-point target from the one met to the top of the range, in one cross-section of the
        # other parameters (the CCGs pay three quarters of the new money, risk shared equally).
        between = lattice[(lattice > met + 1e-9) & (lattice < high - 1e-9)]
        between = between[(np.abs(between[:, None] - taus[None, :]) >= 1e-9).all(axis=1)]
        cross = cartesian(between, (0.0, 1.0))
        blocks.append(np.column_stack([np.full(len(cross), sch), np.zeros(len(cross)), cross[:, 0],
                                       np.full(len(cross), 0.5), np.zeros(len(cross)), np.full(len(cross), 0.75),
                                       cross[:, 1]]))
        kappas = (0.0, 0.5, 1.0) if (has_acute and sch > 0) else (0.0,)
        for tau in taus[taus >= met]:
            combos = _combinations(kappas, bool(tau > met + 1e-9), has_acute, thetas)
            block = np.empty((len(combos), 7))
            block[:, 0], block[:, 2] = sch, tau
            block[:, [1, 3, 4, 5, 6]] = combos
            blocks.append(block)
    base = np.concatenate(blocks)
    base.setflags(write=False)  # shared by the grids of scenarios that agree (see coarse_grid)
    return base


def _combinations(kappas, at_risk: bool, has_acute: bool, thetas) -> np.ndarray:
    """(acute support, CCG risk, trust risk, CCGs' share, top-up) rows for one target: built once per kind.

    With no payment at risk the risk shares do not matter (one split); at risk, the CCGs carry all, half or
    none of it, and acute trusts may absorb half.
    """
    key = (kappas, at_risk, has_acute, thetas)
    found = _TEMPLATES.get(key)
    if found is None:
        risk = np.array([(1.0, 0.0), (0.5, 0.0), (0.0, 0.0)] if at_risk else [(0.5, 0.0)])
        if at_risk and has_acute:
            risk = np.vstack([risk, (0.5, 0.5)])
        idx = cartesian(np.arange(len(kappas)), np.arange(len(risk)), np.arange(len(thetas)), (0.0, 1.0))
        r = idx[:, 1].astype(int)
        found = _TEMPLATES[key] = np.column_stack([np.asarray(kappas)[idx[:, 0].astype(int)], risk[r, 0], risk[r, 1],
                                                  np.asarray(thetas)[idx[:, 2].astype(int)], idx[:, 3]])
        found.setflags(write=False)
    return found


_TEMPLATES: dict = {}  # _combinations' rows by kind: the same for every scenario (a few small arrays)


def drop_redundant(s: Scenario, x: np.ndarray, lay: Layout) -> np.ndarray:
    """Remove rows that make the same plan as another: topping up when the payouts already reach the minimum."""
    sch = x[:, SCH]
    k = x[:, KAPPA] * acute_net_loss(s, sch) if lay.has_acute else 0.0
    payouts = x[:, A] + sch + k
    keep = (x[:, TOP] < 0.5) | (payouts < lay.min_new - 1e-9)
    return x[keep]

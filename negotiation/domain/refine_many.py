"""The refinement's passes (:mod:`negotiation.domain.refine`), for one scenario or many at once.

This is the one implementation of the refinement: a Mesa model's run refines its
scenario alone (:func:`refined_space`, a batch of one read as the scenario itself,
whatever its rule set), and an assessment or a sweep refines many together
(:func:`refined_spaces`). A sweep values thousands of scenarios of one shape (the
same organisations, kinds and rule set) that differ only in their figures. Each
scenario's refinement is seven small passes of a few hundred plans, so one
scenario at a time its cost is numpy's per-call overhead, not arithmetic. So a
batch of scenarios advances together: their
coarse grids are built (sharing the grid's middle rows where they agree) and
valued in one pass, and in each refinement pass the seed choice
(:mod:`~negotiation.domain.seeds_many`), the moves, the canonical form, the
de-duplication, the test for plans already met (:mod:`~negotiation.domain.seen_rows`)
and the valuation are each one set of array operations over every scenario's
plans, each plan reading its own scenario's figures (:class:`Stack`: one column
per plan instead of one scalar per scenario). What a scenario's history decides
(its seeds, the plans it has met, how many of its generator's draws it has used)
is kept per scenario, in arrays indexed by scenario.

Every figure is computed by the same operations on the same numbers whether a
scenario is refined alone or in a batch (the stack gives each plan its own
scenario's figures), so the plan spaces and their values are identical bit for bit
(``tests/test_refine_many.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from negotiation.domain import evaluation, tariff
from negotiation.domain.evaluation import _figures, _value_piece, join
from negotiation.domain.grid import care_levels, coarse_grid, levels_many, unique_rows
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
    PlanSpace,
    check_size,
    concat,
    layout,
    space_from_parameters,
)
from negotiation.domain.refine import (
    MAX_SEEDS,
    PASSES,
    RANDOM_MOVES,
    SHRINK,
    _bounds,
    canonical,
    move_template,
)
from negotiation.domain.seeds_many import seeds_many
from negotiation.domain.seen_rows import SeenBytes, SeenRows
from negotiation.domain.stack import Stack
from negotiation.scenario import Scenario

BATCH = 16  # scenarios refined together: their evaluations are held at once (~2.5 MB each for 6 organisations)


def shape(s: Scenario) -> tuple | None:
    """Scenarios with the same shape can be refined together; None: this one is refined on its own.

    Together means the 2015/16 valuation (MRET and the performance payment), the same organisations and kinds,
    and growth above −100% (the scalar guard of ``tariff.required_cut_vs_current`` never applies).
    """
    if evaluation.valuation_for(s) is not evaluation.value_plans or "mret" not in s.rule_set.mechanisms:
        return None
    if tariff.growth(s.activity.admissions_last_year, s.activity.admissions_this_year) <= -1.0:
        return None
    lay = layout(s)
    return (s.rules.policy, tuple(s.organisations), tuple(lay.kinds.tolist()))


def refined_space(s: Scenario) -> tuple[PlanSpace, dict[str, np.ndarray]]:
    """The scenario's coarse grid refined around the plans that decide the bargaining, and the values of every
    plan (its rule set's valuation), in the order the plans were made: the coarse grid, then each pass's new plans."""
    return _refine([s], together=False)[0]


def refined_spaces(scenarios: list[Scenario]) -> list[tuple[PlanSpace, dict[str, np.ndarray]]]:
    """:func:`refined_space` of each scenario (same order), batches of one shape together."""
    out: list = [None] * len(scenarios)
    groups: dict[tuple, list[int]] = {}
    for i, s in enumerate(scenarios):
        key = shape(s)
        if key is None:
            out[i] = refined_space(s)
        else:
            groups.setdefault(key, []).append(i)
    for members in groups.values():
        for start in range(0, len(members), BATCH):
            batch = members[start:start + BATCH]
            for i, result in zip(batch, _refine([scenarios[i] for i in batch], together=True)):
                out[i] = result
    return out


class _Pool:
    """The plans each live setting picks its next seeds among (its previous seeds and its newest plans), side by
    side: setting ``settings[i]``'s plans are ``starts[i]:starts[i + 1]``. Only the figures seeds read are kept."""

    def __init__(self, x, u, ok, duty_gap, approvable, owner: np.ndarray):
        self.x, self.u, self.ok, self.duty_gap, self.approvable = x, u, ok, duty_gap, approvable
        self.owner = owner  # sorted
        firsts = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1]])) if len(owner) else owner
        self.settings = owner[firsts]
        self.starts = np.append(firsts, len(owner))

    def take(self, cols: np.ndarray) -> _Pool:
        return _Pool(self.x[cols], self.u[:, cols], self.ok[:, cols], self.duty_gap[:, cols], self.approvable[cols],
                     self.owner[cols])

    def plus(self, x, values: dict[str, np.ndarray], owner: np.ndarray) -> _Pool:
        """These plans and the new ones, each setting's together (its previous plans first, as ``concatenate``)."""
        merged = np.concatenate([self.owner, owner])
        # One setting (owners sorted, so first and last tell): already in order.
        one = self.owner[0] == self.owner[-1] == owner[0] == owner[-1]
        order = slice(None) if one else np.argsort(merged, kind="stable")
        return _Pool(np.concatenate([self.x, x])[order],
                     np.concatenate([self.u, values["utility"]], axis=1)[:, order],
                     np.concatenate([self.ok, values["acceptable"]], axis=1)[:, order],
                     np.concatenate([self.duty_gap, values["duty_gap"]], axis=1)[:, order],
                     np.concatenate([self.approvable, _approvable(values)])[order],
                     merged[order])


class _Alone:
    """One scenario's plans read as the scenario itself, valued by its rule set's valuation (any rule set)."""

    def __init__(self, s: Scenario, lay, lo: np.ndarray, hi: np.ndarray):
        self.s, self.lay, self.lo, self.hi = s, lay, lo, hi
        self.value_plans = evaluation.valuation_for(s)

    def rows(self, owner: np.ndarray) -> tuple[Any, Any]:
        return self.s, self.lay

    def bounds(self, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.lo, self.hi

    def value(self, owner: np.ndarray, space: PlanSpace) -> dict[str, np.ndarray]:
        return self.value_plans(self.s, space)


class _Together:
    """Plans of many scenarios of one shape, each reading its own scenario's figures from the stack (2015/16)."""

    def __init__(self, stack: Stack, lo: np.ndarray, hi: np.ndarray):
        self.stack, self.lo, self.hi = stack, lo, hi

    def rows(self, owner: np.ndarray) -> tuple[Any, Any]:
        view = self.stack.rows(owner)  # duck-types a Scenario (stack.StackRows)
        return view, view.layout

    def bounds(self, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.lo[owner], self.hi[owner]

    def value(self, owner: np.ndarray, space: PlanSpace) -> dict[str, np.ndarray]:
        return _value_together(self.stack, owner, space)


def _approvable(values: dict[str, np.ndarray]) -> np.ndarray:
    """The plans the seed choice counts as approvable: the valuation's own mask, else those failing no check."""
    return values["approvable"] if "approvable" in values else ~values["failed"].any(axis=1)


class _Batch:
    """Scenarios refined together (of one shape), or one alone: the refinement's passes, each over the batch."""

    def __init__(self, scenarios: list[Scenario], together: bool):
        self.scenarios = scenarios
        lays = [layout(s) for s in scenarios]
        self.width = width = lays[0].width
        bounds = [_bounds(s, lay) for s, lay in zip(scenarios, lays)]
        self.lo, self.hi = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
        self.templates = [move_template(lay, lo, hi) for lay, (lo, hi) in zip(lays, bounds)]
        if together:
            middle: dict = {}  # middle rows of the grid, shared by scenarios whose schemes and targets agree
            care = np.array([care_levels(s) for s in scenarios])  # (top, need, minimum) of each grid's care levels
            grids = [coarse_grid(s, lay, middle, a_levels)
                     for s, lay, a_levels in zip(scenarios, lays, levels_many(care[:, 0], 7, care[:, 1:]))]
        else:
            grids = [coarse_grid(s, lay) for s, lay in zip(scenarios, lays)]
        for s, (x, _) in zip(scenarios, grids):
            check_size(s, len(x) + PASSES * (MAX_SEEDS * 60 + RANDOM_MOVES))
        sizes = np.array([len(x) for x, _ in grids])
        owner = np.repeat(np.arange(len(scenarios)), sizes)
        x = np.concatenate([x for x, _ in grids])
        support = None if any(k is None for _, k in grids) else np.concatenate([k for _, k in grids])
        self.source: _Alone | _Together
        if together:
            figures = [_figures(s) for s in scenarios]
            self.source = _Together(Stack(scenarios, lays, figures), self.lo, self.hi)
            self.reservation = [-f["intervention"] for f in figures]  # no deal: the full intervention, as value_plans
            may_breach = [f["may_breach"] for f in figures]
        else:
            (s,) = scenarios
            self.source = _Alone(s, lays[0], *bounds[0])
            may_breach = [np.array([o.breach_duty for o in s.organisations.values()])]
        view, lay = self.source.rows(owner)
        self.coarse_space = space_from_parameters(view, x, lay, support)
        self.coarse_values = self.source.value(owner, self.coarse_space)
        if not together:
            self.reservation = [self.coarse_values["reservation"]]
        self.coarse_starts = np.concatenate([[0], np.cumsum(sizes)])
        self.reservations = np.stack(self.reservation, axis=1)
        self.may_breach = np.stack(may_breach, axis=1)
        steps = np.zeros((len(scenarios), width))
        steps[:, A] = self.hi[:, A] / 12
        steps[:, SCH] = self.hi[:, SCH] / 6
        steps[:, [KAPPA, RHO, SIGMA]] = 0.25
        steps[:, THETA] = 0.125
        steps[:, len(PARAMETERS):] = 0.1
        self.steps = steps
        self.zone_passes = np.zeros(len(scenarios), dtype=int)  # passes with random moves so far (each its draws)
        self.seen: SeenRows | SeenBytes = SeenRows(width) if together else SeenBytes()
        self.pieces: list[tuple[PlanSpace, dict[str, np.ndarray], np.ndarray]] = []  # each pass's new plans
        v = self.coarse_values
        self.pool = _Pool(x, v["utility"], v["acceptable"], v["duty_gap"], _approvable(v), owner)

    def refine(self) -> bool:
        """One pass for every setting still refining: False when none is."""
        pool = self.pool
        if not len(pool.settings):
            return False
        picks = seeds_many(pool.u, pool.ok, pool.duty_gap, pool.approvable, self.reservations[:, pool.settings],
                           self.may_breach[:, pool.settings], pool.starts)
        live = [int(k) for k, p in zip(pool.settings, picks) if p]
        if not live:
            return False
        base = pool.take(np.array([j for p in picks for j in p]))
        raw, owner = self._candidates(base, np.array(live), np.array([len(p) for p in picks if p]))
        view, lay = self.source.rows(owner)
        candidates = canonical(view, raw, lay, *self.source.bounds(owner))
        candidates, owner = _unique_rows_by(candidates, owner)
        fresh = self.seen.fresh(candidates, owner)
        new, owner = candidates[fresh], owner[fresh]
        if not len(new):
            self.pool = base
            return True
        view, lay = self.source.rows(owner)
        space = space_from_parameters(view, new, lay)
        values = self.source.value(owner, space)
        self.pieces.append((space, values, owner))
        self.pool = base.plus(new, values, owner)
        return True

    def _candidates(self, base: _Pool, live: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """This pass's raw candidate rows (before :func:`canonical`) and their settings: each seed moved along
        each parameter and pair, each seed with the top-up flipped, and random moves around the first seed when
        the seeds hold a zone of agreement (in any order: :func:`_unique_rows_by` sorts each setting's rows)."""
        steps = self.steps[live]
        local = np.repeat(np.arange(len(live)), counts)  # each seed's setting, as an index into ``live``
        scale = np.concatenate([steps, np.zeros((len(live), 1)), np.full((len(live), 1), TARGET_STEP)], axis=1)
        rows, owners = [], []
        groups: dict[int, list[int]] = {}  # settings by move template (one, unless some cannot move a parameter)
        for i, k in enumerate(live.tolist()):
            groups.setdefault(id(self.templates[k]), []).append(i)
        for members in groups.values():
            signs, source = self.templates[live[members[0]]]
            moves = np.where(source > -2, signs * scale[members][:, source], 0.0)  # (settings, moves, parameters)
            mine: Any
            if len(members) == len(live):
                mine, at = slice(None), local
            else:
                where = np.full(len(live), -1)
                where[members] = np.arange(len(members))
                mine = np.flatnonzero(where[local] >= 0)
                at = where[local[mine]]
            moved = base.x[mine][:, None, :] + moves[at]
            rows.append(moved.reshape(-1, self.width))
            owners.append(np.repeat(base.owner[mine], moves.shape[1]))
        flipped = base.x.copy()
        flipped[:, TOP] = 1.0 - flipped[:, TOP]
        rows.append(flipped)
        owners.append(base.owner)
        zone = np.bincount(local[base.ok.all(axis=0)], minlength=len(live)) > 0
        if zone.any():  # a zone: search around its best Nash plan (each setting's first seed) in every direction
            normal, rounded = _draws(self.width)
            passes = self.zone_passes[live[zone]]
            directions = normal[passes] * steps[zone][:, None, :]
            directions[:, :, TAU] = np.round(rounded[passes]) * TARGET_STEP
            first = np.searchsorted(local, np.flatnonzero(zone))
            rows.append((base.x[first][:, None, :] + directions).reshape(-1, self.width))
            owners.append(np.repeat(live[zone], RANDOM_MOVES))
            self.zone_passes[live[zone]] += 1
        self.steps[live] = steps * SHRINK
        return np.concatenate(rows), np.concatenate(owners)

    def results(self) -> list[tuple[PlanSpace, dict[str, np.ndarray]]]:
        """Each setting's plan space (the coarse grid, then each pass's new plans) and its values, in order."""
        out = []
        ends = [np.searchsorted(owner, np.arange(len(self.scenarios) + 1)) for _, _, owner in self.pieces]
        for k, reservation in enumerate(self.reservation):
            rows = slice(self.coarse_starts[k], self.coarse_starts[k + 1])
            spaces, parts = [self.coarse_space.part(rows)], [_part(self.coarse_values, rows, reservation)]
            for (space, values, _), end in zip(self.pieces, ends):
                if end[k + 1] > end[k]:
                    rows = slice(end[k], end[k + 1])
                    spaces.append(space.part(rows))
                    parts.append(_part(values, rows, reservation))
            out.append((concat(spaces), join(parts)))
        return out


def _part(values: dict[str, np.ndarray], rows: slice, reservation: np.ndarray) -> dict[str, np.ndarray]:
    """One setting's plans of values made for a batch (plans are the last axis; ``failed`` is (plans, checks))."""
    out = {key: (a[:, rows] if a.ndim == 2 and key != "failed" else a[rows]) for key, a in values.items()
           if key != "reservation"}
    out["reservation"] = reservation
    return out


_DRAWS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _draws(width: int) -> tuple[np.ndarray, np.ndarray]:
    """The random directions of a setting's successive passes with a zone: the numbers a generator with seed 0
    gives, drawn pass by pass (each setting's directions are a function of its scenario alone): (passes, moves,
    parameters) and (passes, moves)."""
    found = _DRAWS.get(width)
    if found is None:
        rng = np.random.default_rng(0)
        normal, rounded = np.empty((PASSES, RANDOM_MOVES, width)), np.empty((PASSES, RANDOM_MOVES))
        for p in range(PASSES):
            normal[p] = rng.standard_normal((RANDOM_MOVES, width))
            rounded[p] = rng.standard_normal(RANDOM_MOVES)
        normal.setflags(write=False)
        rounded.setflags(write=False)
        found = _DRAWS[width] = (normal, rounded)
    return found


def _value_together(stack: Stack, owner: np.ndarray, space: PlanSpace) -> dict[str, np.ndarray]:
    """The values of plans of many settings, :data:`evaluation.PIECE` plans at a time into arrays allocated once
    (as :func:`evaluation.value_plans`: temporaries stay in cache)."""
    n = len(space)
    if n <= evaluation.PIECE:
        view: Any = stack.rows(owner)
        return _value_piece(view, space)
    out: dict[str, np.ndarray] = {}
    for start in range(0, n, evaluation.PIECE):
        rows = slice(start, min(start + evaluation.PIECE, n))
        view = stack.rows(owner[rows])  # duck-types a Scenario
        for key, a in _value_piece(view, space.part(rows)).items():
            if key == "reservation":
                continue
            plans_last = a.ndim == 2 and key != "failed"
            if key not in out:
                out[key] = np.empty((a.shape[0], n) if plans_last else (n, *a.shape[1:]), dtype=a.dtype)
            if plans_last:
                out[key][:, rows] = a
            else:
                out[key][rows] = a
    return out


def _refine(scenarios: list[Scenario], together: bool) -> list[tuple[PlanSpace, dict[str, np.ndarray]]]:
    """Each scenario's refined plan space and values: a batch of one shape together (its figures stacked), or
    one scenario alone (``together=False``: read as itself, whatever its rule set)."""
    batch = _Batch(scenarios, together)
    for _ in range(PASSES):
        if not batch.refine():
            break
    return batch.results()


def _unique_rows_by(x: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each owner's distinct rows in lexicographic order (``grid.unique_rows`` of each), owners in order.

    A column whose values all compare equal orders nothing, so it is left out of the sort (rows often share
    a payers' split or a share fixed by the room's shape).
    """
    if len(owner) and (owner == owner[0]).all():  # one owner (a scenario refined alone): fewer numpy calls
        distinct = unique_rows(x)
        return distinct, owner[:len(distinct)]
    varying = [col for col in x.T[::-1] if not (col == col[0]).all()]
    order = np.lexsort((*varying, owner))
    ordered, who = x[order], owner[order]
    keep = np.ones(len(ordered), dtype=bool)
    step = keep[1:]
    np.not_equal(who[1:], who[:-1], out=step)
    for col in ordered.T:  # a row differs from the one before if any column does (``!=``, column by column)
        step |= col[1:] != col[:-1]
    return np.ascontiguousarray(ordered[keep]), who[keep]

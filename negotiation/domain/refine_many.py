"""The refinement of many scenarios' plan spaces at once: the same plans and values as one at a time.

An assessment or a sweep values thousands of scenarios of one shape (the same
organisations, kinds and rule set) that differ only in their figures. Each
scenario's refinement (:mod:`negotiation.domain.refine`) is seven small passes
of a few hundred plans, so one scenario at a time its cost is numpy's per-call
overhead, not arithmetic. Here the passes of a batch of scenarios advance
together: each pass's candidate plans of every scenario are made canonical,
sorted, built and valued in one set of array operations, each plan reading its
own scenario's figures (:class:`Stack`: one column per plan instead of one
scalar per scenario). What depends on a scenario's own history (its seeds, the
plans it has seen, its random directions) stays per scenario.

Every figure is computed by the same operations on the same numbers as
:func:`negotiation.domain.refine.refined_space`, so the plan spaces and their
values are identical bit for bit (``tests/test_refine_many.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from negotiation.domain import evaluation, tariff
from negotiation.domain.evaluation import _figures, _value_piece, join
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
    coarse_grid,
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
    _seed_figures,
    _take,
    canonical,
    move_template,
    seeds,
)
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


def refined_spaces(scenarios: list[Scenario]) -> list[tuple[PlanSpace, dict[str, np.ndarray]]]:
    """:func:`negotiation.domain.refine.refined_space` of each scenario (same order), batches of one shape together."""
    from negotiation.domain.refine import refined_space

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
            for i, result in zip(batch, _refine_together([scenarios[i] for i in batch])):
                out[i] = result
    return out


class _Setting:
    """One scenario's state through the passes (what :func:`refined_space` keeps in local variables)."""

    def __init__(self, s: Scenario):
        self.s = s
        self.lay = lay = layout(s)
        self.lo, self.hi = _bounds(s, lay)
        x, acute_support = coarse_grid(s, lay)
        check_size(s, len(x) + PASSES * (MAX_SEEDS * 60 + RANDOM_MOVES))
        self.spaces = [space_from_parameters(s, x, lay, acute_support)]
        self.parts = [evaluation.value_plans(s, self.spaces[0])]
        self.may_breach = np.array([o.breach_duty for o in s.organisations.values()])
        self.seen: set[bytes] = set()
        steps = np.zeros(lay.width)
        steps[A] = self.hi[A] / 12
        steps[SCH] = self.hi[SCH] / 6
        steps[[KAPPA, RHO, SIGMA]] = 0.25
        steps[THETA] = 0.125
        steps[len(PARAMETERS):] = 0.1
        self.steps = steps
        self.rng = np.random.default_rng(0)
        self.template = move_template(lay, self.lo, self.hi)
        self.pool_x, self.pool_v = x, _seed_figures(self.parts[0])
        self.done = False

    def candidates(self) -> np.ndarray | None:
        """This pass's raw candidate rows (before :func:`canonical`), or None when it has no seeds left."""
        picked = seeds({**self.pool_v, "may_breach": self.may_breach})
        if not picked:
            self.done = True
            return None
        self.base_x, self.base_v = self.pool_x[picked], _take(self.pool_v, np.array(picked))
        signs, source = self.template
        scale = np.concatenate([self.steps, [0.0, TARGET_STEP]])[source]
        moves = np.where(source > -2, signs * scale, 0.0)
        moved = (self.base_x[:, None, :] + moves[None, :, :]).reshape(-1, self.lay.width)
        flipped = self.base_x.copy()
        flipped[:, TOP] = 1.0 - flipped[:, TOP]
        rows = [moved, flipped]
        if self.base_v["acceptable"].all(axis=0).any():
            directions = self.rng.standard_normal((RANDOM_MOVES, self.lay.width)) * self.steps
            directions[:, TAU] = np.round(self.rng.standard_normal(RANDOM_MOVES)) * TARGET_STEP
            rows.append(self.base_x[0] + directions)
        self.steps = self.steps * SHRINK
        return np.concatenate(rows)

    def fresh(self, candidates: np.ndarray) -> np.ndarray:
        keys = list(candidates.view(np.dtype((np.void, candidates.shape[1] * candidates.itemsize))).ravel().tolist())
        fresh = np.fromiter((k not in self.seen for k in keys), dtype=bool, count=len(keys))
        self.seen.update(keys)  # type: ignore[arg-type]  # a void row's tolist() is bytes
        return fresh


def _refine_together(scenarios: list[Scenario]) -> list[tuple[PlanSpace, dict[str, np.ndarray]]]:
    settings = [_Setting(s) for s in scenarios]
    stack = Stack(scenarios, [st.lay for st in settings], [_figures(s) for s in scenarios])
    lo = np.array([st.lo for st in settings])
    hi = np.array([st.hi for st in settings])
    for _ in range(PASSES):
        live = [k for k, st in enumerate(settings) if not st.done]
        raw, owner = [], []
        for k in live:
            rows = settings[k].candidates()
            if rows is not None:
                raw.append(rows)
                owner.append(np.full(len(rows), k))
        if not raw:
            break
        sid = np.concatenate(owner)
        x = np.concatenate(raw)
        view: Any = stack.rows(sid)  # duck-types a Scenario (stack.StackRows)
        candidates = canonical(view, x, view.layout, lo[sid], hi[sid])
        candidates, sid = _unique_rows_by(candidates, sid)
        bounds = np.searchsorted(sid, np.arange(len(settings) + 1))
        new_rows, new_sid = [], []
        for k in np.unique(sid).tolist():
            st = settings[k]
            mine = candidates[bounds[k]:bounds[k + 1]]
            fresh = st.fresh(mine)
            if not fresh.any():
                st.pool_x, st.pool_v = st.base_x, st.base_v
                st.new = None
                continue
            st.new = mine[fresh]
            new_rows.append(st.new)
            new_sid.append(np.full(len(st.new), k))
        if not new_rows:
            continue
        sid = np.concatenate(new_sid)
        view = stack.rows(sid)
        space = space_from_parameters(view, np.concatenate(new_rows), view.layout)
        values = _value_piece(view, space)
        start = 0
        for k in np.unique(sid).tolist():
            st = settings[k]
            piece = slice(start, start + len(st.new))
            start = piece.stop
            part = {key: (a[:, piece] if a.ndim == 2 and key != "failed" else a[piece])
                    for key, a in values.items() if key != "reservation"}
            part["reservation"] = st.parts[0]["reservation"]
            st.spaces.append(space.part(piece))
            st.parts.append(part)
            st.pool_x, st.pool_v = np.concatenate([st.base_x, st.new]), join([st.base_v, _seed_figures(part)])
    return [(concat(st.spaces), join(st.parts)) for st in settings]


def _unique_rows_by(x: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each owner's distinct rows in lexicographic order (``plan.unique_rows`` of each), owners in order."""
    order = np.lexsort((*x.T[::-1], owner))
    ordered, who = x[order], owner[order]
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = (ordered[1:] != ordered[:-1]).any(axis=1) | (who[1:] != who[:-1])
    return np.ascontiguousarray(ordered[keep]), who[keep]


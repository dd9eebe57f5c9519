"""Several scenarios of one shape read as one, each figure a column over plans (for valuing them together).

The valuation reads a scenario's figures as scalars (``s.activity.tariff``) and its
organisations' figures as vectors (``ccg_w``, one per organisation). A batch of
plans drawn from many scenarios reads the same names from :class:`StackRows`:
each figure an array with one entry per plan (its own scenario's figure), each
organisation's figure an (organisations × plans) array. numpy applies the same
operation to the same numbers either way, so each plan's values are the ones its
scenario alone would give (:mod:`negotiation.domain.refine_many`).

A figure the same in every scenario of the batch (bit for bit: a sweep varies a
few figures and leaves the rest) stays a scalar, or one vector over
organisations: the same numbers again, without copying it out to every plan.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from negotiation.domain import tariff

ACTIVITY = ("admissions_last_year", "admissions_this_year", "baseline_admissions", "tariff", "achievable_reduction",
            "reduction_per_scheme", "max_reduction", "acute_marginal_cost", "community_cost_per_admission",
            "asc_spillover")
RULES = ("mret_rate", "p4p_fraction", "pooling_friction", "unapproved_cost_share", "minimum_fund",
         "asc_protection_min", "national_admissions_target", "credibility_tolerance")


def _same_everywhere(a: np.ndarray, axis: int) -> bool:
    """Whether every scenario's entry (along ``axis``) has the same bits as the first (−0.0 is not 0.0)."""
    if a.shape[axis] <= 1:
        return True
    first = np.take(a, [0], axis=axis)
    return bool((a.view(np.uint8).reshape(*a.shape, -1) == first.view(np.uint8).reshape(*first.shape, -1)).all())


def _column(values: np.ndarray) -> float | np.ndarray:
    """One figure per scenario: a scalar when they are all the same, else the array (gathered per plan)."""
    return float(values[0]) if _same_everywhere(values, 0) else values


def _rows(value: float | np.ndarray, sid: np.ndarray) -> float | np.ndarray:
    """A figure for each plan: its scenario's (gathered), or the one every scenario shares."""
    return value[sid] if isinstance(value, np.ndarray) else value


class Gathered:
    """A scenario's group of scalar figures (``activity``, ``rules``) for a batch of plans: each name read is its
    scenario's figure per plan (gathered on first use; a figure shared by the batch stays a scalar)."""

    def __init__(self, columns: dict[str, float | np.ndarray], sid: np.ndarray):
        self._columns, self._sid = columns, sid

    def __getattr__(self, name: str):
        columns = self.__dict__.get("_columns")
        if columns is None or name not in columns:
            raise AttributeError(name)
        value = _rows(columns[name], self._sid)
        setattr(self, name, value)  # kept: the next read is an attribute lookup
        return value


class StackRows:
    """The figures of the scenarios that a batch of plans come from, one entry per plan (duck-types a Scenario
    for the valuation, :func:`~negotiation.domain.plan.space_from_parameters` and ``refine.canonical``)."""

    def __init__(self, stack: Stack, sid: np.ndarray):
        self.rule_set, self.organisations, self.rules_policy = stack.rule_set, stack.organisations, stack.policy
        self.activity = Gathered(stack.activity, sid)
        self.rules = Gathered(stack.rules, sid)
        self.existing_pooled = _rows(stack.existing_pooled, sid)
        self.growth = _rows(stack.growth, sid)
        self.figures = {k: v if v.ndim == 1 else v[:, sid] for k, v in stack.figures.items()}
        self.layout = stack.layout if stack.min_new is None else replace(stack.layout, min_new=stack.min_new[sid])


class Stack:
    """Figures of scenarios of one shape (same organisations, kinds and rule set), one entry per scenario
    (or one for all where they agree)."""

    def __init__(self, scenarios: list, layouts: list, figures: list[dict[str, np.ndarray]]):
        first = scenarios[0]
        self.rule_set, self.organisations, self.policy = first.rule_set, first.organisations, first.rules.policy
        self.activity = {k: _column(np.array([float(getattr(s.activity, k)) for s in scenarios])) for k in ACTIVITY}
        self.rules = {k: _column(np.array([float(getattr(s.rules, k)) for s in scenarios])) for k in RULES}
        self.existing_pooled = _column(np.array([float(s.existing_pooled) for s in scenarios]))
        self.growth = _column(np.array([tariff.growth(s.activity.admissions_last_year, s.activity.admissions_this_year)
                                        for s in scenarios]))
        min_new = np.array([float(lay.min_new) for lay in layouts])
        self.layout = replace(layouts[0], min_new=float(min_new[0]))
        self.min_new = None if _same_everywhere(min_new, 0) else min_new
        self.figures = {}  # (orgs,) where every scenario agrees, else (orgs, scenarios)
        for k in figures[0]:
            stacked = np.stack([f[k] for f in figures], axis=1)
            self.figures[k] = stacked[:, 0].copy() if _same_everywhere(stacked, 1) else stacked

    def rows(self, sid: np.ndarray) -> StackRows:
        return StackRows(self, sid)

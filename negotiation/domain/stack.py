"""Several scenarios of one shape read as one, each figure a column over plans (for valuing them together).

The valuation reads a scenario's figures as scalars (``s.activity.tariff``) and its
organisations' figures as vectors (``ccg_w``, one per organisation). A batch of
plans drawn from many scenarios reads the same names from :class:`StackRows`:
each figure an array with one entry per plan (its own scenario's figure), each
organisation's figure an (organisations × plans) array. numpy applies the same
operation to the same numbers either way, so each plan's values are the ones its
scenario alone would give (:mod:`negotiation.domain.refine_many`).
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from negotiation.domain import tariff

ACTIVITY = ("admissions_last_year", "admissions_this_year", "baseline_admissions", "tariff", "achievable_reduction",
            "reduction_per_scheme", "max_reduction", "acute_marginal_cost", "community_cost_per_admission",
            "asc_spillover")
RULES = ("mret_rate", "p4p_fraction", "pooling_friction", "unapproved_cost_share", "minimum_fund",
         "asc_protection_min", "national_admissions_target", "credibility_tolerance")


class StackRows:
    """The figures of the scenarios that a batch of plans come from, one entry per plan (duck-types a Scenario
    for the valuation, :func:`~negotiation.domain.plan.space_from_parameters` and ``refine.canonical``)."""

    def __init__(self, stack: Stack, sid: np.ndarray):
        self.rule_set, self.organisations, self.rules_policy = stack.rule_set, stack.organisations, stack.policy
        self.activity = SimpleNamespace(**{k: v[sid] for k, v in stack.activity.items()})
        self.rules = SimpleNamespace(**{k: v[sid] for k, v in stack.rules.items()})
        self.existing_pooled = stack.existing_pooled[sid]
        self.growth = stack.growth[sid]
        self.figures = {k: v[:, sid] for k, v in stack.figures.items()}
        self.layout = replace(stack.layout, min_new=stack.min_new[sid])


class Stack:
    """Figures of scenarios of one shape (same organisations, kinds and rule set), one entry per scenario."""

    def __init__(self, scenarios: list, layouts: list, figures: list[dict[str, np.ndarray]]):
        first = scenarios[0]
        self.rule_set, self.organisations, self.policy = first.rule_set, first.organisations, first.rules.policy
        self.activity = {k: np.array([float(getattr(s.activity, k)) for s in scenarios]) for k in ACTIVITY}
        self.rules = {k: np.array([float(getattr(s.rules, k)) for s in scenarios]) for k in RULES}
        self.existing_pooled = np.array([float(s.existing_pooled) for s in scenarios])
        self.growth = np.array([tariff.growth(s.activity.admissions_last_year, s.activity.admissions_this_year)
                                for s in scenarios])
        self.min_new = np.array([float(lay.min_new) for lay in layouts])
        self.layout = layouts[0]
        self.figures = {k: np.stack([f[k] for f in figures], axis=1) for k in figures[0]}  # (orgs, scenarios)

    def rows(self, sid: np.ndarray) -> StackRows:
        return StackRows(self, sid)

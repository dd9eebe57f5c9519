"""From rows to answers: how often each outcome happens across the ranges, and which ranges drive it.

Each sampled set of figures (a *point*) is run with ``K`` seeds; the point's
value for an outcome is the share of its seeds ending that way (an *outcome
indicator*, 0–1). Probabilities average the indicator over the independent
points and take a 95% Wilson interval with ``n`` = the number of independent
points: seeds at one point share the figures, so they sharpen the point's
value but are not counted as extra evidence. Sobol indices say how much of the
indicator's variance each range explains on its own (first order, ``S1``) and
with all its interactions (total order, ``ST``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from negotiation.batch.compare import LATER_OUTCOMES, OUTCOMES, wilson
from negotiation.uncertainty.sampling import MORRIS_LEVELS, SAMPLE_SEED, Design

# One Wilson interval and one list of outcomes for compare and assess.


def outcome_shares(rows: pd.DataFrame, n_points: int, seeds: int) -> pd.DataFrame:
    """One row per point, one column per outcome: the share of its seeds ending in that outcome.

    >>> rows = pd.DataFrame({"run_id": [0, 1, 2, 3], "outcome": ["deadlock", "approved", "deadlock", "deadlock"]})
    >>> outcome_shares(rows, 2, 2).deadlock.tolist()
    [0.5, 1.0]
    """
    if len(rows) != n_points * seeds:
        raise ValueError(f"expected {n_points * seeds} runs, found {len(rows)}")
    point = rows.run_id.to_numpy() // seeds
    seen = set(rows.outcome)  # the later rule sets' verdicts get a column when they happen (issue 8)
    outcomes = OUTCOMES + tuple(o for o in LATER_OUTCOMES if o in seen)
    table = pd.DataFrame({o: (rows.outcome.to_numpy() == o).astype(float) for o in outcomes})
    return table.groupby(point).mean().reindex(range(n_points))


def probabilities(shares: pd.DataFrame, independent: np.ndarray) -> pd.DataFrame:
    """Probability of each outcome over the independent points, with its 95% Wilson interval.

    >>> shares = pd.DataFrame({"approved": [1.0, 0, 0, 0], "not_approved": [0, 1.0, 1.0, 1.0], "deadlock": [0.0] * 4})
    >>> p = probabilities(shares, np.arange(4)).set_index("outcome")
    >>> float(p.loc["not_approved", "probability"]), round(float(p.loc["not_approved", "ci_low"]), 3)
    (0.75, 0.301)
    """
    chosen = shares.iloc[independent]
    n = len(chosen)
    table = []
    for o in shares.columns:
        successes = float(chosen[o].sum())
        low, high = wilson(successes, n)
        table.append({"outcome": o, "probability": successes / n, "ci_low": low, "ci_high": high, "points": n})
    return pd.DataFrame(table)


def sobol_indices(prob: dict, shares: pd.DataFrame) -> pd.DataFrame:
    """First- and total-order Sobol indices (with 95% bootstrap half-widths) per outcome indicator.

    An indicator that never varies (e.g. deadlock at every point) has no variance to
    share out: its indices are NaN, and the summary says that no range moves it.
    """
    from SALib.analyze import sobol as sobol_analyze

    table = []
    for o in shares.columns:
        y = shares[o].to_numpy()
        if np.var(y) == 0:
            table += [dict(outcome=o, key=k, S1=np.nan, S1_conf=np.nan, ST=np.nan, ST_conf=np.nan) for k in prob["names"]]
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            si = sobol_analyze.analyze(prob, y, calc_second_order=False, num_resamples=200, seed=SAMPLE_SEED)
        for i, k in enumerate(prob["names"]):
            table.append(dict(outcome=o, key=k, S1=float(si["S1"][i]), S1_conf=float(si["S1_conf"][i]),
                              ST=float(si["ST"][i]), ST_conf=float(si["ST_conf"][i])))
    return pd.DataFrame(table)


def morris_indices(prob: dict, design: Design, shares: pd.DataFrame) -> pd.DataFrame:
    """Morris elementary effects per outcome indicator: μ* (mean absolute effect of a range's full width) and σ."""
    from SALib.analyze import morris as morris_analyze

    table = []
    for o in shares.columns:
        y = shares[o].to_numpy()
        if np.var(y) == 0:
            table += [dict(outcome=o, key=k, mu_star=np.nan, mu_star_conf=np.nan, sigma=np.nan) for k in prob["names"]]
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            si = morris_analyze.analyze(prob, design.X, y, num_levels=MORRIS_LEVELS, seed=SAMPLE_SEED)
        for i, k in enumerate(prob["names"]):
            table.append(dict(outcome=o, key=k, mu_star=float(si["mu_star"][i]),
                              mu_star_conf=float(si["mu_star_conf"][i]), sigma=float(si["sigma"][i])))
    return pd.DataFrame(table)

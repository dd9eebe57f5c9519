"""Drawing plausible sets of figures from a scenario's ranges (SALib designs, fixed seed).

Each range is read as *every value between low and high equally plausible*
(uniform): the honest reading when a source gives, at most, an interval. The
design comes from SALib with a fixed seed, so the same command always means the
same points, whatever the workers or engine that run them.

* ``sobol``: Saltelli's scheme (SALib's Sobol sampler, scrambled Sobol sequence, no second-order
  terms): ``N × (D + 2)`` points for ``D`` ranges; rows ``j·(D+2)`` (matrix A) and ``j·(D+2)+D+1``
  (matrix B) are the ``2N`` independent draws the outcome probabilities use.
* ``morris``: ``N`` one-at-a-time trajectories on a 4-level grid, ``N × (D + 1)`` points: a cheap
  screen of which figures matter, not an estimate of probabilities.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from negotiation.errors import NegotiationError, ScenarioError
from negotiation.uncertainty.ranges import Range

SAMPLE_SEED = 20140919  # the BCF resubmission date: fixed, so a design is the same every time
METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4


class AssessError(NegotiationError):
    """An assessment cannot be set up (no ranges, bad sample size, SALib missing)."""


def require_salib():
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise AssessError(
            "assess needs SALib: install the 'assess' extra, e.g. pip install -e '.[assess]'"
        ) from None


def check_options(method: str, samples: int, seeds: int = 1, workers: int = 1, backend: str = "processes") -> None:
    """Refuse a bad request before anything heavy is imported or run: one line each."""
    if method not in METHODS:
        raise AssessError(f"--method must be sobol or morris (got {method!r})")
    if samples < 2:
        raise AssessError(f"--samples must be at least 2 (got {samples})")
    if method == "sobol" and not sobol_size(samples):
        raise AssessError(
            f"--samples must be a power of 2, or 3 times one, for sobol, e.g. 16, 64 or 192 (got {samples})"
        )
    if seeds < 1:
        raise AssessError(f"--seeds must be at least 1 (got {seeds})")
    if workers < 1:
        raise AssessError(f"--workers must be at least 1 (got {workers})")
    if backend not in ("processes", "dask"):
        raise AssessError(f"--backend must be one of processes, dask (got {backend!r})")


def sobol_size(samples: int) -> bool:
    """A base sample size the Sobol design keeps balanced: 2^m, or 3·2^m (three consecutive blocks of 2^m points
    of the sequence, each a balanced net: ~10,000 sets of figures for 51 ranges is 192 × 53, between 128 and 256)."""
    odd = samples
    while odd > 1 and odd % 2 == 0:
        odd //= 2
    return odd in (1, 3)


def problem(ranges: dict[str, Range]) -> dict:
    """SALib's problem definition: one uniform factor per range, in file order."""
    keys = list(ranges)
    return {"num_vars": len(keys), "names": keys, "bounds": [[ranges[k].low, ranges[k].high] for k in keys]}


@dataclass(frozen=True)
class Design:
    """The sampled points (unrounded matrix ``X`` for SALib, rounded dicts for the model)."""

    method: str
    samples: int  # N: base samples (sobol) or trajectories (morris)
    X: np.ndarray  # (points, D), as SALib drew them
    points: list[dict]  # one {dotted key: value} per row, whole-number figures rounded
    independent: np.ndarray  # row indices that are independent draws (for probabilities)


def draw(ranges: dict[str, Range], method: str = "sobol", samples: int = 32) -> Design:
    """The design for ``ranges``: the same arguments always give the same points."""
    check_options(method, samples)
    if not ranges:
        raise AssessError("the scenario has no ranges to assess; write a figure as { value, low, high, basis }")
    require_salib()
    prob = problem(ranges)
    d = prob["num_vars"]
    if method == "sobol":
        from SALib.sample import sobol as sobol_sample

        with warnings.catch_warnings():  # 3·2^m is allowed on purpose (sobol_size): no warning about it
            warnings.filterwarnings("ignore", message=".*(power of 2|equal to 2\\^n).*")
            X = sobol_sample.sample(prob, samples, calc_second_order=False, scramble=True, seed=SAMPLE_SEED)
        block = np.arange(samples) * (d + 2)
        independent = np.sort(np.concatenate([block, block + d + 1]))
    else:
        from SALib.sample import morris as morris_sample

        X = morris_sample.sample(prob, samples, num_levels=MORRIS_LEVELS, seed=SAMPLE_SEED)
        independent = np.arange(len(X))
    keys = prob["names"]
    points = [
        {k: int(round(x)) if ranges[k].integer else float(x) for k, x in zip(keys, row)} for row in X
    ]
    return Design(method, samples, X, points, independent)


def check_points(raw: dict, points: list[dict], source: str) -> None:
    """Every sampled combination must be a valid scenario: catch it before any run, naming the ranges."""
    from negotiation.boards.rows import validate_raw as scenario_from_dict  # one board or several
    from negotiation.scenario import apply_overrides

    for point in points:
        try:
            scenario_from_dict(apply_overrides(raw, point, source), source)
        except ScenarioError as exc:
            raise ScenarioError(
                source, exc.field, f"the ranges allow an invalid combination of figures: {exc.problem}; narrow them"
            ) from None

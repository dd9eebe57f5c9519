"""Uncertainty beside the scenario: ranges on figures, sampled designs, and how sure a verdict is.

The model never sees a range: :func:`read_ranged` splits a scenario file into the
plain figures the model runs and the ranges beside them; :func:`assess` samples
the ranges (SALib), runs every point through the sweep engine and reports the
probability of each outcome, with intervals, and the figures that drive it.

    >>> from negotiation.uncertainty import Range
    >>> Range("activity.asc_spillover", 0.5, 0.2, 0.8, "estimate").width
    0.6000000000000001

Imports are lazy: the scenario loader uses :mod:`.ranges` and must stay light.
"""

from importlib import import_module

_EXPORTS = {
    "Range": "negotiation.uncertainty.ranges",
    "RangedScenario": "negotiation.uncertainty.ranges",
    "read_ranged": "negotiation.uncertainty.ranges",
    "split_ranges": "negotiation.uncertainty.ranges",
    "Assessment": "negotiation.uncertainty.assessment",
    "assess": "negotiation.uncertainty.assessment",
    "previous": "negotiation.uncertainty.assessment",
    "AssessError": "negotiation.uncertainty.sampling",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'negotiation.uncertainty' has no attribute {name!r}")

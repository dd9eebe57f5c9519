"""Optional features and the one line that says how to get them.

The core install is the simulator, the command line and the workshop app. Sweep reports and
comparisons need ``[report]`` (matplotlib, scikit-learn, openpyxl) and Dask sweeps need ``[dask]``;
a command that needs a missing extra stops at once with the install line, exit code 2, instead of
an ImportError traceback halfway through a sweep.
"""

from __future__ import annotations

from importlib.util import find_spec

from negotiation.errors import NegotiationError

DISTRIBUTION = "bcf-negotiation"


class MissingExtra(NegotiationError):
    """A feature needs an optional dependency that is not installed."""


def missing(*modules: str) -> list[str]:
    """The importable module names among ``modules`` that are not installed."""
    absent = []
    for module in modules:
        try:
            found = find_spec(module) is not None
        except (ImportError, ValueError):  # a parent package is missing or broken
            found = False
        if not found:
            absent.append(module)
    return absent


def require(extra: str, *modules: str) -> None:
    """Raise :class:`MissingExtra` naming the extra to install if any of ``modules`` is missing.

    >>> require("report", "json")  # present: nothing happens
    """
    absent = missing(*modules)
    if absent:
        raise MissingExtra(
            f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} not installed; "
            f"install the extra: pip install '{DISTRIBUTION}[{extra}]'"
        )

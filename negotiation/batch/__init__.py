"""Batch scenario comparisons: sweeps (resumable, parallel, to Parquet), comparisons and reports.

The names below load on first use: a sweep worker process imports only ``negotiation.batch.rows``, not the
Parquet store, the progress bar or the backends, so each worker starts faster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from negotiation.batch.sweep import load_sweep, plan_sweep, run_sweep

__all__ = ["load_sweep", "plan_sweep", "run_sweep"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from negotiation.batch import sweep

        return getattr(sweep, name)
    raise AttributeError(f"module 'negotiation.batch' has no attribute {name!r}")

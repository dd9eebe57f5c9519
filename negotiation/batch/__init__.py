"""Batch scenario comparisons: sweeps (resumable, parallel, to Parquet), comparisons and reports."""

from negotiation.batch.sweep import load_sweep, plan_sweep, run_sweep

__all__ = ["load_sweep", "plan_sweep", "run_sweep"]

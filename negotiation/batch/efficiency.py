"""How good the agreements in a set of runs are, as a bargaining theorist measures them, in a few figures.

Sweep and assessment rows carry each run's ``efficiency`` (the signed plan's total
gain over no deal as a share of the largest total any plan in the zone of agreement
offers) and ``distance_to_frontier`` (£m to the zone's Pareto frontier; 0 on it),
both NaN when nothing was signed (see :func:`negotiation.batch.rows.analysis_columns`).
A verdict alone says whether an area agrees; these say whether what it agrees leaves
money on the table. Used by ``negotiation report`` and ``negotiation assess``.
"""

from __future__ import annotations

import pandas as pd

ON_FRONTIER = 1e-9  # £m: a signed plan this close to the frontier is on it (analysis.distance_to_frontier gives 0)
COLUMNS = ("efficiency", "distance_to_frontier")


def efficiency_summary(rows: pd.DataFrame) -> dict:
    """Efficiency and distance to the frontier among signed runs: median, 10th and 90th percentiles, share on it.

    ``available`` is False for rows written before these columns existed (an older sweep folder).
    Values are None when no run was signed (or none had a zone offering any total gain).
    """
    if not set(COLUMNS) <= set(rows.columns):
        return {"available": False, "signed_runs": int(rows.signed_off.sum()) if "signed_off" in rows else 0}
    signed = rows[rows.signed_off.astype(bool)]
    eff = signed.efficiency.dropna().astype(float)
    dist = signed.distance_to_frontier.dropna().astype(float)

    def q(series: pd.Series, p: float) -> float | None:
        return None if series.empty else float(series.quantile(p))

    return {
        "available": True,
        "multi_board": any(str(c).startswith("outcome.") for c in rows.columns),  # whole-area rows (boards/rows.py)
        "signed_runs": len(signed),
        "runs_with_efficiency": len(eff),
        "efficiency_median": q(eff, 0.5),
        "efficiency_p10": q(eff, 0.1),
        "efficiency_p90": q(eff, 0.9),
        "on_frontier_share": None if dist.empty else float((dist <= ON_FRONTIER).mean()),
        "distance_median": q(dist, 0.5),
        "distance_p90": q(dist, 0.9),
    }


def efficiency_sentence(summary: dict) -> str:
    """The summary in one sentence a finance reader can use."""
    if not summary.get("available"):
        return ("These rows predate the efficiency columns (an older sweep folder): "
                "rerun the sweep into a new --out folder to see how efficient the agreements are.")
    n = summary["signed_runs"]
    if n == 0:
        return "No run signed a plan, so there is no agreement to measure against the zone of agreement."
    if summary["efficiency_median"] is None:
        if summary.get("multi_board"):
            return (f"{n:,} run(s) signed in every board; efficiency is not measured for a whole area (each board has "
                    "its own zone of agreement: `run --json` gives each board's).")
        return f"{n:,} run(s) signed, but in none did the zone of agreement offer any total gain to measure against."
    text = (
        f"Among the {n:,} signed runs, efficiency (the agreement's total gain over no deal as a share of the "
        f"largest the zone of agreement offers) has median {summary['efficiency_median']:.2f} "
        f"(10–90%: {summary['efficiency_p10']:.2f}–{summary['efficiency_p90']:.2f})"
    )
    if summary["on_frontier_share"] is not None:
        text += (
            f"; the signed plan is on the Pareto frontier in {summary['on_frontier_share']:.0%} of them "
            f"(distance to it: median £{summary['distance_median']:.2f}m, 90th percentile "
            f"£{summary['distance_p90']:.2f}m)"
        )
    return text + "."

"""Scenarios side by side: outcome shares with confidence intervals, rounds, fund and burden by kind."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from negotiation.batch.rows import run_row
from negotiation.scenario import Scenario, load_scenario

OUTCOMES = ("approved", "not_approved", "deadlock")


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a share: honest at 0% and 100%, unlike the normal approximation.

    >>> tuple(round(x, 3) for x in wilson(10, 10))
    (0.722, 1.0)
    """
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _runs(scenario: Scenario, seeds: int) -> pd.DataFrame:
    """One tidy row per seed (the sweep's rows), plus what each kind of organisation paid in."""
    runs = pd.DataFrame([{"seed": seed, **run_row(scenario, seed)} for seed in range(seeds)])
    for kind in {o.kind for o in scenario.organisations.values()}:
        ids = [org_id for org_id, o in scenario.organisations.items() if o.kind == kind]
        runs[f"burden.{kind}"] = runs[[f"contribution.{org_id}" for org_id in ids]].sum(axis=1)
    return runs


def compare(paths: list[str | Path], seeds: int = 100) -> pd.DataFrame:
    """One row per scenario; shares are of ``seeds`` runs, money in £m per year (signed plans only)."""
    table = []
    for path in paths:
        scenario = load_scenario(path)
        runs = _runs(scenario, seeds)
        row = {"scenario": scenario.scenario.name, "file": str(path), "runs": len(runs)}
        for outcome in OUTCOMES:
            k = int((runs.outcome == outcome).sum())
            low, high = wilson(k, len(runs))
            row[f"{outcome}_share"] = k / len(runs)
            row[f"{outcome}_ci_low"], row[f"{outcome}_ci_high"] = low, high
        signed = runs[runs.signed_off]
        row["median_rounds_to_sign_off"] = float(signed.rounds.median()) if len(signed) else float("nan")
        row["median_fund_total"] = float(signed.fund_total.median()) if len(signed) else float("nan")
        for kind in ("ccg", "council", "acute_trust", "community_trust"):
            col = f"burden.{kind}"
            row[f"mean_contribution_{kind}"] = float(signed[col].mean()) if col in signed and len(signed) else float("nan")
        table.append(row)
    return pd.DataFrame(table)


def save_comparison(table: pd.DataFrame, out: str | Path) -> list[Path]:
    """Write ``out``.csv, ``out``.xlsx and ``out``.png (outcome shares with 95% intervals)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = Path(out)
    base = base.with_suffix("") if base.suffix in (".csv", ".xlsx", ".png") else base
    base.parent.mkdir(parents=True, exist_ok=True)
    paths = [base.with_suffix(".csv"), base.with_suffix(".xlsx"), base.with_suffix(".png")]
    table.to_csv(paths[0], index=False)
    table.to_excel(paths[1], index=False, sheet_name="comparison")
    fig, ax = plt.subplots(figsize=(1.8 + 1.9 * len(table), 4.2))
    colours = {"approved": "#2e7d32", "not_approved": "#f9a825", "deadlock": "#c62828"}
    width = 0.26
    for j, outcome in enumerate(OUTCOMES):
        xs = [i + (j - 1) * width for i in range(len(table))]
        share = table[f"{outcome}_share"]
        err = [share - table[f"{outcome}_ci_low"], table[f"{outcome}_ci_high"] - share]
        ax.bar(xs, share, width, yerr=err, capsize=3, color=colours[outcome], label=outcome.replace("_", " "))
    ax.set_xticks(range(len(table)))
    ax.set_xticklabels(table["scenario"], rotation=10, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of runs (95% interval)")
    ax.legend(fontsize=8)
    ax.set_title("Outcome by scenario")
    fig.tight_layout()
    fig.savefig(paths[2], dpi=120)
    plt.close(fig)
    return paths

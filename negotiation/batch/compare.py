"""Scenarios side by side: outcome shares with confidence intervals, rounds, fund and burden by kind."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from negotiation.batch.rows import run_rows
from negotiation.errors import SweepError
from negotiation.scenario import Scenario

OUTCOMES = ("approved", "not_approved", "deadlock")  # shares every table has; the ones below when they happen
LATER_OUTCOMES = ("approved_with_conditions", "arbitrated")  # rule sets from 2023/24; the arbitration protocol


def shown_outcomes(seen) -> tuple[str, ...]:
    """The outcomes a table or chart shows: the three every one has, then any later verdict in ``seen``."""
    seen = set(seen)
    return OUTCOMES + tuple(o for o in LATER_OUTCOMES if o in seen)


NEW_KINDS = {"icb", "unitary_council", "district_council"}


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a share: honest at 0% and 100%, unlike the normal approximation.
    ``successes`` may be fractional (``assess`` averages seeds at one set of figures).

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
    runs = pd.DataFrame([{"seed": seed, **row} for seed, row in zip(range(seeds), run_rows(scenario, list(range(seeds))))])
    for kind in {o.kind for o in scenario.organisations.values()}:
        ids = [org_id for org_id, o in scenario.organisations.items() if o.kind == kind]
        runs[f"burden.{kind}"] = runs[[f"contribution.{org_id}" for org_id in ids]].sum(axis=1)
    return runs


def _area_runs(area, seeds: int) -> pd.DataFrame:
    """A multi-board file: one row per seed for the whole area (negotiation.boards.rows), burden by kind."""
    from negotiation.boards.rows import area_row

    runs = pd.DataFrame([{"seed": seed, **area_row(area, seed)} for seed in range(seeds)])
    kinds: dict[str, set[str]] = {}
    for s in area.boards.values():
        for org_id, o in s.organisations.items():
            kinds.setdefault(o.kind, set()).add(org_id)
    for kind, ids in kinds.items():
        runs[f"burden.{kind}"] = runs[[f"contribution.{org_id}" for org_id in sorted(ids)]].sum(axis=1)
    return runs


def compare(paths: list[str | Path], seeds: int = 100) -> pd.DataFrame:
    """One row per scenario; shares are of ``seeds`` runs, money in £m per year (signed plans only)."""
    table = []
    for path in paths:
        from negotiation.boards.rows import validate_raw
        from negotiation.scenario import read_raw

        loaded = validate_raw(read_raw(path), str(path))  # a multi-board file runs as a whole area per seed
        runs = _runs(loaded, seeds) if isinstance(loaded, Scenario) else _area_runs(loaded, seeds)
        name = loaded.scenario.name if isinstance(loaded, Scenario) else loaded.name
        row = {"scenario": name, "file": str(path), "runs": len(runs)}
        for outcome in OUTCOMES + tuple(o for o in LATER_OUTCOMES if (runs.outcome == o).any()):
            k = int((runs.outcome == outcome).sum())
            low, high = wilson(k, len(runs))
            row[f"{outcome}_share"] = k / len(runs)
            row[f"{outcome}_ci_low"], row[f"{outcome}_ci_high"] = low, high
        signed = runs[runs.signed_off]
        row["median_rounds_to_sign_off"] = float(signed.rounds.median()) if len(signed) else float("nan")
        row["median_fund_total"] = float(signed.fund_total.median()) if len(signed) else float("nan")
        for kind in ("ccg", "council", "acute_trust", "community_trust", *sorted(NEW_KINDS & set(
                c.removeprefix("burden.") for c in runs.columns if c.startswith("burden.")))):
            col = f"burden.{kind}"
            row[f"mean_contribution_{kind}"] = (
                float(signed[col].mean()) if col in signed and len(signed) else float("nan")
            )
        table.append(row)
    return pd.DataFrame(table)


COMPARISON_NAME = "comparison"
_EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters a worksheet cannot hold


def plot_comparison(table: pd.DataFrame):
    """Outcome shares by scenario with 95% intervals, as a matplotlib Figure (no global state touched)."""
    from negotiation.batch.report import COLOURS, HATCHES, _need, plain

    Figure = _need("matplotlib.figure").Figure
    shown = shown_outcomes(o for o in LATER_OUTCOMES if f"{o}_share" in table and table[f"{o}_share"].notna().any())
    fig = Figure(figsize=(3.6 + (0.65 * len(shown) + 0.3) * len(table), 4.2))  # room for the legend on the right
    ax = fig.subplots()
    width = 0.8 / len(shown)
    for j, outcome in enumerate(shown):
        xs = [i + (j - (len(shown) - 1) / 2) * width for i in range(len(table))]
        share = table[f"{outcome}_share"].fillna(0.0)  # a scenario that never ended this way: 0
        low, high = table[f"{outcome}_ci_low"].fillna(0.0), table[f"{outcome}_ci_high"].fillna(0.0)
        err = [(share - low).clip(lower=0.0), (high - share).clip(lower=0.0)]
        ax.bar(xs, share, width, yerr=err, capsize=3, color=COLOURS[outcome], hatch=HATCHES[outcome],
               edgecolor="#333333", linewidth=0.5, label=outcome.replace("_", " "))
    ax.set_xticks(range(len(table)))
    ax.set_xticklabels([plain(name) for name in table["scenario"]], rotation=10, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of runs (95% interval)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="outcome", title_fontsize=8)  # off the bars
    ax.set_title("Outcome by scenario")
    fig.tight_layout()
    return fig


def comparison_paths(out: str | Path) -> list[Path]:
    """Where :func:`save_comparison` writes: ``comparison.csv|.xlsx|.png`` in the folder ``out``.

    For compatibility, an ``out`` ending in ``.csv``, ``.xlsx`` or ``.png`` names the files' base.
    """
    out = Path(out)
    base = out.with_suffix("") if out.suffix.lower() in (".csv", ".xlsx", ".png") else out / COMPARISON_NAME
    return [base.with_suffix(".csv"), base.with_suffix(".xlsx"), base.with_suffix(".png")]


def save_comparison(table: pd.DataFrame, out: str | Path) -> list[Path]:
    """Write the table as CSV and Excel and the chart as PNG into the folder ``out``; return the paths."""
    from negotiation.batch.report import _need

    _need("openpyxl")
    paths = comparison_paths(out)
    fig = plot_comparison(table)
    # A worksheet cannot hold control characters: show them as U+FFFD there (the CSV keeps them).
    sheet = table.map(lambda v: _EXCEL_ILLEGAL.sub("\ufffd", v) if isinstance(v, str) else v)
    try:
        paths[0].parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(paths[0], index=False)
        sheet.to_excel(paths[1], index=False, sheet_name="comparison")
        fig.savefig(paths[2], dpi=120)
    except OSError as exc:
        raise SweepError(f"{paths[0].parent}: cannot write the comparison here ({exc.strerror or exc})") from None
    return paths

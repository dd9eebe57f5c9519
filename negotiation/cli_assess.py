"""``negotiation assess``: how sure is the verdict across a scenario's ranges, and what drives it."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from negotiation.cli import OUTCOME_STYLE, app, err, fail, out
from negotiation.errors import NegotiationError


@app.command()
def assess(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file with ranges { value, low, high, basis }")],
    samples: Annotated[Optional[int], typer.Option(help="Sobol base samples (power of 2; default 16) or Morris trajectories (default 8)")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds per sampled set of figures")] = 1,
    method: Annotated[str, typer.Option(help="sobol (probabilities and variance shares) | morris (quick screen)")] = "sobol",
    workers: Annotated[int, typer.Option(help="Worker processes (or Dask workers)")] = 2,
    backend: Annotated[str, typer.Option(help="processes | dask")] = "processes",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Folder (default assessments/<stem>-<fingerprint>/<method>-n<N>-k<K>)")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar")] = False,
):
    """Sample the scenario's ranges (SALib), run each set of figures, and report each outcome's probability and its drivers."""
    from negotiation.uncertainty.assessment import DEFAULTS
    from negotiation.uncertainty.ranges import read_ranged
    from negotiation.uncertainty.sampling import AssessError, check_options, require_salib

    started = time.perf_counter()
    try:  # bad input is answered before the model, pandas or SALib are imported
        check_options(method, DEFAULTS.get(method, 16) if samples is None else samples, seeds, workers, backend)
        if not read_ranged(scenario).ranges:
            raise AssessError(f"{scenario}: no ranges to assess; write an uncertain figure as {{ value, low, high, basis }}")
        require_salib()
        from negotiation.uncertainty.assessment import assess as run_assess

        result = run_assess(scenario, samples, seeds, method, workers, backend, out_dir, progress=not (quiet or as_json))
    except NegotiationError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err.print("interrupted: finished runs are saved; run the same command to resume")
        raise typer.Exit(130) from None
    seconds = time.perf_counter() - started
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict() | {"seconds": round(seconds, 1)}, indent=2) + "\n")
        return
    _print(result, seconds)


def _print(a, seconds: float) -> None:
    points = len(a.rows) // a.seeds
    out.print(f"[bold]{a.scenario}[/bold]: {len(a.ranges)} ranges, {a.method}, {points} sets of figures × "
              f"{a.seeds} seed(s) = {len(a.rows)} runs in {seconds:.0f} s"
              + (f" ({a.resumed} of them found on disk from an earlier run)" if a.resumed else ""))
    probs = Table(title="How often each outcome happens across the ranges (95% Wilson intervals)")
    for col in ("outcome", "probability", "95% interval"):
        probs.add_column(col, justify="left" if col == "outcome" else "right")
    for _, r in a.probabilities.iterrows():
        style = OUTCOME_STYLE[r.outcome]
        probs.add_row(f"[{style}]{r.outcome.replace('_', ' ')}[/{style}]", f"{r.probability:.0%}",
                      f"{r.ci_low:.0%}–{r.ci_high:.0%}")
    out.print(probs)
    _print_boards(a)
    out.print(a.summary, soft_wrap=True)
    out.print(a.efficiency_sentence, soft_wrap=True)
    _print_indices(a)
    out.print(f"Saved: {a.out} (assessment.json, indices.csv, probabilities.csv; rows in {a.out / 'runs'})")


def _print_boards(a) -> None:
    """A multi-board file: each board's outcome shares (the table above is the worst board's outcome per run)."""
    from negotiation.boards.rows import board_shares

    shares = board_shares(a.rows)
    if not shares:
        return
    table = Table(title="Each board: share of runs (the table above is each run's worst board)")
    table.add_column("board")
    table.add_column("outcomes")
    for board, by in shares.items():
        table.add_row(board, ", ".join(f"{o.replace('_', ' ')} {v:.0%}" for o, v in by.items()))
    out.print(table)


def _print_indices(a, top: int = 8) -> None:
    """One small table per outcome that varies: its most influential figures, with the 95% half-widths."""
    sobol = a.method == "sobol"
    score = "ST" if sobol else "mu_star"
    ranges = a.ranges.set_index("key")
    for o in ("approved", "approved_with_conditions", "not_approved", "deadlock", "arbitrated"):
        rows = a.indices[(a.indices.outcome == o) & a.indices[score].notna()].sort_values(score, ascending=False)
        if rows.empty or not (rows[score] > 0).any():  # never (or always) happens: nothing drives it
            continue
        what = o.replace("_", " ")
        title = (f"Drivers of '{what}': Sobol first order S1 and total order ST (± 95%)" if sobol
                 else f"Drivers of '{what}': Morris μ* (± 95%) and σ")
        table = Table(title=title)
        table.add_column("figure")
        table.add_column("range", justify="right")
        for col in (("S1", "ST") if sobol else ("μ*", "σ")):
            table.add_column(col, justify="right")
        for _, r in rows.head(top).iterrows():
            rng = ranges.loc[r.key]
            cells = ([f"{r.S1:.2f} ± {r.S1_conf:.2f}", f"{r.ST:.2f} ± {r.ST_conf:.2f}"] if sobol
                     else [f"{r.mu_star:.2f} ± {r.mu_star_conf:.2f}", f"{r.sigma:.2f}"])
            table.add_row(r.label, f"{rng.low:g}–{rng.high:g}", *cells)
        out.print(table)
    out.print(f"(every figure and outcome in {a.out / 'indices.csv'})")


def verdict_line(scenario: Path, outcome: str) -> str:
    """Under ``run``'s verdict: how often it holds across the ranges, or the command that finds out."""
    from negotiation.uncertainty.assessment import command_for, previous
    from negotiation.uncertainty.ranges import read_ranged

    try:
        if not read_ranged(scenario).ranges:
            return "This scenario has no ranges: every figure is taken as exact."
        saved = previous(scenario)
    except NegotiationError:
        return ""
    if saved is None:
        return f"How sure is this verdict across the scenario's ranges? Run: {command_for(scenario)}"
    p = {r["outcome"]: r for r in saved["probabilities"]}[outcome]
    return (f"Across the scenario's ranges this verdict holds in {p['probability']:.0%} of plausible figures "
            f"(95% interval {p['ci_low']:.0%}–{p['ci_high']:.0%}; {saved['method']}, {saved['runs']} runs; "
            f"most likely: {saved['most_likely'].replace('_', ' ')}).")

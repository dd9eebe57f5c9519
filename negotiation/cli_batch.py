"""``negotiation sweep | compare | report``: thin commands over :mod:`negotiation.batch`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from negotiation.cli import app, err, fail, out
from negotiation.errors import NegotiationError
from negotiation.extras import MissingExtra, require


def need(extra: str, *modules: str) -> None:
    """Stop with one line naming the extra to install (exit 2) if a module this command needs is missing."""
    try:
        require(extra, *modules)
    except MissingExtra as exc:
        fail(str(exc))


@app.command()
def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the Parquet dataset and the sweep definition")],
    vary: Annotated[Optional[list[str]], typer.Option(help="KEY=START:STOP:N, a numeric field over N values")] = None,
    choose: Annotated[Optional[list[str]], typer.Option(help="KEY=a,b,c, e.g. a strategy or the protocol")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds per setting (0..N-1)")] = 1,
    samples: Annotated[Optional[int], typer.Option(help="Latin hypercube samples instead of the full grid")] = None,
    design: Annotated[str, typer.Option(help="factorial | lhs")] = "factorial",
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    backend: Annotated[str, typer.Option(help="processes | dask")] = "processes",
    scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address, e.g. tcp://host:8786")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar")] = False,
):
    """Sweep parameters and seeds to a resumable Parquet dataset (interrupt and rerun to resume)."""
    if backend == "dask":
        need("dask", "dask", "distributed")
    from negotiation.batch import run_sweep

    try:
        summary = run_sweep(
            scenario, out_dir, vary or [], choose or [], seeds, samples, design, workers, backend, scheduler,
            progress=not quiet,
        )
    except NegotiationError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err.print(f"interrupted: finished runs are saved in {out_dir}; run the same command to resume")
        raise typer.Exit(130) from None
    out.print(
        f"{summary.total_runs} runs in {summary.out} ({summary.already_done} already done, {summary.ran} run now). "
        f"Load with negotiation.batch.load_sweep({str(summary.out)!r}); report with: negotiation report {summary.out}"
    )


@app.command()
def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="Two or more scenario files")],
    seeds: Annotated[int, typer.Option(min=1, help="Seeds per scenario")] = 100,
    out_file: Annotated[Path, typer.Option("--out", help="Base name for .csv, .xlsx and .png")] = Path("comparison"),
):
    """Compare scenarios: outcome shares with 95% intervals, rounds to sign-off, fund and burden by kind."""
    need("report", "matplotlib", "openpyxl")
    from negotiation.batch.compare import OUTCOMES, save_comparison
    from negotiation.batch.compare import compare as run_compare

    try:
        table = run_compare([str(p) for p in scenarios], seeds)
    except NegotiationError as exc:
        fail(str(exc))
    paths = save_comparison(table, out_file)
    view = Table(title=f"Comparison over {seeds} seeds (95% Wilson intervals; money £m, signed plans)")
    view.add_column("scenario")
    for o in OUTCOMES:
        view.add_column(o.replace("_", " "))
    for col in ("rounds", "fund", "CCGs pay", "councils pay"):
        view.add_column(col, justify="right")
    for _, r in table.iterrows():
        shares = [f"{r[f'{o}_share']:.0%} ({r[f'{o}_ci_low']:.0%}–{r[f'{o}_ci_high']:.0%})" for o in OUTCOMES]
        view.add_row(
            r["scenario"], *shares, f"{r['median_rounds_to_sign_off']:.0f}", f"{r['median_fund_total']:.1f}",
            f"{r['mean_contribution_ccg']:.1f}", f"{r['mean_contribution_council']:.1f}",
        )
    out.print(view)
    out.print("Saved: " + ", ".join(str(p) for p in paths))


@app.command()
def report(
    sweep_dir: Annotated[Path, typer.Argument(help="A sweep's --out folder")],
    out_file: Annotated[Optional[Path], typer.Option("--out", help="HTML file (default DIR/report.html)")] = None,
    x: Annotated[Optional[str], typer.Option(help="Heatmap x: a varied key")] = None,
    y: Annotated[Optional[str], typer.Option(help="Heatmap y: a varied key")] = None,
):
    """Outcome rates by each varied figure, an approval heatmap and what drives deadlock, as HTML + PNG."""
    need("report", "matplotlib", "sklearn")
    from negotiation.batch.report import build_report

    try:
        findings = build_report(sweep_dir, out_file, x, y)
    except NegotiationError as exc:
        fail(str(exc))
    out.print(findings["deadlock_sentence"])
    out.print(f"Report: {findings['report']}")

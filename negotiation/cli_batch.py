"""``negotiation sweep | compare | report``: thin commands over :mod:`negotiation.batch`.

Conventions: ``--out`` is always a folder (the sweep's folder; the folder that gets
``comparison.csv|.xlsx|.png``; the folder that gets ``report.html`` and its PNGs).
Results go to stdout (``--json`` for one JSON object), progress and notices to
stderr. Bad input: one line, exit 2; the engine failing (a worker or the Dask
cluster lost): one line, exit 1, and the finished runs are kept for a resume.
"""

from __future__ import annotations

import json
import math
import sys
from enum import StrEnum
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


class Design(StrEnum):
    factorial = "factorial"
    lhs = "lhs"


class Backend(StrEnum):
    processes = "processes"
    dask = "dask"
    serial = "serial"


def _fail_batch(exc: NegotiationError) -> None:
    from negotiation.batch.backends import BackendError

    if isinstance(exc, BackendError):
        err.print(f"error: {exc}", soft_wrap=True)
        raise typer.Exit(1)
    fail(str(exc))


def _quiet_dask_logs() -> None:
    """Dask logs its own reconnect attempts and tracebacks; the command reports the failure in one line."""
    import logging

    try:
        import distributed  # noqa: F401  sets up its loggers, which we then quieten
    except ImportError:
        return  # run_sweep says which extra to install
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in ("distributed", "tornado"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _json_safe(value.item())
    return value


def _print_json(payload: dict) -> None:
    sys.stdout.write(json.dumps(_json_safe(payload), indent=2, default=str) + "\n")


@app.command()
def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the sweep: sweep.json, manifest.json, parts/")],
    vary: Annotated[Optional[list[str]], typer.Option(help="KEY=START:STOP:N, a numeric field over N values")] = None,
    choose: Annotated[Optional[list[str]], typer.Option(help="KEY=a,b,c, e.g. a strategy or the protocol")] = None,
    seeds: Annotated[int, typer.Option(help="Seeds per setting (0..N-1)")] = 1,
    samples: Annotated[Optional[int], typer.Option(help="Latin hypercube samples instead of the full grid")] = None,
    design: Annotated[Design, typer.Option(help="Full grid or Latin hypercube")] = Design.factorial,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    backend: Annotated[Backend, typer.Option(help="Where chunks run")] = Backend.processes,
    scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address, e.g. tcp://host:8786")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object")] = False,
):
    """Sweep parameters and seeds to a resumable Parquet dataset (interrupt and rerun to resume)."""
    if backend == "dask":
        need("dask", "dask", "distributed")
    from negotiation.batch import run_sweep

    if backend is Backend.dask:
        _quiet_dask_logs()
    try:
        summary = run_sweep(
            scenario,
            out_dir,
            vary or [],
            choose or [],
            seeds,
            samples,
            design.value,
            workers,
            backend.value,
            scheduler,
            progress=not quiet,
            messages=lambda m: err.print(f"note: {m}", soft_wrap=True),
        )
    except NegotiationError as exc:
        _fail_batch(exc)
    except KeyboardInterrupt:
        err.print(f"interrupted: finished runs are saved in {out_dir}; run the same command to resume")
        raise typer.Exit(130) from None
    if as_json:
        _print_json(summary.to_dict())
        return
    out.print(
        f"{summary.total_runs} runs in {summary.out} ({summary.already_done} already done, {summary.ran} run now). "
        f"Load with negotiation.batch.load_sweep({str(summary.out)!r}); report with: negotiation report {summary.out}",
        soft_wrap=True,
    )


@app.command()
def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="Two or more scenario files")],
    seeds: Annotated[int, typer.Option(min=1, help="Seeds per scenario")] = 100,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for comparison.csv, comparison.xlsx and comparison.png")
    ] = Path("comparison"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the table and the files as one JSON object")] = False,
):
    """Compare scenarios: outcome shares with 95% intervals, rounds to sign-off, fund and burden by kind."""
    need("report", "matplotlib", "openpyxl")
    from negotiation.batch.compare import LATER_OUTCOMES, OUTCOMES, save_comparison
    from negotiation.batch.compare import compare as run_compare

    if out_dir.suffix.lower() in (".csv", ".xlsx", ".png"):
        err.print(
            f"note: --out is a folder now; writing {out_dir.with_suffix('')}.csv, .xlsx and .png as before "
            f"(give a folder, e.g. --out {out_dir.parent}, to get comparison.csv there)",
            soft_wrap=True,
        )
    try:
        table = run_compare([str(p) for p in scenarios], seeds)
        paths = save_comparison(table, out_dir)
    except NegotiationError as exc:
        _fail_batch(exc)
    if as_json:
        _print_json({"seeds": seeds, "rows": table.to_dict(orient="records"), "files": [str(p) for p in paths]})
        return
    view = Table(title=f"Comparison over {seeds} seeds (95% Wilson intervals; money £m, signed plans)")
    view.add_column("scenario")
    shown = OUTCOMES + tuple(o for o in LATER_OUTCOMES if f"{o}_share" in table)  # later rule sets' verdicts
    for o in shown:
        view.add_column(o.replace("_", " "))
    later = "mean_contribution_icb" in table or "mean_contribution_unitary_council" in table
    for col in ("rounds", "fund", "CCGs/ICBs pay" if later else "CCGs pay", "councils pay"):
        view.add_column(col, justify="right")

    def pays(r, *kinds: str) -> float:  # nan when no kind is present (a deadlock in every seed)
        values = [r[f"mean_contribution_{k}"] for k in kinds if f"mean_contribution_{k}" in r and r[f"mean_contribution_{k}"] == r[f"mean_contribution_{k}"]]
        return sum(values) if values else float("nan")

    for _, r in table.iterrows():
        shares = [f"{r[f'{o}_share']:.0%} ({r[f'{o}_ci_low']:.0%}–{r[f'{o}_ci_high']:.0%})"
                  if r.get(f"{o}_share") == r.get(f"{o}_share") else "0%" for o in shown]
        view.add_row(
            r["scenario"],
            *shares,
            f"{r['median_rounds_to_sign_off']:.0f}",
            f"{r['median_fund_total']:.1f}",
            f"{pays(r, 'ccg', 'icb'):.1f}",
            f"{pays(r, 'council', 'unitary_council'):.1f}",
        )
    out.print(view)
    err.print("Saved: " + ", ".join(str(p) for p in paths), soft_wrap=True)


@app.command()
def report(
    sweep_dir: Annotated[Path, typer.Argument(help="A sweep's --out folder")],
    out_dir: Annotated[
        Optional[Path], typer.Option("--out", help="Folder for report.html and its PNGs (default: the sweep's folder)")
    ] = None,
    x: Annotated[Optional[str], typer.Option(help="Heatmap x: a varied key")] = None,
    y: Annotated[Optional[str], typer.Option(help="Heatmap y: a varied key")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as one JSON object")] = False,
):
    """Outcome rates by each varied figure, an approval heatmap and what drives deadlock, as HTML + PNG."""
    need("report", "matplotlib", "sklearn")
    from negotiation.batch.report import build_report

    if out_dir is not None and out_dir.suffix.lower() in (".html", ".htm"):
        err.print(
            f"note: --out is a folder now; writing {out_dir} as before (give a folder to get report.html there)",
            soft_wrap=True,
        )
    try:
        findings = build_report(sweep_dir, out_dir, x, y)
    except NegotiationError as exc:
        _fail_batch(exc)
    if as_json:
        box = findings["deadlock_box"]
        _print_json(
            {
                "report": str(findings["report"]),
                "pngs": [str(p) for p in findings["pngs"]],
                "runs": len(findings["rows"]),
                "overall": findings["overall"],
                "deadlock_sentence": findings["deadlock_sentence"],
                "efficiency": findings["efficiency"],
                "efficiency_sentence": findings["efficiency_sentence"],
                "deadlock_box": None
                if box is None
                else {
                    "conditions": [list(c) for c in box.conditions],
                    "density": box.density,
                    "coverage": box.coverage,
                    "runs": box.runs,
                },
                "rates": {
                    key: {str(k): v for k, v in rates.to_dict(orient="index").items()}
                    for key, rates in findings["rates"].items()
                },
            }
        )
        return
    out.print(findings["deadlock_sentence"], soft_wrap=True)
    out.print(findings["efficiency_sentence"], soft_wrap=True)
    err.print(f"Report: {findings['report']}", soft_wrap=True)

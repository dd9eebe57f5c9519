"""Run a sweep to a folder, resumably, with a progress bar; load its rows back as a DataFrame.

Example::

    from negotiation.batch import run_sweep, load_sweep
    run_sweep("scenarios/oxfordshire_2014.toml", "out/ox",
              vary=["organisations.oxfordshire_ccg.budget=600:700:5"], seeds=20)
    load_sweep("out/ox").groupby("organisations.oxfordshire_ccg.budget").outcome.value_counts()
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from negotiation.batch.backends import BACKENDS
from negotiation.batch.spec import SweepSpec, build_spec
from negotiation.batch.store import SweepStore
from negotiation.errors import SweepError
from negotiation.scenario import read_raw, scenario_from_dict


@dataclass(frozen=True)
class SweepSummary:
    out: Path
    total_runs: int
    already_done: int  # runs found on disk when this call started
    ran: int  # runs this call completed


def plan_sweep(scenario: str | Path, vary=(), choose=(), seeds=1, samples=None, design="factorial", chunk_size=200,
               points=None):
    raw = read_raw(scenario)
    scenario_from_dict(raw, str(scenario))  # the base scenario must be valid before anything runs
    return build_spec(str(scenario), raw, list(vary), list(choose), seeds, design, samples, chunk_size, points)


def _tasks(spec: SweepSpec, skip: set[int]) -> Iterator[tuple[int, list]]:
    for chunk in range(spec.n_chunks):
        if chunk in skip:
            continue
        first, last = chunk * spec.chunk_size, min((chunk + 1) * spec.chunk_size, spec.total_runs)
        yield chunk, [(run_id, *spec.run(run_id)[1:]) for run_id in range(first, last)]


def _chunk_runs(spec: SweepSpec, chunk: int) -> int:
    return min((chunk + 1) * spec.chunk_size, spec.total_runs) - chunk * spec.chunk_size


def run_sweep(
    scenario: str | Path,
    out: str | Path,
    vary=(),
    choose=(),
    seeds: int = 1,
    samples: int | None = None,
    design: str = "factorial",
    workers: int = 1,
    backend: str = "processes",
    scheduler: str | None = None,
    progress: bool = True,
    chunk_size: int = 200,
    points: list[dict] | None = None,
) -> SweepSummary:
    """Run (or resume) a sweep into ``out``. Rows do not depend on ``workers``, ``backend`` or resumes.

    ``points`` (a list of ``{dotted key: value}``) replaces ``vary``/``choose``/``design``: an
    explicit design such as the Sobol samples of ``negotiation assess``."""
    if backend not in BACKENDS:
        raise SweepError(f"--backend must be one of {', '.join(BACKENDS)} (got {backend!r})")
    if workers < 1:
        raise SweepError(f"--workers must be at least 1 (got {workers})")
    spec = plan_sweep(scenario, vary, choose, seeds, samples, design, chunk_size, points)
    store = SweepStore(out)
    store.open_for(spec)
    done = store.done_chunks()
    already = sum(_chunk_runs(spec, c) for c in done if c < spec.n_chunks)
    if backend == "processes" and workers == 1:
        backend = "serial"
    runner = BACKENDS[backend]
    ran = 0
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>8.0f} runs/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task(f"sweep → {out}", total=spec.total_runs, completed=already, rate=0.0)
        for chunk, rows in runner(_tasks(spec, done), spec.raw, spec.scenario_path, workers=workers, scheduler=scheduler):
            store.write_chunk(chunk, rows)
            ran += len(rows)
            bar.advance(task, len(rows))
            elapsed = bar.tasks[0].elapsed or 1e-9
            bar.update(task, rate=ran / elapsed)
    return SweepSummary(Path(out), spec.total_runs, already, ran)


def load_sweep(out: str | Path) -> pd.DataFrame:
    """Every finished run of the sweep in ``out``, one row each, in run order."""
    return SweepStore(out).load()


def sweep_keys(out: str | Path) -> list[str]:
    return SweepStore(out).definition()["keys"]

"""Run a sweep to a folder, resumably, with a progress bar; load its rows back as a DataFrame.

Example::

    from negotiation.batch import run_sweep, load_sweep
    run_sweep("scenarios/oxfordshire_2014.toml", "out/ox",
              vary=["organisations.oxfordshire_ccg.budget=600:700:5"], seeds=20)
    load_sweep("out/ox").groupby("organisations.oxfordshire_ccg.budget").outcome.value_counts()
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from negotiation.batch.backends import BACKENDS, BackendError
from negotiation.batch.spec import SweepSpec, build_spec, check_points
from negotiation.batch.store import SweepStore, saved_chunk_size
from negotiation.boards.rows import validate_raw
from negotiation.errors import SweepError
from negotiation.scenario import read_raw


@dataclass(frozen=True)
class SweepSummary:
    out: Path
    total_runs: int
    already_done: int  # runs found on disk when this call started
    ran: int  # runs this call completed

    def to_dict(self) -> dict:
        return {"out": str(self.out), "total_runs": self.total_runs, "already_done": self.already_done, "ran": self.ran}


def plan_sweep(scenario: str | Path, vary=(), choose=(), seeds=1, samples=None, design="factorial", chunk_size=None,
               points=None, points_checked: bool = False):
    """The sweep's design, every setting validated: nothing has run or been written yet.

    ``points_checked``: the caller has already validated every one of ``points`` (``negotiation assess`` does,
    with a message naming the ranges), so they are not validated a second time.
    """
    raw = read_raw(scenario)
    validate_raw(raw, str(scenario))  # the base scenario (one board or several) must be valid before anything runs
    spec = build_spec(str(scenario), raw, list(vary), list(choose), seeds, design, samples, chunk_size, points)
    if not (points_checked and points is not None):
        check_points(spec)
    return spec


def _tasks(spec: SweepSpec, skip: set[int]) -> Iterator[tuple[int, list]]:
    for chunk in range(spec.n_chunks):
        if chunk in skip:
            continue
        first, last = chunk * spec.chunk_size, min((chunk + 1) * spec.chunk_size, spec.total_runs)
        yield chunk, [(run_id, *spec.run(run_id)[1:]) for run_id in range(first, last)]


def _chunk_runs(spec: SweepSpec, chunk: int) -> int:
    return min((chunk + 1) * spec.chunk_size, spec.total_runs) - chunk * spec.chunk_size


def _to_stderr(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


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
    chunk_size: int | None = None,
    points: list[dict] | None = None,
    messages: Callable[[str], None] = _to_stderr,
    points_checked: bool = False,
) -> SweepSummary:
    """Run (or resume) a sweep into the folder ``out``. Rows do not depend on ``workers``, ``backend`` or resumes.

    ``chunk_size`` (runs per part) defaults to whole settings, ~16 parts, at most ~640 runs a part
    (:func:`~negotiation.batch.spec.default_chunk_size`); resuming a folder keeps the size it was written with.
    Works from a plain script (no ``if __name__ == "__main__"`` guard needed). Progress and
    one-line notices (parts found damaged and run again) go to stderr, or to ``messages``.
    Raises :class:`SweepError` for bad input, and :class:`BackendError` (a ``SweepError``) when the
    engine fails; either way the finished runs are kept and the same call resumes.

    ``points`` (a list of ``{dotted key: value}``) replaces ``vary``/``choose``/``design``: an
    explicit design such as the Sobol samples of ``negotiation assess`` (``points_checked``: already validated).
    """
    if backend not in BACKENDS:
        raise SweepError(f"--backend must be one of {', '.join(BACKENDS)} (got {backend!r})")
    if not isinstance(workers, int) or workers < 1:
        raise SweepError(f"--workers must be at least 1 (got {workers})")
    if chunk_size is None:  # resuming a folder written with another default: keep its parts as they are
        chunk_size = saved_chunk_size(out)
    spec = plan_sweep(scenario, vary, choose, seeds, samples, design, chunk_size, points, points_checked)
    store = SweepStore(out)
    store.open_for(spec)
    try:
        done = store.verify(spec, messages)
        already = sum(_chunk_runs(spec, c) for c in done)
        if spec.n_chunks - len(done) <= 1 or (backend == "processes" and workers == 1):
            backend = "serial"  # one chunk (or one worker): starting workers would only cost time
        ran = 0
        # Workers start here, before the progress bar's thread (so they can be forked: backends.can_fork).
        results = BACKENDS[backend](_tasks(spec, done), spec.raw, spec.scenario_path, workers=workers,
                                    scheduler=scheduler)
        try:
            with Progress(*_COLUMNS, console=Console(stderr=True), disable=not progress, transient=False) as bar:
                task = bar.add_task(f"sweep → {out}", total=spec.total_runs, completed=already, rate=0.0)
                for chunk, rows in results:
                    store.write_chunk(spec, chunk, rows)
                    ran += len(rows)
                    bar.advance(task, len(rows))
                    elapsed = bar.tasks[0].elapsed or 1e-9
                    bar.update(task, rate=ran / elapsed)
        finally:
            close = getattr(results, "close", None)  # stops workers however the loop ended
            if close is not None:
                close()
    except BackendError as exc:
        raise BackendError(f"{exc}; finished runs are saved in {out}: run the same command to resume") from None
    finally:
        store.close()
    return SweepSummary(Path(out), spec.total_runs, already, ran)


_COLUMNS = (
    TextColumn("[bold]{task.description}"),
    BarColumn(),
    MofNCompleteColumn(),
    TextColumn("{task.fields[rate]:>8.0f} runs/s"),
    TimeElapsedColumn(),
    TextColumn("ETA"),
    TimeRemainingColumn(),
)


def load_sweep(out: str | Path) -> pd.DataFrame:
    """Every finished run of the sweep in ``out``, one row each, in run order.

    Each part is checked against the manifest first: a damaged or replaced part is a
    :class:`SweepError` naming it (run the sweep again to repair it), never rows lost or doubled.
    """
    return SweepStore(out).load()


def sweep_keys(out: str | Path) -> list[str]:
    return SweepStore(out).definition()["keys"]

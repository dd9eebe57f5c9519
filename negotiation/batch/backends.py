"""Where chunks run: in this process, in worker processes, or on a Dask cluster.

Every backend runs the same function on the same chunks and yields
``(chunk index, rows)`` as chunks finish, with only a few chunks in flight,
so memory stays flat however long the sweep.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from negotiation.batch.processes import BackendError, Task, run_processes
from negotiation.batch.rows import run_chunk
from negotiation.errors import NegotiationError, SweepError

__all__ = ["BACKENDS", "BackendError", "Task", "run_dask", "run_processes", "run_serial"]


def run_serial(tasks: Iterable[Task], raw: dict, source: str, **_) -> Iterator[tuple[int, list[dict]]]:
    for chunk, runs in tasks:
        yield chunk, run_chunk(raw, source, runs)


@contextmanager
def _children_skip_main():
    """While it is active, spawned children do not re-run the user's script.

    ``multiprocessing``'s spawn re-imports the parent's ``__main__`` in every child, which in a plain
    script without an ``if __name__ == "__main__"`` guard starts the sweep again and fails with
    "bootstrapping phase" errors. Our workers need nothing from ``__main__`` (they run
    :func:`negotiation.batch.rows.run_chunk`), so the children are started while ``__main__`` is a bare
    module with no file to re-run.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


WAIT_FOR_WORKERS_S = 10


def run_dask(tasks: Iterable[Task], raw: dict, source: str, workers: int, scheduler: str | None = None, **_):
    from negotiation.extras import require

    require("dask", "dask", "distributed")
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = client = None
    try:
        try:
            if scheduler:
                client = Client(scheduler, timeout="10s")
            else:
                with _children_skip_main():
                    cluster = LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=50,
                    )
                client = Client(cluster)
        except (OSError, TimeoutError) as exc:
            where = f"the Dask scheduler {scheduler}" if scheduler else "a local Dask cluster"
            raise BackendError(f"cannot start or reach {where}: {_one_line(exc)}") from None
        try:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_S)
        except (TimeoutError, OSError):
            raise BackendError(
                f"the Dask scheduler {scheduler or ''} has no workers attached (waited {WAIT_FOR_WORKERS_S} s); "
                "start some with: dask worker ADDRESS"
            ) from None
        tasks = iter(tasks)
        futures = {}
        ac = as_completed()
        raw_future = client.scatter(raw, broadcast=True)
        in_flight = 2 * max(workers, len(client.scheduler_info().get("workers", {})) or 1)
        for _slot in range(in_flight):
            task = next(tasks, None)
            if task is None:
                break
            f = client.submit(run_chunk, raw_future, source, task[1], pure=False)
            futures[f] = task[0]
            ac.add(f)
        for f in ac:
            yield futures.pop(f), f.result()
            task = next(tasks, None)
            if task is not None:
                nf = client.submit(run_chunk, raw_future, source, task[1], pure=False)
                futures[nf] = task[0]
                ac.add(nf)
    except (SweepError, KeyboardInterrupt, GeneratorExit):
        raise
    except NegotiationError as exc:
        raise SweepError(str(exc)) from None
    except Exception as exc:  # the cluster failed: scheduler gone, workers lost, futures cancelled
        raise BackendError(f"the Dask cluster failed: {_one_line(exc)}") from None
    finally:
        for closing in (client, cluster):
            if closing is not None:
                try:
                    closing.close()
                except Exception:  # already gone: nothing left to close
                    pass


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "no details"
    return f"{type(exc).__name__}: {text[:300]}"


BACKENDS: dict[str, Callable[..., Iterable[tuple[int, list[dict]]]]] = {
    "serial": run_serial,
    "processes": run_processes,
    "dask": run_dask,
}

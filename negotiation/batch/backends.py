"""Where chunks run: in this process, in worker processes, or on a Dask cluster.

Every backend runs the same function on the same chunks and yields
``(chunk index, rows)`` as chunks finish, with only a few chunks in flight,
so memory stays flat however long the sweep.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from negotiation.batch.rows import run_chunk
from negotiation.errors import SweepError

Task = tuple[int, list]  # (chunk index, [(run_id, params, seed), ...])


def run_serial(tasks: Iterable[Task], raw: dict, source: str, **_) -> Iterator[tuple[int, list[dict]]]:
    for chunk, runs in tasks:
        yield chunk, run_chunk(raw, source, runs)


def run_processes(tasks: Iterable[Task], raw: dict, source: str, workers: int, **_):
    # "spawn": safe alongside threads (Rich, Dask) and the same on every OS.
    context = multiprocessing.get_context("spawn")
    tasks = iter(tasks)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: dict = {}
        try:
            while True:
                while len(pending) < 2 * workers:
                    task = next(tasks, None)
                    if task is None:
                        break
                    pending[pool.submit(run_chunk, raw, source, task[1])] = task[0]
                if not pending:
                    return
                done, _running = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield pending.pop(future), future.result()
        except BaseException:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def run_dask(tasks: Iterable[Task], raw: dict, source: str, workers: int, scheduler: str | None = None, **_):
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - dask is a dependency
        raise SweepError("the dask backend needs dask.distributed installed") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="10s")
        else:
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
            )
            client = Client(cluster)
    except OSError as exc:
        raise SweepError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    try:
        raw_future = client.scatter(raw, broadcast=True)
        tasks = iter(tasks)
        futures = {}
        ac = as_completed()
        for _slot in range(2 * max(workers, len(client.scheduler_info().get("workers", {})) or 1)):
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
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


BACKENDS: dict[str, Callable[..., Iterator[tuple[int, list[dict]]]]] = {"serial": run_serial, "processes": run_processes, "dask": run_dask}

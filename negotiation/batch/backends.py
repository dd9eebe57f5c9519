"""Where chunks run: in this process, in worker processes, or on a Dask cluster.

Every backend runs the same function on the same chunks and yields
``(chunk index, rows)`` as chunks finish, with only a few chunks in flight,
so memory stays flat however long the sweep.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from negotiation.batch.rows import run_chunk
from negotiation.errors import NegotiationError, SweepError

Task = tuple[int, list]  # (chunk index, [(run_id, params, seed), ...])


class BackendError(SweepError):
    """The engine failed (a worker died, the cluster went away): not bad input; finished runs are kept."""


def run_serial(tasks: Iterable[Task], raw: dict, source: str, **_) -> Iterator[tuple[int, list[dict]]]:
    for chunk, runs in tasks:
        yield chunk, run_chunk(raw, source, runs)


_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class _Worker:
    """One ``negotiation.batch.worker`` process, fed one chunk at a time over pipes."""

    def __init__(self, raw: dict, source: str):
        env = dict(os.environ)  # the worker imports this very copy of the package, wherever it came from
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "negotiation.batch.worker", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            env=env,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are pipes
        self.inbox: IO[bytes] = self.proc.stdin
        self.outbox: IO[bytes] = self.proc.stdout
        self._send(("scenario", raw, source))

    def _send(self, message: tuple) -> None:
        pickle.dump(message, self.inbox, protocol=pickle.HIGHEST_PROTOCOL)
        self.inbox.flush()

    def run(self, runs: list) -> list[dict]:
        first, last = runs[0][0], runs[-1][0]
        try:
            self._send(("chunk", runs))
            reply = pickle.load(self.outbox)
        except (EOFError, OSError, pickle.UnpicklingError):
            code = self.proc.poll()
            raise BackendError(
                f"a worker process stopped unexpectedly (exit code {code}) while running runs {first}-{last}"
            ) from None
        if reply[0] == "rows":
            return reply[1]
        _, kind, message, bad_input = reply
        if bad_input:
            raise SweepError(message)
        raise BackendError(f"a worker failed on runs {first}-{last}: {kind}: {message}")

    def stop(self, now: bool = False) -> None:
        try:
            self.inbox.close()  # the worker exits when its input ends
        except OSError:
            pass
        if now:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.outbox.close()


def run_processes(tasks: Iterable[Task], raw: dict, source: str, workers: int, **_):
    """Worker processes of our own (not multiprocessing): no ``__main__`` guard needed, no orphans."""
    pool = [_Worker(raw, source) for _ in range(workers)]
    idle: queue.SimpleQueue = queue.SimpleQueue()
    for worker in pool:
        idle.put(worker)

    def on_a_worker(runs: list) -> list[dict]:
        worker = idle.get()
        try:
            return worker.run(runs)
        finally:
            idle.put(worker)

    todo = iter(tasks)
    pending: dict[Future, int] = {}
    finished = False
    threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sweep-worker")
    try:
        while True:
            while len(pending) < 2 * workers:
                task = next(todo, None)
                if task is None:
                    break
                pending[threads.submit(on_a_worker, task[1])] = task[0]
            if not pending:
                finished = True
                return
            done, _running = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: pending[f]):
                chunk = pending.pop(future)
                yield chunk, future.result()
    finally:
        for future in pending:
            future.cancel()
        for worker in pool:
            worker.stop(now=not finished)
        threads.shutdown(wait=True, cancel_futures=True)


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


BACKENDS: dict[str, Callable[..., Iterator[tuple[int, list[dict]]]]] = {
    "serial": run_serial,
    "processes": run_processes,
    "dask": run_dask,
}

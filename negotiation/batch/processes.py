"""The ``processes`` backend: worker processes of our own, fed chunks over pipes by one parent thread.

Not ``multiprocessing``: its spawn re-imports the user's ``__main__`` (a plain script
without an ``if __name__ == "__main__"`` guard would start the sweep again in every
worker), and its pools leave orphans when the parent is killed. Here the workers are
forked from the sweep where that is safe (:func:`can_fork`), so they start with every
module already imported, or else started as fresh interpreters
(``python -m negotiation.batch.worker``); either way they run
:func:`negotiation.batch.rows.run_chunk` and die with the sweep
(:mod:`negotiation.batch.worker`). Chunks are yielded as they finish, with at most two
in flight per worker, so memory stays flat however long the sweep.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import selectors
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import IO

from negotiation.batch.worker import read_message, write_pickled
from negotiation.errors import SweepError

Task = tuple[int, list]  # (chunk index, [(run_id, params, seed), ...])


class BackendError(SweepError):
    """The engine failed (a worker died, the cluster went away): not bad input; finished runs are kept."""


_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
PIPELINE_BYTES = 16_384  # a second chunk is queued on a worker only if its message fits a pipe's buffer (>= 16 KiB)
REAP_S = 10  # how long a worker may take to exit once its input is closed, before it is killed


def can_fork() -> bool:
    """Forking the sweep is safe here: Linux, and no other Python thread that could hold a lock mid-fork.

    Native thread pools (OpenBLAS, Arrow) reset themselves in a forked child; a Python thread (a server,
    a notebook kernel, a progress bar) could leave the import lock or a buffer held, so then workers
    are started as fresh interpreters instead.
    """
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


class _Worker:
    """One worker process (forked from the sweep, or a fresh interpreter) and the two pipes to it."""

    def __init__(self, pid: int, inbox: IO[bytes], outbox: IO[bytes], proc: subprocess.Popen | None = None):
        self.pid, self.inbox, self.outbox, self.proc = pid, inbox, outbox, proc
        self.queued: list[tuple[int, list]] = []  # chunks sent and not answered yet, oldest first

    @classmethod
    def forked(cls) -> _Worker:
        """A copy of this process, serving chunks at once: no interpreter to start, nothing to import."""
        to_worker, from_parent = os.pipe()[::-1]
        to_parent, from_worker = os.pipe()[::-1]
        parent = os.getpid()
        for stream in (sys.stdout, sys.stderr):  # unwritten output would otherwise be written twice
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        with warnings.catch_warnings():  # "multi-threaded, use of fork() may lead to deadlocks": see can_fork
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the worker: never returns
            from negotiation.batch.worker import serve_forked

            serve_forked(from_parent, to_parent, parent)
        os.close(from_parent)
        os.close(to_parent)
        return cls(pid, os.fdopen(to_worker, "wb", buffering=0), os.fdopen(from_worker, "rb", buffering=0))

    @classmethod
    def started(cls) -> _Worker:
        """``python -m negotiation.batch.worker``: where forking is not safe (see :func:`can_fork`)."""
        env = dict(os.environ)  # the worker imports this very copy of the package, wherever it came from
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        proc = subprocess.Popen(
            [sys.executable, "-m", "negotiation.batch.worker", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,  # messages go straight to the descriptors (worker.write_message)
            close_fds=True,
            env=env,
        )
        assert proc.stdin is not None and proc.stdout is not None  # both are pipes
        return cls(proc.pid, proc.stdin, proc.stdout, proc)

    def send(self, message: bytes) -> None:
        """A pickled message (worker.write_pickled)."""
        try:
            write_pickled(self.inbox.fileno(), message)
        except OSError:  # the pipe broke: the worker has gone
            raise BackendError(f"a worker process stopped unexpectedly (exit code {self._exit_code()})") from None

    def receive(self) -> tuple[int, list[dict]]:
        """The oldest queued chunk's rows (this worker answers in order)."""
        chunk, runs = self.queued.pop(0)
        first, last = runs[0][0], runs[-1][0]
        try:
            reply: tuple = read_message(self.outbox.fileno())  # type: ignore[assignment]
        except (EOFError, OSError, pickle.UnpicklingError):
            raise BackendError(
                f"a worker process stopped unexpectedly (exit code {self._exit_code()}) while running runs "
                f"{first}-{last}"
            ) from None
        if reply[0] == "rows":
            return chunk, reply[1]
        _, kind, message, bad_input = reply
        if bad_input:
            raise SweepError(message)
        raise BackendError(f"a worker failed on runs {first}-{last}: {kind}: {message}")

    def _exit_code(self) -> int | None:
        if self.proc is not None:
            return self.proc.poll()
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return None
        return os.waitstatus_to_exitcode(status) if pid else None

    def close_input(self, now: bool) -> None:
        """Ask the worker to leave (its input ends), or make it leave at once."""
        try:
            self.inbox.close()
        except OSError:
            pass
        if now:
            self._kill()

    def _kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def reap(self, deadline: float) -> None:
        """Wait for the worker to exit (its output ends when it does), killing it past ``deadline``."""
        try:
            ready, _, _ = select.select([self.outbox], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                self._kill()
        except (OSError, ValueError):
            self._kill()
        if self.proc is not None:
            self.proc.wait()
        else:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        self.outbox.close()


def _start_workers(workers: int) -> list[_Worker]:
    if not can_fork():
        return [_Worker.started() for _ in range(workers)]
    gc.freeze()  # what the workers inherit is not walked by their collections, so its pages stay shared
    try:
        return [_Worker.forked() for _ in range(workers)]
    finally:
        gc.unfreeze()


class _ProcessRun:
    """Chunks run on worker processes, yielded as they finish; :meth:`close` stops the workers in any case."""

    def __init__(self, pool: list[_Worker], tasks: Iterable[Task], raw: dict, source: str):
        self.pool = pool
        self._finished = False
        self._stopped = False
        self._results: Generator[tuple[int, list[dict]], None, None] = self._run(tasks, raw, source)

    def __iter__(self) -> Iterator[tuple[int, list[dict]]]:
        return self._results

    def _run(self, tasks: Iterable[Task], raw: dict, source: str) -> Generator[tuple[int, list[dict]], None, None]:
        listening = selectors.DefaultSelector()
        try:
            scenario = pickle.dumps(("scenario", raw, source), protocol=pickle.HIGHEST_PROTOCOL)
            for worker in self.pool:
                worker.send(scenario)
            todo = iter(tasks)
            ahead: list[Task] = []  # tasks taken from ``todo`` and not sent yet
            for worker in self.pool:
                listening.register(worker.outbox, selectors.EVENT_READ, worker)
            while True:
                self._dispatch(todo, ahead)
                if not any(worker.queued for worker in self.pool):
                    self._finished = True
                    return
                answered = [key.data for key, _ in listening.select()]
                results = [worker.receive() for worker in answered]
                self._dispatch(todo, ahead)  # keep the workers busy while the parent writes the parts
                yield from sorted(results, key=lambda r: r[0])
        finally:
            listening.close()
            self._stop()

    def _dispatch(self, todo: Iterator[Task], ahead: list[Task]) -> None:
        """Give idle workers a chunk each; while plenty remain, queue a second one (the next chunk is then
        already there when a worker answers). Near the end one at a time, so none sits on queued work
        while another has nothing to do."""
        while len(ahead) < len(self.pool) + 1:
            task = next(todo, None)
            if task is None:
                break
            ahead.append(task)
        for depth in (1, 2):
            for worker in self.pool:
                if not ahead or (depth == 2 and len(ahead) <= len(self.pool)):
                    return
                if len(worker.queued) < depth:
                    message = pickle.dumps(("chunk", ahead[0][1]), protocol=pickle.HIGHEST_PROTOCOL)
                    if depth == 2 and len(message) > PIPELINE_BYTES:
                        return  # it might not fit in the pipe while the worker is busy writing its answer
                    worker.send(message)
                    worker.queued.append(ahead.pop(0))

    def close(self) -> None:
        """Stop the run: the workers leave (at once, unless every chunk was answered) and are waited for."""
        self._results.close()  # runs the generator's ``finally`` if it had started
        self._stop()

    def _stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for worker in self.pool:  # all leave together
            worker.close_input(now=not self._finished)
        deadline = time.monotonic() + REAP_S
        for worker in self.pool:
            worker.reap(deadline)


def run_processes(tasks: Iterable[Task], raw: dict, source: str, workers: int, **_) -> _ProcessRun:
    """Worker processes of our own (not multiprocessing): no ``__main__`` guard needed, no orphans.

    The workers start when this is called (forked from the sweep where :func:`can_fork`), so the caller
    starts them before any thread of its own (a progress bar) and before the first result is wanted.
    """
    return _ProcessRun(_start_workers(workers), tasks, raw, source)

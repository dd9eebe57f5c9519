"""A sweep worker process: reads chunks from its parent, writes their rows back, and dies with its parent.

Two ways in, one loop (:func:`serve_pipes`):

* forked from the sweep itself (:func:`serve_forked`, Linux, the usual way): it
  already holds every module the parent imported, so it starts in milliseconds
  and pays nothing to import numpy, pydantic and the model (~0.3 s of CPU each);
* started as ``python -m negotiation.batch.worker PARENT_PID`` where forking is
  unsafe or unavailable (another Python thread in the parent, not Linux).

Either way it never imports the parent's ``__main__``, so a sweep works from a
plain script with no ``if __name__ == "__main__"`` guard. It leaves no orphans:
it exits when its input closes (the parent finished or died) or, checked twice a
second, when the parent's process id goes away, even in the middle of a chunk
after ``kill -9`` of the sweep.

Messages are pickles, each after its length in 8 bytes (:func:`write_message`): in,
``("scenario", raw, source)`` then ``("chunk", runs)``; out, ``("rows", rows)`` or
``("error", kind, message, is_bad_input)``. Read and written straight on the pipes'
descriptors, never through a buffer that could hold a second answer the parent's
``select`` would not see. Errors travel as plain strings, so any exception (even
one that does not pickle) comes back to the parent as one line.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import threading
import time
import traceback

HEADER = struct.Struct("<Q")  # a message's length in bytes


def write_message(fd: int, message: object) -> None:
    """Pickle ``message`` and write it, after its length, to the pipe ``fd`` (all of it)."""
    write_pickled(fd, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def write_pickled(fd: int, data: bytes) -> None:
    """An already pickled message, after its length (:func:`write_message`)."""
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def read_message(fd: int) -> object:
    """The next message on the pipe ``fd``; EOFError when the pipe has ended (the other side is gone)."""
    (size,) = HEADER.unpack(_read_exactly(fd, HEADER.size))
    return pickle.loads(_read_exactly(fd, size))


def _read_exactly(fd: int, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        got = os.read(fd, min(size - len(data), 1 << 20))
        if not got:
            raise EOFError
        data += got
    return bytes(data)


def _exit_when_orphaned(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(0.5)


def _watch(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops its workers
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()


def serve(parent: int) -> None:
    """The started worker: the protocol owns the real stdin and stdout; anything printed goes to stderr."""
    _watch(parent)
    inbox, outbox = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve_pipes(inbox, outbox)


def serve_forked(inbox_fd: int, outbox_fd: int, parent: int) -> None:
    """The forked worker: keeps only its two pipe ends (and stdio), then serves; never returns.

    Every other descriptor the parent held (other workers' pipes, the sweep folder's lock) is closed,
    so each worker's input ends when the parent closes it, and nothing the parent opened stays open
    because of a worker. It leaves with ``os._exit``: the parent's ``atexit`` hooks and buffers are
    the parent's business.
    """
    code = 0
    try:
        keep = sorted({0, 1, 2, inbox_fd, outbox_fd})
        for low, high in zip(keep, [*keep[1:], os.sysconf("SC_OPEN_MAX")]):
            os.closerange(low + 1, high)  # the gaps between the descriptors kept, and all above them
        quiet = os.open(os.devnull, os.O_RDONLY)
        if quiet != 0:  # nothing to read but its own pipe
            os.dup2(quiet, 0)
            os.close(quiet)
        os.dup2(2, 1)  # anything the model prints goes to stderr, as in a started worker
        sys.stdout = sys.stderr
        _watch(parent)
        serve_pipes(inbox_fd, outbox_fd)
    except BaseException:  # a forked child must never return into the parent's code
        code = 1
    finally:
        os._exit(code)


def serve_pipes(inbox: int, outbox: int) -> None:
    from negotiation.batch.rows import run_chunk
    from negotiation.errors import NegotiationError

    raw: dict = {}
    source = ""
    reply: tuple
    while True:
        try:
            message: tuple = read_message(inbox)  # type: ignore[assignment]
        except (EOFError, OSError):
            return  # the parent closed the pipe: finished or gone
        if message[0] == "scenario":
            raw, source = message[1], message[2]
            continue
        try:
            reply = ("rows", run_chunk(raw, source, message[1]))
        except NegotiationError as exc:
            reply = ("error", type(exc).__name__, str(exc), True)
        except Exception as exc:  # a bug: keep the traceback's last lines for the report
            detail = traceback.format_exc(limit=-3).strip().splitlines()[-1]
            reply = ("error", type(exc).__name__, detail, False)
        try:
            write_message(outbox, reply)
        except OSError:  # the parent has gone
            return


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid())

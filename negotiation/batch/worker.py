"""A sweep worker process: reads chunks on stdin, writes their rows on stdout, and dies with its parent.

Started as ``python -m negotiation.batch.worker PARENT_PID`` by the ``processes``
backend. Unlike a ``multiprocessing`` child it never imports the parent's
``__main__``, so a sweep works from a plain script with no
``if __name__ == "__main__"`` guard. It leaves no orphans: it exits when its
stdin closes (the parent finished or died) or, checked twice a second, when
the parent's process id goes away, even in the middle of a chunk after
``kill -9`` of the sweep.

Messages are pickles: in, ``("scenario", raw, source)`` then ``("chunk", runs)``;
out, ``("rows", rows)`` or ``("error", kind, message, is_bad_input)``. Errors travel
as plain strings, so any exception (even one that does not pickle) comes
back to the parent as one line.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time
import traceback


def _exit_when_orphaned(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(0.5)


def serve(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops its workers
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    # The protocol owns the real stdout; anything the model prints goes to stderr instead.
    inbox = os.fdopen(os.dup(0), "rb")
    outbox = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    from negotiation.batch.rows import run_chunk
    from negotiation.errors import NegotiationError

    raw: dict = {}
    source = ""
    reply: tuple
    while True:
        try:
            message = pickle.load(inbox)
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
            pickle.dump(reply, outbox, protocol=pickle.HIGHEST_PROTOCOL)
            outbox.flush()
        except (BrokenPipeError, OSError):
            return


if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid())

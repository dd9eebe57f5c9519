"""Run the ``negotiation`` command in this process (fast: no interpreter start-up, no imports)."""

from __future__ import annotations

import contextlib
import io
import sys
from unittest import mock


def run_cli(*args) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``negotiation ARGS``; an unexpected exception propagates (a traceback)."""
    from negotiation import cli

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(sys, "argv", ["negotiation", *map(str, args)]), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()

"""The benchmark scripts still run against the code they measure (they are not otherwise exercised by the
suite, and a change of an internal signature once broke one unnoticed). Only their quick parts: the
figures themselves are for `make bench` on a quiet machine."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_app_step_times_a_step_on_the_server():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "app_step.py"), "--only", "server"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "one Step with all views updated (server side), median of 150:" in done.stdout

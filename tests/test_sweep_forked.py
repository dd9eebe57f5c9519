"""The forked workers in a process of their own (the suite itself may leave a thread that rules forking out).

In the full test run some earlier test can leave a Python thread alive, so ``processes.can_fork()`` is False
there and the in-process tests of ``test_sweep_workers.py`` see fresh interpreters. This test runs the sweep
in a new interpreter, where forking is what a user's script gets, and checks the workers really were forked,
gave the serial rows, and raised no warning (Python warns when it forks a process with other threads).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_agreement.toml"

SCRIPT = """
import warnings
warnings.simplefilter("error")  # a fork with threads running would warn (DeprecationWarning): fail instead
import pandas as pd
from negotiation.batch import load_sweep, processes, run_sweep

how = []
forked = processes._Worker.forked
processes._Worker.forked = classmethod(lambda cls: how.append("forked") or forked())
kwargs = dict(vary=["rules.mret_rate=0.3:0.5:3"], seeds=4, progress=False, chunk_size=2)
run_sweep({scenario!r}, {out!r} + "/serial", workers=1, **kwargs)
run_sweep({scenario!r}, {out!r} + "/forked", workers=2, **kwargs)
pd.testing.assert_frame_equal(load_sweep({out!r} + "/serial"), load_sweep({out!r} + "/forked"))
print("HOW", ",".join(how))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_a_script_sweep_forks_its_workers_and_gets_the_serial_rows(tmp_path):
    script = tmp_path / "fork.py"
    script.write_text(SCRIPT.format(scenario=str(BASELINE), out=str(tmp_path)))
    p = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "HOW forked,forked" in p.stdout

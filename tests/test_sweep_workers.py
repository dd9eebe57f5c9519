"""Worker processes of the ``processes`` backend: forked where that is safe, fresh interpreters elsewhere.

Forking the sweep (Linux, no other Python thread) spares each worker the ~0.3 s of CPU
it takes to import numpy, pydantic and the model. Whichever way they start, the rows
are the serial ones, no worker outlives the sweep (killed, interrupted or finished),
and no pipe or lock is left open behind it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from negotiation.batch import load_sweep, processes, run_sweep
from negotiation.batch.processes import BackendError, run_processes
from negotiation.scenario import read_raw

from .conftest import BASELINE, OXFORDSHIRE, ROOT

VARY = ["rules.mret_rate=0.3:0.5:3"]
LINUX = pytest.mark.skipif(not Path("/proc").exists(), reason="reads the process table from /proc")


def _children() -> list[int]:
    """Living (not yet reaped) child processes of this process."""
    me, kids = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                kids.append(int(entry.name))
    return kids


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _in_a_fresh_process(nodeid: str) -> None:
    """Run one forked-worker test in a new pytest process: in the full suite an earlier test can leave a
    Python thread running, which rules forking out here (``processes.can_fork``), not in a user's script."""
    if os.environ.get("FRESH_PROCESS_TEST"):
        pytest.fail("forking is ruled out even in a fresh pytest process")
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", nodeid], cwd=ROOT,
                       capture_output=True, text=True, timeout=300, env={**os.environ, "FRESH_PROCESS_TEST": "1"})
    assert p.returncode == 0 and "1 passed" in p.stdout, p.stdout[-3000:] + p.stderr[-2000:]


@pytest.fixture
def started_how(monkeypatch):
    """Records how each worker was started."""
    how: list[str] = []
    forked, started = processes._Worker.forked, processes._Worker.started
    monkeypatch.setattr(processes._Worker, "forked", classmethod(lambda cls: how.append("forked") or forked()))
    monkeypatch.setattr(processes._Worker, "started", classmethod(lambda cls: how.append("started") or started()))
    return how


@LINUX
def test_forked_and_started_workers_give_the_serial_rows_and_leave_nothing_behind(tmp_path, monkeypatch, started_how):
    kwargs = dict(vary=VARY, seeds=4, progress=False, chunk_size=2)
    run_sweep(BASELINE, tmp_path / "serial", workers=1, **kwargs)
    fds, others = _open_fds(), set(_children())  # other tests may have left processes of their own
    run_sweep(BASELINE, tmp_path / "forked", workers=2, **kwargs)
    how = "forked" if processes.can_fork() else "started"  # a thread left running by another test rules forking out
    assert started_how == [how, how]
    monkeypatch.setattr(processes, "can_fork", lambda: False)
    run_sweep(BASELINE, tmp_path / "started", workers=2, **kwargs)
    assert started_how[2:] == ["started", "started"]
    serial = load_sweep(tmp_path / "serial")
    pd.testing.assert_frame_equal(serial, load_sweep(tmp_path / "forked"))
    pd.testing.assert_frame_equal(serial, load_sweep(tmp_path / "started"))
    assert set(_children()) <= others and _open_fds() == fds  # every worker reaped, every pipe closed


def test_another_python_thread_means_fresh_interpreters(tmp_path, started_how):
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert not processes.can_fork()
        summary = run_sweep(BASELINE, tmp_path / "s", vary=VARY, seeds=2, workers=2, progress=False, chunk_size=2)
    finally:
        stop.set()
        thread.join()
    assert summary.ran == 6 and started_how == ["started", "started"]


@LINUX
@pytest.mark.parametrize("fork", [True, False], ids=["forked", "started"])
def test_leaving_a_run_early_stops_its_workers_at_once(monkeypatch, fork, request):
    if fork and not processes.can_fork():
        return _in_a_fresh_process(request.node.nodeid)
    monkeypatch.setattr(processes, "can_fork", lambda: fork)
    raw = read_raw(OXFORDSHIRE)
    tasks = [(c, [(c, {"organisations.oxfordshire_ccg.budget": 600.0 + c}, s) for s in range(40)]) for c in range(20)]
    others = set(_children())
    results = run_processes(tasks, raw, str(OXFORDSHIRE), workers=2)
    assert len(set(_children()) - others) == 2  # started when the run is made, before the first result is wanted
    chunk, rows = next(iter(results))
    assert len(rows) == 40
    began = time.monotonic()
    results.close()  # as run_sweep does on Ctrl-C or an error: chunks still queued are abandoned
    assert time.monotonic() - began < 5 and set(_children()) <= others
    results.close()  # twice is harmless


@LINUX
def test_a_worker_killed_mid_run_is_a_backend_error_and_the_other_is_stopped():
    raw = read_raw(OXFORDSHIRE)
    tasks = [(c, [(c, {"organisations.oxfordshire_ccg.budget": 600.0 + c}, s) for s in range(40)]) for c in range(20)]
    others = set(_children())
    results = run_processes(tasks, raw, str(OXFORDSHIRE), workers=2)
    iterator = iter(results)
    next(iterator)
    os.kill(results.pool[0].pid, signal.SIGKILL)
    with pytest.raises(BackendError, match="stopped unexpectedly"):
        list(iterator)
    assert set(_children()) <= others


KILLED = """
import threading, time
from negotiation.batch import run_sweep
threading.Thread(target=time.sleep, args=(600,), daemon=True).start()  # a thread: workers are fresh interpreters
run_sweep({scenario!r}, {out!r}, vary=["organisations.oxfordshire_ccg.budget=600:720:30"], seeds=40, workers=2,
          progress=False)
"""


@LINUX
def test_started_workers_exit_when_the_sweep_is_killed(tmp_path):
    """The forked workers are covered by test_sweep_integrity's kill test (the CLI forks them)."""
    out = tmp_path / "s"
    script = tmp_path / "killed.py"
    script.write_text(KILLED.format(scenario=str(OXFORDSHIRE), out=str(out)))
    proc = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    while time.time() < deadline and not list((out / "parts").glob("part-*.parquet")):
        assert proc.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.1)
    workers = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(int(p.name)) == proc.pid]
    assert len(workers) == 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(_parent(pid) is not None for pid in workers):
        time.sleep(0.2)
    survivors = [pid for pid in workers if _parent(pid) is not None]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors == []
    shutil.rmtree(out)  # killed mid-write on purpose; test_batch's resume test covers such folders


def _parent(pid: int) -> int | None:
    """The parent of a living process, None once it has exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else int(fields[1])


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "started"])
def test_answers_that_wait_in_the_pipe_while_the_parent_is_busy_are_all_read(monkeypatch, fork):
    """Each worker holds two chunks; while the parent is slow (writing parts), both answers reach the pipe
    before it reads: it must see the second one too (a buffered reader once hid it from ``select``: a hang)."""
    safe = processes.can_fork()
    monkeypatch.setattr(processes, "can_fork", lambda: fork and safe)
    raw = read_raw(BASELINE)
    tasks = [(c, [(c, {}, c)]) for c in range(10)]
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("the sweep hung waiting for an answer already sent"))
    signal.alarm(120)
    try:
        got = []
        for chunk, _rows in run_processes(tasks, raw, str(BASELINE), workers=2):
            got.append(chunk)
            time.sleep(0.3)  # both of a worker's answers are in its pipe by now
    finally:
        signal.alarm(0)
    assert sorted(got) == list(range(10))


@pytest.mark.parametrize("how", ["forked", "started"])
def test_a_second_answer_already_in_the_pipe_is_seen_by_select(how, request):
    """The parent reads exactly one answer per ``select``: an answer read ahead into a buffer would be invisible
    to ``select`` and the sweep would wait for it for ever."""
    import pickle
    import select

    if how == "forked" and not processes.can_fork():
        return _in_a_fresh_process(request.node.nodeid)
    worker = getattr(processes._Worker, how)()
    try:
        worker.send(pickle.dumps(("scenario", read_raw(BASELINE), str(BASELINE))))
        for c in range(2):
            worker.send(pickle.dumps(("chunk", [(c, {}, c)])))
            worker.queued.append((c, [(c, {}, c)]))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if select.select([worker.outbox], [], [], 0.1)[0]:
                time.sleep(2.0)  # the first answer has come: the second follows within milliseconds
                break
        assert worker.receive()[0] == 0
        assert select.select([worker.outbox], [], [], 0)[0], "the second answer is hidden from select"
        assert worker.receive()[0] == 1
    finally:
        worker.close_input(now=False)
        worker.reap(time.monotonic() + 10)

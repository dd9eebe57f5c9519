"""Sweeps: resumable after kill -9, identical rows on any backend, clear errors; compare and report outputs."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from negotiation.batch import load_sweep, run_sweep
from negotiation.batch.compare import compare, save_comparison, wilson
from negotiation.batch.report import build_report, deadlock_drivers
from negotiation.errors import SweepError

from .conftest import BASELINE, NORTHAMPTONSHIRE, OXFORDSHIRE, ROOT

CLI = [sys.executable, "-m", "negotiation"]
VARY = [
    "organisations.oxfordshire_ccg.budget=600:720:4",
    "organisations.oxfordshire_county_council.asc_need=2:12:4",
]


def test_serial_processes_and_dask_give_identical_rows(tmp_path):
    # chunk_size 40: four chunks, so two workers really share them (one chunk would run serially).
    kwargs = dict(vary=VARY, choose=["organisations.oxfordshire_ccg.strategy=linear,boulware"], seeds=5,
                  progress=False, chunk_size=40)
    run_sweep(OXFORDSHIRE, tmp_path / "one", workers=1, **kwargs)
    run_sweep(OXFORDSHIRE, tmp_path / "two", workers=2, backend="processes", **kwargs)
    run_sweep(OXFORDSHIRE, tmp_path / "dask", workers=2, backend="dask", **kwargs)
    one, two, dask = (load_sweep(tmp_path / d) for d in ("one", "two", "dask"))
    assert len(one) == 4 * 4 * 2 * 5
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, dask)
    assert one.run_id.is_unique
    assert {"outcome", "rounds", "fund_total", "blockers", "failed_conditions", "seed",
            "contribution.oxfordshire_ccg", "utility.oxford_health", VARY[0].split("=")[0]} <= set(one.columns)


def test_resume_after_kill_9_gives_exactly_the_uninterrupted_rows(tmp_path):
    args = ["sweep", str(OXFORDSHIRE), "--vary", "organisations.oxfordshire_ccg.budget=600:720:30",
            "--vary", "rules.mret_rate=0.2:0.6:5", "--seeds", "20", "--quiet"]
    killed = tmp_path / "killed"
    proc = subprocess.Popen([*CLI, *args, "--out", str(killed)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    parts = killed / "parts"
    deadline = time.time() + 120
    while time.time() < deadline and not (parts.exists() and len(list(parts.glob("part-*.parquet"))) >= 2):
        assert proc.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = len(list(parts.glob("part-*.parquet")))
    assert 0 < before < 15, "the sweep should have been killed part-way"
    resumed = subprocess.run([*CLI, *args, "--out", str(killed)], cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "already done" in resumed.stdout
    run_sweep(OXFORDSHIRE, tmp_path / "whole", vary=[args[3], args[5]], seeds=20, progress=False)
    pd.testing.assert_frame_equal(load_sweep(killed), load_sweep(tmp_path / "whole"))
    assert len(load_sweep(killed)) == 30 * 5 * 20


def test_rerun_is_a_no_op_and_a_different_sweep_is_refused(tmp_path):
    out = tmp_path / "s"
    run_sweep(BASELINE, out, vary=["rules.mret_rate=0.3:0.5:2"], seeds=3, progress=False)
    again = run_sweep(BASELINE, out, vary=["rules.mret_rate=0.3:0.5:2"], seeds=3, progress=False)
    assert again.ran == 0 and again.already_done == 6
    with pytest.raises(SweepError, match="different sweep"):
        run_sweep(BASELINE, out, vary=["rules.mret_rate=0.3:0.5:2"], seeds=4, progress=False)


def test_latin_hypercube_sweep(tmp_path):
    run_sweep(BASELINE, tmp_path / "lhs", vary=["rules.mret_rate=0.2:0.8:1", "rules.minimum_fund=12:24:1"],
              samples=12, seeds=2, progress=False)
    rows = load_sweep(tmp_path / "lhs")
    assert len(rows) == 24
    # One sample per stratum on each axis.
    strata = ((rows.drop_duplicates("run_id")["rules.mret_rate"] - 0.2) / 0.6 * 12).astype(int).unique()
    assert len(strata) == 12


@pytest.mark.parametrize(
    "vary, needle",
    [
        ("rules.no_such=1:2:3", "rules.no_such"),
        ("rules.mret_rate=0.2:0.4:0", "N must be at least 1"),
        ("rules.mret_rate=0.5:0.2:3", "greater than STOP"),
        ("rules.mret_rate=a:b:3", "must be numbers"),
        ("rules.mret_rate=0.1:0.2", "KEY=START:STOP:N"),
        ("rules.protocol=1:2:2", "not a numeric field"),
    ],
)
def test_bad_vary_exits_2_with_one_line(tmp_path, vary, needle):
    p = subprocess.run([*CLI, "sweep", str(BASELINE), "--vary", vary, "--out", str(tmp_path / "x")],
                       cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 2
    assert needle in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x" / "parts").exists()  # nothing written for a bad command


def test_compare_table_and_files(tmp_path):
    table = compare([OXFORDSHIRE, NORTHAMPTONSHIRE, BASELINE], seeds=10)
    by = table.set_index("file")
    assert by.loc[str(OXFORDSHIRE), "not_approved_share"] >= 0.8  # README: "What the credibility condition changed"
    assert by.loc[str(NORTHAMPTONSHIRE), "deadlock_share"] >= 0.8
    assert by.loc[str(BASELINE), "approved_share"] >= 0.8
    assert by.loc[str(BASELINE), "approved_ci_low"] < 1.0
    paths = save_comparison(table, tmp_path / "cmp")
    assert [p.suffix for p in paths] == [".csv", ".xlsx", ".png"]
    assert pd.read_csv(paths[0]).shape[0] == 3
    assert pd.read_excel(paths[1]).shape[0] == 3
    assert paths[2].read_bytes()[:4] == b"\x89PNG"


def test_compare_cli_writes_into_the_out_folder(tmp_path):
    p = subprocess.run([*CLI, "compare", str(OXFORDSHIRE), str(BASELINE), "--seeds", "5", "--out",
                        str(tmp_path / "c")], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    for suffix in (".csv", ".xlsx", ".png"):
        assert (tmp_path / "c" / f"comparison{suffix}").exists()
    assert "Saved:" in p.stderr and "Saved:" not in p.stdout  # messages to stderr, the table to stdout
    assert "approved" in p.stdout


def test_compare_cli_old_file_form_still_works_with_a_note(tmp_path):
    p = subprocess.run([*CLI, "compare", str(OXFORDSHIRE), str(BASELINE), "--seeds", "2", "--out",
                        str(tmp_path / "c.csv")], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "--out is a folder now" in p.stderr
    assert (tmp_path / "c.csv").exists() and (tmp_path / "c.xlsx").exists() and (tmp_path / "c.png").exists()


def test_wilson_interval():
    low, high = wilson(5, 10)
    assert low < 0.5 < high
    assert wilson(0, 10)[0] == 0.0


def test_report_names_the_deadlock_drivers(tmp_path):
    out = tmp_path / "nh"
    run_sweep(NORTHAMPTONSHIRE, out, vary=["organisations.northamptonshire_county_council.asc_need=0:16:5",
                                          "organisations.nene_ccg.committed_spend=840:856:5"], seeds=3, progress=False)
    findings = build_report(out, tmp_path / "r" / "report.html")
    html = (tmp_path / "r" / "report.html").read_text()
    assert "What drives deadlock" in html and "Approval rate" in html
    for png in findings["pngs"]:
        assert png.exists() and png.name in html
    box = findings["deadlock_box"]
    assert box is not None and box.density >= 0.8 and box.coverage >= 0.5
    assert any(key.endswith("asc_need") for key, _, _ in box.conditions)
    assert "Northamptonshire County Council's social-care need exceeds" in findings["deadlock_sentence"]
    assert "covers" in findings["deadlock_sentence"]


def test_report_cli_and_missing_folder(tmp_path):
    p = subprocess.run([*CLI, "report", str(tmp_path / "none")], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 2 and "not a sweep folder" in p.stderr


def test_deadlock_drivers_none_without_deadlock():
    rows = pd.DataFrame({"outcome": ["approved"] * 10, "a": range(10)})
    assert deadlock_drivers(rows, ["a"]) is None


def test_definition_saved_beside_the_data(tmp_path):
    run_sweep(BASELINE, tmp_path / "d", vary=["rules.mret_rate=0.3:0.5:2"], seeds=2, progress=False)
    saved = json.loads((tmp_path / "d" / "sweep.json").read_text())
    assert saved["keys"] == ["rules.mret_rate"] and saved["total_runs"] == 4

"""`assess`: Sobol drivers on a toy, same rows on any worker count, CLI exit codes and JSON, `run`'s line."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from negotiation.uncertainty import assess, previous

from .conftest import ROOT

CLI = [sys.executable, "-m", "negotiation"]
ENV = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)}

# A small area whose verdict turns on the council's social-care need: deadlock above about £13.5m
# (measured after the corrected rules: approved at 13, deadlock from 13.5; also an isolated deadlock at
# exactly 10, a plan-space artefact), while the pooling friction and the CCG's
# intervention cost barely matter over their ranges.
TOY = """
[scenario]
name = "Toy area"
[rules]
minimum_fund = 10.0
deadline_rounds = 6
pooling_friction = { value = 0.1, low = 0.0, high = 0.2, basis = "estimate: test" }
[activity]
admissions_last_year = 10000
admissions_this_year = 10100
baseline_admissions = 9000
tariff = 2000
achievable_reduction = 0.03
reduction_per_scheme = 0.004
max_reduction = 0.06
[organisations.ccg]
name = "A CCG"
kind = "ccg"
budget = 200
committed_spend = 190
existing_pooled = 6
intervention_cost = { value = 2.0, low = 1.9, high = 2.1, basis = "estimate: test" }
[organisations.council]
name = "A Council"
kind = "council"
budget = 100
committed_spend = 97
asc_need = { value = 12.0, low = 8.0, high = 18.0, basis = "estimate: test" }
intervention_cost = 2
"""


@pytest.fixture
def toy(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(TOY)
    return path


def cli(*args, cwd=None):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=ENV, timeout=600)


def test_the_dominant_range_is_found_and_named(toy, tmp_path):
    a = assess(toy, samples=32, out=tmp_path / "a")
    deadlock = a.indices[a.indices.outcome == "deadlock"].set_index("key")
    assert deadlock.ST.idxmax() == "organisations.council.asc_need"
    assert deadlock.loc["organisations.council.asc_need", "S1"] > 0.8
    assert deadlock.drop("organisations.council.asc_need").ST.max() < 0.1
    likely = a.most_likely  # approved or deadlock, about evenly
    assert likely in ("approved", "deadlock")
    assert f"of the variance in {likely.replace('_', ' ')} comes from A Council's social-care need" in a.summary
    # the need is uniform on 8–18 and deadlock starts at about 13.5: about 45% of plausible figures
    p = a.probabilities.set_index("outcome")
    assert 0.35 <= p.loc["deadlock", "probability"] <= 0.65
    assert p.loc["deadlock", "ci_low"] < p.loc["deadlock", "probability"] < p.loc["deadlock", "ci_high"]
    assert p.probability.sum() == pytest.approx(1.0)
    assert len(a.rows) == 32 * (3 + 2) and p.points.iloc[0] == 64
    assert set(a.ranges.key) == {"rules.pooling_friction", "organisations.ccg.intervention_cost",
                                 "organisations.council.asc_need"}


def test_same_command_same_rows_on_any_worker_count_and_resume_reuses_them(toy, tmp_path):
    one = assess(toy, samples=8, seeds=2, workers=1, out=tmp_path / "one")
    two = assess(toy, samples=8, seeds=2, workers=2, out=tmp_path / "two")
    pd.testing.assert_frame_equal(one.rows, two.rows)
    pd.testing.assert_frame_equal(one.indices, two.indices)
    assert one.summary == two.summary
    assert len(one.rows) == 8 * 5 * 2 and set(one.rows.seed) == {0, 1}
    parts = sorted((tmp_path / "one" / "runs" / "parts").iterdir())
    stamps = [p.stat().st_mtime_ns for p in parts]
    again = assess(toy, samples=8, seeds=2, workers=1, out=tmp_path / "one")  # nothing to run: all chunks on disk
    assert [p.stat().st_mtime_ns for p in parts] == stamps
    pd.testing.assert_frame_equal(again.rows, one.rows)


def test_cli_json_and_saved_files(toy, tmp_path):
    done = cli("assess", toy, "--samples", 8, "--json", "--out", tmp_path / "out", "--workers", 1)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["method"] == "sobol" and data["samples"] == 8 and data["runs"] == 8 * 5
    assert {p["outcome"] for p in data["probabilities"]} == {"approved", "not_approved", "deadlock"}
    assert {"outcome", "key", "label", "S1", "S1_conf", "ST", "ST_conf"} <= set(data["indices"][0])
    assert data["most_likely"] in ("approved", "deadlock") and "A Council" in data["summary"]
    eff = data["efficiency"]  # among signed runs: how much of the zone's largest total gain the agreement takes
    assert eff["available"] and eff["signed_runs"] > 0
    assert 0.0 <= eff["efficiency_p10"] <= eff["efficiency_median"] <= eff["efficiency_p90"] <= 1.0
    assert 0.0 <= eff["on_frontier_share"] <= 1.0
    assert data["efficiency_sentence"].startswith(f"Among the {eff['signed_runs']:,} signed runs")
    for name in ("assessment.json", "indices.csv", "probabilities.csv", "runs/sweep.json"):
        assert (tmp_path / "out" / name).exists()


def test_cli_morris_screen_prints_tables(toy, tmp_path):
    done = cli("assess", toy, "--method", "morris", "--samples", 4, "--out", tmp_path / "m", "--workers", 1, "--quiet")
    assert done.returncode == 0, done.stderr
    assert "How often each outcome happens" in done.stdout and "Morris" in done.stdout
    assert "A Council's social-care need" in done.stdout
    assert "signed runs, efficiency" in done.stdout and "Pareto frontier in" in done.stdout


@pytest.mark.parametrize("args, problem", [
    (["--samples", "20"], "power of 2"),
    (["--method", "latin"], "sobol or morris"),
    (["--seeds", "0"], "--seeds must be at least 1"),
    (["--backend", "threads"], "--backend must be one of"),
    (["--workers", "0"], "--workers must be at least 1"),
])
def test_cli_bad_options_exit_2_with_one_line(toy, tmp_path, args, problem):
    done = cli("assess", toy, *args, "--out", tmp_path / "x")
    assert done.returncode == 2
    assert problem in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_cli_bad_scenarios_exit_2(tmp_path):
    plain = tmp_path / "plain.toml"
    plain.write_text(TOY.replace('{ value = 12.0, low = 8.0, high = 18.0, basis = "estimate: test" }', "12.0")
                     .replace('{ value = 0.1, low = 0.0, high = 0.2, basis = "estimate: test" }', "0.1")
                     .replace('{ value = 2.0, low = 1.9, high = 2.1, basis = "estimate: test" }', "2.0"))
    done = cli("assess", plain, "--out", tmp_path / "p")
    assert done.returncode == 2 and "no ranges" in done.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(TOY.replace("low = 8.0, high = 18.0", "low = 13.0, high = 18.0"))
    done = cli("assess", bad, "--out", tmp_path / "b")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"error: {bad}: organisations.council.asc_need.value: range must have low <= value <= high "
                                   "(got low 13.0, value 12.0, high 18.0)")
    done = cli("assess", tmp_path / "missing.toml")
    assert done.returncode == 2 and "no such file" in done.stderr


def test_missing_salib_names_the_extra(toy):
    code = ("import sys; sys.modules['SALib'] = None; sys.argv = ['negotiation', 'assess', sys.argv[1]]; "
            "from negotiation.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code, str(toy)], capture_output=True, text=True, env=ENV, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: assess needs SALib: install the 'assess' extra, e.g. pip install -e '.[assess]'"


def test_run_shows_how_often_its_verdict_holds_after_an_assessment(toy, tmp_path):
    before = cli("run", toy, cwd=tmp_path)
    assert before.returncode == 0, before.stderr
    assert f"Run: negotiation assess {toy}" in before.stdout
    assert previous(toy, root=tmp_path / "assessments") is None
    done = cli("assess", toy, "--samples", 8, "--quiet", "--workers", 1, cwd=tmp_path)  # default folder
    assert done.returncode == 0, done.stderr
    saved = previous(toy, root=tmp_path / "assessments")
    folders = list((tmp_path / "assessments").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("toy-") and (folders[0] / "sobol-n8-k1").is_dir()
    after = cli("run", toy, cwd=tmp_path)
    approved = {p["outcome"]: p for p in saved["probabilities"]}["approved"]
    assert f"this verdict holds in {approved['probability']:.0%} of plausible figures" in after.stdout
    assert "APPROVED" in after.stdout
    # --set changes the figures: the assessment of the file does not apply, so nothing is claimed
    changed = cli("run", toy, "--set", "organisations.council.asc_need=3", cwd=tmp_path)
    assert "holds in" not in changed.stdout and "negotiation assess" not in changed.stdout
    # a different file content (another range) has another fingerprint: no assessment yet
    toy.write_text(TOY.replace("high = 18.0", "high = 17.0"))
    assert previous(toy, root=tmp_path / "assessments") is None

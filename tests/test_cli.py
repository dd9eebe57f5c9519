"""The command line: JSON shape, explain, and one-line errors with exit code 2 for every kind of bad input."""

import json
import os
import subprocess
import sys

import pytest

from .conftest import NORTHAMPTONSHIRE, OXFORDSHIRE, ROOT

CLI = [sys.executable, "-m", "negotiation"]


def cli(*args, cwd=ROOT):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_run_json_has_the_documented_keys():
    p = cli("run", OXFORDSHIRE, "--seed", "3", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    for key in ("scenario", "seed", "outcome", "signed_off", "rounds", "fund_total", "contributions",
                "organisations", "failed_conditions", "blockers", "reasons"):
        assert key in d
    assert d["outcome"] in {"approved", "not_approved", "deadlock"} and d["seed"] == 3
    assert 0.0 <= d["efficiency"] <= 1.0 and "pareto_frontier_plans" in d["analysis"]
    for o in d["organisations"].values():
        assert {"kind", "utility", "reservation", "accepted"} <= set(o)


def test_run_text_shows_rounds_and_outcome():
    p = cli("run", NORTHAMPTONSHIRE)
    assert p.returncode == 0
    assert "Round 1" in p.stdout and "DEADLOCK" in p.stdout and "Blocked by" in p.stdout


def test_rounds_and_set():
    p = cli("run", OXFORDSHIRE, "--rounds", "2", "--set", "rules.mret_rate=0.5", "--json")
    assert json.loads(p.stdout)["rounds"] <= 2


def test_explain_json():
    d = json.loads(cli("explain", OXFORDSHIRE, "--json").stdout)
    assert 0.095 < d["required_cut_vs_current"] < 0.1
    assert abs(d["activity_cut_to_fund_ccg_contribution_linear"] - 0.25) < 0.02  # the paper's "around 25%"
    assert abs(d["activity_cut_to_fund_ccg_contribution"] - 0.190) < 0.002  # the model's piecewise MRET
    assert [t["paper"] for t in d["calibration_targets"]][0] == "almost 10%"


def _bad(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


def _replace(a, b):
    text = OXFORDSHIRE.read_text()
    assert a in text
    return text.replace(a, b, 1)


BAD_FILES = {
    "not_toml": "[[[ nope",
    "wrong_type": _replace("budget = 646.2", 'budget = "a lot"'),
    "nan": _replace("tariff = 2700", "tariff = nan"),
    "negative_budget": _replace("budget = 646.2", "budget = -646.2"),
    "duplicate_id": OXFORDSHIRE.read_text() + '\n[organisations.oxfordshire_ccg]\nname = "x"\n',
    "unknown_key": _replace("tariff = 2700", "tariff = 2700\ntarrif = 1"),
    "unknown_section": OXFORDSHIRE.read_text() + "\n[mystery]\na = 1\n",
    "unknown_strategy": _replace('strategy = "linear"', 'strategy = "psychic"'),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_file_exits_2_with_one_line(tmp_path, kind):
    path = _bad(tmp_path, BAD_FILES[kind])
    p = cli("run", path)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr
    assert str(path) in lines[0]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["run", "missing.toml"], "no such file"),
        (["run", OXFORDSHIRE, "--set", "rules.mret_rate=abc"], "rules.mret_rate"),
        (["run", OXFORDSHIRE, "--set", "organisations.nobody.budget=1"], "organisations.nobody"),
        (["run", OXFORDSHIRE, "--set", "novalue"], "KEY=VALUE"),
        (["explain", OXFORDSHIRE, "--set", "rules.mret_rate=2"], "rules.mret_rate"),
        (["run", OXFORDSHIRE, "--seed", "abc"], "--seed"),
        (["run", OXFORDSHIRE, "--rounds", "0"], "--rounds"),
        (["nonsense"], "No such command"),
        (["sweep", OXFORDSHIRE, "--out", "x", "--workers", "0"], "--workers"),
    ],
)
def test_bad_arguments_exit_2(args, needle):
    p = cli(*args)
    assert p.returncode == 2
    assert needle in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------- issue 12: bad input, in process and for real

from .clirun import run_cli  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline_agreement.toml"


def _one_error_line(code, err, *needles):
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.mark.parametrize(
    "args, needles",
    [
        (["run", BASELINE, "--set", "organisations.middleshire_ccg.budget=true"],
         ["organisations.middleshire_ccg.budget", "(got true)"]),
        (["run", OXFORDSHIRE, "--set", 'organisations.oxfordshire_ccg.budget="700"'],
         ["organisations.oxfordshire_ccg.budget", '(got "700")']),
        (["run", OXFORDSHIRE, "--set", "activity.tariff=1e308"], ["activity.tariff"]),
        (["run", OXFORDSHIRE, "--set", "activity.admissions_this_year=1e308"], ["activity.admissions_this_year"]),
        (["explain", OXFORDSHIRE, "--set", "rules.mret_rate=0"], ["rules.mret_rate"]),
        (["explain", OXFORDSHIRE, "--set", "activity.admissions_last_year=1e308"], ["activity.admissions_last_year"]),
        (["run", OXFORDSHIRE, "--seed", "-1"], ["--seed"]),
        (["run", OXFORDSHIRE, "--rounds", "1000000"], ["--rounds"]),
        (["run", OXFORDSHIRE, "--set", "rules.x=" + "[" * 2000 + "]" * 2000], ["rules.x", "nested"]),
        (["run", OXFORDSHIRE, "--set", "relationships.9.trust=0.5"], ["relationships.9"]),
        (["run", OXFORDSHIRE, "--set", "relationships.0.trust=nan"], ["relationships.0.trust", "finite"]),
        (["run", OXFORDSHIRE, "--set", "rules..mret_rate=0.5"], ["empty part"]),
        (["run", OXFORDSHIRE, "--[/x]"], ["--[/x]"]),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, needles):
    code, _, err = run_cli(*args)
    _one_error_line(code, err, *needles)


def test_list_index_in_set_path_works():
    code, out, err = run_cli("run", BASELINE, "--set", "relationships.0.trust=0.9", "--json")
    assert code == 0, err
    assert json.loads(out)["outcome"] == "approved"


def test_markup_in_a_name_is_text_not_a_crash():
    code, out, err = run_cli("run", BASELINE, "--set", "scenario.name=[/x] [bold]", "--set",
                             'organisations.middleshire_ccg.name="CCG [/]"')
    assert code == 0, err
    assert "[/x] [bold]" in out and "CCG [/]" in out
    code, out, err = run_cli("explain", BASELINE, "--set", "scenario.name=[/x]")
    assert code == 0 and "[/x]" in out, err


def test_every_problem_of_a_file_one_line_each(tmp_path):
    text = BASELINE.read_text().replace("budget = 330.0", "budget = true").replace("tariff = 2300", "tariff = nan")
    path = tmp_path / "three.toml"
    path.write_text(text + "\n[mystery]\na = 1\n")
    code, _, err = run_cli("run", path)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith(f"error: {path}: ") for line in lines)
    for line, field in zip(lines, ["activity.tariff", "organisations.middleshire_ccg.budget", "mystery"]):
        assert field in line


def _special_files(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    link = tmp_path / "zero.toml"
    link.symlink_to("/dev/zero")
    sparse = tmp_path / "sparse.toml"
    with open(sparse, "wb") as f:
        f.truncate(20 * 1024 * 1024)
    return {fifo: "named pipe", "/dev/zero": "character device", "/dev/urandom": "character device",
            link: "character device", sparse: "file is 20.0 MB; the limit is 256 KB", tmp_path: "folder"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_special_files_are_refused_at_once_in_a_real_process(tmp_path):
    """A pipe used to block forever and /dev/zero to grow the process by gigabytes: now one line, at once."""
    import resource

    def limit_memory():  # 2 GB of address space: far more than a run needs, far less than /dev/zero took
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))

    for path, needle in _special_files(tmp_path).items():
        p = subprocess.run([*CLI, "run", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=60,
                           preexec_fn=limit_memory)
        _one_error_line(p.returncode, p.stderr, str(path), needle)

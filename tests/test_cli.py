"""The command line: JSON shape, explain, and one-line errors with exit code 2 for every kind of bad input."""

import json
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
    assert d["outcome"] == "not_approved" and d["seed"] == 3
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
    assert abs(d["activity_cut_to_fund_ccg_contribution"] - 0.25) < 0.02


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
    "nan": _replace("tariff = { value = 2700,", "tariff = { value = nan,"),
    "negative_budget": _replace("budget = 646.2", "budget = -646.2"),
    "duplicate_id": OXFORDSHIRE.read_text() + '\n[organisations.oxfordshire_ccg]\nname = "x"\n',
    "unknown_key": _replace("tariff = {", "tarrif = 1\ntariff = {"),
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

"""The project's own fuzzing harness for everything a user can type or upload (issue 12).

Seeded mutation of the three shipped scenarios (wrong types, missing and unknown keys,
NaN and infinity, extreme numbers, bad ids, nesting, odd strings, broken relationships,
text-level damage) and hypothesis strategies (``--set`` paths and values, valid
scenarios at the documented limits, uploads, API arguments, the tariff arithmetic).

Every case must end in one of two ways: exit 2 with one stderr line per problem, each
naming the file and the field (exactly one line for a single mutation), or success for
valid input. Never a traceback, never more than ``FUZZ_CASE_SECONDS`` (default 5 s of
CPU time; a hang is stopped after 20 s of wall-clock time) for a case, never more than
256 MB of extra peak memory for a case; special files and a few mutated files also go
through a real process under a 2 GB address-space limit.

The CLI is driven in this process (about 20-50 ms a case). The normal suite runs a
bounded number of cases; ``FUZZ_CASES=2000`` runs about five times as many (scale
linearly), ``FUZZ_SEED=N`` draws a different but equally reproducible set. A failure
message names the seed and the case number, which is all it takes to reproduce it.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiation.errors import ScenarioError
from negotiation.limits import MAX_ADMISSIONS, MAX_GBP_PER_ADMISSION, MAX_MONEY_M, MAX_ROUNDS, MIN_MRET_RATE

from .clirun import run_cli
from .conftest import BASELINE, NORTHAMPTONSHIRE, OXFORDSHIRE, ROOT
from .fuzzgen import damage, mutation_case, nodes, to_toml, to_toml_value, tomllib_string

FUZZ_CASES = int(os.environ.get("FUZZ_CASES", "400"))  # about how many cases the whole harness runs
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "0"))
CASE_SECONDS = float(os.environ.get("FUZZ_CASE_SECONDS", "5"))
CASE_MEMORY_KB = 256 * 1024  # extra peak resident memory one case may take
SHIPPED = [OXFORDSHIRE, NORTHAMPTONSHIRE, BASELINE]
OUTCOMES = {"approved", "approved_with_conditions", "not_approved", "deadlock", "arbitrated"}
# Cross-field checks name no single field (or only the section): accepted for any mutation.
CROSS_CHECKS = ("an area needs at least one", "names unknown organisation", "to itself", "exceeds max_reduction",
                "more than twice this year", "councils only", "is not part of", "needs its county council",
                "has no district councils", "needs rules.", "needs activity.", "section 151 officer")
STATS = {"cases": 0, "exit_0": 0, "exit_2": 0, "seconds": 0.0, "slowest": 0.0}


def share(fraction: float, least: int = 5) -> int:
    return max(least, round(FUZZ_CASES * fraction))


@pytest.fixture(scope="module", autouse=True)
def _summary():
    run_cli("run", BASELINE, "--json")  # warm up: imports and the first plan space are not a case's cost
    yield
    print(f"\nfuzz (FUZZ_CASES={FUZZ_CASES}, FUZZ_SEED={FUZZ_SEED}): {STATS['cases']} CLI cases, "
          f"{STATS['exit_0']} valid (exit 0), {STATS['exit_2']} refused (exit 2), "
          f"{STATS['seconds']:.1f} s in cases, slowest {STATS['slowest']:.2f} s")


# ---------------------------------------------------------------- running one case under limits


class CaseTimeout(Exception):
    pass


@contextlib.contextmanager
def watchdog(seconds: float):
    """Interrupt a case that hangs (a safety net: the time assertion is the real check)."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - not POSIX
        yield
        return

    def expired(*_):
        raise CaseTimeout(f"case still running after {seconds:.0f} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cli_case(label: str, *args) -> tuple[int, str, str]:
    """Run the CLI in process within the time and memory limits; count it."""
    before, start, wall = peak_kb(), time.process_time(), time.perf_counter()
    with watchdog(max(4 * CASE_SECONDS, 20)):  # a hang takes no CPU time: wall-clock time catches it
        code, out, err = run_cli(*args)
    elapsed = time.process_time() - start  # CPU seconds: the same on a loaded machine as on an idle one
    grew = peak_kb() - before
    STATS["cases"] += 1
    STATS["seconds"] += elapsed
    STATS["slowest"] = max(STATS["slowest"], elapsed)
    STATS[f"exit_{code}"] = STATS.get(f"exit_{code}", 0) + 1
    assert elapsed < CASE_SECONDS, f"{label}: took {elapsed:.1f} s of CPU ({time.perf_counter() - wall:.1f} s)"
    assert grew < CASE_MEMORY_KB, f"{label}: peak memory grew by {grew // 1024} MB"
    return code, out, err


def check_outcome(label: str, code: int, out: str, err: str, source: str, expect: str = "either",
                  fields: tuple[str, ...] | None = None, max_lines: int = 21) -> None:
    """The harness's oracle: success with a verdict, or exit 2 with well-formed one-line errors."""
    assert "Traceback" not in err, f"{label}: traceback\n{err}"
    assert code in (0, 2), f"{label}: exit {code}\n{err}"
    if code == 0:
        assert expect != "invalid", f"{label}: accepted input that must be refused"
        assert err == "", f"{label}: exit 0 with stderr {err!r}"
        if out.startswith("{"):
            result = json.loads(out)
            assert result.get("outcome", "approved") in OUTCOMES and "scenario" in result, label
        return
    assert expect != "valid", f"{label}: refused valid input: {err}"
    lines = err.splitlines()
    assert 1 <= len(lines) <= max_lines, f"{label}: {len(lines)} lines:\n{err}"
    for line in lines:
        assert line.startswith((f"error: {source}: ", "error: --set: ")), f"{label}: not 'error: FILE: ...': {line!r}"
    if fields is not None:
        for line in lines:
            assert any(f in line for f in fields) or any(c in line for c in CROSS_CHECKS), (
                f"{label}: the error does not name the field {fields}: {line!r}")


def test_the_toml_writer_round_trips():
    raw = tomllib.loads(OXFORDSHIRE.read_text())
    raw["odd key\n"] = ["x\x7f", {"a": [1.5, -0.0, 5e-324, 1e308]}, datetime.date(2014, 9, 19)]
    assert tomllib.loads(to_toml(raw)) == raw



# ---------------------------------------------------------------- seeded mutation of the shipped scenarios


@pytest.mark.parametrize("scenario", SHIPPED, ids=lambda p: p.stem)
def test_seeded_mutations_of_shipped_scenarios(scenario, tmp_path):
    for case in range(share(0.5) // len(SHIPPED)):
        label, path, expect, fields, n = mutation_case(scenario, FUZZ_SEED, case, tmp_path)
        code, out, err = cli_case(label, "run", path, "--json")
        check_outcome(label, code, out, err, str(path), expect, fields, max_lines=n)
        path.unlink()


# ---------------------------------------------------------------- text-level damage


def test_text_level_damage(tmp_path):
    texts = {p: p.read_text() for p in SHIPPED}
    for case in range(share(0.15)):
        rng = random.Random(f"{FUZZ_SEED}:text:{case}")
        scenario = rng.choice(SHIPPED)
        data, what = damage(texts[scenario], rng)
        label = f"FUZZ_SEED={FUZZ_SEED} text case {case} ({scenario.name}): {what}"
        path = tmp_path / f"text{case}.toml"
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        code, out, err = cli_case(label, "run", path, "--json")
        expect = "valid" if what in ("byte-order mark", "CRLF") else "either"
        check_outcome(label, code, out, err, str(path), expect)
        path.unlink()


# ---------------------------------------------------------------- --set paths and values (hypothesis)


def _paths(path) -> list[str]:
    raw = tomllib.loads(path.read_text())
    return [".".join(map(str, p)) for p, _ in nodes(raw) if p]


ALL_PATHS = {p: _paths(p) for p in SHIPPED}
SET_ATOMS = ["true", "false", '"700"', '"yes"', "700", "-1", "0", "1e308", "-1e308", "nan", "inf", "5e-324",
             "[1, 2]", "{a = 1}", "{value = 1}", "abc", "", '"', "[/x]", "1979-05-27", "0x10", "1_000",
             "9" * 30, "9" * 5000, "1\nw = 2", "[" * 1500 + "]" * 1500, "[" * 12 + "]" * 12, "linear", "boulware"]


@st.composite
def set_path(draw):
    scenario = draw(st.sampled_from(SHIPPED))
    key = draw(st.sampled_from(ALL_PATHS[scenario]))
    twist = draw(st.sampled_from(["none", "none", "none", "child", "index", "empty", "text", "prefix"]))
    if twist == "child":
        key += "." + draw(st.sampled_from(["x", "0", "value"]))
    elif twist == "index":
        key = re.sub(r"\.\d+", "." + draw(st.sampled_from(["99", "-1", "01", "1.5", "a"])), key, count=1)
    elif twist == "empty":
        key = draw(st.sampled_from(["", ".", "..", key + ".", "." + key, key.replace(".", "..", 1)]))
    elif twist == "text":
        key = draw(st.text(min_size=1, max_size=20).filter(lambda k: "=" not in k))
    elif twist == "prefix":
        key = key.rsplit(".", 1)[0]
    return scenario, key


set_value = st.one_of(
    st.sampled_from(SET_ATOMS),
    st.floats(allow_nan=True).map(lambda x: to_toml_value(x)),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=30),
    st.text(max_size=30).map(tomllib_string),
    st.integers(0, 40).map(lambda d: "[" * d + "1" + "]" * d),
)


@settings(max_examples=share(0.2), deadline=None, derandomize=FUZZ_SEED == 0, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(target=set_path(), value=set_value, command=st.sampled_from(["run", "explain"]))
def test_set_paths_and_values(target, value, command):
    scenario, key = target
    label = f"{command} {scenario.name} --set {key}={value[:60]!r}"
    code, out, err = cli_case(label, command, scenario, "--set", f"{key}={value}", "--json")
    first = key.split(".")[0].strip()
    fields = None if not first or not re.fullmatch(r"[A-Za-z0-9_-]+", first) else (first,)
    try:  # a table or list put in place of a table can lack several required fields: a line each
        lines = 21 if isinstance(tomllib.loads(f"v = {value}")["v"], (dict, list)) else 1
    except (tomllib.TOMLDecodeError, RecursionError, ValueError, KeyError):
        lines = 1
    check_outcome(label, code, out, err, str(scenario), "either", fields, max_lines=lines)


# ---------------------------------------------------------------- valid scenarios at the documented limits


money = st.floats(0, MAX_MONEY_M)
fraction = st.floats(0, 1)


@st.composite
def valid_overrides(draw):
    scenario = draw(st.sampled_from(SHIPPED))
    raw = tomllib.loads(scenario.read_text())
    sets = {}
    for org_id, org in raw["organisations"].items():
        for field in ("budget", "committed_spend", "savings_obligation", "intervention_cost", "existing_pooled"):
            if draw(st.booleans()):
                sets[f"organisations.{org_id}.{field}"] = draw(money)
        if org["kind"] == "council" and draw(st.booleans()):
            sets[f"organisations.{org_id}.asc_need"] = draw(money)
    this_year = draw(st.floats(1, MAX_ADMISSIONS))
    sets["activity.admissions_this_year"] = this_year
    sets["activity.admissions_last_year"] = draw(st.floats(1, MAX_ADMISSIONS))
    sets["activity.baseline_admissions"] = draw(st.floats(0, min(MAX_ADMISSIONS, 2 * this_year)))
    sets["activity.tariff"] = draw(st.floats(1, MAX_GBP_PER_ADMISSION))
    top = draw(fraction)
    sets["activity.max_reduction"] = top
    sets["activity.achievable_reduction"] = draw(st.floats(0, top))
    sets["rules.mret_rate"] = draw(st.floats(MIN_MRET_RATE, 1))
    sets["rules.minimum_fund"] = draw(money)
    sets["rules.deadline_rounds"] = draw(st.sampled_from([1, 2, 12, MAX_ROUNDS]))
    for i, _ in enumerate(raw.get("relationships", [])):
        if draw(st.booleans()):
            sets[f"relationships.{i}.trust"] = draw(fraction)
    seed = draw(st.integers(0, 2**64))
    return scenario, sets, seed


@settings(max_examples=share(0.08), deadline=None, derandomize=FUZZ_SEED == 0, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(case=valid_overrides())
def test_valid_scenarios_at_the_limits_run(case):
    scenario, sets, seed = case
    args = [a for k, v in sets.items() for a in ("--set", f"{k}={to_toml_value(v)}")]
    label = f"{scenario.name} seed {seed} {sets}"
    code, out, err = cli_case(label, "run", scenario, "--seed", seed, "--json", *args)
    check_outcome(label, code, out, err, str(scenario), "valid")
    result = json.loads(out)
    assert all(math.isfinite(o["utility"]) for o in result["organisations"].values()), label
    code, out, err = cli_case(label, "explain", scenario, "--json", *args)
    check_outcome(label, code, out, err, str(scenario), "valid")
    json.loads(out, parse_constant=lambda c: pytest.fail(f"{label}: explain printed {c}"))


# ---------------------------------------------------------------- the app's upload, the API, the arithmetic


def test_uploads_fail_in_one_line_per_problem():
    from viz.session import raw_from_upload

    texts = {p: p.read_text() for p in SHIPPED}
    for case in range(share(0.05)):
        rng = random.Random(f"{FUZZ_SEED}:upload:{case}")
        data, what = damage(texts[rng.choice(SHIPPED)], rng)
        data = data if isinstance(data, bytes) else data.encode("utf-8")
        with watchdog(20):
            try:
                raw_from_upload("up.toml", data)
            except ScenarioError as exc:
                assert all(line.startswith("up.toml: ") for line in str(exc).splitlines()), what
    for size, shown in ((300 * 1024, "300 KB"), (20 * 1024 * 1024, "20.0 MB")):
        with pytest.raises(ScenarioError, match=f"file is {shown}; the limit is 256 KB"):
            raw_from_upload("big.toml", b"", size)
    deep = b"x = " + b"[" * 1000 + b"]" * 1000
    with pytest.raises(ScenarioError, match="nested more than 10"):
        raw_from_upload("deep.toml", deep)


@settings(max_examples=share(0.03), deadline=None, derandomize=FUZZ_SEED == 0, database=None)
@given(rounds=st.one_of(st.none(), st.integers(-10**9, 10**9), st.sampled_from([True, 1.5, "3", 0, MAX_ROUNDS])),
       seed=st.one_of(st.integers(-10**6, 2**70), st.sampled_from([None, False, 2.0, "1"])))
def test_api_rounds_and_seeds(rounds, seed):
    from negotiation import run_scenario

    start = time.perf_counter()
    try:
        result = run_scenario(BASELINE, seed=seed, rounds=rounds)
    except ScenarioError as exc:
        assert exc.field in ("rounds", "seed") and len(str(exc).splitlines()) == 1
    else:
        assert result.outcome in OUTCOMES and result.rounds <= MAX_ROUNDS
    assert time.perf_counter() - start < CASE_SECONDS


@given(x=st.floats(allow_nan=True), y=st.floats(allow_nan=True), z=st.floats(allow_nan=True))
@settings(max_examples=share(0.05), derandomize=FUZZ_SEED == 0, database=None)
def test_tariff_arithmetic_never_divides_by_zero(x, y, z):
    from negotiation.domain import tariff

    tariff.activity_cut_to_release(x, y, z, x)
    tariff.required_cut_vs_current(x, y)
    tariff.retained_marginal_pot_m(x, y, z, x)
    if not y <= 0:
        tariff.growth(y, x)
    else:
        with pytest.raises(ValueError):
            tariff.growth(y, x)


# ---------------------------------------------------------------- a few cases through a real process


def _limit_memory():  # 2 GB of address space for the child: far above a run, far below a runaway read
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_real_processes_agree_with_in_process_runs(tmp_path):
    cases = [mutation_case(SHIPPED[c % 3], FUZZ_SEED, 10_000 + c, tmp_path) for c in range(4)]
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    for label, path, expect, fields, n in cases + [("fifo", fifo, "invalid", None, 1)]:
        start = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "negotiation", "run", str(path), "--json"], capture_output=True,
                           text=True, cwd=ROOT, timeout=60, preexec_fn=_limit_memory)
        check_outcome(label, p.returncode, p.stdout, p.stderr, str(path), expect, fields, max_lines=n)
        assert time.perf_counter() - start < 30, label
        if path != fifo:
            code, out, err = run_cli("run", path, "--json")
            assert (code, err) == (p.returncode, p.stderr), label

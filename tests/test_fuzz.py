"""The project's own fuzzing harness for everything a user can type or upload (issue 12).

Seeded mutation of the three shipped scenarios (wrong types, missing and unknown keys,
NaN and infinity, extreme numbers, bad ids, nesting, odd strings, broken relationships,
text-level damage) and hypothesis strategies (``--set`` paths and values, valid
scenarios at the documented limits, uploads, API arguments, the tariff arithmetic).

Every case must end in one of two ways: exit 2 with one stderr line per problem, each
naming the file and the field (exactly one line for a single mutation), or success for
valid input. Never a traceback, never more than ``FUZZ_CASE_SECONDS`` (default 5 s of
CPU time; a hang is stopped after 20 s of wall-clock time) for a case, never more than 256 MB of extra peak memory for a case; special files and a few
mutated files also go through a real process under a 2 GB address-space limit.

The CLI is driven in this process (about 20-50 ms a case). The normal suite runs a
bounded number of cases; ``FUZZ_CASES=2000`` runs about five times as many (scale
linearly), ``FUZZ_SEED=N`` draws a different but equally reproducible set. A failure
message names the seed and the case number, which is all it takes to reproduce it.
"""

from __future__ import annotations

import contextlib
import copy
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

FUZZ_CASES = int(os.environ.get("FUZZ_CASES", "400"))  # about how many cases the whole harness runs
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "0"))
CASE_SECONDS = float(os.environ.get("FUZZ_CASE_SECONDS", "5"))
CASE_MEMORY_KB = 256 * 1024  # extra peak resident memory one case may take
SHIPPED = [OXFORDSHIRE, NORTHAMPTONSHIRE, BASELINE]
OUTCOMES = {"approved", "not_approved", "deadlock"}
# Cross-field checks name no single field (or only the section): accepted for any mutation.
CROSS_CHECKS = ("an area needs at least one", "names unknown organisation", "to itself", "exceeds max_reduction",
                "more than twice this year", "councils only")
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


# ---------------------------------------------------------------- TOML out (tomllib only reads)


def _key(k: str) -> str:
    return _string(k)


def _string(s: str) -> str:
    body = json.dumps(s, ensure_ascii=False)[1:-1].replace("\x7f", "\\u007f").replace("\\/", "/")
    return f'"{body}"'


def to_toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        text = repr(v)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(to_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {to_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(raw: dict) -> str:
    """A document of one-line ``"key" = value`` entries (inline tables): any raw dict, any key."""
    return "".join(f"{_key(k)} = {to_toml_value(v)}\n" for k, v in raw.items())


def test_the_toml_writer_round_trips():
    raw = tomllib.loads(OXFORDSHIRE.read_text())
    raw["odd key\n"] = ["x\x7f", {"a": [1.5, -0.0, 5e-324, 1e308]}, datetime.date(2014, 9, 19)]
    assert tomllib.loads(to_toml(raw)) == raw


# ---------------------------------------------------------------- seeded mutation of the shipped scenarios


def dotted(parts) -> str:
    """A path as the error messages write it (negotiation.scenario._part)."""
    return ".".join(p if re.fullmatch(r"[A-Za-z0-9_-]+", p) else json.dumps(p, ensure_ascii=False)
                    for p in map(str, parts))


def nodes(raw) -> list[tuple[tuple, object]]:
    """Every (path, value) in a raw scenario, tables and lists included."""
    out, stack = [], [((), raw)]
    while stack:
        path, node = stack.pop()
        out.append((path, node))
        if isinstance(node, dict):
            stack.extend((path + (k,), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((path + (i,), v) for i, v in enumerate(node))
    return sorted(out, key=lambda pv: [str(p) for p in pv[0]])


def parent_of(raw, path):
    node = raw
    for p in path[:-1]:
        node = node[p]
    return node


def category(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


ODD_STRINGS = ["", "646.2", "yes", "true", "[/x] [bold]", "line\nbreak", "tab\there", "🙂 £ ¶", "\x00\x1b[31m",
               "x" * 10_000, " linear", "LINEAR"]
TYPE_POOL = [True, False, 0, 1, -1, 12, 0.5, 646.2, "646.2", "12", "yes", "", [], [1, 2], [{"a": 1}], {},
             {"value": 1.0}, datetime.date(2014, 9, 19), datetime.time(9, 30)]
EXTREMES = [0, 0.0, -0.0, -1e-9, -1, 1, 1e-300, 5e-324, 0.999999, 1.0000001, 500, 501, 12.5, 1e6, 1e6 + 1,
            1e7, 1e7 + 1, 2**63 - 1, -(2**63), 1e308, -1e308, 1.7976931348623157e308]
BAD_IDS = ["chair", "Upper", "with space", "x\n", "1abc", "a.b", "é", "_x", "x-y", "", "ccg\t"]


def mutate(raw: dict, rng: random.Random) -> tuple:
    """Apply one random mutation in place.

    Returns (what, expectation, fields an error must name[, most error lines it can cause: default 1]).
    """
    everything = nodes(raw)
    leaves = [(p, v) for p, v in everything if p and not isinstance(v, (dict, list))]
    numbers = [(p, v) for p, v in leaves if category(v) == "number"]
    tables = [(p, v) for p, v in everything if isinstance(v, dict)]
    strings = [(p, v) for p, v in leaves if isinstance(v, str)]
    orgs = raw.get("organisations")
    orgs_ok = isinstance(orgs, dict) and orgs and all(isinstance(o, dict) for o in orgs.values())
    rels = raw.get("relationships", [])
    rels_ok = isinstance(rels, list) and all(isinstance(r, dict) for r in rels)
    possible = {"type": leaves, "delete": len(everything) > 1, "unknown": tables, "non_finite": numbers,
                "extreme": numbers, "id": orgs_ok, "nest": leaves, "string": strings,
                "relationship": orgs_ok and rels_ok, "kind": orgs_ok, "add_org": orgs_ok, "section": True}
    kind = rng.choice(["type", "type", "delete", "unknown", "non_finite", "extreme", "extreme", "id", "nest",
                       "string", "relationship", "kind", "add_org", "section"])
    if not possible[kind]:  # an earlier mutation removed what this one needs
        kind = "section"
    if kind == "type":
        path, old = rng.choice(leaves)
        new = rng.choice(TYPE_POOL)
        parent_of(raw, path)[path[-1]] = new
        same = category(new) == category(old) or (category(old) == "number" and category(new) == "number")
        return f"type {dotted(path)} = {new!r}", "either" if same else "invalid", (dotted(path),)
    if kind == "delete":
        path, _ = rng.choice([pv for pv in everything if pv[0]])
        container = parent_of(raw, path)
        del container[path[-1]]
        shown = path if isinstance(container, dict) else path[:-1]  # a list item: its list shifts
        return f"delete {dotted(path)}", "either", (dotted(shown),)
    if kind == "unknown":
        path, table = rng.choice(tables)
        name = rng.choice(["mystery", "Budget", "budget ", "", "é", "tarrif", "mret_rat", "x.y"])
        if name in table:
            name += "_"
        table[name] = rng.choice(TYPE_POOL + [1.0])
        # Under organisations a new key is a new organisation: its id and each missing field, a line each.
        lines = 21 if path == ("organisations",) else 1
        return f"unknown key {dotted(path + (name,))}", "invalid", (dotted(path + (name,)),), lines
    if kind == "non_finite":
        path, _ = rng.choice(numbers)
        value = rng.choice([math.nan, math.inf, -math.inf])
        parent_of(raw, path)[path[-1]] = value
        return f"non-finite {dotted(path)} = {value}", "invalid", (dotted(path),)
    if kind == "extreme":
        path, _ = rng.choice(numbers)
        value = rng.choice(EXTREMES)
        parent_of(raw, path)[path[-1]] = value
        return f"extreme {dotted(path)} = {value!r}", "either", (dotted(path),)
    if kind == "id":
        old = rng.choice(list(raw["organisations"]))
        new = rng.choice(BAD_IDS)
        if new in raw["organisations"]:
            return "id unchanged", "either", None
        raw["organisations"] = {new if k == old else k: v for k, v in raw["organisations"].items()}
        for rel in rels if rels_ok else []:
            for end in ("a", "b"):
                if rel.get(end) == old:
                    rel[end] = new
        return f"id {old!r} -> {new!r}", "invalid", (dotted(("organisations", new)),)
    if kind == "nest":
        path, value = rng.choice(leaves)
        depth = rng.choice([1, 2, 3, 9, 12, 40])
        for _ in range(depth):
            value = [value] if rng.random() < 0.5 else {"v": value}
        parent_of(raw, path)[path[-1]] = value
        return f"nest {dotted(path)} {depth} deep", "invalid", (dotted(path),)
    if kind == "string":
        path, _ = rng.choice(strings)
        value = rng.choice(ODD_STRINGS)
        parent_of(raw, path)[path[-1]] = value
        return f"string {dotted(path)} = {value[:20]!r}", "either", (dotted(path),)
    if kind == "relationship":
        rels = raw.setdefault("relationships", [])
        ids = list(raw["organisations"])
        choice = rng.choice(["self", "unknown", "duplicate", "empty", "trust"])
        if choice == "empty":
            raw["relationships"] = []
            return "no relationships", "valid" if _valid_apart_from_relationships(raw) else "either", None
        if choice == "self":
            rels.append({"a": ids[0], "b": ids[0]})
        elif choice == "unknown":
            rels.append({"a": ids[0], "b": "nobody"})
        elif choice == "duplicate" and rels:
            rels.append(copy.deepcopy(rels[0]))
            return "duplicate relationship", "either", None
        else:
            rels.append({"a": ids[0], "b": ids[-1], "trust": rng.choice([-0.1, 0.0, 1.0, 1.5, 0.9])})
            return "relationship trust", "either", (f"relationships.{len(rels) - 1}.trust",)
        return f"relationship {choice}", "either" if choice == "duplicate" else "invalid", (f"relationships.{len(rels) - 1}",)
    if kind == "kind":
        org = rng.choice(list(raw["organisations"]))
        value = rng.choice(["ccg", "council", "acute_trust", "community_trust", "trust", "CCG", ""])
        raw["organisations"][org]["kind"] = value
        return f"kind {org} = {value}", "either", (dotted(("organisations", org, "kind")),)
    if kind == "add_org":
        source_id = rng.choice(list(raw["organisations"]))
        new_id = f"{source_id}_copy{rng.randrange(100)}"
        raw["organisations"][new_id] = copy.deepcopy(raw["organisations"][source_id])
        return f"add organisation {new_id}", "either", (dotted(("organisations", new_id)),)
    section = rng.choice(["scenario", "rules", "activity", "organisations", "relationships"])
    raw[section] = rng.choice([5, "text", [], {}, [{}]])
    # An emptied section lists each required field it lacks: one line each, all inside the section.
    lines = 21 if isinstance(raw[section], (dict, list)) else 1
    return f"section {section} = {raw[section]!r}", "invalid" if section != "relationships" else "either", (section,), lines


def _valid_apart_from_relationships(raw) -> bool:
    return False  # relationships are optional, but the other mutations may have broken something else


def mutation_case(path, seed: int, case: int, tmp_path):
    rng = random.Random(f"{seed}:{path.name}:{case}")
    raw = tomllib.loads(path.read_text())
    n = rng.choice([1, 1, 1, 2, 3])
    done = [mutate(raw, rng) for _ in range(n)]
    label = f"FUZZ_SEED={seed} {path.name} case {case}: " + "; ".join(d[0] for d in done)
    out = tmp_path / f"case{case}.toml"
    out.write_text(to_toml(raw), encoding="utf-8")
    lines = sum(d[3] if len(d) > 3 else 1 for d in done)  # each mutation: one line, or as it says
    if n == 1:
        expect, fields = done[0][1], done[0][2]
    else:
        expect = "invalid" if any(d[1] == "invalid" for d in done) else "either"
        fields = None
    return label, out, expect, fields, min(lines, 21)


@pytest.mark.parametrize("scenario", SHIPPED, ids=lambda p: p.stem)
def test_seeded_mutations_of_shipped_scenarios(scenario, tmp_path):
    for case in range(share(0.5) // len(SHIPPED)):
        label, path, expect, fields, n = mutation_case(scenario, FUZZ_SEED, case, tmp_path)
        code, out, err = cli_case(label, "run", path, "--json")
        check_outcome(label, code, out, err, str(path), expect, fields, max_lines=n)
        path.unlink()


# ---------------------------------------------------------------- text-level damage


def damage(text: str, rng: random.Random) -> tuple[str | bytes, str]:
    lines = text.splitlines(keepends=True)
    kind = rng.choice(["drop_line", "duplicate_line", "swap_lines", "truncate", "bytes", "deep", "bom", "crlf",
                       "nul", "replace_value"])
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    if kind == "drop_line":
        return "".join(lines[:i] + lines[i + 1:]), f"drop line {i + 1}"
    if kind == "duplicate_line":
        return "".join(lines[: i + 1] + [lines[i]] + lines[i + 1:]), f"duplicate line {i + 1}"
    if kind == "swap_lines":
        lines[i], lines[j] = lines[j], lines[i]
        return "".join(lines), f"swap lines {i + 1} and {j + 1}"
    if kind == "truncate":
        cut = rng.randrange(len(text))
        return text[:cut], f"truncate at {cut}"
    if kind == "bytes":
        data = bytearray(text.encode())
        for _ in range(rng.randint(1, 8)):
            data.insert(rng.randrange(len(data)), rng.randrange(256))
        return bytes(data), "random bytes"
    if kind == "deep":
        depth = rng.choice([11, 999, 1000, 1001, 5000, 60_000])
        return text + "\nx = " + "[" * depth + "]" * depth + "\n", f"nesting {depth}"
    if kind == "bom":
        return "\ufeff" + text, "byte-order mark"
    if kind == "crlf":
        return text.replace("\n", "\r\n"), "CRLF"
    if kind == "nul":
        return text[:i] + "\x00" + text[i:], "NUL"
    numbers = list(re.finditer(r"= (-?[0-9][0-9_.e+-]*)", text))
    m = rng.choice(numbers)
    new = rng.choice(["true", '"1"', "nan", "-inf", "1e999", "0x10", "1_000", "07", "[1]", "{}", "1979-05-27", "--1"])
    return text[: m.start(1)] + new + text[m.end(1):], f"value at {m.start(1)} -> {new}"


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
    st.text(max_size=30).map(_string),
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

"""Scenario files: shipped ones load and are sourced; bad ones fail with file, field and problem named."""

import math
import re

import pytest

from negotiation import ScenarioError, load_scenario
from negotiation.scenario import scenario_from_dict

from .conftest import BASELINE, NORTHAMPTONSHIRE, OXFORDSHIRE, SCENARIOS, minimal_raw


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_shipped_scenarios_load(path):
    from negotiation.boards import is_multi_board, load_area
    from negotiation.scenario import read_raw

    if is_multi_board(read_raw(path)):  # [boards.<id>]: each board is a one-board scenario
        assert all(s.organisations for s in load_area(path).boards.values())
        return
    s = load_scenario(path)
    assert s.organisations


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_every_figure_carries_a_source_comment(path):
    """Every numeric assignment line (or the table header above it) names a source or says estimate."""
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\s*[a-z_]+\s*=\s*-?[0-9]", line) and not line.strip().startswith("#"):
            context = line + (lines[i - 1] if i else "")
            header = next((lines[j] for j in range(i, -1, -1) if lines[j].startswith("[")), "")
            assert "#" in context or "#" in header, f"{path.name}:{i + 1} has no source comment: {line}"


def test_northamptonshire_has_two_ccgs():
    s = load_scenario(NORTHAMPTONSHIRE)
    assert sum(o.kind == "ccg" for o in s.organisations.values()) == 2


def test_override_by_dotted_path():
    s = load_scenario(OXFORDSHIRE, ["organisations.oxfordshire_ccg.budget=700", "rules.mret_rate=0.5"])
    assert s.organisations["oxfordshire_ccg"].budget == 700
    assert s.rules.mret_rate == 0.5


def _error(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


def _with(replace, by):
    text = OXFORDSHIRE.read_text()
    assert replace in text
    return text.replace(replace, by, 1)


def test_missing_file():
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario("nowhere.toml")


def test_not_toml(tmp_path):
    assert "not valid TOML" in _error(tmp_path, "this is [not toml")


def test_wrong_type(tmp_path):
    msg = _error(tmp_path, _with("budget = 646.2", 'budget = "lots"'))
    assert "organisations.oxfordshire_ccg.budget" in msg and "lots" in msg


def test_nan(tmp_path):
    msg = _error(tmp_path, _with("mret_rate = 0.3", "mret_rate = nan"))
    assert "rules.mret_rate" in msg and "finite" in msg


def test_negative_budget(tmp_path):
    msg = _error(tmp_path, _with("budget = 646.2", "budget = -1"))
    assert "organisations.oxfordshire_ccg.budget" in msg and "greater than or equal to 0" in msg


def test_duplicate_id(tmp_path):
    text = OXFORDSHIRE.read_text() + '\n[organisations.oxford_health]\nname = "again"\nkind = "ccg"\n'
    assert "defined twice" in _error(tmp_path, text)


def test_unknown_key(tmp_path):
    msg = _error(tmp_path, _with("mret_rate = 0.3", "mret_rate = 0.3\nmret_rat = 0.4"))
    assert "rules.mret_rat" in msg and "unknown key" in msg


def test_unknown_section(tmp_path):
    msg = _error(tmp_path, OXFORDSHIRE.read_text() + "\n[extras]\nx = 1\n")
    assert "extras" in msg and "unknown key" in msg


def test_unknown_strategy(tmp_path):
    msg = _error(tmp_path, _with('strategy = "linear"', 'strategy = "stubborn"'))
    assert "strategy" in msg and "stubborn" in msg


def test_cross_field_checks():
    raw = minimal_raw(ccg={"asc_need": 3})
    with pytest.raises(ScenarioError, match="councils only"):
        scenario_from_dict(raw)
    raw = minimal_raw()
    raw["relationships"] = [{"a": "ccg", "b": "nobody"}]
    with pytest.raises(ScenarioError, match="unknown organisation"):
        scenario_from_dict(raw)
    raw = minimal_raw()
    raw["activity"]["achievable_reduction"] = 0.5
    with pytest.raises(ScenarioError, match="exceeds max_reduction"):
        scenario_from_dict(raw)


def test_override_unknown_org():
    with pytest.raises(ScenarioError, match="no organisation with that id"):
        load_scenario(BASELINE, ["organisations.nobody.budget=1"])


# ---------------------------------------------------------------- issue 12: strict types, ids, limits


@pytest.mark.parametrize(
    "replace, by, field",
    [
        ("budget = 646.2", "budget = true", "organisations.oxfordshire_ccg.budget"),
        ("budget = 646.2", 'budget = "646.2"', "organisations.oxfordshire_ccg.budget"),
        ("deadline_rounds = { value = 8,", 'deadline_rounds = { value = "8",', "rules.deadline_rounds"),
        ("deadline_rounds = { value = 8,", "deadline_rounds = { value = 8.0,", "rules.deadline_rounds"),
        ('strategy = "linear"', 'strategy = "linear"\nbreach_duty = "yes"', "breach_duty"),
        ('strategy = "linear"', 'strategy = "linear"\nbreach_duty = 1', "breach_duty"),
        ('name = "Oxfordshire 2014/15"', "name = 2014", "scenario.name"),
    ],
)
def test_wrong_types_are_refused_not_converted(tmp_path, replace, by, field):
    msg = _error(tmp_path, _with(replace, by))
    assert field in msg and len(msg.splitlines()) == 1


def test_whole_numbers_are_accepted_where_money_is_expected():
    s = load_scenario(OXFORDSHIRE, {"organisations.oxfordshire_ccg.budget": 700})
    assert s.organisations["oxfordshire_ccg"].budget == 700.0 and isinstance(s.organisations["oxfordshire_ccg"].budget, float)


@pytest.mark.parametrize("value", [True, "700", "lots"])
def test_overrides_are_validated_strictly(value):
    with pytest.raises(ScenarioError, match="organisations.oxfordshire_ccg.budget"):
        load_scenario(OXFORDSHIRE, {"organisations.oxfordshire_ccg.budget": value})


def test_set_values_are_toml_values():
    with pytest.raises(ScenarioError, match="valid number"):
        load_scenario(BASELINE, ["organisations.middleshire_ccg.budget=true"])
    with pytest.raises(ScenarioError, match=r'got "700"'):
        load_scenario(OXFORDSHIRE, ['organisations.oxfordshire_ccg.budget="700"'])
    s = load_scenario(BASELINE, ["organisations.middleshire_ccg.strategy=boulware", "rules.mret_rate=0.5"])
    assert s.organisations["middleshire_ccg"].strategy == "boulware" and s.rules.mret_rate == 0.5


def test_id_with_a_trailing_newline_is_refused(tmp_path):
    text = OXFORDSHIRE.read_text().replace("[organisations.oxfordshire_ccg]", '[organisations."oxfordshire_ccg\\n"]')
    msg = _error(tmp_path, text)
    assert "oxfordshire_ccg\\n" in msg and len(msg.splitlines()) == 1


def test_chair_is_reserved_for_the_mediator(tmp_path):
    from negotiation.model import CHAIR
    from negotiation.scenario import RESERVED_IDS

    assert CHAIR in RESERVED_IDS
    msg = _error(tmp_path, BASELINE.read_text().replace("middleshire_ccg", CHAIR))
    assert "organisations.chair" in msg and "reserved" in msg


@pytest.mark.parametrize("depth", [11, 1000, 5000])
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path, depth):
    text = OXFORDSHIRE.read_text() + "\nx = " + "[" * depth + "]" * depth + "\n"
    assert "nested more than 10 levels" in _error(tmp_path, text)
    raw = minimal_raw()
    deep = node = {}
    for _ in range(depth):
        node["a"] = {}
        node = node["a"]
    raw["rules"]["x"] = deep
    with pytest.raises(ScenarioError, match="nested more than"):
        scenario_from_dict(raw)
    with pytest.raises(ScenarioError, match="nested more than"):
        load_scenario(OXFORDSHIRE, ["rules.x=" + "[" * depth + "]" * depth])


@pytest.mark.parametrize(
    "key, value, needle",
    [
        ("activity.tariff", 1e308, "less than or equal to 1000000"),
        ("activity.admissions_this_year", 1e308, "less than or equal to 10000000"),
        ("activity.admissions_last_year", 1e308, "less than or equal to 10000000"),
        ("activity.admissions_last_year", 1e-300, "greater than or equal to 1"),
        ("rules.mret_rate", 0, "greater than or equal to 0.01"),
        ("organisations.oxfordshire_ccg.budget", 1e300, "less than or equal to 1000000"),
        ("organisations.oxfordshire_ccg.required_surplus", -1e300, "greater than or equal to -1000000"),
        ("rules.deadline_rounds", 10**6, "less than or equal to 500"),
        ("rules.deadline_rounds", 10**30, "less than or equal to 500"),
        ("scenario.name", "x" * 501, "at most 500 characters"),
    ],
)
def test_values_beyond_the_documented_ceilings_are_refused(key, value, needle):
    with pytest.raises(ScenarioError) as info:
        load_scenario(OXFORDSHIRE, {key: value})
    assert key in str(info.value) and needle in str(info.value) and len(str(info.value).splitlines()) == 1


def test_the_largest_allowed_values_do_not_overflow():
    from negotiation import run_scenario
    from negotiation.explain import explain

    s = load_scenario(OXFORDSHIRE, {"activity.tariff": 1_000_000, "activity.admissions_this_year": 10_000_000,
                                    "activity.admissions_last_year": 1, "activity.baseline_admissions": 10_000_000,
                                    "organisations.oxfordshire_ccg.budget": 1_000_000, "rules.mret_rate": 0.01})
    figures = explain(s)
    assert all(math.isfinite(v) for v in figures.values() if isinstance(v, float))
    assert run_scenario(s).outcome in ("approved", "not_approved", "deadlock")


def test_file_size_limit_states_the_real_size(tmp_path):
    path = tmp_path / "big.toml"
    data = OXFORDSHIRE.read_bytes()
    path.write_bytes(data + b"\n# " + b"x" * (300 * 1024 - len(data) - 4) + b"\n")
    assert path.stat().st_size == 300 * 1024
    with pytest.raises(ScenarioError, match=r"file is 300 KB; the limit is 256 KB"):
        load_scenario(path)


def test_list_items_by_index_in_dotted_paths():
    s = load_scenario(BASELINE, ["relationships.0.trust=0.9"])
    assert s.relationships[0].trust == 0.9
    with pytest.raises(ScenarioError, match=r"relationships\.3: no item '3' in this list of 3"):
        load_scenario(BASELINE, ["relationships.3.trust=0.9"])
    from negotiation.scenario import get_path, read_raw

    assert get_path(read_raw(BASELINE), "relationships.1.b") == "middleshire_hospitals"


def test_finite_check_names_the_dotted_form():
    with pytest.raises(ScenarioError, match=r"relationships\.0\.trust: must be a finite number"):
        load_scenario(BASELINE, {"relationships.0.trust": math.nan})


def test_every_problem_in_a_file_is_listed_one_line_each(tmp_path):
    text = _with("budget = 646.2", "budget = true")
    text = text.replace("mret_rate = 0.3", "mret_rate = nan").replace("deadline_rounds = { value = 8,", "deadline_rounds = { value = 8.5,")
    text = text.replace('strategy = "linear"', 'strategy = "psychic"', 1) + "\n[extras]\nx = 1\n"
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    lines = str(info.value).splitlines()
    fields = ["rules.mret_rate", "rules.deadline_rounds", "organisations.oxfordshire_ccg.budget", "strategy", "extras"]
    assert len(lines) == len(fields) == len(info.value.problems)
    for line, field in zip(lines, fields):
        assert line.startswith(f"{path}: ") and field in line


def test_an_error_is_always_one_line_per_problem():
    raw = minimal_raw()
    raw["scenario"]["name"] = 7
    raw["organisations"]["bad\nid"] = raw["organisations"].pop("ccg")
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw, "file\nname.toml")
    assert len(str(info.value).splitlines()) == len(info.value.problems) == 2


def test_scenario_errors_survive_pickling_to_worker_processes():
    import pickle

    err = ScenarioError("x.toml", "rules.mret_rate", "too big", [("rules.p4p_fraction", "too small")])
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and back.problems == err.problems


def test_a_nan_inside_a_refused_value_is_not_listed_again():
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASELINE, {"scenario.name": [1, math.nan], "rules.mret_rate": math.nan})
    assert [f for f, _ in info.value.problems] == ["scenario.name", "rules.mret_rate"]

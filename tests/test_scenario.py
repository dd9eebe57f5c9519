"""Scenario files: shipped ones load and are sourced; bad ones fail with file, field and problem named."""

import re

import pytest

from negotiation import ScenarioError, load_scenario
from negotiation.scenario import scenario_from_dict

from .conftest import BASELINE, NORTHAMPTONSHIRE, OXFORDSHIRE, SCENARIOS, minimal_raw


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_shipped_scenarios_load(path):
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

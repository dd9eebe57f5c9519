"""Ranges on scenario figures: syntax, errors, the shipped estimates, reproducible designs, the statistics."""

import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from negotiation import load_scenario
from negotiation.errors import ScenarioError
from negotiation.scenario import get_path, read_raw
from negotiation.uncertainty import read_ranged, split_ranges
from negotiation.uncertainty.sampling import AssessError, draw
from negotiation.uncertainty.stats import outcome_shares, probabilities, wilson

from .conftest import BASELINE, NORTHAMPTONSHIRE, OXFORDSHIRE

SHIPPED = [OXFORDSHIRE, NORTHAMPTONSHIRE, BASELINE]

TOY = """
[scenario]
name = "toy"
[rules]
minimum_fund = 10.0
deadline_rounds = 6
[activity]
admissions_last_year = 10000
admissions_this_year = 10100
baseline_admissions = 9000
tariff = 2000
achievable_reduction = 0.03
reduction_per_scheme = 0.004
max_reduction = 0.06
asc_spillover = {asc_spillover}
[organisations.ccg]
name = "A CCG"
kind = "ccg"
budget = 200
committed_spend = {committed}
existing_pooled = 6
intervention_cost = 2
[organisations.council]
name = "A Council"
kind = "council"
budget = 100
committed_spend = 97
asc_need = 2
intervention_cost = 2
[[relationships]]
a = "ccg"
b = "council"
trust = {trust}
"""


def toy(tmp_path, committed="190", asc_spillover="0.5", trust="0.5", name="toy.toml"):
    path = tmp_path / name
    path.write_text(TOY.replace("{committed}", committed).replace("{asc_spillover}", asc_spillover)
                    .replace("{trust}", trust))
    return path


RANGE = '{ value = 190, low = 185, high = 195, basis = "estimate: test" }'


def test_plain_numbers_stay_valid_and_a_range_reads_as_its_value(tmp_path):
    plain = load_scenario(toy(tmp_path, name="plain.toml"))
    ranged = load_scenario(toy(tmp_path, committed=RANGE, trust='{ value = 0.5, low = 0.3, high = 0.7, basis = "b" }'))
    assert ranged == plain  # the model never sees a range
    r = read_ranged(tmp_path / "toy.toml")
    assert set(r.ranges) == {"organisations.ccg.committed_spend", "relationships.0.trust"}
    c = r.ranges["organisations.ccg.committed_spend"]
    assert (c.value, c.low, c.high, c.basis, c.integer) == (190, 185, 195, "estimate: test", True)
    assert get_path(r.raw, "relationships.0.trust") == 0.5


def test_fingerprint_follows_figures_and_ranges_not_comments(tmp_path):
    a = read_ranged(toy(tmp_path, committed=RANGE, name="a.toml"))
    p = toy(tmp_path, committed=RANGE, name="b.toml")
    p.write_text("# a comment\n" + p.read_text())
    b = read_ranged(p)
    c = read_ranged(toy(tmp_path, committed=RANGE.replace("195", "196"), name="c.toml"))
    assert a.fingerprint == b.fingerprint != c.fingerprint


@pytest.mark.parametrize("text, problem", [
    ('{ value = 190, low = 195, high = 200, basis = "x" }', "low <= value <= high"),
    ('{ value = 190, low = 180, high = 185, basis = "x" }', "low <= value <= high"),
    ('{ value = 190, low = 180, high = 200 }', "basis: missing: a range needs value, low, high and basis"),
    ('{ value = 190, low = 180, high = 200, basis = "  " }', "basis: must say why"),
    ('{ value = 190, low = 180, high = 200, basis = 3 }', "basis: must say why"),
    ('{ value = 190, low = 180, high = nan, basis = "x" }', "high: must be a finite number"),
    ('{ value = 190, low = -inf, high = 200, basis = "x" }', "low: must be a finite number"),
    ('{ value = "190", low = 180, high = 200, basis = "x" }', 'value: ranges are for numeric figures only: must be a number (got "190")'),
    ('{ value = true, low = 180, high = 200, basis = "x" }', "value: ranges are for numeric figures only: must be a number (got true)"),
    ('{ value = 190, low = 180, high = 200, basis = "x", shape = "normal" }', "shape: unknown key in a range"),
    ('{ value = 190, low = 190, high = 190, basis = "x" }', ": range low and high are equal"),
    ('{ low = 180, high = 200, basis = "x" }', "value: missing"),
])
def test_bad_ranges_are_one_line_naming_file_field_and_problem(tmp_path, text, problem):
    path = toy(tmp_path, committed=text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: organisations.ccg.committed_spend")
    assert problem in message


def test_a_range_on_a_text_field_is_refused(tmp_path):
    path = toy(tmp_path)
    path.write_text(path.read_text().replace('name = "A CCG"', 'name = { value = 3, low = 1, high = 4, basis = "x" }'))
    with pytest.raises(ScenarioError, match=r"organisations\.ccg\.name: .*string"):
        load_scenario(path)


def test_a_range_end_outside_the_fields_limits_names_it(tmp_path):
    path = toy(tmp_path, asc_spillover='{ value = 0.5, low = 0.2, high = 1.5, basis = "x" }')
    load_scenario(path)  # the value itself is fine
    with pytest.raises(ScenarioError, match=r"activity\.asc_spillover: range high \(1\.5\) is not a valid value: .*less than or equal to 1"):
        read_ranged(path)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_estimate_in_a_shipped_scenario_has_a_range_and_keeps_its_value(path):
    text = path.read_text()
    for line in text.splitlines():
        plain_estimate = re.match(r"^\s*[a-z_]+\s*=\s*[-0-9.]+\s*#.*\bestimate\b", line)
        assert not plain_estimate, f"{path.name}: estimate without a range: {line}"
    ranged = read_ranged(path)
    assert len(ranged.ranges) >= 30
    for key, r in ranged.ranges.items():
        assert "estimate" in r.basis, key
        assert "range:" in r.basis, f"{key}: the basis must say why the range is that wide"
        assert get_path(read_raw(path), key) == r.value
    # the relationship trusts marked estimate on their [[relationships]] line carry ranges too
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("[[relationships]]") and "estimate" in line:
            trust = next(x for x in lines[i + 1:] if x.startswith("trust"))
            assert "low =" in trust, f"{path.name}: {trust}"


def test_design_is_reproducible_and_respects_whole_numbers():
    ranges = read_ranged(OXFORDSHIRE).ranges
    a, b = draw(ranges, "sobol", 8), draw(ranges, "sobol", 8)
    assert a.points == b.points
    assert len(a.points) == 8 * (len(ranges) + 2)
    assert len(a.independent) == 16
    assert all(isinstance(p["rules.deadline_rounds"], int) and 5 <= p["rules.deadline_rounds"] <= 9 for p in a.points)
    for key, r in ranges.items():
        values = [p[key] for p in a.points]
        assert r.low <= min(values) and max(values) <= r.high
    m = draw(ranges, "morris", 4)
    assert m.points == draw(ranges, "morris", 4).points and len(m.points) == 4 * (len(ranges) + 1)


@pytest.mark.parametrize("method, samples, problem", [
    ("sobol", 20, "power of 2"), ("latin", 16, "sobol or morris"), ("sobol", 1, "at least 2"),
])
def test_design_errors(method, samples, problem):
    with pytest.raises(AssessError, match=problem):
        draw(read_ranged(BASELINE).ranges, method, samples)
    with pytest.raises(AssessError, match="no ranges"):
        draw({}, "sobol", 16)


def test_probabilities_and_wilson_intervals_on_a_toy_case():
    # 4 points × 2 seeds; the point's value is the share of its seeds
    outcomes = ["approved", "approved", "deadlock", "approved", "deadlock", "deadlock", "not_approved", "deadlock"]
    rows = pd.DataFrame({"run_id": range(8), "outcome": outcomes})
    shares = outcome_shares(rows, 4, 2)
    assert shares.approved.tolist() == [1.0, 0.5, 0.0, 0.0]
    assert shares.deadlock.tolist() == [0.0, 0.5, 1.0, 0.5]
    p = probabilities(shares, np.arange(4)).set_index("outcome")
    assert p.loc["approved", "probability"] == pytest.approx(1.5 / 4)
    assert p.loc["deadlock", "probability"] == pytest.approx(2.0 / 4)
    assert p.probability.sum() == pytest.approx(1.0)
    # Wilson with n = 4 points (seeds are not extra evidence): p = 0.5 → 0.5 ± 1.96·sqrt(.25/4 + 1.96²/64)/(1 + 1.96²/4)
    z = 1.96
    half = z * math.sqrt(0.25 / 4 + z * z / 64) / (1 + z * z / 4)
    assert p.loc["deadlock", "ci_low"] == pytest.approx(0.5 - half)
    assert p.loc["deadlock", "ci_high"] == pytest.approx(0.5 + half)
    assert (p.loc["not_approved", "ci_low"], p.loc["not_approved", "ci_high"]) == pytest.approx(wilson(0.5, 4))
    # only the independent rows count
    assert probabilities(shares, np.array([0, 2])).set_index("outcome").loc["approved", "points"] == 2


def test_split_ranges_leaves_the_input_untouched():
    raw = tomllib.loads('x = { value = 1.0, low = 0.5, high = 2.0, basis = "b" }\ny = [ { t = 1 } ]')
    plain, ranges = split_ranges(raw)
    assert raw["x"]["value"] == 1.0 and plain == {"x": 1.0, "y": [{"t": 1}]} and list(ranges) == ["x"]


def test_every_bad_range_in_a_file_is_listed_one_line_each(tmp_path):
    path = toy(tmp_path, committed='{ value = 190, low = 195, high = 200, basis = "x" }',
               trust='{ value = 0.5, low = 0.3, high = 0.7 }')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}: organisations.ccg.committed_spend.value: range must have low <= value <= high")
    assert lines[1] == f"{path}: relationships.0.trust.basis: missing: a range needs value, low, high and basis"


def test_labels_name_figures_inside_boards_in_words():
    """assess tables on a multi-board file name figures as a reader would, not by their dotted keys."""
    from negotiation.uncertainty.words import label

    raw = read_raw(Path(__file__).resolve().parents[1] / "scenarios" / "north_central_london_2024.toml")
    assert label("boards.camden.organisations.camden_council.budget", raw) == "London Borough of Camden's budget"
    assert label("boards.barnet.rules.minimum_fund", raw) == "the minimum fund (Barnet)"
    assert label("rules.emergency_saving_rate", raw) == "the share of tariff an ICB saves per admission avoided"

"""A multi-board file in the app as a one-board file is (issue 8's gaps): a person plays one organisation across
its boards, sliders move the file's figures, the address restores the run; and the words and verdict lines that
go with it (kinds in words, approval with conditions in the report, how sure a multi-board verdict is)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from negotiation.boards import MultiBoardModel, load_area
from negotiation.kinds import KIND_NAMES, kind_name
from negotiation.scenario import Kind, read_raw
from viz import boards_session as bs
from viz import url_state

from .clirun import run_cli
from .conftest import SCENARIOS

NORTHANTS = SCENARIOS / "northamptonshire_2025.toml"
NCL = SCENARIOS / "north_central_london_2024.toml"


def _agent_answers(model: MultiBoardModel, org: str) -> dict[str, dict[int, bool]]:
    """What the organisation's agent answered in each board, round by round (earlier segments included)."""
    out = {}
    for board, run in model.runs.items():
        answers = {}
        for m in [*run.segments, run.result.model]:
            for record in m.history:
                for response in record.responses:
                    if response.org_id == org:  # (boards the organisation does not sit on give nothing)
                        answers[record.round] = response.accepted
        out[board] = answers
    return out


def _play(model: MultiBoardModel, answers: dict[str, dict[int, bool]]) -> int:
    """Step the run, answering each plan put to the person from ``answers``; returns how many they answered."""
    given = 0
    while not model.finished:
        model.begin()
        model.advance()
        while model.in_step:
            board = model.waiting_on
            assert board in model.to_answer()
            model.give(board, answers[board][model.models[board].round])
            given += 1
            model.advance()
    return given


@pytest.mark.parametrize(("path", "order", "org"), [
    (NCL, "simultaneous", "ncl_icb"), (NORTHANTS, "sequential", "northamptonshire_icb"),
    (NORTHANTS, "simultaneous", "northamptonshire_icb"), (NCL, "simultaneous", "camden_council"),
])
def test_a_person_answering_as_the_agent_would_gets_the_run_nobody_plays(path, order, org):
    area = load_area(path)
    alone = MultiBoardModel(area, seed=2, order=order).run()
    played = MultiBoardModel(area, seed=2, order=order, human=org)
    given = _play(played, _agent_answers(alone, org))
    assert given == len(played.answers) > 0
    assert {b: r.result.outcome for b, r in played.runs.items()} == {b: r.result.outcome for b, r in alone.runs.items()}
    assert played.shared_position() == alone.shared_position()
    assert played.steps >= max(r.result.rounds for r in alone.runs.values())


def test_the_icb_answers_in_every_board_and_its_refusals_change_the_run():
    area = load_area(NCL)
    played = MultiBoardModel(area, seed=0, human="ncl_icb")
    played.begin()
    assert played.to_answer() == list(area.sequence)  # a plan in each of the five boards at once
    with pytest.raises(ValueError, match="no plan awaits"):
        played.give("nowhere", True)
    played.give("camden", False)  # answered out of order: kept until Camden's turn
    played.advance()
    assert played.waiting_on == "barnet" and played.in_step
    while not played.finished:
        played.begin()
        played.advance()
        while played.in_step:
            played.give(played.waiting_on, False)
            played.advance()
    assert set(played.answers) == {"r"} and len(played.answers) == 5 * played.steps  # every plan, every board
    # the ICB refuses every plan: no board signs unaided; the file's final-offer arbiter imposes each plan
    assert {(r.result.outcome, r.result.arbitration["unaided_outcome"]) for r in played.runs.values()} == {
        ("arbitrated", "deadlock")}
    assert any("decided by the person playing it" in reason for r in played.runs.values()
               for h in r.result.history for reason in h["rejected"].values())
    with pytest.raises(ValueError, match="a person plays"):
        MultiBoardModel(area, seed=0, human="ncl_icb").run()
    with pytest.raises(ValueError, match="unknown human player"):
        MultiBoardModel(area, seed=0, human="nobody_here")


@pytest.mark.parametrize("order", ["simultaneous", "sequential"])
def test_replaying_the_address_gives_the_same_run(order):
    raw = read_raw(NCL)
    overrides = {"organisations.ncl_icb.committed_spend": 2993.5, "boards.camden.rules.minimum_fund": 31.0}
    live = bs.build_run(raw, overrides, NCL.name, "enfield", 4, 9, order, "ncl_icb")
    pattern = "ararr"
    for _ in range(3):
        live.begin()
        live.advance()
        while live.in_step:
            live.give(live.waiting_on, pattern[len(live.answers) % len(pattern)] == "a")
            live.advance()
    live.begin()
    live.advance()  # the fourth step opens: the person has answered one plan of it so far
    if live.in_step:
        live.give(live.waiting_on, True)
        live.advance()
    state = url_state.PageState(scenario="north_central_london_2024", seed=4, deadline=9, play="ncl_icb",
                                overrides=overrides, order=order, first="enfield", round=live.steps,
                                answers=live.answers, open=live.in_step)
    back = url_state.parse(url_state.encode(state))
    assert back == state
    again = bs.build_run(raw, back.overrides, NCL.name, back.first, back.seed, back.deadline, back.order, back.play)
    bs.replay(again, back.round, back.answers, back.open)
    assert (again.steps, again.answers, again.in_step, again.waiting_on) == (
        live.steps, live.answers, live.in_step, live.waiting_on)
    for board in raw["boards"]:
        a, b = again.models.get(board), live.models.get(board)
        assert (a is None) == (b is None)
        if a is not None:
            assert [(r.round, r.plan_index) for r in a.history] == [(r.round, r.plan_index) for r in b.history]
            assert a.pending == b.pending


def test_sliders_move_the_files_fields_and_the_headroom_shown():
    raw = read_raw(NCL)
    knobs = {k.key: k for k in bs.area_knobs(raw)}
    icb = knobs["organisations.ncl_icb.committed_spend"]
    assert icb.headroom and icb.shown(raw, {}) == pytest.approx(4.0) and icb.low < 0 < 4.0 < icb.high
    assert icb.moved(raw, 1.5) == pytest.approx(2998.5)  # headroom £1.5m: committed spend £2,998.5m
    assert icb.shown(raw, {icb.key: 2998.5}) == pytest.approx(1.5)
    for board in raw["boards"]:
        assert f"boards.{board}.rules.minimum_fund" in knobs
        assert f"boards.{board}.organisations.{board}_council.asc_need" in knobs
        assert f"boards.{board}.organisations.{board}_council.committed_spend" in knobs
    for k in knobs.values():  # each slider's grid passes through the file's own figure
        assert k.low <= k.shown(raw, {}) <= k.high
        assert abs((k.shown(raw, {}) - k.low) / k.step - round((k.shown(raw, {}) - k.low) / k.step)) < 1e-6
    tight = bs.build_run(raw, {icb.key: icb.moved(raw, 1.0)}, NCL.name, None, 0, None, "simultaneous", None)
    assert tight.area.boards["barnet"].organisations["ncl_icb"].headroom == pytest.approx(1.0)
    players = bs.players(tight.area)
    assert players["North Central London ICB (all 5 boards)"] == "ncl_icb"
    assert players["London Borough of Camden (Camden)"] == "camden_council"
    assert [s[0] for s in bs.strategy_keys(raw)][:2] == ["organisations.ncl_icb.strategy",
                                                         "boards.barnet.organisations.barnet_council.strategy"]
    # someone the file does not have (the last file's organisation) plays nobody here
    assert bs.build_run(raw, {}, NCL.name, None, 0, None, "simultaneous", "nene_ccg").human is None


def test_every_kind_has_words_and_the_views_use_them():
    assert set(KIND_NAMES) == set(Kind.__args__)
    assert kind_name("unitary_council") == "Unitary council" and kind_name("icb") == "ICB (NHS commissioner)"
    from viz import svg

    model = MultiBoardModel(load_area(NCL), seed=0).models["barnet"]
    drawn = svg.network_svg(model) + svg.network_svg(model, width=380, font=14)
    assert "ICB (NHS commissioner)" in drawn and "Unitary council" in drawn
    assert not re.search(r">(icb|unitary_council)<", drawn)
    code, out, _ = run_cli("run", "oxfordshire_2025")
    assert code == 0 and "ICB (NHS commissioner)" in out and "│ icb " not in out


def test_the_reports_approval_counts_conditions_too():
    pytest.importorskip("matplotlib")
    from negotiation.batch.report import approval_grid, approval_title, plot_heatmap

    rows = pd.DataFrame({"x": [1, 1, 1, 1, 2, 2], "y": [0, 0, 0, 0, 0, 0],
                         "outcome": ["approved", "approved_with_conditions", "approved_with_conditions", "deadlock",
                                     "not_approved", "approved"]})
    grid = approval_grid(rows, "x", "y")
    assert grid.loc[0, 1] == 0.75 and grid.loc[0, 2] == 0.5
    assert approval_grid(rows, "x", "y", ("approved_with_conditions",)).loc[0, 1] == 0.5
    assert approval_title(rows) == "Approval rate (approved, with or without conditions)"
    assert approval_title(rows[rows.outcome != "approved_with_conditions"]) == "Approval rate"
    fig = plot_heatmap(grid, "x", "y", approval_grid(rows, "x", "y", ("approved_with_conditions",)),
                       approval_title(rows))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "75%\n(50% cond.)" in texts and "50%" in texts
    assert fig.axes[0].get_title() == "Approval rate (approved, with or without conditions)"


def _few_ranges(tmp_path):
    """Northamptonshire 2025 with two ranges left (the ICB's committed spend, the deadline): a quick assessment."""
    text = NORTHANTS.read_text()
    keep = ("committed_spend = { value = 1596.0", "deadline_rounds")
    lines = [line if line.lstrip().startswith(keep) else
             re.sub(r"\{ value = ([-0-9.]+), low = [^}]*\}", r"\1", line) for line in text.splitlines()]
    path = tmp_path / "nh.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_multi_board_run_says_how_sure_its_verdict_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _few_ranges(tmp_path)
    code, before, _ = run_cli("run", path)
    assert code == 0 and f"Run: negotiation assess {path}" in before
    assert "worst board's: deadlock" in before
    code, _, err = run_cli("assess", path, "--method", "morris", "--samples", 2, "--quiet")
    assert code == 0, err
    code, after, _ = run_cli("run", path)
    found = re.search(r"the area's verdict \(its worst board's: deadlock\) holds in (\d+)% of plausible figures", after)
    assert found and "morris, 6 runs" in after
    each = re.search(r"Each board's verdict holds in: North Northamptonshire \((.+?)\) (\d+)%; "
                     r"West Northamptonshire \((.+?)\) (\d+)% of the assessment's 6 runs", after)
    assert each, after
    from negotiation.batch import load_sweep
    from negotiation.uncertainty import previous

    rows = load_sweep(previous(path)["rows"])
    assert int(each.group(2)) == round(100 * (rows["outcome.north"] == each.group(1).replace(" ", "_")).mean())
    # other figures, or another order than the file's: the assessment does not apply, nothing is claimed
    for extra in (["--set", "organisations.northamptonshire_icb.budget=1601"], ["--order", "sequential"]):
        code, changed, _ = run_cli("run", path, *extra)
        assert code == 0 and "holds in" not in changed and "negotiation assess" not in changed


def test_the_board_that_goes_first_counts_only_in_sequential_order():
    """The page keeps the board chosen to go first when the order goes back to simultaneous; the address then
    drops it, so the run must not depend on it (simultaneous rounds keep the file's sequence)."""
    raw = read_raw(NORTHANTS)
    simultaneous = bs.build_run(raw, {}, NORTHANTS.name, "west", 0, None, "simultaneous", None)
    assert simultaneous.area.sequence == ("north", "west")
    sequential = bs.build_run(raw, {}, NORTHANTS.name, "west", 0, None, "sequential", None)
    assert sequential.area.sequence == ("west", "north")

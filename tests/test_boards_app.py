"""Multi-board scenarios in the app (issue 8), without a browser: stepping, each board's state, the ICB's position;
and the colours every outcome gets in banners and charts."""

from __future__ import annotations

import pandas as pd
import pytest

from negotiation import ScenarioError
from negotiation.boards import MultiBoardModel, load_area
from negotiation.protocol.outcome import OUTCOMES
from negotiation.scenario import read_raw
from viz import boards_session as bs
from viz import session

from .conftest import SCENARIOS

NORTHANTS = SCENARIOS / "northamptonshire_2025.toml"


@pytest.mark.parametrize("order", ["simultaneous", "sequential"])
def test_stepping_round_by_round_gives_the_same_run_as_run(order):
    whole = MultiBoardModel(load_area(NORTHANTS), seed=3, order=order).run().to_dict(with_history=False)
    stepped = MultiBoardModel(load_area(NORTHANTS), seed=3, order=order)
    steps = 0
    while not stepped.finished:
        stepped.step()
        steps += 1
    assert stepped.to_dict(with_history=False) == whole
    assert steps >= max(b["rounds"] for b in whole["boards"].values())


def test_each_board_and_the_icbs_position_after_a_round_and_at_the_end():
    raw = read_raw(NORTHANTS)
    mb = MultiBoardModel(bs.build_area(raw, NORTHANTS.name), seed=0, order="simultaneous")
    assert [v.status for v in bs.boards(mb)] == ["negotiating: round 0 of 8"] * 2  # open at round 0
    mb.step()
    views = bs.boards(mb)
    assert [v.name for v in views] == ["North Northamptonshire", "West Northamptonshire"]
    assert all(v.status == "negotiating: round 1 of 8" and v.outcome is None for v in views)
    header, rows = bs.position_table(mb)
    assert header[1] == "headroom at start" and rows[0][0] == "NHS Northamptonshire ICB"
    assert rows[0][1:] == ["£4.0m", "negotiating", "negotiating", "£0.0m", "£4.0m", "yes"]
    mb.run()
    final = mb.shared_position()["northamptonshire_icb"]
    views = bs.boards(mb)
    assert [v.outcome for v in views] == [final["boards"][b]["outcome"] for b in ("north", "west")]
    assert views[0].status.startswith("Approved with conditions after")
    icb = bs.shared_rows(mb)[0]
    assert icb["committed"] == pytest.approx(final["committed"], abs=1e-4) and icb["left"] == pytest.approx(final["headroom_left"], abs=1e-4)
    assert icb["within_duty"] == final["within_duty"]
    assert bs.position_table(mb)[1][0][-3:] == [bs.money(final["committed"]), bs.money(final["headroom_left"]), "yes"]


def test_sequential_with_a_chosen_first_board_waits_for_it():
    area = bs.build_area(read_raw(NORTHANTS), NORTHANTS.name, first="west")
    assert area.sequence == ("west", "north")
    mb = MultiBoardModel(area, seed=0, order="sequential")
    mb.step()
    views = bs.boards(mb)
    assert views[1].model is None and views[1].status == "waiting: opens when West Northamptonshire has finished"
    assert bs.position_table(mb)[1][0][3] == "not open yet"


def test_shipped_list_and_uploads_take_multi_board_files():
    listed = session.shipped()
    assert {"Northamptonshire 2025/26", "North Central London 2024/25", "Oxfordshire 2025/26"} <= set(listed)
    assert set(session.one_board(listed)) == {n for n, p in listed.items() if "boards" not in read_raw(p)}
    assert session.raw_from_upload("n.toml", NORTHANTS.read_bytes())["boards"]
    broken = NORTHANTS.read_text().replace('sequence = ["north", "west"]', 'sequence = ["north", "south"]')
    with pytest.raises(ScenarioError, match="n.toml: negotiation.sequence"):
        session.raw_from_upload("n.toml", broken.encode())


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_outcome_has_a_banner_label_and_colour_with_readable_text():
    from viz.components import BANNER_COLOURS

    for outcome in (*OUTCOMES, None):
        background, text = BANNER_COLOURS[outcome]
        assert _contrast(background, text) >= 4.5, outcome  # WCAG AA for normal text
    assert set(session.BANNERS) == set(OUTCOMES)
    assert len({BANNER_COLOURS[o][0] for o in OUTCOMES}) == len(OUTCOMES)  # no two verdicts look alike


def test_chart_colours_cover_every_outcome_and_differ_by_more_than_hue():
    from negotiation.batch.report import COLOURS, HATCHES

    assert set(COLOURS) == set(HATCHES) == set(OUTCOMES)
    assert len(set(COLOURS.values())) == len(OUTCOMES) and len(set(HATCHES.values())) == len(OUTCOMES)
    # Okabe and Ito's colour-blind-safe set (Okabe & Ito 2008)
    assert set(COLOURS.values()) <= {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def test_compare_chart_and_sweep_report_show_the_later_outcomes():
    pytest.importorskip("matplotlib")
    from negotiation.batch.compare import plot_comparison
    from negotiation.batch.report import COLOURS, outcome_rates, plot_rates

    row = {"scenario": "x", "approved_share": 0.2, "not_approved_share": 0.1, "deadlock_share": 0.1,
           "approved_with_conditions_share": 0.4, "arbitrated_share": 0.2}
    for k in list(row):
        if k.endswith("_share"):
            row[k.replace("_share", "_ci_low")], row[k.replace("_share", "_ci_high")] = row[k] / 2, min(1, row[k] * 2)
    fig = plot_comparison(pd.DataFrame([row, {**row, "scenario": "y", "arbitrated_share": float("nan"), "arbitrated_ci_low": float("nan"),
                                                 "arbitrated_ci_high": float("nan")}]))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["approved", "not approved", "deadlock", "approved with conditions", "arbitrated"]
    from matplotlib.colors import to_hex

    bars = {p.get_label(): p for p in ax.containers}
    assert to_hex(bars["arbitrated"].patches[0].get_facecolor()).upper() == COLOURS["arbitrated"]
    assert bars["arbitrated"].patches[0].get_hatch() == "xx"
    rows = pd.DataFrame({"k": [1, 1, 2, 2], "outcome": ["approved", "arbitrated", "approved_with_conditions", "deadlock"]})
    rates = outcome_rates(rows, "k")
    assert list(rates.columns) == ["approved", "not_approved", "deadlock", "approved_with_conditions", "arbitrated"]
    assert rates.loc[2, "approved_with_conditions"] == 0.5
    fig = plot_rates(rates, "k")
    assert "arbitrated" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_app_heatmap_has_a_panel_for_each_outcome_seen():
    pytest.importorskip("matplotlib")
    from viz.compare_tab import outcome_shares
    from viz.plots import outcome_heatmaps

    df = pd.DataFrame({"x": [0, 0, 1, 1], "y": [0, 1, 0, 1],
                       "outcome": ["approved", "approved_with_conditions", "arbitrated", "deadlock"]})
    shares, xs, ys = outcome_shares(df)
    assert list(shares) == ["approved", "not_approved", "deadlock", "approved_with_conditions", "arbitrated"]
    fig = outcome_heatmaps(shares, xs, ys, "x", "y")
    assert [a.get_title() for a in fig.axes] == ["Approved", "Signed, not approved", "Deadlock",
                                                 "Approved with conditions", "Imposed by an arbiter"]


def test_assess_of_a_multi_board_file_reads_each_board_and_does_not_claim_nothing_signed():
    from negotiation.batch.efficiency import efficiency_sentence, efficiency_summary
    from negotiation.boards.rows import board_shares

    rows = pd.DataFrame({"outcome": ["deadlock", "approved", "deadlock", "deadlock"],
                         "outcome.north": ["approved_with_conditions", "approved", "deadlock", "approved"],
                         "outcome.west": ["deadlock", "approved", "deadlock", "deadlock"],
                         "signed_off": [False, True, False, False],
                         "efficiency": [float("nan")] * 4, "distance_to_frontier": [float("nan")] * 4})
    assert board_shares(rows) == {"north": {"approved": 0.5, "approved_with_conditions": 0.25, "deadlock": 0.25},
                                  "west": {"approved": 0.25, "deadlock": 0.75}}
    assert board_shares(rows.drop(columns=["outcome.north", "outcome.west"])) == {}
    sentence = efficiency_sentence(efficiency_summary(rows))
    assert sentence.startswith("1 run(s) signed in every board") and "No run signed" not in sentence

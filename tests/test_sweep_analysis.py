"""Sweep rows carry each run's efficiency and distance to the Pareto frontier (rows.analysis_columns).

Efficiency is the signed plan's total gain as a share of the largest total any plan in the zone of
agreement offers, in [0, 1]; the distance is in £m to the frontier, 0 on it; both NaN with no
agreement. The rows must equal what analysis.py says about the same run, and an older sweep folder
(without these columns) must still load, and refuse to be resumed in one line, never mixed.
"""

import hashlib
import math

import numpy as np
import pytest

from negotiation import analysis, load_scenario
from negotiation.batch import load_sweep, rows, run_sweep, spec
from negotiation.batch.efficiency import efficiency_sentence, efficiency_summary
from negotiation.batch.report import build_report
from negotiation.errors import SweepError
from negotiation.model import NegotiationModel

from .conftest import BASELINE, NORTHAMPTONSHIRE

VARY = ["rules.mret_rate=0.3:0.5:2"]


def test_columns_are_in_range_and_equal_to_the_analysis_of_the_same_run(tmp_path):
    run_sweep(BASELINE, tmp_path / "s", vary=VARY, seeds=4, progress=False)
    table = load_sweep(tmp_path / "s")
    assert {"efficiency", "distance_to_frontier"} <= set(table.columns)
    signed = table[table.signed_off]
    assert len(signed) > 0
    assert signed.efficiency.between(0.0, 1.0).all() and (signed.distance_to_frontier >= 0).all()
    for _, row in table.iterrows():
        s = load_scenario(BASELINE, {"rules.mret_rate": row["rules.mret_rate"]})
        model = NegotiationModel(s, seed=int(row.seed)).run()
        ev, plan = model.evaluation, model.outcome.plan_index
        assert row.efficiency == pytest.approx(analysis.efficiency(ev, plan), abs=1e-12)
        assert row.distance_to_frontier == pytest.approx(analysis.distance_to_frontier(ev, plan), abs=1e-12)
        assert analysis.benchmarks(ev, plan)["efficiency"] == pytest.approx(row.efficiency, abs=1e-12)


def test_no_agreement_gives_nan(tmp_path):
    run_sweep(NORTHAMPTONSHIRE, tmp_path / "n", seeds=3, progress=False)
    table = load_sweep(tmp_path / "n")
    assert (table.outcome == "deadlock").all()
    assert table.efficiency.isna().all() and table.distance_to_frontier.isna().all()
    model = NegotiationModel(load_scenario(NORTHAMPTONSHIRE), seed=0).run()
    cols = rows.analysis_columns(model.evaluation, None)
    assert set(cols) == {"efficiency", "distance_to_frontier"} and all(math.isnan(v) for v in cols.values())


def test_the_utilitarian_plan_is_fully_efficient_and_a_frontier_plan_is_at_distance_zero():
    model = NegotiationModel(load_scenario(BASELINE), seed=0).run()
    ev = model.evaluation
    best = analysis.utilitarian_plan(ev)
    assert rows.analysis_columns(ev, best) == {"efficiency": pytest.approx(1.0), "distance_to_frontier": 0.0}
    frontier = analysis.pareto_frontier(ev)
    assert all(rows.analysis_columns(ev, int(j))["distance_to_frontier"] == 0.0 for j in frontier[:20])
    inside = np.flatnonzero(ev.zone_of_agreement & ~np.isin(np.arange(len(ev.space)), frontier))
    assert all(rows.analysis_columns(ev, int(j))["distance_to_frontier"] > 0 for j in inside[:20])


def test_the_frontier_is_what_testing_every_pair_gives():
    """The block algorithm keeps exactly the zone plans no other zone plan dominates (up to equal gains)."""
    ev = NegotiationModel(load_scenario(BASELINE), seed=0).evaluation
    z = analysis.zone(ev)
    g = np.round(analysis.gains(ev)[:, z].T, 9)
    dominated = analysis.dominates(g, g).any(axis=0)
    expected = {tuple(v) for v in g[~dominated]}
    found = {tuple(v) for v in np.round(analysis.gains(ev)[:, analysis.pareto_frontier(ev)].T, 9)}
    assert found == expected


def test_summary_in_words():
    import pandas as pd

    table = pd.DataFrame({"signed_off": [True, True, True, False], "outcome": ["approved"] * 3 + ["deadlock"],
                          "efficiency": [1.0, 0.9, 0.5, np.nan], "distance_to_frontier": [0.0, 0.0, 2.0, np.nan]})
    s = efficiency_summary(table)
    assert s["signed_runs"] == 3 and s["efficiency_median"] == pytest.approx(0.9)
    assert s["on_frontier_share"] == pytest.approx(2 / 3)
    assert "Among the 3 signed runs" in efficiency_sentence(s) and "67%" in efficiency_sentence(s)
    old = efficiency_summary(table.drop(columns=["efficiency", "distance_to_frontier"]))
    assert old["available"] is False and "older sweep folder" in efficiency_sentence(old)


def test_report_shows_the_efficiency_summary_and_chart(tmp_path):
    run_sweep(BASELINE, tmp_path / "s", vary=VARY, seeds=3, progress=False)
    findings = build_report(tmp_path / "s")
    html = (tmp_path / "s" / "report.html").read_text()
    assert "How good are the agreements?" in html and "Among the 6 signed runs" in html
    assert "report_efficiency.png" in html and (tmp_path / "s" / "report_efficiency.png").exists()
    assert findings["efficiency"]["signed_runs"] == 6


def _old_version(monkeypatch):
    """Rows as the version before these columns wrote them."""
    monkeypatch.setattr(spec, "FIXED_COLUMNS", tuple(c for c in spec.FIXED_COLUMNS
                                                      if c[0] not in ("efficiency", "distance_to_frontier")))
    monkeypatch.setattr(rows, "analysis_columns", lambda ev, plan: {})


def test_an_older_sweep_folder_loads_and_refuses_to_resume_in_one_line(tmp_path, monkeypatch):
    out = tmp_path / "old"
    with monkeypatch.context() as m:
        _old_version(m)
        run_sweep(BASELINE, out, vary=["rules.mret_rate=0.3:0.5:3"], seeds=2, progress=False, chunk_size=2)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(SweepError) as info:
        run_sweep(BASELINE, out, vary=["rules.mret_rate=0.3:0.5:3"], seeds=2, progress=False, chunk_size=2)
    message = str(info.value)
    assert "older version" in message and "efficiency" in message and "new --out" in message
    assert "\n" not in message
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.rglob("*") if p.is_file()}
    assert after == before  # nothing rewritten
    old = load_sweep(out)
    assert len(old) == 6 and "efficiency" not in old.columns
    findings = build_report(out)
    assert "older sweep folder" in findings["efficiency_sentence"]

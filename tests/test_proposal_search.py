"""The proposal search reads shared acceptance counts and prefixes of each proposer's plans (issue 11's
scaling), or at a table of a few parties compares the whole plan space at once (``protocol.whole_space``);
either way it must choose exactly the plans the direct search chose: every candidate plan checked against
every other party's threshold. The direct search is kept here, as the specification, and both searches are
asked the same questions: shipped scenarios and larger areas, aims anywhere between no deal and ideal, trust
as the scenario has it, named for a few pairs or for most of them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiation import load_scenario
from negotiation.domain.evaluation import EPS, evaluate
from negotiation.network import relationships
from negotiation.protocol import whole_space
from negotiation.protocol.proposing import _best_for_organisation, expected_thresholds
from negotiation.scenario import scenario_from_dict

from .conftest import BASELINE, NORTHAMPTONSHIRE, OXFORDSHIRE, minimal_raw


def direct_search(ev, proposer, aims, trust_row, trust_effect, continuation) -> np.ndarray:
    """The search as specified (protocol/proposing.py's docstring), with nothing shared or skipped."""
    u, ok = ev.utility, ev.acceptable
    candidates = np.flatnonzero(ok[proposer])
    if len(candidates) == 0:
        gap = ev.duty_gap[proposer]
        candidates = np.flatnonzero(gap <= gap.min() + 1e-9)
    others = np.arange(len(ev.ideal)) != proposer
    believed = expected_thresholds(ev, np.array(aims), trust_row, trust_effect)
    need = believed[others][:, None]
    sub_u, own = u[others][:, candidates], u[proposer, candidates]
    n_likely = (ok[others][:, candidates] & (sub_u >= need - EPS)).sum(axis=0)
    scale = np.maximum(ev.ideal - ev.reservation, 0.1)[others][:, None]

    def best(cols):
        slack = np.clip((sub_u[:, cols] - need) / scale, -1.0, 1.0).sum(axis=0)
        return candidates[cols][slack >= slack.max() - 1e-9]

    passes = n_likely == others.sum()
    if passes.any() and own[passes].max() >= continuation - EPS:
        return best(np.flatnonzero(passes & (own >= own[passes].max() - 1e-9)))
    mine = own >= aims[proposer] - EPS
    if not mine.any():
        mine = own >= own.max() - 1e-9
    score = n_likely[mine]
    top = score == score.max()
    top &= own[mine] >= own[mine][top].max() - 1e-9
    return best(np.flatnonzero(mine)[top])


def _area(n: int) -> dict:
    """``n`` organisations (councils and CCGs in turn), every size with a zone of agreement."""
    raw = minimal_raw()
    base = raw["organisations"]
    raw["organisations"] = {
        f"{kind}_{i}": dict(base[kind], name=f"{kind} {i}", budget=base[kind]["budget"] * 2 / n,
                            committed_spend=base[kind]["committed_spend"] * 2 / n)
        for i in range(n) for kind in (("ccg", "council")[i % 2],)
    }
    return raw


CASES = {
    "oxfordshire": lambda: load_scenario(OXFORDSHIRE),
    "northamptonshire": lambda: load_scenario(NORTHAMPTONSHIRE),
    "baseline": lambda: load_scenario(BASELINE),
    "eight organisations": lambda: scenario_from_dict(_area(8), "eight"),  # 7 others: slack summed term by term
    "ten organisations": lambda: scenario_from_dict(_area(10), "ten"),  # 9 others: the column-wise slack
    "twelve organisations": lambda: scenario_from_dict(_area(12), "twelve"),
}
# The searches: as shipped; the round's shared counts from 1 party on (with most trust named, every row
# compared); every row compared up to 12 parties; with most trust named, counts bounded first from 12
# parties on; the search over only the plans it reaches (gathered).
SEARCHES = {
    "as shipped": {},
    "shared counts": {"WHOLE_SPACE_BELOW": 0},
    "rows compared to 12": {"WHOLE_SPACE_BELOW": 13},
    "bounded counts": {"BOUNDED_FROM": 12},
    "reached plans": {"rows": lambda ev: None},
}


@pytest.mark.parametrize("search", list(SEARCHES))
@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_search_chooses_the_plans_the_direct_search_chooses(case, search, data, monkeypatch):
    for name, value in SEARCHES[search].items():
        monkeypatch.setattr(whole_space, name, value)
    scenario = CASES[case]()
    ev = evaluate(scenario)
    _, trust = relationships(scenario)
    n = len(ev.ideal)
    share = st.floats(0.0, 1.0)
    proposer = data.draw(st.integers(0, n - 1), label="proposer")
    conceded = data.draw(st.lists(share, min_size=n, max_size=n), label="conceded")
    aims = tuple(float(x) for x in ev.ideal - (ev.ideal - ev.reservation) * np.array(conceded))
    trust_row = trust[proposer].copy()
    named = data.draw(st.sampled_from(["as the scenario has it", "a few pairs", "most pairs"]), label="trust")
    if named != "as the scenario has it":  # pairs whose trust is not the usual one (DEFAULT_TRUST)
        pairs = data.draw(st.lists(st.integers(0, n - 1), max_size=2)) if named == "a few pairs" else range(n)
        for j in pairs:
            trust_row[j] = data.draw(st.sampled_from([0.1, 0.5, 0.9]))
        trust_row[proposer] = 1.0
    effect = data.draw(st.sampled_from([0.0, 0.3, 0.5]), label="trust effect")
    later = data.draw(share, label="continuation")
    continuation = ev.reservation[proposer] + (aims[proposer] - ev.reservation[proposer]) * later
    want = direct_search(ev, proposer, aims, trust_row, effect, continuation)
    got = _best_for_organisation(ev, proposer, aims, trust_row, effect, continuation)
    assert np.array_equal(got, want), (proposer, aims, continuation)

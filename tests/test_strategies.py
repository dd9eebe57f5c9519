"""Contract tests every strategy in the registry must pass, plus each family's own shape."""

import pytest

from negotiation.strategies import STRATEGIES, View, make_strategy


def view(round_, received=(), last=None, deadline=10):
    return View(round=round_, deadline=deadline, reservation=-2.0, ideal=8.0, received=received, last_aspiration=last)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_aspiration_stays_between_reservation_and_ideal(name):
    strategy = make_strategy(name)
    last = None
    received = ()
    for r in range(1, 11):
        aim = strategy.aspiration(view(r, received, last))
        assert -2.0 - 1e-9 <= aim <= 8.0 + 1e-9
        last, received = aim, received + (float(r % 3),)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_reproducible_and_stateless(name):
    a, b = make_strategy(name), make_strategy(name)
    v = view(5, (1.0, 2.0), 6.0)
    assert a.aspiration(v) == b.aspiration(v) == a.aspiration(v)
    assert set(a.classifier) >= {"concedes", "time_dependent", "behaviour_dependent", "human"}


def test_time_dependent_start_at_ideal_end_at_reservation():
    for name in ("boulware", "linear", "conceder"):
        s = make_strategy(name)
        assert s.aspiration(view(1)) == pytest.approx(8.0)
        assert s.aspiration(view(10)) == pytest.approx(-2.0)


def test_boulware_holds_out_longer_than_linear_than_conceder():
    mid = view(5)
    assert make_strategy("boulware").aspiration(mid) > make_strategy("linear").aspiration(mid) > make_strategy(
        "conceder"
    ).aspiration(mid)


def test_beta_tunes_time_dependent():
    assert make_strategy("time_dependent", 0.5).aspiration(view(5)) > make_strategy("time_dependent", 2).aspiration(view(5))


def test_hardliner_never_concedes():
    s = make_strategy("hardliner")
    assert all(s.aspiration(view(r)) == 8.0 for r in range(1, 11))


def test_tit_for_tat_reciprocates_concession():
    s = make_strategy("tit_for_tat")
    # The others improved its offer by 1.5; it lowers its aim by as much.
    assert s.aspiration(view(3, received=(1.0, 2.5), last=7.5)) == pytest.approx(6.0)
    # The others hardened: it hardens back, up to its slow time-dependent ceiling.
    hardened = s.aspiration(view(3, received=(2.5, 1.0), last=7.5))
    assert 7.5 < hardened <= 8.0

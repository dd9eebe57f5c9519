"""Many negotiations of one scenario stepped together: the engine behind ``sweep``, ``assess`` and ``compare``.

:class:`~negotiation.model.NegotiationModel` is the Mesa model a user steps,
inspects and draws; a sweep needs thousands of runs of the same scenario that
differ only in their seed. Here every seed of a scenario advances one round at
a time. When every run holds the same aims (no tit-for-tat at the table) the
round's work is done per proposer, not per run (:mod:`negotiation.engine.alike`).
Otherwise the runs are rows of arrays: aspirations, thresholds and answers are numpy
operations over (runs × organisations); each proposer's best plans for a
round are computed once for every run in the same position (the memo the model
itself uses), and only the tie between equally good plans is drawn per run, from
that run's own generator. The randomness is the model's own: the rotation order
is ``numpy.random.default_rng(seed).permutation`` and ties are drawn by
``random.Random(seed)``, as ``mesa.Model`` seeds them, in the same order; so
each run's row is identical to the model's (``tests/test_engine_equivalence.py``).

What it does not know (a strategy added later, a person answering) it leaves to
the model: :func:`batchable` says whether a scenario can be batched.
"""

from __future__ import annotations

import random

import numpy as np

from negotiation.domain.evaluation import EPS, Evaluation, evaluate
from negotiation.engine.alike import negotiate_alike
from negotiation.engine.aspirations import Aspirations, known
from negotiation.engine.endings import Ending, deadlock, signed
from negotiation.network import trust_of
from negotiation.protocol.proposing import mediator_plans, organisation_plans
from negotiation.scenario import Scenario
from negotiation.strategies import make_strategy


def batchable(scenario: Scenario) -> bool:
    """Whether the batched engine knows every organisation's strategy, the protocol and the ending (no arbiter)."""
    if scenario.rules.protocol not in ("rotating", "mediator"):
        return False
    if scenario.rules.arbitration != "none":  # an imposed plan after deadlock: the model's protocol.arbitration
        return False
    return all(known(make_strategy(o.strategy, o.beta)) for o in scenario.organisations.values())


def negotiate(scenario: Scenario, seeds: list[int], rounds: int | None = None,
              evaluation: Evaluation | None = None) -> list[Ending]:
    """Run every seed of ``scenario`` to its end, together; one :class:`Ending` per seed, in order.

    ``evaluation`` may be given (valued however the caller chose); by default it is the model's own.
    """
    ev = evaluation if evaluation is not None else evaluate(scenario)
    orgs = list(scenario.organisations.values())
    ids = list(scenario.ids)
    n, r_count = len(orgs), len(seeds)
    deadline = rounds or scenario.rules.deadline_rounds
    te = scenario.rules.trust_effect
    mediated = scenario.rules.protocol == "mediator"
    trust = trust_of(scenario)  # relationships(scenario)'s matrix, without building (or importing) a graph
    trust_rows = trust.tolist()
    chair_trust = np.array([sum(trust_rows[i]) / len(trust_rows) for i in range(n)])
    reservation = [float(x) for x in ev.reservation]
    ideal = [float(x) for x in ev.ideal]
    res_arr = np.array(reservation)
    may_breach = np.array([o.breach_duty for o in orgs])
    strategies = [make_strategy(o.strategy, o.beta) for o in orgs]
    orders = np.array([rotation(seed, n) for seed in seeds]).reshape(r_count, n)
    aims = Aspirations(strategies, ideal, reservation, deadline, 1)
    if aims.shared:  # every run holds the same aims: a round's work per proposer, not per run (engine.alike)
        return negotiate_alike(ev, ids, seeds, orders, aims, trust, te, mediated, chair_trust, may_breach)
    aims = Aspirations(strategies, ideal, reservation, deadline, r_count)
    ties = [random.Random(seed) for seed in seeds]
    demands = np.tile(ev.ideal.astype(float), (r_count, 1))  # what the chair believes each party wants
    active = np.ones(r_count, dtype=bool)
    plan = np.zeros(r_count, dtype=np.int64)
    proposer = np.full(r_count, -1)
    hard_window: list[np.ndarray] = []  # (runs, n) hard rejections of the last n rounds
    soft_window: list[np.ndarray] = []
    endings: list[Ending | None] = [None] * r_count
    verdicts: dict = {}
    rows_all = np.arange(r_count)

    for round_ in range(1, deadline + 1):
        live = np.flatnonzero(active)
        aims.update(round_)
        current = aims.current
        if mediated:
            _mediator_round(ev, demands, live, plan, ties)
        else:
            proposer[live] = orders[live, (round_ - 1) % n]
            _organisation_round(ev, aims, current, trust, te, live, proposer, plan, ties, round_)
        # Every organisation answers (the proposer signs what it proposes unless it breaks its duty or no deal).
        if mediated:
            aim = res_arr + (current - res_arr) * (1.0 - te * chair_trust)
            own = np.zeros((r_count, n), dtype=bool)
        else:
            trust_to = trust[:, proposer].T  # (runs, n): each organisation's trust in the run's proposer
            own = np.arange(n)[None, :] == proposer[:, None]
            aim = np.where(own, res_arr, res_arr + (current - res_arr) * (1.0 - te * trust_to))
        u = ev.utility[:, plan].T  # (runs, n)
        gap = ev.duty_gap[:, plan].T
        duty = (gap > EPS) & ~may_breach
        no_deal = ~duty & (u < res_arr - EPS)
        holds_out = ~duty & ~no_deal & (u < aim - EPS)
        rejected = duty | no_deal | holds_out
        aims.record(u)
        demands[:] = np.maximum(aim, res_arr)
        hard_window = (hard_window + [duty | no_deal])[-n:]
        soft_window = (soft_window + [rejected])[-n:]
        agreed = active & ~rejected.any(axis=1)
        ending = active & (agreed | (round_ >= deadline))
        for k in rows_all[ending]:
            endings[k] = _ending(ev, ids, seeds[k], round_, int(plan[k]) if agreed[k] else None,
                                 [w[k] for w in hard_window], [w[k] for w in soft_window], verdicts)
        active &= ~ending
        if not active.any():
            break
    return [e for e in endings if e is not None]


_ROTATIONS: dict[tuple[int, int], np.ndarray] = {}  # every setting of a sweep or assessment uses the same seeds


def rotation(seed: int, n: int) -> np.ndarray:
    """The model's speaking order for ``seed`` (``numpy.random.default_rng(seed).permutation(n)``), made once."""
    found = _ROTATIONS.get((seed, n))
    if found is None:
        if len(_ROTATIONS) >= 4096:
            _ROTATIONS.clear()
        found = _ROTATIONS[(seed, n)] = np.random.default_rng(seed).permutation(n)
        found.setflags(write=False)
    return found


def _organisation_round(ev, aims: Aspirations, current, trust, te, live, proposer, plan, ties, round_) -> None:
    """Each live run's proposer puts its best plan: computed once per distinct (proposer, aims, continuation)."""
    groups: dict[tuple, list[int]] = {}
    shared = aims.shared
    shared_aims = tuple(current[live[0]].tolist()) if shared and len(live) else None
    for k in live.tolist():
        who = int(proposer[k])
        cont = aims.continuation(who, round_)
        cont_k = float(cont[k]) if isinstance(cont, np.ndarray) else cont
        key = (who, shared_aims if shared else tuple(current[k].tolist()), cont_k)
        groups.setdefault(key, []).append(k)
    for (who, aims_k, cont_k), members in groups.items():
        top = organisation_plans(ev, who, aims_k, trust[who], te, cont_k)
        _draw(top, members, plan, ties)


def _mediator_round(ev, demands, live, plan, ties) -> None:
    """The chair's single text for each distinct set of revealed demands."""
    groups: dict[bytes, list[int]] = {}
    for k in live.tolist():
        groups.setdefault(demands[k].tobytes(), []).append(k)
    for members in groups.values():
        _draw(mediator_plans(ev, demands[members[0]]), members, plan, ties)


def _draw(top: np.ndarray, members: list[int], plan: np.ndarray, ties: list[random.Random]) -> None:
    if len(top) == 1:
        plan[members] = int(top[0])
        return
    for k in members:  # as protocol.proposing._pick: one draw per run, from that run's own generator
        plan[k] = int(top[ties[k].randrange(len(top))])


def _ending(ev, ids, seed, round_, plan, hard, soft, verdicts) -> Ending:
    if plan is not None:
        return signed(ev, seed, round_, plan, verdicts)
    return deadlock(ids, seed, round_, np.logical_or.reduce(hard), np.logical_or.reduce(soft))

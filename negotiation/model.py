"""The negotiation as a ``mesa.Model``: one step is one round, until sign-off or the deadline.

Each round: every organisation updates its aspiration from its strategy; a
proposer (the next organisation in a seeded rotation, or the Health and
Wellbeing Board chair as mediator) puts a whole plan; every organisation
accepts or rejects it with a reason. Unanimity is sign-off, after which
assurance checks the national conditions. The only randomness is the model's
own seeded RNG (rotation order and ties between equally good plans).

A round can be split in two (:meth:`open_round`, :meth:`close_round`) so that
a person in a workshop can answer for an organisation between them.
"""

from __future__ import annotations

import mesa

from negotiation.agents import OrganisationAgent
from negotiation.domain.evaluation import evaluate
from negotiation.limits import check_rounds, check_seed
from negotiation.network import relationships
from negotiation.protocol.outcome import Outcome, decide
from negotiation.protocol.proposing import propose_as_mediator, propose_as_organisation
from negotiation.protocol.records import Response, RoundRecord
from negotiation.recording import RoundCollector
from negotiation.scenario import Scenario, load_scenario_cached
from negotiation.strategies import make_strategy

CHAIR = "chair"


class NegotiationModel(mesa.Model):
    """A Better Care Fund negotiation in one area.

    Args:
        scenario: a validated :class:`~negotiation.scenario.Scenario`, or a scenario file's path
            (so that ``mesa.batch_run`` can build the model from plain parameters).
        seed: seeds the model's RNG; the same seed gives the same negotiation.
        rounds: the deadline in rounds (defaults to the scenario's ``rules.deadline_rounds``).
        human_players: organisation ids a person answers for (see :meth:`close_round`).
        overrides: ``{dotted.key: value}`` applied to a scenario file, e.g.
            ``{"organisations.oxfordshire_ccg.budget": 700}``.
    """

    def __init__(
        self, scenario: Scenario | str, seed: int | None = 0, rounds: int | None = None, human_players=(),
        overrides: dict | None = None,
    ):
        super().__init__(rng=check_seed(seed, "NegotiationModel"))
        if not isinstance(scenario, Scenario):
            scenario = load_scenario_cached(str(scenario), overrides)
        elif overrides:
            raise ValueError("overrides apply to scenario files; pass a path")
        self.spec = scenario
        self.seed = seed
        self.deadline = check_rounds(rounds, "NegotiationModel") if rounds else scenario.rules.deadline_rounds
        self.evaluation = evaluate(scenario)
        self.network, self.trust = relationships(scenario)
        self._trust_rows = self.trust.tolist()
        self.ids = scenario.ids
        self.trust_effect = scenario.rules.trust_effect
        self.organisations: list[OrganisationAgent] = [
            OrganisationAgent(self, i, org_id, org, make_strategy(org.strategy, org.beta))
            for i, (org_id, org) in enumerate(scenario.organisations.items())
        ]
        self.human_players = set(human_players)
        unknown = self.human_players - set(self.ids)
        if unknown:
            raise ValueError(f"unknown human player(s): {', '.join(sorted(unknown))}")
        self.order = [int(i) for i in self.rng.permutation(len(self.ids))]
        self.round = 0
        self.history: list[RoundRecord] = []
        self.outcome: Outcome | None = None
        self.pending: tuple[str, int] | None = None  # (proposer, plan) between open_round and close_round
        self._demands = self.evaluation.ideal.copy()  # what the chair believes each party wants
        self.datacollector = RoundCollector(
            model_reporters={
                "outcome": "verdict",
                "proposer": "proposer",
                "fund_total": "fund_total",
                "gap_to_minimum": "gap_to_minimum",
                "gap_to_asc_need": "gap_to_asc_need",
            },
            agent_reporters={
                "org": "org_id",
                "offer": "offer",
                "aspiration": "aspiration",
                "utility": "utility",
                "accepted": "accepted",
            },
        )
        self.proposer = ""
        self.plan_index: int | None = None
        self._signed = False
        self.verdict = ""  # "", then approved | not_approved | deadlock when the negotiation ends

    # ------------------------------------------------------------ reporters
    @property
    def fund_total(self) -> float:
        return float(self.evaluation.space.fund_total[self.plan_index]) if self.plan_index is not None else 0.0

    @property
    def gap_to_minimum(self) -> float:
        """£m the current proposal's fund is above (+) or below (−) the minimum."""
        return self.fund_total - self.spec.rules.minimum_fund

    @property
    def gap_to_asc_need(self) -> float:
        """£m the proposal's social-care protection is above (+) or below (−) the councils' need."""
        if self.plan_index is None:
            return 0.0
        need = sum(o.asc_need for o in self.spec.organisations.values())
        return float(self.evaluation.space.asc_protection[self.plan_index]) - need

    @property
    def signed(self) -> bool:
        return self._signed

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    # ------------------------------------------------------------ the round
    def step(self) -> None:
        self.open_round()
        self.close_round()

    def open_round(self, plan: int | None = None) -> tuple[str, int]:
        """Start a round: aspirations move, a plan is proposed. Returns (proposer, plan index).

        ``plan``: when this round's proposer is one of ``human_players``, the person's own proposal
        (a plan index into ``self.evaluation.space``) replaces the agent's choice. Giving a plan in any
        other round (the chair's, an agent's, or a round already opened with another plan) is a ValueError.
        """
        if self.finished:
            raise RuntimeError("the negotiation has ended")
        if self.pending is not None:
            if plan is not None and int(plan) != self.pending[1]:
                raise ValueError("this round is already open with another plan")
            return self.pending
        ev = self.evaluation
        mediated = self.spec.rules.protocol == "mediator"
        who = None if mediated else self.order[self.round % len(self.order)]
        if plan is not None:
            if who is None or self.ids[who] not in self.human_players:
                raise ValueError("only a person playing this round's proposer can put a plan")
            if isinstance(plan, bool) or not 0 <= int(plan) < len(ev.space):
                raise ValueError(f"plan index {plan!r} is outside the plan space (0 to {len(ev.space) - 1})")
        self.round += 1
        for agent in self.organisations:
            agent.update_aspiration(self.round, self.deadline)
        if who is None:
            proposer, chosen = CHAIR, propose_as_mediator(ev, self._demands, self.random)
        else:
            agent = self.organisations[who]
            proposer = agent.org_id
            if plan is not None:
                chosen = int(plan)
            else:
                aims = tuple(a.aspiration for a in self.organisations)
                chosen = propose_as_organisation(
                    ev, who, aims, self.trust[who], self.spec.rules.trust_effect, self.random,
                    agent.next_aspiration(self.round, self.deadline),
                )
        self.proposer, self.plan_index = proposer, chosen
        self.pending = (proposer, chosen)
        return self.pending

    def close_round(self, human_answers: dict[str, bool] | None = None) -> RoundRecord:
        """Finish the round; ``human_answers`` gives a person's accept/reject for the organisations they play."""
        proposer, plan = self.open_round() if self.pending is None else self.pending
        human_answers = human_answers or {}
        proposer_index = self.ids.index(proposer) if proposer != CHAIR else None
        trust_rows = self._trust_rows
        responses = []
        for agent in self.organisations:
            own = agent.org_id == proposer
            if own:
                trust = 1.0
            elif proposer_index is None:
                trust = sum(trust_rows[agent.index]) / len(trust_rows)
            else:
                trust = trust_rows[agent.index][proposer_index]
            response = agent.respond(plan, trust, own)
            if agent.org_id in human_answers:
                response = self._human(agent, response, human_answers[agent.org_id])
            agent.stance = "proposer" if own else ("accepts" if response.accepted else "rejects")
            responses.append(response)
            # The chair learns what each party holds out for from how it answers.
            self._demands[agent.index] = max(response.threshold, agent.reservation)
        record = RoundRecord(self.round, proposer, plan, tuple(responses))
        self.history.append(record)
        self.pending = None
        self._signed = signed = all(r.accepted for r in responses)
        if signed or self.round >= self.deadline:
            self.outcome = decide(self.evaluation, self.spec, self.history, {a.org_id: a.name for a in self.organisations})
            self.verdict = self.outcome.outcome
            self.running = False
        self.datacollector.collect(self)
        return record

    def _human(self, agent: OrganisationAgent, auto: Response, accepted: bool) -> Response:
        """A person's answer overrides the agent's, except that no one signs below no deal or breaks a duty."""
        if accepted and not self.evaluation.acceptable[agent.index, self.plan_index]:
            accepted = False
        reason = "" if accepted else (auto.reason or f"{agent.name} rejects") + " (decided by the person playing it)"
        grounds = "" if accepted else (auto.grounds or "aspiration")
        response = Response(agent.org_id, accepted, auto.utility, auto.threshold, reason, grounds)
        agent.accepted, agent.reason = accepted, reason
        return response

    def run(self) -> NegotiationModel:
        while not self.finished:
            self.step()
        return self

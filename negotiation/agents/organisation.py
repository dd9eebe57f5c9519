"""A Mesa agent for one organisation: its figures, its strategy, and its stance this round.

Thin on purpose: the money is in :mod:`negotiation.domain`, the rules of the
round in :mod:`negotiation.protocol`, the concession curve in
:mod:`negotiation.strategies`. The attributes are what the DataCollector and
the app read.
"""

from __future__ import annotations

import mesa

from negotiation.protocol.records import Response
from negotiation.protocol.responding import respond, threshold
from negotiation.scenario import Organisation
from negotiation.strategies import Strategy, View


class OrganisationAgent(mesa.Agent):
    def __init__(self, model: mesa.Model, index: int, org_id: str, org: Organisation, strategy: Strategy):
        super().__init__(model)
        self.index = index
        self.org_id = org_id
        self.name = org.name
        self.kind = org.kind
        self.breach_duty = org.breach_duty
        self.strategy = strategy
        ev = model.evaluation
        self.reservation = float(ev.reservation[index])
        self.ideal = float(ev.ideal[index])
        self.aspiration = self.ideal
        self.received: list[float] = []
        # What the DataCollector records each round.
        self.offer = 0.0  # £m this organisation would pay in under the current proposal
        self.utility = self.reservation
        self.accepted = False
        self.reason = ""
        self.stance = "waiting"  # proposer / accepts / rejects

    def view(self, round_: int, deadline: int) -> View:
        return View(
            round=round_,
            deadline=deadline,
            reservation=self.reservation,
            ideal=self.ideal,
            received=tuple(self.received),
            last_aspiration=None if round_ == 1 else self.aspiration,
        )

    def update_aspiration(self, round_: int, deadline: int) -> None:
        aim = self.strategy.aspiration(self.view(round_, deadline))
        self.aspiration = min(self.ideal, max(self.reservation, aim))

    def respond(self, plan: int, trust_to_proposer: float, own_proposal: bool) -> Response:
        ev = self.model.evaluation
        aim = self.aspiration if own_proposal else threshold(
            self.aspiration, self.reservation, trust_to_proposer, self.model.spec.rules.trust_effect
        )
        response = respond(ev, self.index, self.org_id, self.name, self.kind, plan, aim, self.breach_duty)
        self.record(plan, response)
        return response

    def record(self, plan: int, response: Response) -> None:
        self.offer = float(self.model.evaluation.space.contributions[plan, self.index])
        self.utility = response.utility
        self.received.append(response.utility)
        self.accepted = response.accepted
        self.reason = response.reason

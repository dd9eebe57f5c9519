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
from negotiation.strategies.curves import aspiration_curve


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
        self._curve = (
            aspiration_curve(strategy, self.ideal, self.reservation, model.deadline) if strategy.history_free else None
        )
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
        if self._curve is not None:
            self.aspiration = self._curve[min(round_, len(self._curve)) - 1]
            return
        aim = self.strategy.aspiration(self.view(round_, deadline))
        self.aspiration = min(self.ideal, max(self.reservation, aim))

    def next_aspiration(self, round_: int, deadline: int) -> float:
        """What it will hold out for next round (no deal after the deadline): its continuation value."""
        if round_ >= deadline:
            return self.reservation
        if self._curve is not None:
            return self._curve[min(round_ + 1, len(self._curve)) - 1]
        return self.aspiration

    def respond(self, plan: int, trust_to_proposer: float, own_proposal: bool) -> Response:
        model = self.model
        # A proposer signs what it proposes (if within its duty and no worse than no deal).
        aim = self.reservation if own_proposal else threshold(
            self.aspiration, self.reservation, trust_to_proposer, model.trust_effect
        )
        response = respond(model.evaluation, self.index, self.org_id, self.name, self.kind, plan, aim, self.breach_duty)
        self.record(plan, response)
        return response

    def record(self, plan: int, response: Response) -> None:
        self.offer = float(self.model.evaluation.space.contributions[plan, self.index])
        self.utility = response.utility
        self.received.append(response.utility)
        self.accepted = response.accepted
        self.reason = response.reason

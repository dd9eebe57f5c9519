"""What a finished negotiation hands back: the verdict, the plan, each organisation's position, the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from negotiation.analysis import benchmarks
from negotiation.model import NegotiationModel


@dataclass
class NegotiationResult:
    scenario: str
    seed: int | None  # None: the model drew its own
    outcome: str  # approved | approved_with_conditions | not_approved | deadlock | arbitrated
    signed_off: bool
    rounds: int
    fund_total: float  # £m, of the signed plan (0 when deadlocked)
    contributions: dict[str, float]  # £m additional, by organisation id
    plan: dict | None
    organisations: dict[str, dict]
    failed_conditions: list[str]
    blockers: list[str]
    reasons: list[str]
    duty_breaches: list[str]
    model: NegotiationModel | None = field(default=None, repr=False)
    arbitration: dict | None = None  # when an arbiter imposed the plan (rules.arbitration): method, whose offer
    policy: str = "bcf_2015_16"  # the rule set the scenario ran under

    @cached_property
    def history(self) -> list[dict]:
        """Each round: proposer, the plan, who accepted, and each rejection's reason."""
        assert self.model is not None, "a result built without its model has no history"
        ev = self.model.evaluation
        return [
            {
                "round": r.round,
                "proposer": r.proposer,
                "plan": ev.space.plan(r.plan_index).to_dict(),
                "accepted": [x.org_id for x in r.responses if x.accepted],
                "rejected": {x.org_id: x.reason for x in r.responses if not x.accepted},
            }
            for r in self.model.history
        ]

    @property
    def model_data(self) -> pd.DataFrame:
        """Per round: proposer, fund total and its gaps to the minimum and to the social-care need (£m)."""
        assert self.model is not None
        return self.model.datacollector.get_model_vars_dataframe()

    @property
    def agent_data(self) -> pd.DataFrame:
        """Per round and organisation: offer (£m it would pay in), aspiration, utility, accepted."""
        assert self.model is not None
        df = self.model.datacollector.get_agent_vars_dataframe().reset_index()
        return df.rename(columns={"Step": "step", "AgentID": "agent_id"})

    @cached_property
    def analysis(self) -> dict:
        """The Pareto frontier of the zone of agreement, this agreement's distance to it and efficiency
        (share of the utilitarian maximum, in [0, 1]), the Nash and Kalai–Smorodinsky plans."""
        assert self.model is not None and self.model.outcome is not None
        return benchmarks(self.model.evaluation, self.model.outcome.plan_index)

    def benchmarks(self) -> dict:
        """The same as :attr:`analysis` (kept for callers of the earlier name)."""
        return self.analysis

    def burden(self) -> dict[str, float]:
        """£m each kind of organisation pays into the signed plan (empty when deadlocked)."""
        if not self.signed_off:
            return {}
        out: dict[str, float] = {}
        for org_id, paid in self.contributions.items():
            kind = self.organisations[org_id]["kind"]
            out[kind] = round(out.get(kind, 0.0) + paid, 4)
        return out

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the verdict, the reasons in sentences and each organisation's position."""
        from negotiation.result_html import result_html

        return result_html(self)

    def to_dict(self, with_history: bool = True) -> dict:
        assert self.model is not None and self.model.outcome is not None
        out: dict = {
            "scenario": self.scenario,
            "seed": self.seed,
            "outcome": self.outcome,
            "signed_off": self.signed_off,
            "rounds": self.rounds,
            "fund_total": round(self.fund_total, 4),
            "contributions": {k: round(v, 4) for k, v in self.contributions.items()},
            "plan": self.plan,
            "organisations": self.organisations,
            "failed_conditions": self.failed_conditions,
            "blockers": self.blockers,
            "reasons": self.reasons,
            "duty_breaches": self.duty_breaches,
            "burden": self.burden(),
            "efficiency": self.analysis["efficiency"],
            "analysis": self.analysis,
        }
        if self.policy != "bcf_2015_16":
            out["rule_set"] = self.policy
        if self.arbitration is not None:
            out["arbitration"] = self.arbitration
        if with_history:
            out["history"] = self.history
        return out


def collect(model: NegotiationModel) -> NegotiationResult:
    ev, outcome = model.evaluation, model.outcome
    assert outcome is not None, "collect() needs a finished model"
    plan = outcome.plan_index
    final = model.history[-1]
    organisations = {}
    breaches = []
    for agent, response in zip(model.organisations, final.responses):
        i = agent.index
        organisations[agent.org_id] = {
            "name": agent.name,
            "kind": agent.kind,
            "utility": round(float(ev.utility[i, plan]) if plan is not None else agent.reservation, 4),
            "reservation": round(agent.reservation, 4),
            "accepted": response.accepted,
            "net_money": round(float(ev.money[i, plan]), 4) if plan is not None else 0.0,
        }
        if plan is not None and ev.duty_gap[i, plan] > 1e-9:
            breaches.append(agent.org_id)
    signed = ev.space.plan(plan) if plan is not None else None
    contributions = signed.contributions if signed else dict.fromkeys(model.ids, 0.0)
    return NegotiationResult(
        scenario=model.spec.scenario.name,
        seed=model.seed,
        outcome=outcome.outcome,
        signed_off=outcome.signed_off,
        rounds=model.round,
        fund_total=signed.fund_total if signed else 0.0,
        contributions=contributions,
        plan=signed.to_dict() if signed else None,
        organisations=organisations,
        failed_conditions=list(outcome.failed_conditions),
        blockers=list(outcome.blockers),
        reasons=list(outcome.reasons),
        duty_breaches=breaches,
        model=model,
        arbitration=outcome.arbitration,
        policy=model.spec.rules.policy,
    )

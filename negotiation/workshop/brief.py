"""What one seat may see: its private brief, and what a plan it is building is worth to it.

A participant's brief holds its own organisation's private figures (budget,
headroom, duty, what no deal costs it); nothing here ever reads another
organisation's row, so a view built from these functions cannot leak one.

A person builds a plan with controls; the board can only table plans in the
model's plan space, so the controls are mapped to the *closest* plan there
(each dimension scaled by its range), and the view says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.domain.evaluation import EPS, Evaluation
from negotiation.protocol.outcome import condition_sentence, failed_conditions
from negotiation.scenario import Scenario

VALUES = {
    "ccg": "money kept for NHS services, emergency admissions avoided (each one saves it the tariff), "
    "and not carrying the performance payment lost on a missed target",
    "council": "new money protecting adult social care up to its need, and not carrying lost performance payment",
    "acute_trust": "risk-share support for the emergency income it loses when admissions fall",
    "community_trust": "community-scheme money that pays for the work moved out of hospital",
}
DUTIES = {
    "ccg": "break even (NHS statutory financial duty)",
    "council": "meet its adult social care need and set a balanced budget",
    "acute_trust": "break even (NHS statutory financial duty)",
    "community_trust": "break even (NHS statutory financial duty)",
}


def money(value: float) -> str:
    """£m with a real minus sign before the pound sign.

    >>> money(-4.0), money(12.345)
    ('−£4.0m', '£12.3m')
    """
    return f"−£{abs(value):.1f}m" if value < -0.05 else f"£{abs(value) if abs(value) < 0.05 else value:.1f}m"


@dataclass(frozen=True)
class Brief:
    """One organisation's private position, £m per year."""

    org_id: str
    name: str
    kind: str
    budget: float
    committed_spend: float
    savings_obligation: float
    headroom: float
    asc_need: float
    duty: str
    no_deal: float  # utility of no deal: its reservation
    best: float  # the most any plan within its duty is worth to it
    values: str

    def lines(self) -> list[str]:
        """The brief as sentences (what the participant's page shows)."""
        out = [
            f"Budget: £{self.budget:.1f}m a year, of which £{self.committed_spend:.1f}m is already committed.",
            f"Savings still to deliver this year: £{self.savings_obligation:.1f}m.",
            f"Headroom (what you could give and still meet your duty): £{self.headroom:.1f}m.",
            f"Your duty: {self.duty}.",
            f"No deal is worth {money(self.no_deal)} to you (national intervention); never sign anything worse.",
            f"The best plan within your duty is worth {money(self.best)} to you.",
            f"You value {self.values}.",
        ]
        if self.kind == "council":
            out.insert(2, f"Adult social care needs £{self.asc_need:.1f}m of new money this year.")
        return out


def brief(scenario: Scenario, ev: Evaluation, org_id: str) -> Brief:
    i = list(scenario.organisations).index(org_id)
    org = scenario.organisations[org_id]
    return Brief(
        org_id, org.name, org.kind, org.budget, org.committed_spend, org.savings_obligation, org.headroom,
        org.asc_need, DUTIES.get(org.kind, "meet its statutory duty"), float(ev.reservation[i]), float(ev.ideal[i]),
        VALUES.get(org.kind, "what the plan pays it"),
    )


# ------------------------------------------------------------------ building a plan
CONTROLS = {  # control name -> (label, unit)
    "fund_total": ("Fund total", "£m"),
    "asc_protection": ("Social-care protection", "£m"),
    "community_schemes": ("Community schemes", "£m"),
    "acute_support": ("Support to the acute trusts", "£m"),
    "admissions_target": ("Admissions target (cut on last year)", "%"),
    "ccg_risk_share": ("CCGs' share of any lost performance payment", "%"),
    "ccg_share_of_new_money": ("CCGs' share of the new money", "%"),
}


def plan_dimensions(ev: Evaluation, ccg_mask: np.ndarray) -> dict[str, np.ndarray]:
    """Each control's value for every plan in the space."""
    sp = ev.space
    new_money = sp.contributions.sum(axis=1)
    ccg_paid = sp.contributions[:, ccg_mask].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ccg_share = np.where(new_money > 0, ccg_paid / np.where(new_money > 0, new_money, 1.0), 1.0)
    return {
        "fund_total": sp.fund_total,
        "asc_protection": sp.asc_protection,
        "community_schemes": sp.community_schemes,
        "acute_support": sp.acute_support,
        "admissions_target": sp.admissions_target,
        "ccg_risk_share": sp.ccg_risk_share,
        "ccg_share_of_new_money": ccg_share,
    }


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    step: float


def control_ranges(dims: dict[str, np.ndarray]) -> dict[str, Range]:
    """Slider ranges from the plan space: min, max and the smallest gap between its values."""
    out = {}
    for name, values in dims.items():
        levels = np.unique(np.round(values, 4))
        gaps = np.diff(levels)
        step = float(gaps.min()) if len(gaps) else 1.0
        out[name] = Range(float(levels[0]), float(levels[-1]), max(step, 1e-4))
    return out


def closest_plan(dims: dict[str, np.ndarray], wanted: dict[str, float]) -> int:
    """The plan nearest the controls, each dimension scaled to [0, 1] by its range (ties: lowest index).

    >>> dims = {"a": np.array([0.0, 5.0, 10.0]), "b": np.array([1.0, 1.0, 0.0])}
    >>> closest_plan(dims, {"a": 6.0, "b": 1.0})
    1
    """
    total = np.zeros(len(next(iter(dims.values()))))
    for name, value in wanted.items():
        col = dims[name]
        span = float(col.max() - col.min()) or 1.0
        total += ((col - float(value)) / span) ** 2
    return int(np.argmin(total))


def controls_of(dims: dict[str, np.ndarray], plan: int) -> dict[str, float]:
    return {name: float(col[plan]) for name, col in dims.items()}


@dataclass(frozen=True)
class PlanCheck:
    """What a plan means for one organisation: shown live as a person builds or answers."""

    worth: float  # £m-equivalent per year to this organisation
    no_deal: float
    duty_gap: float  # £m short of its duty (> 0: breaks it)
    breaks_duty: bool
    below_no_deal: bool
    failed: tuple[str, ...]  # national conditions the plan fails, in sentences
    pays: float  # £m it would pay in

    @property
    def can_accept(self) -> bool:
        return not self.breaks_duty and not self.below_no_deal

    @property
    def why_not(self) -> str:
        if self.breaks_duty:
            return f"You cannot accept: it would leave you £{self.duty_gap:.1f}m short of your duty."
        if self.below_no_deal:
            return (f"You cannot accept: it is worth {money(self.worth)} to you, less than no deal "
                    f"({money(self.no_deal)}).")
        return ""


def check(scenario: Scenario, ev: Evaluation, org_id: str, plan: int) -> PlanCheck:
    i = list(scenario.organisations).index(org_id)
    gap = float(ev.duty_gap[i, plan])
    worth, no_deal = float(ev.utility[i, plan]), float(ev.reservation[i])
    breaks = gap > EPS and not scenario.organisations[org_id].breach_duty
    failed = tuple(condition_sentence(c, ev, plan, scenario) for c in failed_conditions(ev, plan))
    return PlanCheck(worth, no_deal, max(gap, 0.0), breaks, worth < no_deal - EPS, failed,
                     float(ev.space.contributions[plan, i]))


def plan_summary(ev: Evaluation, plan: int, names: dict[str, str]) -> str:
    """The public description of a tabled plan (contributions are on the table, values are not)."""
    p = ev.space.plan(plan)
    pays = ", ".join(f"{names[o]} £{c:.1f}m" for o, c in p.contributions.items() if c > 0.005) or "nobody"
    return (f"£{p.fund_total:.1f}m fund; £{p.asc_protection:.1f}m social care; £{p.community_schemes:.1f}m schemes; "
            f"£{p.acute_support:.1f}m acute support; target {p.admissions_target:+.1%}; "
            f"CCGs carry {p.ccg_risk_share:.0%} of lost performance payment; new money from {pays}")

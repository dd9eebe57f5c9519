"""Better Care Fund rules by policy year, as data.

Each rule set is a TOML file beside this module (``bcf_2015_16.toml``, ``bcf_2025_26.toml``, ...): its
national conditions, funding streams, metrics (and whether money is at risk on them), who must sign,
the assurance outcomes, the assurance checks with the outcome each failure leads to, and the name of
the mechanism that values a plan under it. A scenario names its rule set with ``rules.policy``
(default ``bcf_2015_16``, the 2014/15 negotiation the simulator was built for). Adding a year is a new
TOML file and, at most, one new valuation module registered in :data:`VALUATIONS`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFAULT_POLICY = "bcf_2015_16"
HERE = Path(__file__).resolve().parent

# Roles the valuation knows, by kind: who commissions NHS care, who holds adult social care, who
# receives the DFG passed on, who provides care. A kind's role is the same under every rule set.
ROLES = {
    "ccg": "commissioner", "icb": "commissioner",
    "council": "council", "unitary_council": "council",
    "district_council": "district",
    "acute_trust": "acute_trust", "community_trust": "community_trust",
}
# What each role is called in the valuation's arrays (the 2014/15 code's names).
ROLE_AS_KIND = {"commissioner": "ccg", "council": "council", "district": "district_council",
                "acute_trust": "acute_trust", "community_trust": "community_trust"}


def role_kind(kind: str) -> str:
    """The 2014/15 kind a kind plays in the valuation: an ICB commissions as a CCG did, a unitary is a council.

    >>> role_kind("icb"), role_kind("unitary_council"), role_kind("acute_trust")
    ('ccg', 'council', 'acute_trust')
    """
    return ROLE_AS_KIND[ROLES[kind]]


@dataclass(frozen=True)
class Check:
    id: str
    fails_as: str  # the outcome a signed plan failing this check gets: not_approved | approved_with_conditions


@dataclass(frozen=True)
class RuleSet:
    """One policy year's rules (read from its TOML file; see the module docstring)."""

    name: str
    title: str
    years: str
    valuation: str
    commissioner_kinds: tuple[str, ...]
    council_kinds: tuple[str, ...]
    district_kinds: tuple[str, ...]
    provider_kinds: tuple[str, ...]
    mechanisms: tuple[str, ...]
    fields: tuple[str, ...]
    signatories: tuple[str, ...]
    outcomes: tuple[str, ...]
    checks: tuple[Check, ...]
    national_conditions: tuple[dict, ...]
    funding_streams: tuple[dict, ...]
    metrics: tuple[dict, ...]
    asc_uplift: float = 0.0  # required uplift of the NHS minimum contribution to adult social care (fraction)
    s151_signs: bool = False  # a council's section 151 officer signs: no council may sign a plan breaking its duty

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.commissioner_kinds + self.council_kinds + self.district_kinds + self.provider_kinds

    @property
    def conditions(self) -> tuple[str, ...]:
        """The assurance checks' names, in the order of the valuation's ``failed`` mask columns."""
        return tuple(c.id for c in self.checks)

    @property
    def blocking(self) -> tuple[bool, ...]:
        """Per check: does failing it make a plan not approved (rather than approved with conditions)?"""
        return tuple(c.fails_as == "not_approved" for c in self.checks)

    @property
    def payment_at_risk(self) -> bool:
        return any(m.get("payment_at_risk") for m in self.metrics)


@cache
def rule_set(name: str = DEFAULT_POLICY) -> RuleSet:
    """The rule set called ``name`` (a KeyError names the known ones)."""
    known = available()
    if name not in known:
        raise KeyError(f"unknown rule set {name!r}; choose one of {', '.join(known)}")
    raw = tomllib.loads((HERE / f"{name}.toml").read_text(encoding="utf-8"))
    tuples = ("commissioner_kinds", "council_kinds", "district_kinds", "provider_kinds", "mechanisms", "fields",
              "signatories", "outcomes")
    return RuleSet(
        **{k: tuple(raw[k]) for k in tuples},
        name=raw["name"], title=raw["title"], years=raw["years"], valuation=raw["valuation"],
        checks=tuple(Check(c["id"], c["fails_as"]) for c in raw["assurance_checks"]),
        national_conditions=tuple(raw.get("national_conditions", ())),
        funding_streams=tuple(raw.get("funding_streams", ())),
        metrics=tuple(raw.get("metrics", ())),
        asc_uplift=float(raw.get("asc_uplift", 0.0)),
        s151_signs=bool(raw.get("s151_signs", False)),
    )


def available() -> tuple[str, ...]:
    """Names of the rule sets shipped (one TOML file each)."""
    return tuple(sorted(p.stem for p in HERE.glob("bcf_*.toml")))


def valuation(name: str):
    """The function that values a plan space under a rule set's mechanism: ``(scenario, space) -> dict``."""
    if name == "payment_for_performance":
        from negotiation.domain.evaluation import value_plans

        return value_plans
    if name == "pooled_grants":
        from negotiation.rules.pooled_grants import value_plans_pooled

        return value_plans_pooled
    raise KeyError(f"unknown valuation mechanism {name!r}")


__all__ = ["DEFAULT_POLICY", "ROLES", "RuleSet", "available", "role_kind", "rule_set", "valuation"]

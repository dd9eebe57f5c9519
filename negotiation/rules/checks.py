"""A scenario checked against its rule set: who may sit at the table, and which fields apply that year.

Raised as ``ValueError`` inside the scenario's validation, so the loader reports each problem as one line
naming the file and the field (``organisations.x.kind``, ``rules.mret_rate``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from negotiation.rules import rule_set

if TYPE_CHECKING:
    from negotiation.scenario import Scenario

# Scenario fields some rule set reads; a rule set that does not list one refuses it when it is set.
YEAR_FIELDS = ("activity.baseline_admissions", "rules.mret_rate", "rules.p4p_fraction", "rules.national_admissions_target", "rules.asc_protection_min", "rules.credibility_tolerance",
               "rules.nhs_asc_contribution_last_year", "rules.emergency_saving_rate")
# Fields a rule set cannot run without.
REQUIRED = {"rules.nhs_asc_contribution_last_year", "rules.emergency_saving_rate", "activity.baseline_admissions"}
STREAMS = ("nhs_minimum_contribution", "better_care_grant", "dfg")


def check_rule_set(s: Scenario) -> None:
    rs = rule_set(s.rules.policy)
    where = f"rules.policy {rs.name!r}"
    kinds = {org_id: o.kind for org_id, o in s.organisations.items()}
    for org_id, kind in kinds.items():
        if kind not in rs.kinds:
            hint = ("ICBs replaced CCGs on 1 July 2022; use kind \"ccg\" or rules.policy = \"bcf_2025_26\""
                    if kind == "icb" else "CCGs were replaced by ICBs on 1 July 2022; use kind \"icb\""
                    if kind == "ccg" else f"kinds under it: {', '.join(rs.kinds)}")
            raise ValueError(f"organisations.{org_id}.kind {kind!r} is not part of {where} ({hint})")
    for kind_group, word in ((rs.commissioner_kinds, " or ".join(rs.commissioner_kinds)),
                             (rs.council_kinds, "council")):
        if not any(k in kind_group for k in kinds.values()):
            raise ValueError(f"an area needs at least one {word}")
    present = set(kinds.values())
    if "district_council" in present and "council" not in present:
        raise ValueError("a district_council needs its county council (kind \"council\") in the same area")
    if "district_council" in present and "unitary_council" in present:
        raise ValueError("a unitary_council area has no district councils")
    for field in YEAR_FIELDS:
        section, name = field.split(".")
        table = getattr(s, section)
        given = name in table.model_fields_set
        # A value other than the default (a round trip through model_dump writes defaults back: no error).
        value_set = given and getattr(table, name) != type(table).model_fields[name].default
        if value_set and field not in rs.fields:
            raise ValueError(f"{field} is not part of {where}")
        missing = not given or getattr(table, name) is None
        if field in REQUIRED and field in rs.fields and missing:
            raise ValueError(f"{where} needs {field}")
    if not rs.fields or "rules.nhs_asc_contribution_last_year" not in rs.fields:  # no mandated streams that year
        for org_id, o in s.organisations.items():
            for stream in STREAMS:
                if getattr(o, stream):
                    raise ValueError(f"organisations.{org_id}.{stream} is not part of {where}; use existing_pooled")
    if rs.s151_signs:
        for org_id, o in s.organisations.items():
            if o.breach_duty and o.kind in rs.council_kinds:
                raise ValueError(
                    f"organisations.{org_id}.breach_duty: under {where} the council's section 151 officer signs the "
                    "plan, so it cannot sign one that breaks its balanced budget")

"""The figures that matter under the pooled-grants rules (2023/24 on), derived from a scenario's inputs.

The 2015/16 figures (the cut the national target needs, the MRET pot) mean nothing once there is no
national admissions target and no marginal rate, so ``negotiation explain`` shows these instead: the
mandated streams and each party's share of them, the required uplift of the NHS contribution to adult
social care against what the councils say they need, and what an avoided admission saves the ICB.
"""

from __future__ import annotations

from negotiation.domain import tariff
from negotiation.domain.plan import required_asc_protection
from negotiation.scenario import Scenario

STREAM_NAMES = {"nhs_minimum_contribution": "NHS minimum contribution", "better_care_grant": "Local Authority Better Care Grant",
                "dfg": "Disabled Facilities Grant", "existing_pooled": "other money pooled"}


def explain_pooled(s: Scenario) -> dict:
    rs, rules, act = s.rule_set, s.rules, s.activity
    orgs = s.organisations
    pool = s.existing_pooled
    streams = {k: sum(getattr(o, k) for o in orgs.values()) for k in STREAM_NAMES}
    last = rules.nhs_asc_contribution_last_year or 0.0
    need = sum(o.asc_need for o in orgs.values())
    g = tariff.growth(act.admissions_last_year, act.admissions_this_year)
    parties = {
        org_id: {
            "name": o.name, "kind": o.kind,
            **{k: getattr(o, k) for k in STREAM_NAMES if getattr(o, k)},
            "pooled": o.pooled, "share_of_pool": o.pooled / pool if pool > 0 else 0.0,
            "headroom": o.headroom, "asc_need": o.asc_need,
        }
        for org_id, o in orgs.items()
    }
    return {
        "scenario": s.scenario.name,
        "rule_set": rs.name,
        "rule_set_title": rs.title,
        "minimum_fund": rules.minimum_fund,
        "mandated_pool": pool,
        **{f"{k}_total": v for k, v in streams.items()},
        "dfg_to_districts": sum(o.dfg for o in orgs.values() if o.kind == "district_council"),
        "nhs_asc_contribution_last_year": last,
        "asc_uplift": rs.asc_uplift,
        "asc_uplift_required": required_asc_protection(s),
        "nhs_asc_contribution_required": last + required_asc_protection(s),
        "councils_asc_need": need,
        "asc_need_beyond_uplift": max(0.0, need - required_asc_protection(s)),
        "admissions_growth": g,
        "emergency_saving_rate": rules.emergency_saving_rate or 0.0,
        "icb_saving_per_point_cut": (rules.emergency_saving_rate or 0.0) * act.tariff * 0.01 * act.admissions_this_year
        / tariff.GBP_PER_M,
        "signatories": list(rs.signatories),
        "metrics": [{"id": m["id"], "text": m["text"], "payment_at_risk": bool(m.get("payment_at_risk"))}
                    for m in rs.metrics],
        "parties": parties,
    }


LABELS = {
    "minimum_fund": ("Minimum fund: the mandated streams (£m)", "m"),
    "mandated_pool": ("Pooled before negotiation (£m)", "m"),
    "nhs_minimum_contribution_total": ("NHS minimum contribution (£m)", "m"),
    "better_care_grant_total": ("Local Authority Better Care Grant (£m)", "m"),
    "dfg_total": ("Disabled Facilities Grant (£m)", "m"),
    "dfg_to_districts": ("DFG passed to district councils (£m)", "m"),
    "nhs_asc_contribution_last_year": ("NHS contribution to adult social care last year (£m)", "m"),
    "asc_uplift": ("Required uplift of it", "pct"),
    "asc_uplift_required": ("ASC uplift required this year (£m)", "m"),
    "nhs_asc_contribution_required": ("NHS contribution to adult social care required (£m)", "m"),
    "councils_asc_need": ("Councils' adult social care need this year (£m)", "m"),
    "asc_need_beyond_uplift": ("Need beyond the required uplift (£m)", "m"),
    "admissions_growth": ("Emergency admissions growth this year", "pct"),
    "emergency_saving_rate": ("Share of tariff an ICB saves per admission avoided", "pct"),
    "icb_saving_per_point_cut": ("ICB cash saved per 1% of admissions avoided (£m)", "m"),
}

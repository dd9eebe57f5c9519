"""The assessment in words a finance director reads: names for figures, probabilities, drivers.

"Deadlock in 70% of plausible figures (95% interval 62–77%); 78% of the variance
comes from the value of social care to the NHS and Northamptonshire County
Council's social-care need."
"""

from __future__ import annotations

import pandas as pd

OUTCOME_WORDS = {"approved": "approved", "not_approved": "not approved", "deadlock": "deadlock",
                 "approved_with_conditions": "approved with conditions", "arbitrated": "a plan imposed by an arbiter"}

FIELD_WORDS = {
    # rules
    "minimum_fund": "the minimum fund",
    "asc_protection_min": "the minimum social-care protection",
    "national_admissions_target": "the national admissions target",
    "mret_rate": "the marginal rate for emergency admissions",
    "p4p_fraction": "the share of the fund paid for performance",
    "deadline_rounds": "the number of meetings before the deadline",
    "trust_effect": "how far trust softens what partners hold out for",
    "pooling_friction": "the value lost on pooled but unspent money",
    "unapproved_cost_share": "the cost of a signed plan that fails assurance",
    "credibility_tolerance": "how far a credible target may exceed what the plan achieves",
    "nhs_asc_contribution_last_year": "last year's NHS contribution to social care",
    "emergency_saving_rate": "the share of tariff an ICB saves per admission avoided",
    # activity
    "admissions_last_year": "last year's emergency admissions",
    "admissions_this_year": "this year's emergency admissions",
    "baseline_admissions": "the MRET baseline",
    "tariff": "the emergency tariff",
    "achievable_reduction": "the admissions cut achievable without new schemes",
    "reduction_per_scheme": "the admissions avoided per £m of schemes",
    "max_reduction": "the ceiling on admissions avoided",
    "acute_marginal_cost": "the hospital's cost saved per admission avoided",
    "community_cost_per_admission": "the community care cost per admission avoided",
    "asc_spillover": "the value of social care to the NHS",
}

ORG_FIELD_WORDS = {
    "budget": "{org}'s budget",
    "committed_spend": "{org}'s committed spend",
    "savings_obligation": "{org}'s savings obligation",
    "required_surplus": "{org}'s required surplus",
    "existing_pooled": "{org}'s money already pooled",
    "asc_need": "{org}'s social-care need",
    "activity_share": "{org}'s share of emergency activity",
    "intervention_cost": "what no approved plan costs {org}",
    "beta": "{org}'s concession exponent",
    "nhs_minimum_contribution": "{org}'s NHS minimum contribution",
    "better_care_grant": "{org}'s Local Authority Better Care Grant",
    "dfg": "{org}'s Disabled Facilities Grant",
}


def label(key: str, raw: dict) -> str:
    """A figure's name in words, e.g. ``organisations.nene_ccg.budget`` → "NHS Nene CCG's budget"."""
    parts = key.split(".")
    if parts[0] == "boards" and len(parts) > 2:  # a multi-board file: the same words, in that board
        board = raw.get("boards", {}).get(parts[1], {})
        inner = label(".".join(parts[2:]), {**raw, **board, "organisations": {
            **raw.get("organisations", {}), **board.get("organisations", {})}})
        return f"{inner} ({board.get('name', parts[1])})" if parts[2] != "organisations" else inner
    if parts[0] == "organisations" and len(parts) == 3:
        org = raw.get("organisations", {}).get(parts[1], {}).get("name", parts[1])
        return ORG_FIELD_WORDS.get(parts[2], "{org}'s " + parts[2].replace("_", " ")).format(org=org)
    if parts[0] == "relationships" and len(parts) == 3 and parts[1].isdigit():
        rel = raw.get("relationships", [])[int(parts[1])]
        names = [raw["organisations"].get(rel[e], {}).get("name", rel[e]) for e in ("a", "b")]
        return f"trust between {names[0]} and {names[1]}"
    return FIELD_WORDS.get(parts[-1], key)


def pct(x: float) -> str:
    return f"{x:.0%}"


def join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def drivers(indices: pd.DataFrame, outcome: str, method: str, limit: int = 3) -> pd.DataFrame:
    """The few ranges that matter most for an outcome: by total-order index (sobol) or μ* (morris)."""
    table = indices[indices.outcome == outcome]
    score = "ST" if method == "sobol" else "mu_star"
    table = table[table[score].notna()].sort_values(score, ascending=False)
    if method == "sobol":
        chosen: list[pd.Series] = []
        explained = 0.0
        for _, r in table.iterrows():
            if len(chosen) == limit or r.ST < 0.05 or (chosen and explained >= 0.7):
                break
            chosen.append(r)
            explained += max(r.S1, 0.0)
        return pd.DataFrame(chosen)
    top = table.head(limit)
    return top[top.mu_star > 0.02]


def driver_sentence(indices: pd.DataFrame, outcome: str, method: str, raw: dict) -> str:
    top = drivers(indices, outcome, method)
    what = OUTCOME_WORDS[outcome]
    if top.empty:
        return f"No single range stands out for {what}."
    names = [label(k, raw) for k in top.key]
    if method == "morris":
        effects = ", ".join(f"{m:.2f}" for m in top.mu_star)
        return f"Whether it ends in {what} turns most on {join(names)} (Morris μ* {effects})."
    first = sum(max(s, 0.0) for s in top.S1)
    orders = ", ".join(f"{s:.2f}/{t:.2f}" for s, t in zip(top.S1, top.ST))
    if first >= 0.3:
        return (f"{pct(min(first, 1.0))} of the variance in {what} comes from {join(names)} "
                f"(first/total-order Sobol indices {orders}).")
    shares = [pct(min(t, 1.0)) for t in top.ST]
    return (f"No figure decides {what} on its own: {names[0]} takes part in {shares[0]} of its variance"
            + (f", {join([f'{n} in {t}' for n, t in zip(names[1:], shares[1:])])}" if len(names) > 1 else "")
            + f", mostly through interactions (first/total-order Sobol indices {orders}).")


def summary(name: str, n_ranges: int, method: str, probs: pd.DataFrame, indices: pd.DataFrame, raw: dict) -> str:
    """A paragraph: the likely outcome, every outcome's probability with its interval, then the drivers."""
    prob = {str(o): float(x) for o, x in zip(probs.outcome, probs.probability)}
    low = {str(o): float(x) for o, x in zip(probs.outcome, probs.ci_low)}
    high = {str(o): float(x) for o, x in zip(probs.outcome, probs.ci_high)}
    likely = max(prob, key=lambda o: prob[o])

    def interval(o: str) -> str:
        return f"{low[o] * 100:.0f}–{pct(high[o])}"

    rest = [o for o in prob if o != likely]
    text = (f"{name}, across its {n_ranges} ranges: {OUTCOME_WORDS[likely]} in {pct(prob[likely])} "
            f"of plausible figures (95% interval {interval(likely)}); "
            + ", ".join(f"{OUTCOME_WORDS[o]} {pct(prob[o])} ({interval(o)})" for o in rest) + ".")
    if prob[likely] == 1.0:
        return text + f" Every sampled set of figures ends in {OUTCOME_WORDS[likely]}: no range moves the verdict."
    text += " " + driver_sentence(indices, likely, method, raw)
    for o in rest:
        if prob[o] > 0 and not _same_drivers(indices, o, likely, method):
            text += " " + driver_sentence(indices, o, method, raw)
    if method == "morris":
        text += " (Morris is a screen: run --method sobol for probabilities and variance shares.)"
    elif _uncertain(indices, likely):
        text += " (At this sample size the indices are rough, ± shown in the table: use --samples 128 or more to firm them up.)"
    return text


def _uncertain(indices: pd.DataFrame, outcome: str) -> bool:
    top = drivers(indices, outcome, "sobol")
    return bool(len(top)) and bool((top.ST_conf > 0.5 * top.ST).any())


def _same_drivers(indices: pd.DataFrame, a: str, b: str, method: str) -> bool:
    ka, kb = list(drivers(indices, a, method).get("key", [])), list(drivers(indices, b, method).get("key", []))
    return ka == kb

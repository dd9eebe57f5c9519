"""A multi-board run as one sweep row: the area's outcome in one word, each board's beside it.

Decision (README, "Several boards"): a sweep, a comparison or an assessment of a multi-board file runs the
whole area each time (every board, the shared ICB's headroom passing between them), because the coupling
is the point; one row per run. ``outcome`` is the worst board's outcome (deadlock, then arbitrated, not
approved, approved with conditions, approved): "the ICB has a deadlock somewhere"; ``outcome.<board>`` holds
each board's; ``fund_total`` and ``rounds`` are the sum and the longest; an organisation's contribution and
utility are summed over the boards it sits on.
"""

from __future__ import annotations

from negotiation.boards.spec import Area

WORST_FIRST = ("deadlock", "arbitrated", "not_approved", "approved_with_conditions", "approved")


def area_columns(raw: dict) -> tuple[list[str], list[str]]:
    """(organisation ids, board ids) a multi-board file's rows have columns for, in file order."""
    boards = raw.get("boards", {}) if isinstance(raw.get("boards"), dict) else {}
    orgs = list(raw.get("organisations", {}) or {})
    for board in boards.values():
        if isinstance(board, dict):
            orgs += [o for o in (board.get("organisations") or {}) if o not in orgs]
    return orgs, list(boards)


def area_row(area: Area, seed: int) -> dict:
    from negotiation.boards.model import MultiBoardModel  # Mesa: loaded only when an area runs

    model = MultiBoardModel(area, seed=seed).run()
    results = {b: r.result for b, r in model.runs.items()}
    outcomes = {b: r.outcome for b, r in results.items()}
    row: dict = {
        "outcome": next(o for o in WORST_FIRST if o in outcomes.values()),
        "signed_off": all(r.signed_off for r in results.values()),
        "rounds": max(r.rounds for r in results.values()),
        "fund_total": sum(r.fund_total for r in results.values()),
        "blockers": ";".join(f"{b}:{x}" for b, r in results.items() for x in r.blockers),
        "failed_conditions": ";".join(f"{b}:{x}" for b, r in results.items() for x in r.failed_conditions),
        # Each board has its own zone of agreement and frontier; an area has no single one, so these sweep
        # columns stay empty for a whole-area row (run --json gives each board's analysis).
        "efficiency": float("nan"),
        "distance_to_frontier": float("nan"),
    }
    for board, outcome in outcomes.items():
        row[f"outcome.{board}"] = outcome
    orgs, _ = area_columns({"organisations": dict.fromkeys(area.shared),
                            "boards": {b: {"organisations": dict.fromkeys(s.organisations)} for b, s in area.boards.items()}})
    for org in orgs:
        row[f"contribution.{org}"] = float(sum(r.contributions.get(org, 0.0) for r in results.values()))
        row[f"utility.{org}"] = float(sum(r.organisations[org]["utility"] for r in results.values() if org in r.organisations))
    return row


def validate_raw(raw: dict, source: str):
    """Validate a raw scenario of either shape: a :class:`Scenario`, or an :class:`Area` for ``[boards.<id>]``."""
    from negotiation.boards.spec import area_from_dict
    from negotiation.scenario import scenario_from_dict

    return area_from_dict(raw, source) if "boards" in raw else scenario_from_dict(raw, source)


def board_shares(rows) -> dict[str, dict[str, float]]:
    """{board: {outcome: share of runs}} from whole-area rows' ``outcome.<board>`` columns ({} for one board)."""
    out = {}
    for col in rows.columns:
        if str(col).startswith("outcome."):
            shares = rows[col].value_counts(normalize=True)
            out[str(col).removeprefix("outcome.")] = {o: float(shares.get(o, 0.0)) for o in reversed(WORST_FIRST)
                                                      if o in shares.index}
    return out

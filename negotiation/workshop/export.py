"""A room's session as files: every proposal, answer and reason with times (JSON, CSV), the debrief as PNG."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from negotiation.workshop.brief import plan_summary
from negotiation.workshop.debrief import debrief
from negotiation.workshop.room import Room

CSV_FIELDS = ["time_utc", "round", "event", "organisation", "person", "accepted", "plan", "reason"]


def _utc(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def _plan(room: Room, index: int | None) -> str:
    return "" if index is None else plan_summary(room.model.evaluation, index, room.names)


def session_rows(room: Room) -> list[dict]:
    names = room.names
    with room._lock:
        log = list(room.log)
    return [
        {
            "time_utc": _utc(e.time), "round": e.round, "event": e.kind,
            "organisation": names.get(e.org_id, "HWB chair" if e.org_id == "chair" else e.org_id),
            "person": e.person, "accepted": "" if e.accepted is None else ("yes" if e.accepted else "no"),
            "plan": _plan(room, e.plan_index), "reason": e.reason,
        }
        for e in log
    ]


def session_json(room: Room) -> str:
    m = room.model
    rounds = []
    for record in m.history:
        rounds.append({
            "round": record.round, "proposer": record.proposer,
            "plan": m.evaluation.space.plan(record.plan_index).to_dict(),
            "responses": [{"organisation": r.org_id, "accepted": r.accepted, "utility": round(r.utility, 4),
                           "model_reason": r.reason} for r in record.responses],
        })
    body = {
        "room": room.code, "scenario": room.scenario.scenario.name, "seed": room.seed, "created_utc": _utc(room.created),
        "seats": {o: s.person for o, s in room.seats.items()},
        "outcome": None if m.outcome is None else m.outcome.outcome,
        "events": session_rows(room), "rounds": rounds,
    }
    if m.outcome is not None:
        d = debrief(m, {o: s.person for o, s in room.seats.items()})
        body["debrief"] = {
            "banner": d.banner, "zone_of_agreement_plans": d.zone_plans, "signed": d.signed, "nash": d.nash,
            "kalai_smorodinsky": d.ks, "efficiency": d.efficiency,
            "organisations": [r.__dict__ for r in d.rows], "blockers": [list(b) for b in d.blockers],
            "would_change": list(d.would_change),
        }
    return json.dumps(body, indent=2, ensure_ascii=False)


def session_csv(room: Room) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(session_rows(room))
    return buf.getvalue()


def debrief_png(room: Room) -> bytes:
    """Each organisation's no deal, what it got, and the Nash and KS plans' value to it (£m), as a PNG."""
    from negotiation.extras import require

    require("report", "matplotlib")  # the core install has no matplotlib; JSON and CSV need none
    from matplotlib.figure import Figure

    d = debrief(room.model, {o: s.person for o, s in room.seats.items()})
    fig = Figure(figsize=(10, 2.2 + 0.7 * len(d.rows)), dpi=110)
    ax = fig.add_subplot()
    names = [r.name for r in d.rows][::-1]
    ys = range(len(names))
    series: list[tuple[str, list, str, str]] = [("no deal", [r.no_deal for r in d.rows], "#616161", "|"),
              ("got" if d.signed else "last plan tabled", [r.got if d.signed else r.last_tabled for r in d.rows],
               "#1565c0", "o"),
              ("Nash plan", [r.nash for r in d.rows], "#2e7d32", "s"),
              ("Kalai–Smorodinsky plan", [r.ks for r in d.rows], "#6a1b9a", "^")]
    for label, values, colour, marker in series:
        if any(v is None for v in values):
            continue
        ax.scatter(values[::-1], list(ys), label=label, color=colour, marker=marker,
                   s=500 if marker == "|" else 110, linewidths=3 if marker == "|" else 1, zorder=3)
    ax.set_yticks(list(ys), names, fontsize=12)
    ax.set_xlabel("£m-equivalent per year (against the status quo)", fontsize=12)
    ax.set_title(f"{room.scenario.scenario.name}\n{d.banner}", fontsize=13, loc="left", wrap=True)
    ax.grid(axis="x", color="#ddd")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, fontsize=11, frameon=False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()

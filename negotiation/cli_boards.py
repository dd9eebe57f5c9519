"""``negotiation run`` and ``explain`` on a multi-board scenario: each board's outcome, then the ICB overall."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from negotiation.cli import OUTCOME_STYLE, OUTCOME_TEXT, _print_run, fail, out
from negotiation.errors import NegotiationError

HISTORY_NOTES = {  # figures from history to print beside a run's result (scenario file stem -> text)
    "north_central_london_2024": (10.4, "an independent arbiter told the ICB to pay £10.4m "
                                  "(research 2015-26 §2, HSJ 7038210)"),
}


def multi_board(path: Path) -> bool:
    """Is the file a multi-board scenario? (bad files are left for the loader to report)"""
    from negotiation.boards.spec import is_multi_board
    from negotiation.scenario import read_raw

    try:
        return is_multi_board(read_raw(path))
    except NegotiationError:
        return False


def run_area_cli(path: Path, seed: int, rounds: int | None, sets: list[str] | None, as_json: bool,
                 order: str | None) -> None:
    from negotiation.boards import load_area, run_area

    try:
        area = load_area(path, sets or None)
        model = run_area(area, seed=seed, rounds=rounds, order=order)
    except NegotiationError as exc:
        fail(exc)
    except ValueError as exc:
        fail(str(exc))
    result = model.to_dict()
    award = arbitration_award(model)
    if award is not None:
        result["award"] = award
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    out.print(f"[bold]{escape(area.name)}[/bold]  {len(area.boards)} boards, {model.order}, seed {seed}")
    for board, run in model.runs.items():
        out.print(f"\n[bold]━━ Board {escape(run.name)} ({board}) ━━[/bold]")
        if run.segments:
            out.print(f"(the shared organisations' headroom changed {len(run.segments)} time(s) while it negotiated: "
                      "another board's plan came into force; the rounds below are since the last change)")
        _print_run(run.result)
    out.print("\n[bold]Each board[/bold]")
    for run in model.runs.values():
        style = OUTCOME_STYLE[run.result.outcome]
        out.print(f"  {escape(run.name)}: [{style}]{OUTCOME_TEXT[run.result.outcome]}[/{style}] "
                  f"after {run.result.rounds} round(s)")
    table = Table(title="Shared organisations overall (£m per year)")
    for col in ("organisation", "headroom", *(area.board_names[b] for b in area.sequence), "net money", "headroom left",
                "within duty"):
        table.add_column(escape(col))
    for pos in model.shared_position().values():
        cells = [f"{pos['boards'][b]['net_money']:+.1f} ({pos['boards'][b]['outcome'].replace('_', ' ')})"
                 if b in pos["boards"] else "-"
                 for b in area.sequence]
        table.add_row(escape(pos["name"]), f"{pos['headroom']:.1f}", *cells, f"{pos['net_money']:+.1f}",
                      f"{pos['headroom_left']:.1f}", "yes" if pos["within_duty"] else "no")
    out.print(table)
    if award is not None:
        out.print(award["sentence"], markup=False)
    if not sets and rounds is None and (order is None or order == area.order):  # an assessment is of the file
        for line in area_verdict_lines(path, {b: r.result.outcome for b, r in model.runs.items()}, area.board_names):
            out.print(line, soft_wrap=True, markup=False)


def area_verdict_lines(scenario: Path, outcomes: dict[str, str], names: dict[str, str]) -> list[str]:
    """Under a multi-board run: how often its verdict holds across the ranges, or the command that finds out.

    As ``run`` does for one board (negotiation.cli_assess.verdict_line). An assessment of a multi-board file
    runs the whole area at each point, and its outcome is the worst board's (negotiation.boards.rows), so
    the area line is about that; the line after it gives each board's own verdict's share from the
    assessment's runs (their ``outcome.<board>`` columns).
    """
    from negotiation.batch.compare import wilson
    from negotiation.boards.rows import WORST_FIRST
    from negotiation.uncertainty.assessment import command_for, previous
    from negotiation.uncertainty.ranges import read_ranged

    worst = next(o for o in WORST_FIRST if o in outcomes.values())
    try:
        if not read_ranged(scenario).ranges:
            return ["This scenario has no ranges: every figure is taken as exact."]
        saved = previous(scenario)
    except NegotiationError:
        return []
    words = worst.replace("_", " ")
    if saved is None:
        return [f"How sure are these verdicts across the scenario's ranges (the area's, its worst board's: {words})? "
                f"Run: {command_for(scenario)} (each run is the whole area; a quicker screen: add --method morris "
                "--samples 4)"]
    probs = {r["outcome"]: r for r in saved["probabilities"]}
    n = int(next(iter(probs.values()))["points"]) if probs else 0
    p = probs.get(worst) or {"probability": 0.0, **dict(zip(("ci_low", "ci_high"), wilson(0, max(n, 1))))}
    lines = [f"Across the scenario's ranges the area's verdict (its worst board's: {words}) holds in "
             f"{p['probability']:.0%} of plausible figures (95% interval {p['ci_low']:.0%}–{p['ci_high']:.0%}; "
             f"{saved['method']}, {saved['runs']} runs; most likely: {saved['most_likely'].replace('_', ' ')})."]
    each = _board_shares(saved)
    if each:
        lines.append("Each board's verdict holds in: " + "; ".join(
            f"{names.get(b, b)} ({o.replace('_', ' ')}) {each.get(b, {}).get(o, 0.0):.0%}" for b, o in outcomes.items())
            + f" of the assessment's {saved['runs']} runs.")
    return lines


def _board_shares(saved: dict) -> dict[str, dict[str, float]]:
    """Each board's outcome shares over an assessment's runs ({} if its runs cannot be read)."""
    from negotiation.batch import load_sweep
    from negotiation.boards.rows import board_shares

    try:
        return board_shares(load_sweep(saved["rows"]))
    except (NegotiationError, OSError, KeyError, ValueError):
        return {}


def arbitration_award(model) -> dict | None:
    """What arbiters made each shared ICB pay into the boards' plans, beside history when the file has some.

    Boards that agreed unaided keep their plan; for them the line also says what an arbiter would have
    imposed had the partners gone to one at the deadline instead (the same arbitration rule on the same
    plan space), so the award can be read against history even when the model finds agreement.
    """
    from negotiation.protocol.arbitration import arbitrate

    stem = Path(model.area.source).stem
    note = HISTORY_NOTES.get(stem)
    method = next(iter(model.area.boards.values())).rules.arbitration
    if method == "none" and note is None:
        return None
    method = "final_offer" if method == "none" else method
    icbs = [org for org in model.area.shared
            if model.area.boards[model.area.shared[org][0]].organisations[org].kind == "icb"]
    imposed, would = {}, {}
    for board, run in model.runs.items():
        m = run.result.model
        if run.result.outcome == "arbitrated":
            imposed[board] = {org: run.result.contributions.get(org, 0.0) for org in icbs}
            continue
        award = arbitrate(m.evaluation, method, m.history, m.ids)
        if award is not None:
            would[board] = {org: float(m.evaluation.space.contributions[award.plan_index, m.ids.index(org)])
                            for org in icbs if org in m.ids}
    paid = round(sum(sum(v.values()) for v in imposed.values()), 4)
    hypothetical = round(sum(sum(v.values()) for v in would.values()), 4)
    unaided = {b: (r.result.arbitration or {}).get("unaided_outcome", r.result.outcome) for b, r in model.runs.items()}
    signed = round(sum(r.result.contributions.get(org, 0.0) for r in model.runs.values() if r.result.signed_off
                       for org in icbs), 4)
    parts = [f"Arbitration ({method.replace('_', '-')}): imposed in {len(imposed)} of {len(model.runs)} boards; "
             f"the ICB pays £{signed:.1f}m into the plans signed unaided and £{paid:.1f}m under imposed plans"]
    if would:
        parts.append(f"in the {len(would)} boards that did not go to arbitration, the arbiter would have imposed "
                     f"plans in which the ICB pays £{hypothetical:.1f}m (£{paid + hypothetical:.1f}m in all)")
    if note:
        parts.append(f"history: £{note[0]:.1f}m; {note[1]}")
    return {"method": method, "boards_arbitrated": sorted(imposed), "unaided": unaided, "icb_pays_signed": signed,
            "icb_pays_imposed": paid,
            "icb_pays_if_all_arbitrated": round(paid + hypothetical, 4), "history": note[0] if note else None,
            "sentence": "; ".join(parts) + "."}


def explain_area_cli(path: Path, sets: list[str] | None, as_json: bool) -> None:
    from negotiation.boards import load_area
    from negotiation.explain import explain as derive

    try:
        area = load_area(path, sets or None)
        figures = {b: derive(s) for b, s in area.boards.items()}
    except NegotiationError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps({"scenario": area.name, "boards": figures}, indent=2) + "\n")
        return
    from negotiation.cli import _print_pooled

    for board, f in figures.items():
        out.print(f"\n[bold]━━ Board {escape(area.board_names[board])} ({board}) ━━[/bold]")
        if "rule_set" in f:
            _print_pooled(f)
        else:
            out.print(json.dumps({k: v for k, v in f.items() if k != "calibration_targets"}, indent=1), markup=False)

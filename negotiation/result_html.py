"""A finished negotiation as a small HTML block, for notebooks (``NegotiationResult._repr_html_``).

Kept out of result.py so the result stays a plain record; no styling beyond inline colours, so it
reads the same in Jupyter, VS Code and an exported notebook.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from negotiation.kinds import kind_name

if TYPE_CHECKING:
    from negotiation.result import NegotiationResult

VERDICT = {
    "approved": ("Approved", "#1b5e20", "#e8f5e9"),
    "not_approved": ("Not approved", "#8a4b00", "#fff3e0"),
    "deadlock": ("Deadlock", "#b71c1c", "#ffebee"),
}


def result_html(result: NegotiationResult) -> str:
    """The verdict (with failed conditions or blockers), the reasons, and a table by organisation (£m per year)."""
    label, colour, background = VERDICT.get(result.outcome, (result.outcome, "#000", "#fff"))
    detail = ""
    if result.failed_conditions:
        detail = "failed: " + ", ".join(result.failed_conditions)
    elif result.blockers:
        detail = "blocked by: " + ", ".join(result.blockers)
    fund = f"£{result.fund_total:.1f}m fund" if result.signed_off else "no plan signed"
    head = (
        f"<div style='border-left:6px solid {colour};background:{background};padding:6px 10px;margin-bottom:6px'>"
        f"<b style='color:{colour}'>{escape(label)}</b> after {result.rounds} round(s): {escape(fund)}"
        f"{' &middot; ' + escape(detail) if detail else ''}"
        f"<br><small>{escape(result.scenario)}, seed {result.seed}</small></div>"
    )
    reasons = "".join(f"<li>{escape(r)}</li>" for r in result.reasons)
    rows = []
    for org_id, org in result.organisations.items():
        rows.append(
            "<tr>"
            f"<td>{escape(str(org['name']))}</td><td>{escape(kind_name(str(org['kind'])))}</td>"
            f"<td style='text-align:right'>{result.contributions.get(org_id, 0.0):.1f}</td>"
            f"<td style='text-align:right'>{org['net_money']:+.1f}</td>"
            f"<td style='text-align:right'>{org['utility']:+.1f}</td>"
            f"<td style='text-align:right'>{org['reservation']:+.1f}</td>"
            f"<td>{'yes' if org['accepted'] else 'no'}</td>"
            "</tr>"
        )
    table = (
        "<table><thead><tr><th>organisation</th><th>kind</th><th>pays in (£m)</th><th>net money (£m)</th>"
        "<th>utility (£m)</th><th>no deal (£m)</th><th>signed</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return f"<div class='negotiation-result'>{head}<ul>{reasons}</ul>{table}</div>"

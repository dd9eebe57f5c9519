"""Matplotlib figures for the app, drawn from a model's collected data (no pyplot: safe across sessions)."""

from __future__ import annotations

import networkx as nx
import numpy as np
from matplotlib.figure import Figure

from negotiation.model import NegotiationModel

STANCE_COLOURS = {"proposer": "#1565c0", "accepts": "#2e7d32", "rejects": "#c62828", "waiting": "#9e9e9e"}
KIND_MARKERS = {"ccg": "o", "council": "s", "acute_trust": "^", "community_trust": "D"}


def _empty(fig: Figure, text: str) -> Figure:
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, text, ha="center", va="center", color="#777")
    ax.set_axis_off()
    return fig


def offers_figure(model: NegotiationModel) -> Figure:
    """Each organisation's utility for the plan on the table (solid) and its aspiration (dashed), £m."""
    fig = Figure(figsize=(6.2, 3.3), dpi=90)
    if not model.history:
        return _empty(fig, "Press Step to start the negotiation")
    df = model.datacollector.get_agent_vars_dataframe().reset_index()
    ax = fig.add_subplot()
    for i, (org, rows) in enumerate(df.groupby("org", sort=False)):
        colour = f"C{i}"
        name = next(a.name for a in model.organisations if a.org_id == org)
        ax.plot(rows["Step"], rows["utility"], "-o", color=colour, ms=3, label=name)
        ax.plot(rows["Step"], rows["aspiration"], "--", color=colour, lw=1)
    ax.set_xlabel("round")
    ax.set_ylabel("£m-equivalent per year")
    ax.set_title("Offers (solid) and aspirations (dashed)", fontsize=10)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def fund_figure(model: NegotiationModel) -> Figure:
    """The fund in each round's proposal against the minimum; social-care protection against the need."""
    fig = Figure(figsize=(6.2, 3.3), dpi=90)
    if not model.history:
        return _empty(fig, "No proposal yet")
    df = model.datacollector.get_model_vars_dataframe()
    rounds = np.arange(1, len(df) + 1)
    ax = fig.add_subplot()
    ax.plot(rounds, df["fund_total"], "-o", color="#1565c0", ms=3, label="fund total")
    ax.axhline(model.spec.rules.minimum_fund, color="#1565c0", ls=":", label="minimum fund")
    asc = df["gap_to_asc_need"] + sum(o.asc_need for o in model.spec.organisations.values())
    ax.plot(rounds, asc, "-s", color="#6a1b9a", ms=3, label="social-care protection")
    need = sum(o.asc_need for o in model.spec.organisations.values())
    ax.axhline(need, color="#6a1b9a", ls=":", label="social-care need")
    ax.set_xlabel("round")
    ax.set_ylabel("£m per year")
    ax.set_title("Fund and social-care money in each proposal", fontsize=10)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def network_figure(model: NegotiationModel) -> Figure:
    """Organisations coloured by stance this round; edge width and label show trust."""
    fig = Figure(figsize=(5.2, 3.9), dpi=90)
    ax = fig.add_subplot()
    g = model.network
    pos = nx.circular_layout(g) if len(g) <= 3 else nx.kamada_kawai_layout(g)
    agents = {a.org_id: a for a in model.organisations}
    for u, v, data in g.edges(data=True):
        trust = data.get("trust", 0.3)
        (x1, y1), (x2, y2) = pos[u], pos[v]
        ax.plot([x1, x2], [y1, y2], color="#90a4ae", lw=0.5 + 4 * trust, zorder=1)
        ax.text((x1 + x2) / 2, (y1 + y2) / 2, f"{trust:.1f}", fontsize=7, color="#455a64", ha="center")
    for org_id, (x, y) in pos.items():
        agent = agents[org_id]
        ax.scatter([x], [y], s=420, marker=KIND_MARKERS.get(agent.kind, "o"),
                   color=STANCE_COLOURS.get(agent.stance, "#9e9e9e"), edgecolors="black", zorder=2)
        ax.text(x, y - 0.2, agent.name, fontsize=7, ha="center", va="top", zorder=3)
    for stance, colour in STANCE_COLOURS.items():
        ax.scatter([], [], color=colour, label=stance, s=40)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax.set_title("Relationships (edge = trust) and stance this round", fontsize=10)
    ax.margins(0.25)
    ax.set_axis_off()
    fig.tight_layout()
    return fig


def heatmap_figure(grid, xlabel: str, ylabel: str) -> Figure:
    fig = Figure(figsize=(5.6, 4.2), dpi=90)
    ax = fig.add_subplot()
    values = grid.to_numpy(dtype=float)
    im = ax.imshow(values, origin="lower", cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns], fontsize=7, rotation=30)
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index], fontsize=7)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=7)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title("Approval rate", fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.05)
    fig.tight_layout()
    return fig

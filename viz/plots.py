"""Matplotlib figures for the app's Compare tab (no pyplot: safe across sessions). Per-round views are SVG (viz/svg.py)."""

from __future__ import annotations

import base64
import io
from html import escape
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

OUTCOME_TITLES = {"approved": "Approved", "not_approved": "Signed, not approved", "deadlock": "Deadlock",
                  "approved_with_conditions": "Approved with conditions", "arbitrated": "Imposed by an arbiter"}
# One panel per outcome, each titled: the panels are told apart by their titles, not by hue.
OUTCOME_MAPS = {"approved": "Greens", "not_approved": "Oranges", "deadlock": "Reds", "approved_with_conditions": "Blues",
                "arbitrated": "Purples"}


def _figure(width: float, height: float, left=0.11, right=0.98, bottom=0.15, top=0.9) -> Figure:
    """Fixed margins: tight_layout costs more than the rest of the drawing on these machines."""
    from negotiation.extras import require

    require("report", "matplotlib")  # the core install has no matplotlib; the app itself works without it
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=80)
    fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top)
    return fig


def tick(v: float) -> str:
    """Three significant figures: 13.3333 -> '13.3'.

    >>> tick(13.33333), tick(0.035), tick(400.0)
    ('13.3', '0.035', '400')
    """
    return f"{v:.3g}"


def outcome_heatmaps(shares: dict, xs, ys, xlabel: str, ylabel: str) -> Figure:
    """One panel per outcome: the share of runs in each cell that ended that way (so a scenario that
    always signs but never passes assurance is not a wall of red 'not approved')."""
    fig = _figure(4.0 * max(3, len(shares)), 4.4, left=0.08 * 3 / max(3, len(shares)), bottom=0.2, right=0.98, top=0.88)
    axes = fig.subplots(1, len(shares), sharey=True)
    for ax, (outcome, values) in zip(np.atleast_1d(axes), shares.items()):
        ax.imshow(values, origin="lower", cmap=OUTCOME_MAPS[outcome], vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(xs)), [tick(v) for v in xs], fontsize=10, rotation=30)
        ax.set_yticks(range(len(ys)), [tick(v) for v in ys], fontsize=10)
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=11,
                    color="white" if v > 0.6 else "black")
        ax.set_title(OUTCOME_TITLES[outcome], fontsize=13)
        ax.set_xlabel(xlabel, fontsize=11)
    np.atleast_1d(axes)[0].set_ylabel(ylabel, fontsize=11)
    return fig


def png_img(fig: Figure, alt: str, classes: str = "") -> str:
    """An <img> with alt text (axe-core: every image needs one), the figure inlined as a PNG."""
    out = io.BytesIO()
    fig.savefig(out, format="png")
    data = base64.b64encode(out.getvalue()).decode()
    return (f"<img class='{escape(classes)}' alt='{escape(alt)}' src='data:image/png;base64,{data}' "
            "style='max-width:100%;height:auto'>")

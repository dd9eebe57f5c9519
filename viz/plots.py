"""Matplotlib figures for the app's Compare tab (no pyplot: safe across sessions). Per-round views are SVG (viz/svg.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _figure(width: float, height: float, left=0.11, right=0.98, bottom=0.15, top=0.9) -> Figure:
    """Fixed margins: tight_layout costs more than the rest of the drawing on these machines."""
    from negotiation.extras import require

    require("report", "matplotlib")  # the core install has no matplotlib; the app itself works without it
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=80)
    fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top)
    return fig


def heatmap_figure(grid, xlabel: str, ylabel: str) -> Figure:
    fig = _figure(5.6, 4.2, left=0.2, bottom=0.2, right=0.95)
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
    return fig

"""A sweep's report: outcome rates by each varied figure, an approval heatmap, and what drives deadlock.

Scenario discovery uses a shallow scikit-learn decision tree over the varied
figures; its purest large leaf is reported as a box, in words a policy reader
can use ("deadlock in 91% of runs where ...; this box covers 80% of all
deadlocks"), in the spirit of PRIM (Friedman and Fisher, 1999) as used in the
EMA workbench.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from negotiation.batch.compare import OUTCOMES
from negotiation.batch.store import SweepStore
from negotiation.errors import SweepError

FIELD_LABELS = {
    "budget": "budget (£m)",
    "committed_spend": "committed spend (£m)",
    "savings_obligation": "savings obligation (£m)",
    "required_surplus": "required surplus (£m)",
    "asc_need": "social-care need (£m)",
    "existing_pooled": "existing pooled money (£m)",
    "intervention_cost": "cost of intervention (£m)",
    "strategy": "strategy",
    "beta": "concession β",
    "mret_rate": "marginal rate",
    "national_admissions_target": "national admissions target",
    "minimum_fund": "minimum fund (£m)",
    "deadline_rounds": "deadline (rounds)",
    "achievable_reduction": "achievable admissions reduction",
    "admissions_this_year": "admissions this year",
    "protocol": "protocol",
}
COLOURS = {"approved": "#2e7d32", "not_approved": "#f9a825", "deadlock": "#c62828"}


def label(key: str, names: dict[str, str]) -> str:
    """A policy reader's name for a dotted key, e.g. "Oxfordshire CCG's budget (£m)"."""
    parts = key.split(".")
    if parts[0] == "organisations" and len(parts) == 3:
        return f"{names.get(parts[1], parts[1])}'s {FIELD_LABELS.get(parts[2], parts[2])}"
    return FIELD_LABELS.get(parts[-1], parts[-1].replace("_", " "))


def outcome_rates(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """Share of each outcome at each value of ``key``."""
    rates = pd.crosstab(rows[key], rows["outcome"], normalize="index")
    return rates.reindex(columns=list(OUTCOMES), fill_value=0.0)


def approval_grid(rows: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    return rows.assign(approved=rows.outcome.eq("approved")).pivot_table(
        index=y, columns=x, values="approved", aggfunc="mean"
    )


@dataclass(frozen=True)
class Box:
    conditions: tuple[tuple[str, str, float | str], ...]  # (key, "<=" | ">" | "=", threshold)
    density: float  # share of runs inside the box that deadlock
    coverage: float  # share of all deadlocks that fall inside the box
    runs: int

    def sentence(self, names: dict[str, str], what: str = "deadlock") -> str:
        parts = []
        for key, op, value in self.conditions:
            money = "£m" in label(key, names)
            shown = f"£{value:,.1f}m" if money and isinstance(value, float) else (
                f"{value:.3g}" if isinstance(value, float) else str(value)
            )
            name = label(key, names).replace(" (£m)", "")
            verb = {"<=": "is at most", ">": "exceeds", "=": "is", "!=": "is not"}[op]
            parts.append(f"{name} {verb} {shown}")
        where = " and ".join(parts) if parts else "every run"
        return (
            f"{what.capitalize()} in {self.density:.0%} of runs where {where}; "
            f"this box covers {self.coverage:.0%} of all {what}s ({self.runs} runs)."
        )


def deadlock_drivers(rows: pd.DataFrame, keys: list[str], target: str = "deadlock") -> Box | None:
    """The purest, largest box of the varied figures in which ``target`` happens, from a depth-3 tree."""
    from sklearn.tree import DecisionTreeClassifier

    y = rows.outcome.eq(target).to_numpy()
    if y.sum() == 0 or not keys:
        return None
    X = pd.get_dummies(rows[keys], prefix_sep="=", dtype=float)
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=max(5, len(rows) // 50), random_state=0)
    tree.fit(X.to_numpy(), y)
    t = tree.tree_
    leaves = tree.apply(X.to_numpy())
    best, best_score = None, -1.0
    for leaf in np.unique(leaves):
        inside = leaves == leaf
        density = y[inside].mean()
        coverage = y[inside].sum() / y.sum()
        score = density * coverage if density >= 0.5 else -1.0
        if score > best_score:
            best, best_score = leaf, score
    if best is None or best_score < 0:
        return None
    path = _path_to(t, best)
    bounds: dict[str, list] = {}
    for node, went_left in path:
        column = X.columns[t.feature[node]]
        threshold = float(t.threshold[node])
        if "=" in column:  # a one-hot column: left means "not this option"
            key, option = column.split("=", 1)
            bounds.setdefault(key, []).append(("!=" if went_left else "=", option))
        else:
            bounds.setdefault(column, []).append(("<=" if went_left else ">", threshold))
    conditions = []
    for key, rules in bounds.items():
        uppers = [v for op, v in rules if op == "<="]
        lowers = [v for op, v in rules if op == ">"]
        if lowers:
            conditions.append((key, ">", max(lowers)))
        if uppers:
            conditions.append((key, "<=", min(uppers)))
        conditions += [(key, op, v) for op, v in rules if op in ("=", "!=")]
    inside = leaves == best
    return Box(tuple(conditions), float(y[inside].mean()), float(y[inside].sum() / y.sum()), int(inside.sum()))


def _path_to(t, leaf: int) -> list[tuple[int, bool]]:
    def walk(node, path):
        if node == leaf:
            return path
        if t.children_left[node] == -1:
            return None
        return walk(t.children_left[node], path + [(node, True)]) or walk(t.children_right[node], path + [(node, False)])

    return walk(0, []) or []


def _plot_rates(rates: pd.DataFrame, title: str, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.4))
    bottom = np.zeros(len(rates))
    xs = [str(v) if not isinstance(v, float) else f"{v:g}" for v in rates.index]
    for outcome in OUTCOMES:
        ax.bar(xs, rates[outcome], bottom=bottom, color=COLOURS[outcome], label=outcome.replace("_", " "))
        bottom += rates[outcome].to_numpy()
    ax.set_xlabel(title)
    ax.set_ylabel("share of runs")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="upper right")
    ax.tick_params(axis="x", labelsize=7, rotation=30)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_heatmap(grid: pd.DataFrame, xlabel: str, ylabel: str, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    im = ax.imshow(grid.to_numpy(dtype=float), origin="lower", cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.columns],
                  rotation=30, fontsize=7)
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.index], fontsize=7)
    for (i, j), v in np.ndenumerate(grid.to_numpy(dtype=float)):
        if not np.isnan(v):
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=6)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title("Approval rate")
    fig.colorbar(im, ax=ax, fraction=0.04)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def build_report(sweep_dir: str | Path, out: str | Path | None = None, x: str | None = None, y: str | None = None) -> dict:
    """Write the HTML report and its PNGs; return its findings (paths, rates, the deadlock box)."""
    import matplotlib

    matplotlib.use("Agg")
    store = SweepStore(sweep_dir)
    definition = store.definition()
    rows = store.load()
    if rows.empty:
        raise SweepError(f"{sweep_dir}: the sweep has no finished runs yet")
    keys = definition["keys"]
    raw = definition["definition"]["scenario"]
    names = {org_id: org.get("name", org_id) for org_id, org in raw.get("organisations", {}).items()}
    out = Path(out) if out else Path(sweep_dir) / "report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    stem = out.with_suffix("")
    for key in (x, y):
        if key is not None and key not in keys:
            raise SweepError(f"--x/--y {key!r} is not varied in this sweep (varied: {', '.join(keys)})")
    sections: list[str] = []
    findings: dict = {"report": out, "pngs": [], "rates": {}}
    overall = rows.outcome.value_counts(normalize=True).reindex(list(OUTCOMES), fill_value=0.0)
    findings["overall"] = overall.to_dict()
    sections.append(
        "<h2>Overall</h2><p>"
        + ", ".join(f"{o.replace('_', ' ')}: {overall[o]:.0%}" for o in OUTCOMES)
        + f" of {len(rows)} runs ({rows.seed.nunique()} seeds per setting).</p>"
    )
    box = deadlock_drivers(rows, keys)
    findings["deadlock_box"] = box
    sentence = box.sentence(names) if box else "No run ended in deadlock, or no varied figure separates the deadlocks."
    findings["deadlock_sentence"] = sentence
    sections.append(f"<h2>What drives deadlock</h2><p class='finding'>{html.escape(sentence)}</p>")
    for i, key in enumerate(keys):
        rates = outcome_rates(rows, key)
        findings["rates"][key] = rates
        png = stem.parent / f"{stem.name}_rates_{i}.png"
        _plot_rates(rates, label(key, names), png)
        findings["pngs"].append(png)
        sections.append(
            f"<h2>Outcome by {html.escape(label(key, names))}</h2><img src='{png.name}' alt='outcome rates'>"
            + rates.to_html(float_format=lambda v: f"{v:.0%}")
        )
    if len(keys) >= 2:
        x, y = x or keys[0], y or (keys[1] if keys[1] != (x or keys[0]) else keys[0])
        grid = approval_grid(rows, x, y)
        png = stem.parent / f"{stem.name}_heatmap.png"
        _plot_heatmap(grid, label(x, names), label(y, names), png)
        findings["pngs"].append(png)
        findings["heatmap"] = grid
        sections.insert(2, f"<h2>Approval rate: {html.escape(label(x, names))} × {html.escape(label(y, names))}</h2>"
                           f"<img src='{png.name}' alt='approval heatmap'>")
    title = f"Sweep report: {raw.get('scenario', {}).get('name', sweep_dir)}"
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px}.finding{font-size:1.15em;background:#fff3e0;padding:.6em}"
        "</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>Varied: {html.escape(', '.join(label(k, names) for k in keys))}.</p>"
        + "".join(sections)
        + "</body></html>"
    )
    out.write_text(page, encoding="utf-8")
    return findings

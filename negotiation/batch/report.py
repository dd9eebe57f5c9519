"""A sweep's report: outcome rates by each varied figure, an approval heatmap, and what drives deadlock.

Scenario discovery uses a shallow scikit-learn decision tree over the varied
figures; its purest large leaf is reported as a box, in words a policy reader
can use ("deadlock in 91% of runs where ...; this box covers 80% of all
deadlocks"), in the spirit of PRIM (Friedman and Fisher, 1999) as used in the
EMA workbench.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from negotiation.batch.compare import shown_outcomes
from negotiation.batch.efficiency import efficiency_sentence, efficiency_summary
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
    "credibility_tolerance": "credibility tolerance (cut on last year)",
}
# Okabe and Ito's colour-blind-safe palette (Okabe & Ito 2008), and a hatch each, so that no outcome is told
# from another by hue alone; every chart also labels them in its legend.
COLOURS = {"approved": "#009E73", "approved_with_conditions": "#56B4E9", "not_approved": "#E69F00",
           "arbitrated": "#CC79A7", "deadlock": "#D55E00"}
HATCHES = {"approved": "", "approved_with_conditions": "//", "not_approved": "..", "arbitrated": "xx",
           "deadlock": "\\\\"}


def label(key: str, names: dict[str, str]) -> str:
    """A policy reader's name for a dotted key, e.g. "Oxfordshire CCG's budget (£m)"."""
    parts = key.split(".")
    if parts[0] == "organisations" and len(parts) == 3:
        return f"{names.get(parts[1], parts[1])}'s {FIELD_LABELS.get(parts[2], parts[2])}"
    return FIELD_LABELS.get(parts[-1], parts[-1].replace("_", " "))


def outcome_rates(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """Share of each outcome at each value of ``key``."""
    rates = pd.crosstab(rows[key], rows["outcome"], normalize="index")
    return rates.reindex(columns=list(shown_outcomes(rows["outcome"].unique())), fill_value=0.0)


APPROVALS = ("approved", "approved_with_conditions")  # under the 2023/24-on rule sets both are approval


def approval_grid(rows: pd.DataFrame, x: str, y: str, outcomes: tuple[str, ...] = APPROVALS) -> pd.DataFrame:
    """Share of runs in each (x, y) cell whose outcome is one of ``outcomes``: by default approval with or
    without conditions (assurance approves a plan either way under the 2023/24-on rules; the report's cells
    say how much of it came with conditions, from ``approval_grid(rows, x, y, ("approved_with_conditions",))``)."""
    return rows.assign(approved=rows.outcome.isin(outcomes)).pivot_table(
        index=y, columns=x, values="approved", aggfunc="mean"
    )


def approval_title(rows: pd.DataFrame) -> str:
    """The heatmap's title: it says conditions count as approval when any run was approved with them."""
    if rows.outcome.eq("approved_with_conditions").any():
        return "Approval rate (approved, with or without conditions)"
    return "Approval rate"


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
            shown = (
                f"£{value:,.1f}m"
                if money and isinstance(value, float)
                else (f"{value:.3g}" if isinstance(value, float) else str(value))
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
    DecisionTreeClassifier = _need("sklearn.tree").DecisionTreeClassifier

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
        return walk(t.children_left[node], path + [(node, True)]) or walk(
            t.children_right[node], path + [(node, False)]
        )

    return walk(0, []) or []


def _need(module: str, extra: str = "report"):
    """Import an optional dependency, or stop with one line naming the extra to install."""
    import importlib

    from negotiation.extras import require

    require(extra, module.split(".")[0])
    return importlib.import_module(module)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def plain(text: object) -> str:
    """Text matplotlib draws as written: a ``$`` in a scenario name must not start mathtext, and a
    control character (no font has a glyph for it) is shown as U+FFFD."""
    return _CONTROL.sub("\ufffd", str(text)).replace("$", r"\$")


def _tick(v) -> str:
    return plain(f"{v:g}" if isinstance(v, float) else v)


def plot_rates(rates: pd.DataFrame, title: str):
    """A stacked bar of outcome shares at each value of one varied figure (a matplotlib Figure).

    Built with :class:`matplotlib.figure.Figure` directly: the global backend and pyplot's state are
    never touched, so a notebook's own plots keep working.
    """
    Figure = _need("matplotlib.figure").Figure
    fig = Figure(figsize=(6, 3.4))
    ax = fig.subplots()
    bottom = np.zeros(len(rates))
    xs = [_tick(v) for v in rates.index]
    for outcome in rates.columns:
        ax.bar(xs, rates[outcome], bottom=bottom, color=COLOURS[outcome], hatch=HATCHES[outcome], edgecolor="#333333",
               linewidth=0.5, label=outcome.replace("_", " "))
        bottom += rates[outcome].to_numpy()
    ax.set_xlabel(plain(title))
    ax.set_ylabel("share of runs")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="upper right")
    ax.tick_params(axis="x", labelsize=7, rotation=30)
    fig.tight_layout()
    return fig


def plot_heatmap(grid: pd.DataFrame, xlabel: str, ylabel: str, conditions: pd.DataFrame | None = None,
                 title: str = "Approval rate"):
    """Approval rate over two varied figures (a matplotlib Figure; no global state touched).

    ``conditions``: the share approved *with conditions* in each cell (same shape as ``grid``); when given,
    each cell reads "80%" over "(30% cond.)", so one panel answers "was it approved?" and still shows how
    much of that approval was conditional (docs: README, "Report").
    """
    Figure = _need("matplotlib.figure").Figure
    fig = Figure(figsize=(6.4, 4.8))
    ax = fig.subplots()
    im = ax.imshow(grid.to_numpy(dtype=float), origin="lower", cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [_tick(v) for v in grid.columns], rotation=30, fontsize=7)
    ax.set_yticks(range(grid.shape[0]), [_tick(v) for v in grid.index], fontsize=7)
    cond = None if conditions is None else conditions.reindex_like(grid).to_numpy(dtype=float)
    for (i, j), v in np.ndenumerate(grid.to_numpy(dtype=float)):
        if not np.isnan(v):
            text = f"{v:.0%}"
            if cond is not None and not np.isnan(cond[i, j]) and cond[i, j] > 0:
                text += f"\n({cond[i, j]:.0%} cond.)"
            # white on the map's dark ends (deep green, deep red), black on its pale middle
            ax.text(j, i, text, ha="center", va="center", fontsize=7, linespacing=1.1,
                    color="white" if v >= 0.8 or v <= 0.15 else "black")
    ax.set_xlabel(plain(xlabel))
    ax.set_ylabel(plain(ylabel))
    ax.set_title(title, fontsize=10)
    bar = fig.colorbar(im, ax=ax, fraction=0.04)
    bar.set_label("share of runs approved" + (" (with or without conditions)" if cond is not None else ""),
                  fontsize=7)
    fig.tight_layout()
    return fig


def plot_efficiency(rows: pd.DataFrame):
    """Histogram of efficiency among signed runs, by outcome (a matplotlib Figure; no global state touched)."""
    Figure = _need("matplotlib.figure").Figure
    fig = Figure(figsize=(6, 3.4))
    ax = fig.subplots()
    signed = rows[rows.signed_off.astype(bool)]
    bins = np.linspace(0.0, 1.0, 21)
    for outcome in ("approved", "approved_with_conditions", "not_approved", "arbitrated"):
        values = signed.loc[signed.outcome.eq(outcome), "efficiency"].dropna().to_numpy(dtype=float)
        if len(values):
            ax.hist(values, bins=bins, color=COLOURS[outcome], hatch=HATCHES[outcome], edgecolor="#333333", alpha=0.8,
                    label=outcome.replace("_", " "))
    ax.set_xlabel("efficiency: share of the zone of agreement's largest total gain")
    ax.set_ylabel("signed runs")
    ax.set_xlim(0, 1)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def sweep_findings(sweep_dir: str | Path, x: str | None = None, y: str | None = None) -> dict:
    """What a sweep shows, as data and figures (nothing written): for notebooks and :func:`build_report`.

    Keys: ``rows`` (the verified runs), ``keys``, ``names``, ``title``, ``overall`` (shares),
    ``deadlock_box``, ``deadlock_sentence``, ``rates`` ({key: DataFrame}), ``heatmap`` (DataFrame or
    None, over ``x`` and ``y``) and ``figures`` ({name: matplotlib Figure}).
    """
    store = SweepStore(sweep_dir)
    definition = store.definition()
    rows = store.load()
    if rows.empty:
        raise SweepError(f"{sweep_dir}: the sweep has no finished runs yet")
    keys = definition["keys"]
    raw = definition["definition"].get("scenario", {})
    names = {org_id: org.get("name", org_id) for org_id, org in raw.get("organisations", {}).items()}
    for key in (x, y):
        if key is not None and key not in keys:
            raise SweepError(f"--x/--y {key!r} is not varied in this sweep (varied: {', '.join(keys)})")
    overall = rows.outcome.value_counts(normalize=True).reindex(list(shown_outcomes(rows.outcome.unique())),
                                                                fill_value=0.0)
    box = deadlock_drivers(rows, keys)
    findings = {
        "rows": rows,
        "keys": keys,
        "names": names,
        "title": f"Sweep report: {raw.get('scenario', {}).get('name', sweep_dir)}",
        "overall": overall.to_dict(),
        "deadlock_box": box,
        "deadlock_sentence": box.sentence(names)
        if box
        else "No run ended in deadlock, or no varied figure separates the deadlocks.",
        "rates": {},
        "heatmap": None,
        "heatmap_axes": None,
        "heatmap_conditions": None,  # share approved with conditions per cell (None: no run was)
        "heatmap_title": "Approval rate",
        "figures": {},
        "efficiency": efficiency_summary(rows),
    }
    findings["efficiency_sentence"] = efficiency_sentence(findings["efficiency"])
    if findings["efficiency"].get("efficiency_median") is not None:
        findings["figures"]["efficiency"] = plot_efficiency(rows)
    for i, key in enumerate(keys):
        rates = outcome_rates(rows, key)
        findings["rates"][key] = rates
        findings["figures"][f"rates_{i}"] = plot_rates(rates, label(key, names))
    if len(keys) >= 2:
        x, y = x or keys[0], y or (keys[1] if keys[1] != (x or keys[0]) else keys[0])
        grid = approval_grid(rows, x, y)
        with_conditions = rows.outcome.eq("approved_with_conditions").any()
        conditions = approval_grid(rows, x, y, ("approved_with_conditions",)) if with_conditions else None
        findings["heatmap"], findings["heatmap_axes"] = grid, (x, y)
        findings["heatmap_conditions"], findings["heatmap_title"] = conditions, approval_title(rows)
        findings["figures"]["heatmap"] = plot_heatmap(grid, label(x, names), label(y, names), conditions,
                                                      findings["heatmap_title"])
    return findings


REPORT_NAME = "report.html"


def build_report(
    sweep_dir: str | Path, out: str | Path | None = None, x: str | None = None, y: str | None = None
) -> dict:
    """Write ``report.html`` and its PNGs into the folder ``out`` (default: the sweep's folder).

    Returns :func:`sweep_findings` plus ``report`` (the HTML path) and ``pngs``. For compatibility,
    an ``out`` ending in ``.html`` is taken as the report file itself.
    """
    findings = sweep_findings(sweep_dir, x, y)
    target = Path(out) if out else Path(sweep_dir)
    page_path = target if target.suffix.lower() in (".html", ".htm") else target / REPORT_NAME
    stem = page_path.with_suffix("")
    names, keys = findings["names"], findings["keys"]
    try:
        page_path.parent.mkdir(parents=True, exist_ok=True)
        pngs = []
        for name, fig in findings["figures"].items():
            png = stem.parent / f"{stem.name}_{name}.png"
            fig.savefig(png, dpi=110)
            pngs.append(png)
        sections = [
            "<h2>Overall</h2><p>"
            + ", ".join(f"{o.replace('_', ' ')}: {findings['overall'][o]:.0%}" for o in findings["overall"])
            + f" of {len(findings['rows'])} runs ({findings['rows'].seed.nunique()} seeds per setting).</p>",
            f"<h2>What drives deadlock</h2><p class='finding'>{html.escape(findings['deadlock_sentence'])}</p>",
            f"<h2>How good are the agreements?</h2><p>{html.escape(findings['efficiency_sentence'])}</p>"
            + (f"<img src='{html.escape(stem.name)}_efficiency.png' alt='efficiency of signed plans'>"
               if "efficiency" in findings["figures"] else ""),
        ]
        if findings["heatmap_axes"]:
            hx, hy = findings["heatmap_axes"]
            sections.append(
                f"<h2>{html.escape(findings['heatmap_title'])}: {html.escape(label(hx, names))} × "
                f"{html.escape(label(hy, names))}</h2>"
                + ("<p>Approval counts plans approved outright and plans approved with conditions (under the "
                   "2023/24-on rules both are approval); each cell gives the share with conditions beneath.</p>"
                   if findings["heatmap_conditions"] is not None else "")
                + f"<img src='{html.escape(stem.name)}_heatmap.png' alt='{html.escape(findings['heatmap_title'])}'>"
            )
        for i, key in enumerate(keys):
            sections.append(
                f"<h2>Outcome by {html.escape(label(key, names))}</h2>"
                f"<img src='{html.escape(stem.name)}_rates_{i}.png' alt='outcome rates'>"
                + findings["rates"][key].to_html(float_format=lambda v: f"{v:.0%}")
            )
        title = findings["title"]
        page = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 6px}.finding{font-size:1.15em;background:#fff3e0;padding:.6em}"
            "</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>Varied: {html.escape(', '.join(label(k, names) for k in keys))}.</p>"
            + "".join(sections)
            + "</body></html>"
        )
        page_path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise SweepError(f"{page_path.parent}: cannot write the report here ({exc.strerror or exc})") from None
    findings.update(report=page_path, pngs=pngs)
    return findings

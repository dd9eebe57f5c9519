"""The Compare tab: a small two-parameter sweep with a progress bar and an approval heatmap, and two
scenarios side by side. Runs in a thread of this browser session; nothing is written to disk."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import solara

from negotiation.batch.compare import LATER_OUTCOMES, compare, shown_outcomes
from negotiation.batch.rows import run_row
from negotiation.scenario import read_raw

from . import plots, session
from .components import Html, table_html


def small_sweep(raw: dict, source: str, x, y, n: int, seeds: int, progress=None, cancel=None) -> pd.DataFrame:
    """Approval rate over an n × n grid of two sliders' ranges, ``seeds`` runs per cell."""
    rows, total, done = [], n * n * seeds, 0
    for xv in np.linspace(x.low, x.high, n):
        for yv in np.linspace(y.low, y.high, n):
            scenario = session.build(raw, {x.key: float(xv), y.key: float(yv)}, source)
            for seed in range(seeds):
                if cancel is not None and cancel.is_set():
                    return pd.DataFrame(rows)
                rows.append({"x": round(float(xv), 4), "y": round(float(yv), 4), **run_row(scenario, seed)})
                done += 1
                if progress:
                    progress(done / total)
    return pd.DataFrame(rows)


def cell(name: str, v: float) -> str:
    """Shares as percentages, money as £m, rounds as a count; a figure that does not exist as a dash."""
    if v != v:  # NaN: e.g. no run signed, so no median round of sign-off
        return "—"
    if name.endswith("_share"):
        return f"{v:.0%}"
    if "rounds" in name:
        return f"{v:.1f}"
    return f"£{v:.1f}m"


def frame_html(frame: pd.DataFrame) -> str:
    rows = [[str(i).replace("_", " ")] + [cell(str(i), v) for v in row]
            for i, row in zip(frame.index, frame.to_numpy(float))]
    return table_html(["", *map(str, frame.columns)], rows)


def outcome_shares(df: pd.DataFrame) -> tuple[dict, list, list]:
    """{outcome: (len(ys), len(xs)) share of runs}, xs, ys."""
    xs, ys = sorted(df.x.unique()), sorted(df.y.unique())
    out = {}
    for outcome in shown_outcomes(df.outcome.unique()):
        grid = df.assign(hit=df.outcome.eq(outcome)).pivot_table(index="y", columns="x", values="hit", aggfunc="mean")
        out[outcome] = grid.reindex(index=ys, columns=xs).fillna(0.0).to_numpy(float)
    return out, xs, ys


@solara.component
def CompareTab():
    names = solara.use_memo(lambda: session.one_board(session.shipped()), [])  # the sweep varies one board's figures
    every = solara.use_memo(session.shipped, [])  # side by side: multi-board files too (each run is the whole area)
    choice = solara.use_reactive(next(iter(names)))
    raw = solara.use_memo(lambda: read_raw(names[choice.value]), [choice.value])
    knobs = {k.label: k for k in session.knobs(raw)}
    labels = list(knobs)
    x_label = solara.use_reactive(labels[2] if len(labels) > 2 else labels[0])
    y_label = solara.use_reactive(next((lab for lab in labels if "social-care need" in lab), labels[1]))
    n = solara.use_reactive(4)
    seeds = solara.use_reactive(3)
    runs = solara.use_reactive(0)
    progress = solara.use_reactive(0.0)
    left = solara.use_reactive(list(every)[0])
    right = solara.use_reactive(list(names)[-1])
    pair_runs = solara.use_reactive(0)

    def sweep(cancel: threading.Event):
        if runs.value == 0:
            return None
        if x_label.value not in knobs or y_label.value not in knobs:
            return None
        progress.set(0.0)
        df = small_sweep(raw, names[choice.value].name, knobs[x_label.value], knobs[y_label.value], n.value,
                         seeds.value, progress=progress.set, cancel=cancel)
        return choice.value, x_label.value, y_label.value, df

    result = solara.use_thread(sweep, dependencies=[runs.value])

    def side_by_side(cancel: threading.Event):
        if pair_runs.value == 0:
            return None
        return compare([str(every[left.value]), str(every[right.value])], seeds=20)

    pair = solara.use_thread(side_by_side, dependencies=[pair_runs.value])

    with solara.Column():
        with solara.Card("Sweep two figures"):
            solara.Select("Scenario", values=list(names), value=choice)
            solara.Select("Across (x)", values=labels, value=x_label)
            solara.Select("Up (y)", values=labels, value=y_label)
            solara.SliderInt("Values per figure", value=n, min=2, max=8)
            solara.SliderInt("Seeds per cell", value=seeds, min=1, max=20)
            solara.Button("Run sweep", on_click=lambda: runs.set(runs.value + 1), color="primary")
            if result.state == solara.ResultState.RUNNING:
                solara.ProgressLinear(value=progress.value * 100)
                solara.Text(f"{progress.value:.0%} of {n.value * n.value * seeds.value} runs")
            elif result.error:
                solara.Error(str(result.error))
            elif result.value is not None and result.value[0] == choice.value and len(result.value[3]):
                # (a sweep of another scenario is not shown under this one)
                _, xl, yl, df = result.value
                by_cell, xs, ys = outcome_shares(df)
                shares = df.outcome.value_counts(normalize=True).reindex(list(by_cell), fill_value=0)
                alt = (f"Share of runs by outcome over {xl} and {yl}: " +
                       ", ".join(f"{k.replace('_', ' ')} {v:.0%}" for k, v in shares.items()) + " overall")
                Html(plots.png_img(plots.outcome_heatmaps(by_cell, xs, ys, xl, yl), alt, "sweep-heatmap"))
                solara.Text("Sweep done: " + ", ".join(f"{k.replace('_', ' ')} {v:.0%}" for k, v in shares.items()),
                            classes=["sweep-done"])
        with solara.Card("Two scenarios side by side"):
            solara.Select("Left", values=list(every), value=left)
            solara.Select("Right", values=list(every), value=right)
            solara.Button("Compare (20 seeds each)", on_click=lambda: pair_runs.set(pair_runs.value + 1),
                          color="primary")
            if pair.state == solara.ResultState.RUNNING:
                solara.ProgressLinear(True)
            elif pair.value is not None:
                table = pair.value
                later = [f"{o}_share" for o in LATER_OUTCOMES if f"{o}_share" in table]
                money = [c for c in table if c.startswith("mean_contribution_") and table[c].notna().any()]
                view = table[["scenario", "approved_share", "not_approved_share", "deadlock_share", *later,
                              "median_rounds_to_sign_off", "median_fund_total", *money]].set_index("scenario")
                view = view.fillna({c: 0.0 for c in later}).T  # a scenario that never ended so: 0%
                Html(frame_html(view), ["side-by-side"])

"""The widgets of the single-user page's run: its controls and the views that change every round.

Both are Vue templates updated by setting their traits, never by re-rendering
Solara components: a Step is one click message in and one update message out
(``hold_sync``) holding only the views that changed, and the controls' states
(the run ended, Reset) travel the same way. Re-rendering the component tree for
those (Reacton walks the run view and reconsolidates its children) used to cost
more server time than the charts.

What a Step sends is kept small because every message costs the server in
proportion to its size (JSON, compression) as well as per message: the charts
go as their numbers and the page draws them (viz/charts.js), and what closed
rounds showed (chart rows, log entries) is sent once, then again only when a
block of rounds fills (:func:`in_blocks`). A Step sent ~20 KB of SVG and log
markup; it now sends ~4 KB (benchmarks/app_step.py prints it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import ipyvue
import traitlets

from negotiation.model import NegotiationModel

from . import session, svg
from .components import BANNER_COLOURS, LOG_REGION, round_entry_html

CHARTS_JS = (Path(__file__).parent / "charts.js").read_text(encoding="utf-8")  # the charts, drawn by the page


class RunControls(ipyvue.VueTemplate):
    """Step / Play (Pause) / Run to end / Reset. A click is one message to the server
    (``vue_action``); whether each button is enabled, and Play's label, are traits the server sets."""

    can_step = traitlets.Bool(True).tag(sync=True)
    can_play = traitlets.Bool(True).tag(sync=True)
    can_run = traitlets.Bool(True).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    template = traitlets.Unicode("""
<template>
  <div class="run-controls" style="display:flex;flex-wrap:wrap;gap:8px;margin:4px 0">
    <v-btn color="primary" :disabled="!can_step" @click="action('step')">Step</v-btn>
    <v-btn :disabled="!can_play" @click="action('play')">{{ playing ? 'Pause' : 'Play' }}</v-btn>
    <v-btn :disabled="!can_run" @click="action('run')">Run to end</v-btn>
    <v-btn @click="action('reset')">Reset</v-btn>
  </div>
</template>""").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_action: Callable[[str], None] | None = None  # set by the run view on every render

    def vue_action(self, name: str) -> None:
        if self.on_action is not None and name in ("step", "play", "run", "reset"):
            self.on_action(name)


class RunBoard(ipyvue.VueTemplate):
    """Every view that changes from round to round, in one widget: a Step sends one message holding only the
    views that changed (``hold_sync``). It also keeps the browser's address in step with the page
    (``history.replaceState``: no reload, no new history entry, nothing sent back)."""

    banner = traitlets.Unicode("").tag(sync=True)
    # The charts as numbers (viz/svg.py's chart_frame, chart_rows, network_data); the page draws them
    # (viz/charts.js) for the window it is in. Closed rounds' rows never change: like the log, they travel as
    # the newest few (``rows``, every Step) and the rest (``rows_older``, all of it resent once every 8 rounds).
    frame = traitlets.Dict().tag(sync=True)  # the same for a whole run: sent once
    rows = traitlets.List().tag(sync=True)
    rows_older = traitlets.List().tag(sync=True)
    start = traitlets.List().tag(sync=True)  # the aims before any round has closed (the chart's only points)
    network = traitlets.Dict().tag(sync=True)  # the same for a whole run: sent once
    stances = traitlets.List().tag(sync=True)  # each organisation's this round, in the network's order
    explain = traitlets.Unicode("").tag(sync=True)
    log = traitlets.Unicode("").tag(sync=True)  # the newest rounds (fewer than 4), newest first
    log_mid = traitlets.Unicode("").tag(sync=True)  # the rounds before them, back to the last whole 16
    log_older = traitlets.Unicode("").tag(sync=True)  # the rounds before those
    query = traitlets.Unicode(None, allow_none=True).tag(sync=True)  # None: leave the address alone
    template = traitlets.Unicode("""
<template>
  <div class="run-board">
    <div class="banner-block" v-html="banner"></div>
    <div class="run-grid">
      <div class="offers-chart"><div class="chart-one" v-html="charts.offers"></div></div>
      <div class="fund-chart"><div class="chart-one" v-html="charts.fund"></div></div>
    </div>
    <div class="run-grid">
      <div class="network-chart"><div class="chart-one" v-html="charts.network"></div></div>
      <div><h2 class="run-heading">Derived figures</h2><div class="explain-table" v-html="explain"></div></div>
    </div>
    <h2 class="run-heading">Round by round</h2>
    <div class="round-log">""" + LOG_REGION + """<div v-html="log"></div><div v-html="log_mid"></div><div v-html="log_older"></div></div></div>
  </div>
</template>
<script>
""" + CHARTS_JS + """
module.exports = {
  data() { return { narrow: window.matchMedia('(max-width: 600px)').matches }; },
  computed: {
    width() { return this.narrow ? 380 : 560; },  // a phone: narrower, bigger type for its size
    charts() { return boardCharts(this, this.width); }
  },
  mounted() { this.apply(); window.addEventListener('resize', this.measure); },
  destroyed() { window.removeEventListener('resize', this.measure); },
  watch: { query() { this.apply(); } },
  methods: {
    measure() {
      var n = window.matchMedia('(max-width: 600px)').matches;
      if (n !== this.narrow) this.narrow = n;
    },
    apply() {
      if (this.query === null || this.query === undefined) return;
      var q = this.query ? '?' + this.query : '';
      if (window.location.search !== q) {
        window.history.replaceState(window.history.state, '', window.location.pathname + q);
      }
    }
  }
}
</script>""").tag(sync=True)


def banner_html(snap: session.Snapshot) -> str:
    """Unmissable: the verdict in large type, coloured, with the reasons under it."""
    background, colour = BANNER_COLOURS[snap.outcome]
    lines = "".join(f"<div style='font-size:14px'>{escape(line)}</div>" for line in snap.details)
    return (f"<div class='outcome-banner' style='background:{background};color:{colour};padding:12px 18px;"
            f"border-radius:6px'><div style='font-size:26px;font-weight:700'>{escape(snap.banner)}</div>{lines}</div>")


BLOCK = 8  # rounds: the chart rows before the last whole block of 8 are resent once a block, not every Step
LOG_BLOCKS = (4, 16)  # the log's parts: entries (~0.7 KB each) since the last 4, from the last 16 to there, older


@dataclass
class RunMemo:
    """What one run's board keeps between Steps (:func:`views`): a closed round never changes, so its log
    entry, its chart row and the older parts built from them are made once. A new run (Reset, another
    scenario, moved figures) starts a new one."""

    log: list[dict] = field(default_factory=list)  # the snapshot's log entries (session.snapshot)
    log_html: list[str] = field(default_factory=list)  # each round's entry as markup
    rows: list[list] = field(default_factory=list)  # each closed round's chart row (svg.chart_rows)
    frame: dict | None = None  # the charts' figures for the whole run (svg.chart_frame)
    network: dict | None = None  # the network's (svg.network_data)
    parts: dict = field(default_factory=dict)  # in_blocks' older parts, with their bounds


def in_blocks(items: list, parts: dict, name: str, make: Callable[[list], object] = list,
              blocks: tuple[int, ...] = (BLOCK,)) -> list:
    """``make`` of the items in parts, newest first: those since the last whole ``blocks[0]``, those from the
    last whole ``blocks[1]`` up to there, ..., and those before the last whole ``blocks[-1]``. Every part but
    the newest is kept in ``parts`` (a run's :class:`RunMemo`'s) until its bounds move, so a Step sends the
    newest few and each older part only when a block fills: with (4, 16), the log sends ~3.6 entries a Step
    over a 30-round run, against 5.1 with one block of 8 and 15.5 whole."""
    cuts = [len(items) // size * size for size in blocks]
    bounds = [len(items), *cuts, 0]
    made = [make(items[cuts[0]:])]
    for i in range(1, len(bounds) - 1):
        lo, hi = bounds[i + 1], bounds[i]
        if parts.get((name, i)) is None or parts[(name, i)][0] != (lo, hi):
            parts[(name, i)] = ((lo, hi), make(items[lo:hi]))
        made.append(parts[(name, i)][1])
    return made


def newest_first(entries: list[str]) -> str:
    return "".join(reversed(entries))


def log_parts(snap: session.Snapshot, memo: RunMemo | None = None) -> dict[str, str]:
    """The round log in three parts (:func:`in_blocks`), so that a Step sends only the newest few rounds (the
    log grows by ~0.7 KB a round: sent whole, it was a Step's largest view by round 15). Shown one after the
    other they read exactly as :func:`round_log_html` (newest first)."""
    if not snap.log:
        return {"log": "<p>No rounds yet.</p>", "log_mid": "", "log_older": ""}
    memo = RunMemo() if memo is None else memo
    memo.log_html.extend(round_entry_html(e) for e in snap.log[len(memo.log_html):])
    newest, mid, older = in_blocks(memo.log_html, memo.parts, "log", newest_first, LOG_BLOCKS)
    return {"log": newest, "log_mid": mid, "log_older": older}


def views(model: NegotiationModel, memo: RunMemo | None = None) -> dict:
    """What every view that changes from round to round shows: the banner and log as markup, the charts as
    their numbers (``memo``: the run's, kept by the page between Steps; without it, everything afresh)."""
    memo = RunMemo() if memo is None else memo
    snap = session.snapshot(model, memo.log)
    memo.log = snap.log
    if memo.frame is None or memo.network is None:
        memo.frame, memo.network = svg.chart_frame(model), svg.network_data(model)
    memo.rows.extend(svg.chart_rows(model, len(memo.rows)))
    newest, older = in_blocks(memo.rows, memo.parts, "rows")
    return {"banner": banner_html(snap), "frame": memo.frame, "rows": newest, "rows_older": older,
            "start": svg.start_aims(model), "network": memo.network, "stances": svg.network_stances(model),
            **log_parts(snap, memo)}

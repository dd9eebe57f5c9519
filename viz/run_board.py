"""The widgets of the single-user page's run: its controls and the views that change every round.

Both are Vue templates updated by setting their traits, never by re-rendering
Solara components: a Step is one click message in and one update message out
(``hold_sync``) holding only the views whose markup changed, and the controls'
states (the run ended, Reset) travel the same way. Re-rendering the component
tree for those (Reacton walks the run view and reconsolidates its children)
used to cost more server time than the charts.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import ipyvue
import traitlets

from negotiation.model import NegotiationModel

from . import session, svg
from .components import BANNER_COLOURS, LOG_REGION, round_entry_html


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
    views whose markup changed (``hold_sync``). It also keeps the browser's address in step with the page
    (``history.replaceState``: no reload, no new history entry, nothing sent back)."""

    banner = traitlets.Unicode("").tag(sync=True)
    offers = traitlets.Unicode("").tag(sync=True)
    fund = traitlets.Unicode("").tag(sync=True)
    network = traitlets.Unicode("").tag(sync=True)
    explain = traitlets.Unicode("").tag(sync=True)
    log = traitlets.Unicode("").tag(sync=True)  # the newest rounds (fewer than LOG_BLOCK), newest first
    log_older = traitlets.Unicode("").tag(sync=True)  # the rounds before them, in whole blocks
    query = traitlets.Unicode(None, allow_none=True).tag(sync=True)  # None: leave the address alone
    narrow = traitlets.Bool(False).tag(sync=True)  # set by the page: a phone-sized window (charts drawn for it)
    template = traitlets.Unicode("""
<template>
  <div class="run-board">
    <div class="banner-block" v-html="banner"></div>
    <div class="run-grid">
      <div class="offers-chart" v-html="offers"></div>
      <div class="fund-chart" v-html="fund"></div>
    </div>
    <div class="run-grid">
      <div class="network-chart" v-html="network"></div>
      <div><h2 class="run-heading">Derived figures</h2><div class="explain-table" v-html="explain"></div></div>
    </div>
    <h2 class="run-heading">Round by round</h2>
    <div class="round-log">""" + LOG_REGION + """<div v-html="log"></div><div v-html="log_older"></div></div></div>
  </div>
</template>
<script>
module.exports = {
  mounted() { this.apply(); this.measure(); window.addEventListener('resize', this.measure); },
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


def one_chart(draw, model: NegotiationModel, narrow: bool) -> str:
    """One chart, drawn for the window the page reported (a phone: narrower, bigger type for its size). The
    room's pages draw both and let CSS choose (one drawing serves all their sessions); here each Step is one
    session's, so drawing and sending only the one shown halves a Step's charts."""
    return f"<div class='chart-one'>{draw(model, width=380, font=14) if narrow else draw(model)}</div>"


LOG_BLOCK = 8  # rounds: the log's older part is resent once per block, not every Step


def log_parts(snap: session.Snapshot, memo: dict | None = None) -> dict[str, str]:
    """The round log in two parts, so that a Step sends only the rounds since the last whole block (the log
    grows by ~0.7 KB a round: sent whole, it was a Step's largest view by round 15). Shown one after the
    other they read exactly as :func:`round_log_html` (newest first). ``memo``: one run's own dict, where the
    older part is kept until the next block (closed rounds never change), so it is not rebuilt every Step."""
    if not snap.log:
        return {"log": "<p>No rounds yet.</p>", "log_older": ""}
    cut = len(snap.log) // LOG_BLOCK * LOG_BLOCK
    memo = {} if memo is None else memo
    if memo.get("older_cut") != cut:
        memo["older_cut"] = cut
        memo["older"] = "".join(round_entry_html(e) for e in reversed(snap.log[:cut]))
    return {"log": "".join(round_entry_html(e) for e in reversed(snap.log[cut:])), "log_older": memo["older"]}


def views(model: NegotiationModel, narrow: bool = False, memo: dict | None = None) -> dict[str, str]:
    """The markup of every view that changes from round to round (``memo``: see :func:`log_parts`)."""
    snap = session.snapshot(model)
    return {"banner": banner_html(snap), "offers": one_chart(svg.offers_svg, model, narrow),
            "fund": one_chart(svg.fund_svg, model, narrow), "network": one_chart(svg.network_svg, model, narrow),
            **log_parts(snap, memo)}

"""The Negotiation tab for a multi-board scenario (issue 8): the ICB's overall position, then one tab per board
with the views a one-board scenario has (verdict, offers, fund, network, derived figures, round log).

The order the boards negotiate in is chosen here (simultaneous, or sequential with the board that goes
first); each browser session steps its own :class:`~negotiation.boards.MultiBoardModel`.
"""

from __future__ import annotations

import threading
import time
from html import escape

import ipyvue
import solara
import solara.lab
import traitlets

from negotiation.errors import ScenarioError

from . import boards_session as bs
from . import session, svg
from .components import FileUpload, Heading, Html, round_log_html, table_html
from .room_common import chart
from .run_view import banner_html


class AddressKeeper(ipyvue.VueTemplate):
    """Puts the scenario in the browser's address (as viz/run_view.py's RunBoard does for one board), so a reload
    opens this file again; the order, seed and rounds played are not kept (a reload starts at round 0)."""

    query = traitlets.Unicode("").tag(sync=True)
    template = traitlets.Unicode("""
<template><span style="display:none"></span></template>
<script>
module.exports = {
  mounted() { this.apply(); },
  watch: { query() { this.apply(); } },
  methods: {
    apply() {
      var q = this.query ? '?' + this.query : '';
      if (window.location.search !== q) {
        window.history.replaceState(window.history.state, '', window.location.pathname + q);
      }
    }
  }
}
</script>""").tag(sync=True)


@solara.component
def BoardControls(raw, choice, names, on_upload, upload_error, seed, rounds, order, first, area):
    solara.Select("Scenario", values=list(names), value=choice)
    solara.Text(f"Or upload a scenario (.toml, up to {session.MAX_UPLOAD_BYTES // 1024} KB):")
    FileUpload("Scenario file", on_upload, session.MAX_UPLOAD_BYTES)
    if upload_error.value:
        solara.Error(upload_error.value, classes=["upload-error"])
    solara.Select("Order the boards negotiate in", values=list(bs.ORDERS), value=order)
    if area is not None and order.value == "sequential":
        labels = {area.board_names[b]: b for b in area.sequence}
        current = next((n for n, b in labels.items() if b == first.value), next(iter(labels)))
        solara.Select("Board that goes first", values=list(labels), value=current,
                      on_value=lambda n: first.set(labels[n]))
    solara.SliderInt(f"Seed: {seed.value}", value=seed, min=0, max=99)
    default_deadline = int(session.value_at(raw, "rules.deadline_rounds", 12))
    solara.SliderInt(f"Deadline: {rounds.value or default_deadline} rounds (each board)",
                     value=rounds.value or default_deadline, min=1, max=30, on_value=rounds.set)
    solara.Text("Budgets, strategies and playing an organisation yourself are in the one-board scenarios; "
                "here the figures are the file's own.", style={"font-size": "13px"})


@solara.component
def BoardPanel(view: bs.BoardView, tick: int):
    """One board's views, as a one-board scenario shows them."""
    if view.model is None:
        Html(f"<p class='board-waiting'>{escape(view.name)}: {escape(view.status)}.</p>")
        return
    if view.restarts:
        solara.Text(f"The shared organisations' headroom changed {view.restarts} time(s) while this board negotiated "
                    "(another board's plan came into force); the rounds below are since the last change.")
    # The one-board page's views (viz/run_view.py), as static blocks: a board's tab is redrawn when it changes.
    explain = table_html(["derived figure", "value"], [list(r) for r in session.explain_rows(view.model.spec)])
    Html(banner_html(view.snap)
         + "<div class='run-grid'>"
         f"<div class='offers-chart'>{chart(svg.offers_svg, view.model)}</div>"
         f"<div class='fund-chart'>{chart(svg.fund_svg, view.model)}</div></div>"
         "<div class='run-grid'>"
         f"<div class='network-chart'>{chart(svg.network_svg, view.model)}</div>"
         f"<div><h3 class='run-heading'>Derived figures</h3><div class='explain-table'>{explain}</div></div></div>"
         f"<h3 class='run-heading'>Round by round</h3><div class='round-log'>{round_log_html(view.snap)}</div>",
         ["board-panel"])


def overview_html(mb) -> str:
    """Each board's state and the shared organisations' position, as two small tables."""
    views = bs.boards(mb)
    each = table_html(["board", "state"], [[v.name, v.status] for v in views])
    header, rows = bs.position_table(mb)
    narrow = "".join(f"<h4 style='margin:8px 0 2px'>{escape(row[0])}</h4>"
                     + table_html(["figure", "value"], [[h, v] for h, v in zip(header[1:], row[1:])]) for row in rows)
    return (f"<p class='boards-progress'>{escape(bs.round_text(mb))}</p>"
            f"<div class='boards-each' role='region' aria-label='Each board' tabindex='0' style='overflow-x:auto'>"
            f"{each}</div>"
            "<h3 style='margin:16px 0 8px'>Shared organisations overall (£m per year)</h3>"
            "<div class='boards-position chart-wide' role='region' aria-label='Shared organisations overall' "
            f"tabindex='0' style='overflow-x:auto'>{table_html(header, rows)}</div>"
            # on a phone, one small table per organisation instead of a wide one scrolled sideways
            f"<div class='boards-position-narrow chart-narrow'>{narrow}</div>")


@solara.component
def BoardsView(raw: dict, source: str, choice, names, on_upload, upload_error, address: str = ""):
    seed = solara.use_reactive(0)
    rounds = solara.use_reactive(0)
    order = solara.use_reactive(str(session.value_at(raw, "negotiation.order", "simultaneous")))
    first = solara.use_reactive("")
    tick = solara.use_reactive(0)
    resets = solara.use_reactive(0)
    tab = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    lock = solara.use_memo(threading.Lock, [])

    def on_new_file():
        """Another file: its own order, its first board's tab (the last file's board ids mean nothing here)."""
        order.set(str(session.value_at(raw, "negotiation.order", "simultaneous")))
        first.set("")
        tab.set(0)

    solara.use_effect(on_new_file, [id(raw)])

    def make_area():
        try:
            return bs.build_area(raw, source, first.value or None), ""
        except ScenarioError as exc:
            return None, str(exc)

    area, error = solara.use_memo(make_area, [id(raw), source, first.value])
    key = (id(area), seed.value, rounds.value, order.value, resets.value)

    def make_model():
        if area is None:
            return None
        return bs.MultiBoardModel(area, seed=seed.value, rounds=rounds.value or None, order=order.value)

    mb = solara.use_memo(make_model, [key])
    solara.use_effect(lambda: playing.set(False), [key])  # a new run starts paused

    def advance():
        if mb is None or mb.finished:
            return
        with lock:
            mb.step()
        tick.set(tick.value + 1)

    def play(cancel: threading.Event):
        """Two rounds a second until every board has finished (or Pause)."""
        while playing.value and not cancel.is_set():
            time.sleep(0.5)
            if cancel.is_set() or mb is None or mb.finished:
                break
            advance()
        if mb is not None and mb.finished:
            playing.set(False)

    solara.use_thread(play, dependencies=[playing.value, key])

    def run_to_end():
        if mb is None:
            return
        with lock:
            mb.run()
        tick.set(tick.value + 1)

    AddressKeeper.element(query=address)
    with solara.ColumnsResponsive(12, medium=[4, 8], large=[3, 9]):
        with solara.Column(classes=["controls-column"]):
            BoardControls(raw, choice, names, on_upload, upload_error, seed, rounds, order, first, area)
        with solara.Column(classes=["boards-view"]):
            if error or mb is None:
                solara.Error(error or "no boards")
                return
            _ = tick.value
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button("Step", on_click=advance, disabled=mb.finished, color="primary")
                solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value),
                              disabled=mb.finished)
                solara.Button("Run to end", on_click=run_to_end, disabled=mb.finished)
                solara.Button("Reset", on_click=lambda: resets.set(resets.value + 1))
            Heading(f"{area.name}: {len(area.sequence)} boards, one ICB", 2)
            Html(overview_html(mb), ["boards-overview"])
            views = bs.boards(mb)
            with solara.lab.Tabs(value=tab, lazy=True):
                for view in views:
                    with solara.lab.Tab(view.name):
                        BoardPanel(view, tick.value)

"""The Negotiation tab for a multi-board scenario (issue 8): the ICB's overall position, then one tab per board
with the views a one-board scenario has (verdict, offers, fund, network, derived figures, round log).

The order the boards negotiate in is chosen here (simultaneous, or sequential with the board that goes
first), the figures that decide the run are sliders and a person may play one organisation (the ICB in
every board, or one council), answering each plan put to it with the one-board page's card; each browser
session steps its own :class:`~negotiation.boards.MultiBoardModel`. The address keeps all of it.
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
from . import session, svg, url_state
from .boards_controls import BoardControls
from .components import Heading, Html, round_log_html, table_html
from .room_common import chart
from .run_view import YourTurn, banner_html


class AddressKeeper(ipyvue.VueTemplate):
    """Puts the page's state in the browser's address (as viz/run_view.py's RunBoard does for one board): the file,
    the figures moved, seed, deadline, who a person plays, the order and the steps played, so a reload (or a
    shared link) restores the run (viz/url_state.py)."""

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


BOARDS_CSS = """
/* the plans put to a person: side by side where there is room (five boards' cards, not one long column) */
.your-turns { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 4px 16px; }
@media (max-width: 600px) { .your-turns { grid-template-columns: minmax(0, 1fr); } }
.your-turn h3 { font-size: 17px; }
/* a long choice ("North Central London ICB (all 5 boards)") wraps rather than being cut off */
.boards-controls .v-select__selection--comma { white-space: normal; overflow: visible; text-overflow: clip;
  line-height: 1.3; }
"""


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
def YourTurns(mb, pending: tuple[str, ...], answer):
    """A card for each board whose plan awaits the person's answer (the one-board page's card, per board);
    ``pending``: those boards (a prop, so an answer given redraws the cards)."""
    me = next(s.organisations[mb.human].name for s in mb.area.boards.values() if mb.human in s.organisations)
    Heading(f"Your turn as {me}: " + ("a plan awaits" if len(pending) == 1 else f"{len(pending)} plans await")
            + " your answer", 2)
    with solara.Div(classes=["your-turns"]):
        for board in pending:
            with solara.Div(classes=["your-turn"]):
                Heading(f"{mb.area.board_names[board]}: a plan awaits your answer", 3)
                YourTurn(mb.models[board], mb.human, lambda accept, b=board: answer(b, accept), title="")


@solara.component
def BoardsView(raw: dict, source: str, choice, names, on_upload, upload_error, overrides, seed, rounds, human,
               start: url_state.PageState | None = None, upload: str = ""):
    """``overrides``, ``seed``, ``rounds`` and ``human`` are the page's (kept when the file changes back and forth
    as on the one-board page); ``start`` is what the address held when the page opened, restored once."""
    start = start or url_state.PageState()
    stem = names[choice.value].stem
    order = solara.use_reactive(start.order or str(session.value_at(raw, "negotiation.order", "simultaneous")))
    first = solara.use_reactive(start.first)
    tick = solara.use_reactive(0)
    resets = solara.use_reactive(0)
    tab = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    lock = solara.use_memo(threading.Lock, [])
    shown_raw = solara.use_ref(id(raw))

    def on_new_file():
        """Another file: its own order, its first board's tab (the last file's board ids mean nothing here)."""
        if shown_raw.current == id(raw):  # (the first render: keep what the address restored)
            return
        shown_raw.current = id(raw)
        order.set(str(session.value_at(raw, "negotiation.order", "simultaneous")))
        first.set("")
        tab.set(0)

    solara.use_effect(on_new_file, [id(raw)])
    settings = (source, tuple(sorted(overrides.value.items())), seed.value, rounds.value, order.value, first.value,
                human.value)
    key = (id(raw), *settings, resets.value)

    def make_model():
        try:
            return bs.build_run(raw, overrides.value, source, first.value or None, seed.value, rounds.value,
                                order.value, human.value), ""
        except ScenarioError as exc:
            return None, str(exc)

    mb, error = solara.use_memo(make_model, [key])
    area = mb.area if mb is not None else None
    solara.use_effect(lambda: playing.set(False), [key])  # a new run starts paused
    restored = solara.use_ref(False)
    wanted = solara.use_memo(lambda: (start.upload or start.scenario, tuple(sorted(start.overrides.items())),
                                      start.seed, start.deadline, start.order or order.value, start.first, start.play),
                             [])

    def restore_once():
        """The address's round, answers and open step, replayed once into the run it describes."""
        if restored.current or mb is None:
            return
        restored.current = True
        if start.round or start.answers or start.open:
            if (upload or stem, *settings[1:]) == wanted and resets.value == 0:
                with lock:
                    bs.replay(mb, start.round, start.answers, start.open)

    solara.use_memo(restore_once, [key])

    def advance():
        """Step: one round of the open boards; with a person playing, the plans put to them first."""
        if mb is None or mb.finished:
            return
        with lock:
            mb.begin()
            mb.advance()
        tick.set(tick.value + 1)

    def answer(board: str, accept: bool):
        with lock:
            if board in mb.to_answer():
                mb.give(board, accept)
                mb.advance()
        tick.set(tick.value + 1)

    def play(cancel: threading.Event):
        """Two rounds a second until every board has finished, a plan awaits the person, or Pause."""
        while playing.value and not cancel.is_set():
            time.sleep(0.5)
            if cancel.is_set() or mb is None or mb.finished or mb.in_step:
                break
            advance()
        if mb is not None and (mb.finished or mb.in_step):
            playing.set(False)

    solara.use_thread(play, dependencies=[playing.value, key])

    def run_to_end():
        if mb is None or mb.human:
            return
        with lock:
            mb.run()
        tick.set(tick.value + 1)

    def on_reset():
        """Round 0 with the file's own figures."""
        if overrides.value:
            overrides.set({})
        resets.set(resets.value + 1)

    _ = tick.value
    file_order = str(session.value_at(raw, "negotiation.order", "simultaneous"))
    address = url_state.encode(url_state.PageState(
        scenario=stem, upload=upload, seed=seed.value, deadline=rounds.value,
        play=(mb.human or "") if mb else human.value, overrides=overrides.value, order="" if order.value == file_order else order.value,
        first=first.value if order.value == "sequential" else "",
        round=mb.steps if mb else 0, answers=mb.answers if mb else "", open=bool(mb and mb.in_step)))
    AddressKeeper.element(query=address)
    solara.Style(BOARDS_CSS)
    with solara.ColumnsResponsive(12, medium=[4, 8], large=[3, 9]):
        with solara.Column(classes=["controls-column", "boards-controls"]):
            BoardControls(raw, choice, names, on_upload, upload_error, seed, rounds, order, first, human, overrides,
                          area)
        with solara.Column(classes=["boards-view"]):
            if error or mb is None:
                solara.Error(error or "no boards")
                solara.Button("Reset", on_click=on_reset)  # back to the file's own figures
                return
            waiting = mb.in_step
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button("Step", on_click=advance, disabled=mb.finished or waiting, color="primary")
                solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value),
                              disabled=mb.finished or waiting)
                solara.Button("Run to end", on_click=run_to_end, disabled=mb.finished or bool(mb.human))
                solara.Button("Reset", on_click=on_reset)
            if waiting:
                YourTurns(mb, tuple(mb.to_answer()), answer)
            Heading(f"{area.name}: {len(area.sequence)} boards, one ICB", 2)
            Html(overview_html(mb), ["boards-overview"])
            views = bs.boards(mb)
            with solara.lab.Tabs(value=tab, lazy=True):
                for view in views:
                    with solara.lab.Tab(view.name):
                        BoardPanel(view, tick.value)

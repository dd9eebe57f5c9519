"""The single-user page's run: Step / Play / Run to end / Reset, and the views that change every round.

A Step used to re-render the whole tab (~865 elements: every slider of every
organisation) to change five pictures. Here the views that change each round
(the banner, the three charts, the log) are one widget (:class:`RunBoard`) that
a Step updates directly in one message holding the views whose markup changed;
the component itself re-renders only when its controls change (the run ends, a
person's answer is awaited).
The address is kept in step (viz/url_state.py), so a reload restores the run.
"""

from __future__ import annotations

import threading
import time
from html import escape

import ipyvue
import solara
import traitlets

from negotiation.model import NegotiationModel
from negotiation.scenario import Scenario
from negotiation.workshop import brief as briefs

from . import session, svg
from .components import BANNER_COLOURS, round_log_html, table_html


class RunBoard(ipyvue.VueTemplate):
    """Every view that changes from round to round, in one widget: a Step sends one message holding only the
    views whose markup changed (``hold_sync``). It also keeps the browser's address in step with the page
    (``history.replaceState``: no reload, no new history entry, nothing sent back)."""

    banner = traitlets.Unicode("").tag(sync=True)
    offers = traitlets.Unicode("").tag(sync=True)
    fund = traitlets.Unicode("").tag(sync=True)
    network = traitlets.Unicode("").tag(sync=True)
    explain = traitlets.Unicode("").tag(sync=True)
    log = traitlets.Unicode("").tag(sync=True)
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
    <div class="round-log" v-html="log"></div>
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


def views(model: NegotiationModel, narrow: bool = False) -> dict[str, str]:
    """The markup of every view that changes from round to round."""
    snap = session.snapshot(model)
    return {"banner": banner_html(snap), "offers": one_chart(svg.offers_svg, model, narrow),
            "fund": one_chart(svg.fund_svg, model, narrow), "network": one_chart(svg.network_svg, model, narrow),
            "log": round_log_html(snap)}


def replay(model: NegotiationModel, human: str, rounds: int, answers: str, open_round: bool) -> bool:
    """Bring a new model to where the address says the run was (deterministic for its seed); returns whether
    a round is open, waiting for the person's answer."""
    for i in range(min(rounds, model.deadline)):
        if model.finished:
            break
        if human:
            model.open_round()
            model.close_round({human: i < len(answers) and answers[i] == "a"})
        else:
            model.step()
    if human and open_round and not model.finished:
        model.open_round()
        return True
    return False


@solara.component
def RunView(scenario: Scenario, seed: int, rounds: int, human: str, playing, speed, clear_overrides,
            base_query: str, board: RunBoard, explain_rows: list, restore: dict | None = None):
    """The run of one model, made here so that Reset re-renders this view only (not the tab's ~800 controls).

    ``clear_overrides``: given when figures were moved (Reset puts the sliders back too); ``restore``: where a
    reload left the run (round, answers, open), applied once, to the first model.
    """
    tick = solara.use_reactive(0)  # bumped only when the controls change (finished, awaiting an answer)
    resets = solara.use_reactive(0)
    lock = solara.use_memo(threading.Lock, [])

    def make_model():
        return NegotiationModel(scenario, seed=seed, rounds=rounds or None, human_players=[human] if human else [])

    model = solara.use_memo(make_model, [scenario.fingerprint, seed, rounds, human, resets.value])
    run = solara.use_memo(lambda: {"answers": "", "awaiting": False}, [model])

    def on_reset():
        """Round 0 with the scenario's own figures."""
        if clear_overrides is not None:
            clear_overrides()
        resets.set(resets.value + 1)

    restored = solara.use_ref(False)

    def restore_once():
        if restore and not restored.current:
            restored.current = True
            run["awaiting"] = replay(model, human, restore.get("round", 0), restore.get("answers", ""),
                                     restore.get("open", False))
            run["answers"] = restore.get("answers", "")[: model.round]
        return True

    solara.use_memo(restore_once, [model])

    def query() -> str:
        parts = [base_query] if base_query else []
        closed = model.round - (1 if model.pending is not None else 0)  # (an open round is ``open=1``)
        if closed:
            parts.append(f"round={closed}")
        if run["answers"]:
            parts.append(f"answers={run['answers']}")
        if run["awaiting"]:
            parts.append("open=1")
        return "&".join(parts)

    def refresh():
        """Send the views whose markup changed, in one message."""
        explain = table_html(["derived figure", "value"], [list(r) for r in explain_rows])
        state = {**views(model, board.narrow), "explain": explain, "query": query()}
        with board.hold_sync():
            for key, value in state.items():
                if getattr(board, key) != value:
                    setattr(board, key, value)

    controls = (model.finished, run["awaiting"])  # what this render drew

    def after_change():
        if (model.finished, run["awaiting"]) != controls:
            tick.set(tick.value + 1)

    def advance():
        if model.finished or run["awaiting"]:
            return
        with lock:
            if human:
                model.open_round()
                run["awaiting"] = True
            else:
                model.step()
        refresh()
        after_change()

    def answer(accept: bool):
        with lock:
            if model.pending is not None:
                model.close_round({human: accept})
                run["answers"] += "a" if accept else "r"
        run["awaiting"] = False
        refresh()
        after_change()

    def run_to_end():
        if human:
            return
        with lock:
            while not model.finished:
                model.step()
        refresh()
        after_change()

    def stop_when_new():
        playing.set(False)

    solara.use_effect(stop_when_new, [model])

    def play(cancel: threading.Event):
        while playing.value and not cancel.is_set():
            time.sleep(1.0 / max(speed.value, 0.1))
            if cancel.is_set() or model.finished or run["awaiting"]:
                break
            advance()
        if model.finished or run["awaiting"]:
            playing.set(False)

    solara.use_thread(play, dependencies=[playing.value, speed.value, model])
    solara.use_memo(refresh, [model, base_query])  # a new model (or a moved figure): draw it

    def follow_window():
        def redraw(_change):
            with lock:
                refresh()

        board.observe(redraw, names="narrow")
        return lambda: board.unobserve(redraw, names="narrow")

    solara.use_effect(follow_window, [model, base_query])
    _ = tick.value
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.Button("Step", on_click=advance, disabled=model.finished or run["awaiting"], color="primary")
        solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value),
                      disabled=model.finished)
        solara.Button("Run to end", on_click=run_to_end, disabled=model.finished or bool(human))
        solara.Button("Reset", on_click=on_reset)
    if run["awaiting"] and model.pending is not None:
        YourTurn(model, human, answer)
    solara.Column(children=[board])


@solara.component
def YourTurn(model: NegotiationModel, human: str, answer, title: str | None = None):
    """``title``: the card's (default "Your turn as ..."; "" for none, under a heading of the caller's)."""
    proposer, plan_index = model.pending
    plan = model.evaluation.space.plan(plan_index)
    me = next(a for a in model.organisations if a.org_id == human)
    verdict = briefs.check(model.spec, model.evaluation, me.org_id, plan_index)
    with solara.Card(f"Your turn as {me.name}" if title is None else title):
        solara.Text(
            f"{next((a.name for a in model.organisations if a.org_id == proposer), 'The HWB chair')} proposes a "
            f"£{plan.fund_total:.1f}m fund, £{plan.asc_protection:.1f}m for social "
            f"care, £{plan.community_schemes:.1f}m of schemes, "
            f"{'target' if model.spec.rules.policy == 'bcf_2015_16' else 'local goal'} {plan.admissions_target:+.1%}. "
            f"You would pay £{verdict.pays:.1f}m; it is worth £{verdict.worth:.1f}m to you "
            f"(no deal: £{verdict.no_deal:.1f}m)."
        )
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button("Accept", on_click=lambda: answer(True), color="#1b5e20",
                          style={"color": "white"}, disabled=not verdict.can_accept)
            solara.Button("Reject", on_click=lambda: answer(False), color="#b71c1c",
                          style={"color": "white"})
        if not verdict.can_accept:
            solara.Text(verdict.why_not, classes=["accept-disabled-reason"], style={"font-weight": "600"})

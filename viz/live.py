"""Parts of a room's page that the room's own thread refreshes directly, without re-rendering the page.

With 30 people in a room, every change used to re-render 30 Solara pages one
after another (5–25 ms each: Reacton walks each page's whole tree and sends a
message per changed widget), so the last page saw a change ~0.4 s after the
click. Most of what changes (the banner, the table, the fund chart, the log,
the timer) is the same for everyone: it is drawn once per room version as HTML
(:func:`room_common.shared`) and each session's listener only sets its own
widget's HTML when it differs (one small websocket message, no tree walk).
A page is re-rendered only when something *it* shows as controls changes (its
turn, its answer, the phase): each view names that with a ``private`` key.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import ipyvue
import solara
import traitlets
from solara.server import kernel_context
from solara.widgets import HTML as HtmlWidget

from negotiation.workshop.room import Room

TIMING = os.environ.get("NEGOTIATION_ROOM_TIMING", "")  # a file: each session's redraw time (benchmarks)


class RoundClock(ipyvue.VueTemplate):
    """The round's countdown, counted down in the browser: the server sends the seconds left when the room
    changes, and the page ticks on its own (31 sessions redrawn every second cost the server ~5% of a CPU)."""

    text = traitlets.Unicode("").tag(sync=True)  # shown when there is no countdown (paused, no limit, over)
    prefix = traitlets.Unicode("").tag(sync=True)  # e.g. "Time left in round 3: "
    left = traitlets.Float(-1.0).tag(sync=True)  # seconds left when the server sent it; < 0: no countdown
    stamp = traitlets.Int(0).tag(sync=True)  # the room's version: a new start even when ``left`` is equal
    size = traitlets.Int(16).tag(sync=True)
    template = traitlets.Unicode("""
<template>
  <span class="round-timer" :style="'font-size:' + size + 'px;font-weight:600;display:block'">{{ shown }}</span>
</template>
<script>
module.exports = {
  data() { return { now: Date.now(), since: Date.now(), ticker: null }; },
  computed: {
    shown() {
      if (this.left < 0) return this.text;
      var s = Math.max(0, Math.floor(this.left - (this.now - this.since) / 1000));
      return this.prefix + Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
    }
  },
  watch: {
    left() { this.since = Date.now(); this.now = this.since; },
    stamp() { this.since = Date.now(); this.now = this.since; }
  },
  mounted() { var self = this; this.ticker = setInterval(function () { self.now = Date.now(); }, 250); },
  destroyed() { clearInterval(this.ticker); }
}
</script>""").tag(sync=True)


def clock_state(room: Room, large: bool = False) -> dict:
    """What the countdown shows, as the RoundClock's traits."""
    left = room.seconds_left()
    state = {"stamp": room.version, "size": 24 if large else 16, "prefix": "", "left": -1.0, "text": ""}
    if room.paused:
        state["text"] = "Paused"
    elif left is None:
        state["text"] = "No time limit" if room.phase not in ("lobby", "finished") else ""
    else:
        shown = room.model.round + 1 if room.phase == "proposing" else room.model.round  # (opened, not tabled)
        state.update(prefix=f"Time left in round {shown}: ", left=float(left))
    return state


def _html_block(make: Callable[[], str], classes: tuple[str, ...]) -> tuple[Callable[[], dict], Callable]:
    def new():
        return HtmlWidget(tag="div", unsafe_innerHTML=make(), attributes={"class": " ".join(classes)})

    return (lambda: {"unsafe_innerHTML": make()}), new


def html(make: Callable[[], str], *classes: str):
    """A live block of HTML: ``make()`` gives its markup for the room as it is now (cache it per version)."""
    return _html_block(make, classes)


def clock(room: Room, large: bool = False):
    """A live countdown for the room's round."""
    return (lambda: clock_state(room, large)), (lambda: RoundClock(**clock_state(room, large)))


def use_live(room: Room, label: str, private: Callable[[Room], object] | None, blocks: dict) -> tuple[int, dict]:
    """Subscribe this page to its room: the live ``blocks`` (name -> :func:`html` or :func:`clock`) are
    refreshed from the room's thread; the page itself re-renders only when ``private(room)`` changes (every
    change if ``private`` is None). Returns the version to pass to child components, and the blocks' widgets
    (put them in the page as children)."""
    version = solara.use_reactive(room.version)
    makers = solara.use_ref(blocks)
    makers.current = blocks
    widgets = solara.use_memo(lambda: {name: new() for name, (_, new) in blocks.items()}, [room])
    key_of = solara.use_ref(private)
    key_of.current = private or (lambda r: r.version)  # (the newest: it may read the page's arguments)

    def subscribe():
        context = kernel_context.get_current_context()
        last = [key_of.current(room)]
        dirty = [False]

        def refresh():
            for name, (state, _) in makers.current.items():
                widget = widgets.get(name)
                if widget is None:
                    continue
                changed = {k: v for k, v in state().items() if getattr(widget, k) != v}
                if changed:
                    with widget.hold_sync():
                        for k, v in changed.items():
                            setattr(widget, k, v)
            key = key_of.current(room)
            if key != last[0]:
                last[0] = key
                dirty[0] = True

        def timed(work):
            t0 = time.perf_counter()
            with context:
                work()
            if TIMING:
                with open(TIMING, "a") as log:
                    log.write(f"{label} {time.perf_counter() - t0:.4f}\n")

        def rerender():
            if dirty[0]:
                dirty[0] = False
                version.set(room.version)

        # Every page's shared blocks first (cheap), then the pages whose controls changed (a whole render).
        unsubscribe_quick = room.subscribe(lambda v: timed(refresh))
        unsubscribe_late = room.subscribe(lambda v: dirty[0] and timed(rerender), late=True)
        refresh()  # anything that changed between the first render and the subscription
        rerender()

        def unsubscribe():
            unsubscribe_quick()
            unsubscribe_late()

        return unsubscribe

    solara.use_effect(subscribe, [room])
    return version.value, widgets

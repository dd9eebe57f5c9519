"""The least a Solara page can do per Step: the ceilings that ``benchmarks/app_step.py`` measures our page against.

Two bare pages, each with a Step button, a Reset button and one line of text
("round N of 30", the text the benchmark's clients wait for), nothing else:

- ``/``: the idiomatic Solara page: ``solara.Button`` incrementing a reactive
  counter shown in one ``solara.HTML``. A click re-renders the page's
  component (three elements) and sends one widget update.
- ``/widget``: one Vue template widget: a click calls its ``vue_action`` on the
  server, which sets one trait: one message in, one update out, no render.
  This is the floor of Solara's own per-message handling (the click's
  busy/idle status frames, the update), which no page can go below.

Served exactly as ``negotiation app`` serves the real app (``solara run ...
--production``, the same environment) and driven by the same clients.

    .venv/bin/python -m solara run benchmarks/bare_solara_page.py --production
"""

from __future__ import annotations

import ipyvue
import solara
import traitlets

DEADLINE = 30  # rounds, as the benchmark sets on the real page

counter = solara.reactive(0)  # (one per session: Solara keeps a reactive's value per kernel)


@solara.component
def Page():
    solara.Button("Step", on_click=lambda: counter.set(counter.value + 1), color="primary")
    solara.Button("Reset", on_click=lambda: counter.set(0))
    solara.HTML(tag="div", unsafe_innerHTML=f"round {counter.value} of {DEADLINE}")


class Counter(ipyvue.VueTemplate):
    """Step and Reset as one Vue template; the text is its one trait."""

    text = traitlets.Unicode(f"round 0 of {DEADLINE}").tag(sync=True)
    template = traitlets.Unicode("""
<template>
  <div>
    <v-btn color="primary" @click="action('step')">Step</v-btn>
    <v-btn @click="action('reset')">Reset</v-btn>
    <div v-html="text"></div>
  </div>
</template>""").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.count = 0

    def vue_action(self, name: str) -> None:
        self.count = self.count + 1 if name == "step" else 0
        self.text = f"round {self.count} of {DEADLINE}"


@solara.component
def WidgetPage():
    widget = solara.use_memo(Counter, [])
    solara.Column(children=[widget])


routes = [solara.Route(path="/", component=Page), solara.Route(path="widget", component=WidgetPage)]

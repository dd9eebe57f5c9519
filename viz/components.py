"""Small Solara components for the workshop app: the banner, the log, the derived figures, the upload."""

from __future__ import annotations

import threading
from collections.abc import Callable
from html import escape

import solara
from ipyvuetify.extra import FileInput

from .session import Snapshot

BANNER_COLOURS = {  # (background, text): contrast at least 4.5:1 (the amber once had white text at 1.97:1)
    "approved": ("#1b5e20", "#ffffff"), "not_approved": ("#f9a825", "#1a1a1a"), "deadlock": ("#b71c1c", "#ffffff"),
    "approved_with_conditions": ("#01579b", "#ffffff"), "arbitrated": ("#4a148c", "#ffffff"),  # issue 8 verdicts
    None: ("#37474f", "#ffffff"),
}


def Html(markup: str, classes: list[str] | None = None):
    """Static HTML built from escaped text (solara.Markdown would fetch mermaid from a CDN: not offline)."""
    return solara.HTML(tag="div", unsafe_innerHTML=markup, classes=classes or [])


def table_html(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:2px 8px;border-top:1px solid #ddd'>{escape(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table style='border-collapse:collapse'><tr>{head}</tr>{body}</table>"


LOG_REGION = "<div tabindex='0' role='region' aria-label='Round by round' style='max-height:360px;overflow-y:auto'>"


def round_entry_html(entry: dict) -> str:
    """One round of the log: the proposal, every rejection's reason, who accepted."""
    items = [f"<li>✗ {escape(reason)}</li>" for reason in entry["rejections"]]
    if entry["accepted"]:
        items.append(f"<li>✓ accepted by {escape(', '.join(entry['accepted']))}</li>")
    return (f"<p><b>Round {entry['round']}</b>: {escape(entry['proposer'])} proposes {escape(entry['summary'])}.</p>"
            f"<ul>{''.join(items)}</ul>")


def round_log_html(snap: Snapshot) -> str:
    """Each proposal and every rejection's reason, newest first, in a scrolling region."""
    if not snap.log:
        return "<p>No rounds yet.</p>"
    return LOG_REGION + "".join(round_entry_html(entry) for entry in reversed(snap.log)) + "</div>"


@solara.component
def FileUpload(label: str, on_file: Callable[[str, bytes, int], None], max_bytes: int):
    """A real file input (``<input type=file>``), read in a thread in chunks, as Solara's FileDrop does."""
    file_info, set_file_info = solara.use_state(None)
    files, set_files = solara.use_state(None)
    widget = FileInput.element(label=label, accept=".toml", on_file_info=set_file_info, show_progress=False)

    def wire():
        if not file_info:
            return
        real = solara.get_widget(widget)
        real.version += 1
        real.reset_stats()
        set_files(real.get_files())

    solara.use_effect(wire, [file_info])

    def read(cancel: threading.Event):
        if not files:
            return
        info = files[0]
        if info["size"] > max_bytes:  # not read at all; the validator reports the real size
            on_file(info["name"], b"", info["size"])
            return
        data = info["file_obj"].read()
        on_file(info["name"], data, len(data))

    result = solara.use_thread(read, [files])
    if result.error:
        solara.Error(f"Could not read the file: {result.error}")
    return widget


def _page_fixes_widget():
    """A hidden Vue component that sets the page's language and allows pinch-zoom (Solara's template does
    neither), built once per session."""
    import ipyvue
    import traitlets

    class PageFixes(ipyvue.VueTemplate):
        template = traitlets.Unicode("""
<template><span style="display:none"></span></template>
<script>
module.exports = {
  mounted() {
    document.documentElement.setAttribute('lang', 'en');
    var meta = document.querySelector('meta[name=viewport]');
    if (meta) meta.setAttribute('content', 'width=device-width, initial-scale=1');
    // Vuetify 2's ARIA, corrected as it renders (axe-core): expansion state on the header button, not the
    // panel; a select's popup semantics on its input, not on a wrapper that contains it; file inputs named.
    var fix = function () {
      document.querySelectorAll('.v-expansion-panel[aria-expanded]').forEach(function (p) {
        var h = p.querySelector('.v-expansion-panel-header');
        if (h) h.setAttribute('aria-expanded', p.getAttribute('aria-expanded'));
        p.removeAttribute('aria-expanded');
      });
      // (a slot whose role was already moved gets aria-expanded back each time its menu opens or closes)
      document.querySelectorAll('.v-input__slot[role=button], .v-input__slot[aria-expanded]').forEach(function (slot) {
        var input = slot.querySelector('input:not([type=hidden])');
        if (input) {
          input.setAttribute('role', 'combobox');
          input.setAttribute('aria-haspopup', 'listbox');
          input.setAttribute('aria-expanded', slot.getAttribute('aria-expanded') || 'false');
        }
        ['role', 'aria-haspopup', 'aria-expanded', 'aria-owns'].forEach(function (a) { slot.removeAttribute(a); });
      });
      document.querySelectorAll('[role=progressbar]:not([aria-label])').forEach(function (b) {
        b.setAttribute('aria-label', 'Working');
      });
      document.querySelectorAll('input[type=file]:not([aria-label])').forEach(function (i) {
        i.setAttribute('aria-label', 'Scenario file (.toml)');
      });
    };
    var pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; fix(); });
    }).observe(document.body, {subtree: true, childList: true, attributes: true,
                               attributeFilter: ['aria-expanded', 'role']});
    fix();
  }
}
</script>""").tag(sync=True)

    return PageFixes


APP_CSS = """
/* Slider labels above their track, so the track keeps the column's width (it had 0 px at 1280 wide). */
.v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-input__slider .v-input__slot > .v-label { flex: 1 0 100%; max-width: 100% !important; white-space: normal;
  height: auto; line-height: 1.3; margin: 0 0 6px 0 !important; overflow: visible; }
.v-input__slider .v-slider { min-width: 120px; }
/* Solara's "runs on Solara" badge covered content on small screens. */
.v-application .solara-watermark, #solara-watermark, .solara-badge { display: none !important; }
.large-table table { font-size: 22px; }
.large-table td, .large-table th { padding: 6px 12px !important; }
.seats-table table, .explain-table table, .debrief-table table { width: 100%; }
svg { max-width: 100%; }
.v-card__title { word-break: normal; overflow-wrap: anywhere; }
.seats-table td:nth-child(3), .debrief-table td:nth-child(n+3) { white-space: nowrap; }
.chart-narrow { display: none; }
.boards-position td:nth-child(n+2) { white-space: nowrap; }
.run-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px 24px; margin-top: 12px; }
@media (max-width: 1263px) { .run-grid { grid-template-columns: minmax(0, 1fr); } }
.run-heading { font-size: 20px; font-weight: 400; margin: 8px 0; }
.debrief-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 24px; }
@media (max-width: 1263px) { .debrief-grid { grid-template-columns: minmax(0, 1fr); } }
/* In the presenter's large type the six-column table needs more than half of a 1280-wide projector. */
@media (max-width: 1699px) { .debrief-grid.large { grid-template-columns: minmax(0, 1fr); } }
.debrief-table, .seats-table { overflow-x: auto; }
@media (max-width: 600px) { .seats-table td:nth-child(3), .debrief-table td:nth-child(n+3) { white-space: normal; } }
/* Long button labels ("Free seat of Northamptonshire County Council") wrap on a phone instead of widening it. */
.seat-control .v-btn { max-width: 100%; height: auto !important; min-height: 36px; padding: 6px 12px !important; }
.seat-control .v-btn__content { white-space: normal; flex-shrink: 1; }
@media (max-width: 600px) { .chart-wide { display: none; } .chart-narrow { display: block; } }
"""


@solara.component
def AppStyle():
    """The app's CSS, and the page fixes (language, zoom)."""
    solara.Style(APP_CSS)
    fixes = solara.use_memo(_page_fixes_widget, [])
    fixes.element()


def Heading(text: str, level: int = 2, classes: list[str] | None = None):
    """A real heading element (screen readers navigate by them); plain text, escaped."""
    return solara.HTML(tag=f"h{level}", unsafe_innerHTML=escape(text), classes=classes or [],
                       style={"margin": "8px 0"})

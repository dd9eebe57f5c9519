"""Small Solara components for the workshop app: the banner, the log, the derived figures, the upload."""

from __future__ import annotations

import threading
from collections.abc import Callable
from html import escape

import solara
from ipyvuetify.extra import FileInput

from .session import Snapshot

BANNER_COLOURS = {"approved": "#2e7d32", "not_approved": "#f9a825", "deadlock": "#c62828", None: "#546e7a"}


@solara.component
def OutcomeBanner(snap: Snapshot):
    """Unmissable: the verdict in large type, coloured, with the reasons under it."""
    colour = BANNER_COLOURS[snap.outcome]
    with solara.Column(style={"background": colour, "color": "white", "padding": "12px 18px", "border-radius": "6px"},
                       classes=["outcome-banner"]):
        solara.Text(snap.banner, style={"font-size": "26px", "font-weight": "700"})
        for line in snap.details:
            solara.Text(line, style={"font-size": "14px"})


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


@solara.component
def RoundLog(snap: Snapshot):
    if not snap.log:
        solara.Text("No rounds yet.")
        return
    parts = []
    for entry in reversed(snap.log):
        items = [f"<li>✗ {escape(reason)}</li>" for reason in entry["rejections"]]
        if entry["accepted"]:
            items.append(f"<li>✓ accepted by {escape(', '.join(entry['accepted']))}</li>")
        parts.append(
            f"<p><b>Round {entry['round']}</b>: {escape(entry['proposer'])} proposes {escape(entry['summary'])}.</p>"
            f"<ul>{''.join(items)}</ul>"
        )
    Html("<div style='max-height:360px;overflow-y:auto'>" + "".join(parts) + "</div>", ["round-log"])


@solara.component
def ExplainTable(rows: list[tuple[str, str]]):
    Html(table_html(["derived figure", "value"], [list(r) for r in rows]), ["explain-table"])


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

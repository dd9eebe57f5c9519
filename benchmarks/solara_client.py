"""A light client that speaks Solara's websocket protocol, for load benchmarks without a browser per person.

What a real page sends (captured with Playwright from one Chromium page):
``kernel_info_request``, a ``comm_open`` of the ``solara.control`` target and a
``comm_msg`` ``{"method": "run", "args": {"path": ...}}``; the server then sends
every widget of the page as ``comm_open`` (its state) and every change as a
``comm_msg`` ``update``. A click is a ``comm_msg`` ``{"method": "custom",
"content": {"event": "click"}}`` to the button's widget; typing is an
``update`` of the field's ``v_model``. This client keeps each widget's state,
finds controls by their label, and records when a frame carrying a given text
arrives: "seeing" a change here means receiving it, without a browser's redraw.

Loopback only; every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

import websockets


def _header(session: str, msg_type: str) -> dict:
    return {"date": datetime.now(UTC).isoformat(), "msg_id": str(uuid.uuid4()), "msg_type": msg_type,
            "session": session, "username": "", "version": "5.2"}


def _plain(marker: str) -> bool:
    """Whether JSON writes ``marker`` unchanged (printable ASCII that no encoder escapes)."""
    return all(" " <= ch <= "~" for ch in marker) and not any(ch in marker for ch in "\"\\/<>&'")


class SolaraClient:
    """One simulated page: its widgets' states and the texts it has received."""

    def __init__(self, base: str, path: str):
        assert base.startswith("http://127.0.0.1:"), "benchmarks talk to loopback only"
        self.base, self.path = base, path
        self.session = str(uuid.uuid4())
        self.widgets: dict[str, dict] = {}
        self._waiters: list[tuple[str, asyncio.Future]] = []
        self._ws = None
        self._reader: asyncio.Task | None = None
        self.ready = asyncio.Event()
        self.frames = 0  # text frames received (widget states and updates)
        self.received = 0  # their characters (as sent, before the websocket's compression)

    async def open(self, timeout: float = 120.0) -> None:
        url = self.base.replace("http://", "ws://") + f"/jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={self.session}"
        self._ws = await websockets.connect(url, max_size=None, open_timeout=timeout)
        self._reader = asyncio.create_task(self._read())
        await self._send("shell", "kernel_info_request", {})
        control = str(uuid.uuid4())
        await self._send("shell", "comm_open", {"comm_id": control, "target_name": "solara.control", "data": {}})
        await self._send("shell", "comm_msg", {"comm_id": control, "data": {"method": "run", "args": {
            "path": self.path, "dark": False, "themes": {"light": {}, "dark": {}}, "appName": None}}})
        await asyncio.wait_for(self.ready.wait(), timeout)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()

    async def _send(self, channel: str, msg_type: str, content: dict) -> None:
        await self._ws.send(json.dumps({"buffers": [], "channel": channel, "content": content,
                                        "header": _header(self.session, msg_type), "metadata": {},
                                        "parent_header": {}}))

    async def _read(self) -> None:
        async for frame in self._ws:
            if not isinstance(frame, str):
                continue  # binary frames carry buffers (none of the room's widgets use them)
            now = time.perf_counter()
            self.frames += 1
            self.received += len(frame)
            msg = json.loads(frame)
            kind, content = msg.get("msg_type"), msg.get("content", {})
            data = content.get("data", {}) if isinstance(content, dict) else {}
            if kind == "comm_open":
                self.widgets[content["comm_id"]] = dict(data.get("state", {}))
            elif kind == "comm_msg" and data.get("method") == "update":
                self.widgets.setdefault(content["comm_id"], {}).update(data.get("state", {}))
            elif kind == "comm_close":
                self.widgets.pop(content.get("comm_id"), None)
            elif kind == "comm_msg" and data.get("method") == "finished":
                self.ready.set()
            if self._waiters and kind in ("comm_open", "comm_msg"):
                # Plain markers are found in the frame as received (JSON leaves them as they are); others in
                # the data re-encoded. (Re-encoding every frame cost the clients, which share the CPUs with the
                # server, more than the server's own handling of a large frame.)
                plain = all(_plain(m) for marker, _, _ in self._waiters
                            for m in ((marker,) if isinstance(marker, str) else marker))
                text = frame if plain else json.dumps(data, ensure_ascii=False)
                for waiter in list(self._waiters):
                    marker, fut, which = waiter
                    markers = (marker,) if isinstance(marker, str) else marker
                    found = next((m for m in markers if m in text), None)
                    if found is not None and not fut.done():
                        fut.set_result((now, found) if which else now)
                        self._waiters.remove(waiter)

    def expect(self, text: str | tuple[str, ...], which: bool = False) -> asyncio.Future:
        """A future resolved with the perf_counter time a frame containing ``text`` (or any of several texts)
        arrives (with ``which``: the time and the text found, so a caller need not search every widget's state
        again). Call before the action, so a fast answer is not missed."""
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append((text, fut, which))
        return fut

    def has_text(self, text: str) -> bool:
        return any(text in json.dumps(s, ensure_ascii=False) for s in self.widgets.values())

    def find(self, label: str, model: str | None = None) -> str:
        """The widget whose label, or whose only text child, is ``label`` (newest first)."""
        for comm_id, state in reversed(list(self.widgets.items())):
            if model and state.get("_model_name") != model:
                continue
            if state.get("label") == label or state.get("children") == [label]:
                return comm_id
        raise LookupError(f"no widget labelled {label!r} on {self.path}")

    def find_prefix(self, prefix: str, model: str | None = None) -> str:
        """The newest widget whose label starts with ``prefix`` (labels that show their value, e.g. a slider's)."""
        for comm_id, state in reversed(list(self.widgets.items())):
            if model and state.get("_model_name") != model:
                continue
            if str(state.get("label") or "").startswith(prefix):
                return comm_id
        raise LookupError(f"no widget labelled {prefix!r}... on {self.path}")

    async def wait_for(self, label: str, model: str | None = None, timeout: float = 60.0) -> str:
        end = time.perf_counter() + timeout
        while True:
            try:
                return self.find(label, model)
            except LookupError:
                if time.perf_counter() > end:
                    raise
                await asyncio.sleep(0.05)

    async def click(self, comm_id: str) -> None:
        await self.event(comm_id, "click", {})

    async def event(self, comm_id: str, name: str, data=None) -> None:
        """A Vue event sent to a widget's server side, as a page does: a button's click, or a Vue template's
        method (``vue_<name>`` on the server) called from the page with ``data``."""
        await self._send("shell", "comm_msg", {"comm_id": comm_id, "data": {
            "method": "custom", "content": {"event": name, "data": data}}})

    def find_state(self, key: str) -> str:
        """The newest widget whose state has ``key`` (a Vue template's own trait, e.g. a page's run controls)."""
        for comm_id, state in reversed(list(self.widgets.items())):
            if key in state:
                return comm_id
        raise LookupError(f"no widget with {key!r} on {self.path}")

    async def set_value(self, comm_id: str, value) -> None:
        self.widgets[comm_id]["v_model"] = value
        await self._send("shell", "comm_msg", {"comm_id": comm_id, "data": {
            "method": "update", "state": {"v_model": value}, "buffer_paths": []}})

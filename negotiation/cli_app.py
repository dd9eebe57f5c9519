"""``negotiation app`` and ``negotiation fetch-assets``: the Solara workshop app, served on loopback.

The app is the module ``negotiation.viz.app``: installed from the wheel it is a real subpackage, and in
a checkout ``negotiation`` maps that name onto the top-level viz/ folder, so one command serves both.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from importlib.util import find_spec
from typing import Annotated

import typer

from negotiation import assets
from negotiation.cli import app, fail

APP_MODULE = "negotiation.viz.app"


def app_environment() -> dict[str, str]:
    """Telemetry off; Solara's asset cache where ``negotiation fetch-assets`` filled it; closed sessions culled."""
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    env.setdefault("SOLARA_ASSETS_PROXY_CACHE_DIR", str(assets.default_cache_dir()))
    # Solara keeps a closed page's kernel (its whole session: model, widgets, a room view's subscription) for
    # 24 h by default, for a reconnect. Here a page that comes back later simply starts afresh (a room's seat
    # is in its link), so drop it after a minute: memory returns and a closed presenter tab stops being
    # redrawn on every change in its room.
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "60s")
    return env


@app.command(name="app")
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind; loopback unless you mean to share it")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0 picks a free one)")] = 8765,
    public_url: Annotated[str, typer.Option(help="Address participants use for rooms' join links and QR codes, "
                                                 "e.g. http://192.168.1.20:8765 (default: the facilitator's)")] = "",
) -> None:
    """Serve the workshop app in a browser: step through rounds, move sliders, play an organisation."""
    try:
        found = find_spec(APP_MODULE) is not None
    except ImportError:
        found = False
    if not found:
        fail(f"{APP_MODULE}: the app is missing from this installation (reinstall bcf-negotiation)")
    command = [sys.executable, "-m", "solara", "run", APP_MODULE, "--host", host, "--port", str(port),
               "--production", "--no-open", "--log-level", "warning"]
    typer.echo(f"Serving the app on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    if host == "0.0.0.0":  # a workshop: say where the room can reach it (join links follow the browser's address)
        try:
            addresses = set(socket.gethostbyname_ex(socket.gethostname())[2]) - {"127.0.0.1"}
        except OSError:
            addresses = set()
        for ip in sorted(addresses):
            typer.echo(f"  on this network: http://{ip}:{port}/", err=True)
    if public_url:
        os.environ["NEGOTIATION_PUBLIC_URL"] = public_url
    sys.stderr.flush()
    # Become the server (no parent left behind): stopping this process stops the app.
    os.execve(sys.executable, command, app_environment())


@app.command(name="fetch-assets")
def fetch_assets(
    as_json: Annotated[bool, typer.Option("--json", help="Print the cached folders as one JSON object")] = False,
) -> None:
    """Fetch Solara's JavaScript and CSS from the npm registry once, so the app works offline."""
    into = assets.cache_dir()
    try:
        done = assets.fetch_all(into, report=None if as_json else lambda line: typer.echo(line, err=True))
    except OSError as exc:
        fail(f"could not fetch Solara's assets from {assets.registry()} into {into}: {exc}")
    if as_json:
        sys.stdout.write(json.dumps({"cache": str(into), "packages": [str(p.relative_to(into)) for p in done]}, indent=2) + "\n")
    else:
        typer.echo(f"{len(done)} packages cached in {into}")

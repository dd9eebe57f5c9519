"""``negotiation app``: serve the Solara workshop app (viz/app.py) on loopback unless told otherwise."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from negotiation.cli import app, fail

APP = Path(__file__).resolve().parents[1] / "viz" / "app.py"


def app_environment() -> dict[str, str]:
    """Telemetry off; Solara's asset cache where set-up filled it (see scripts/fetch_solara_assets.py)."""
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    env.setdefault("SOLARA_ASSETS_PROXY_CACHE_DIR", str(Path(sys.prefix) / "share" / "solara" / "cdn"))
    root = str(APP.parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


@app.command(name="app")
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind; loopback unless you mean to share it")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0 picks a free one)")] = 8765,
    public_url: Annotated[str, typer.Option(help="Address participants use for rooms' join links and QR codes, "
                                                 "e.g. http://192.168.1.20:8765 (default: the facilitator's)")] = "",
):
    """Serve the workshop app in a browser: step through rounds, move sliders, play an organisation."""
    if not APP.exists():
        fail(f"{APP}: the app is missing (run from a checkout of the project)")
    command = [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port),
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
    os.chdir(APP.parents[1])
    os.execve(sys.executable, command, app_environment())

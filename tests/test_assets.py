"""``negotiation fetch-assets``: Solara's offline assets fetched from an npm registry and unpacked where
the app's server looks. Served here by a registry stand-in on 127.0.0.1, so the test needs no network."""

from __future__ import annotations

import http.server
import io
import json
import os
import subprocess
import sys
import tarfile
import threading

import pytest

from negotiation import assets


def _tgz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def registry():
    """A registry stand-in serving a tarball for every package the installed Solara wants."""
    served: list[str] = []
    wanted = assets.wanted()
    tarballs = {}
    for package, version in wanted:
        name = package.split("/")[-1]
        tarballs[f"/{package}/-/{name}-{version}.tgz"] = _tgz(
            {"dist/main.js": f"// {package}@{version}".encode(), "../escape.txt": b"must not leave the folder"}
        )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = tarballs.get(self.path)
            served.append(self.path)
            self.send_response(200 if body else 404)
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", wanted, served
    finally:
        server.shutdown()
        server.server_close()


def test_solara_names_the_packages_it_fetches_from_a_cdn():
    names = dict(assets.wanted())
    assert "requirejs" in names and any(n.startswith("@widgetti/solara-vuetify") for n in names)


def test_fetch_assets_fills_the_cache_once_and_prints_json(registry, tmp_path):
    url, wanted, served = registry
    cache = tmp_path / "cdn"
    env = {**os.environ, "NPM_REGISTRY": url, "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache)}
    first = subprocess.run([sys.executable, "-m", "negotiation", "fetch-assets", "--json"], capture_output=True,
                           text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["cache"] == str(cache)
    assert sorted(report["packages"]) == sorted(f"{p}@{v}" for p, v in wanted)
    for package, version in wanted:
        folder = cache / f"{package}@{version}"
        assert (folder / "dist" / "main.js").read_text() == f"// {package}@{version}"
        assert (folder / ".complete").exists()
    assert not list(tmp_path.rglob("escape.txt"))  # a path leaving the package folder is skipped
    fetched = len(served)
    again = subprocess.run([sys.executable, "-m", "negotiation", "fetch-assets"], capture_output=True, text=True,
                           env=env, timeout=120)
    assert again.returncode == 0 and f"{len(wanted)} packages cached in {cache}" in again.stdout
    assert len(served) == fetched  # complete packages are not fetched again


def test_fetch_assets_without_a_registry_is_one_line_exit_2(tmp_path):
    env = {**os.environ, "NPM_REGISTRY": "http://127.0.0.1:9", "SOLARA_ASSETS_PROXY_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "negotiation", "fetch-assets"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: could not fetch Solara's assets from http://127.0.0.1:9")

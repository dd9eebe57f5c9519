"""Fill Solara's asset cache from the npm registry, so the app works with no internet at run time.

Solara's server normally fetches its JavaScript and CSS from a CDN on first use; offline that
leaves a blank page. ``negotiation fetch-assets`` (which ``make setup`` runs) downloads, once, the
exact package versions the installed Solara asks for and unpacks them where Solara's CDN proxy
looks: ``<environment>/share/solara/cdn`` unless ``SOLARA_ASSETS_PROXY_CACHE_DIR`` says otherwise.
``NPM_REGISTRY`` points it at a mirror.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tarfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

DEFAULT_REGISTRY = "https://registry.npmjs.org"


def registry() -> str:
    """The npm registry to fetch from (``NPM_REGISTRY``, else the public one)."""
    return os.environ.get("NPM_REGISTRY", DEFAULT_REGISTRY).rstrip("/")


def default_cache_dir() -> Path:
    """Where ``negotiation app`` tells Solara to look: inside the running environment."""
    return Path(sys.prefix) / "share" / "solara" / "cdn"


def cache_dir() -> Path:
    """The cache to fill: ``SOLARA_ASSETS_PROXY_CACHE_DIR`` if set, else :func:`default_cache_dir`."""
    return Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR") or default_cache_dir())


def wanted() -> list[tuple[str, str]]:
    """(package, version) pairs named by the installed Solara's page template and widgets."""
    import solara
    from solara.server import settings

    root = Path(solara.__file__).parent
    text = (root / "server" / "templates" / "solara.html.j2").read_text()
    for vue in (root / "widgets" / "vue").glob("gridlayout*.vue"):
        text += vue.read_text()
    text += settings.assets.fontawesome_path
    found = set(re.findall(r"/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)", text))
    return sorted(found)


def fetch(package: str, version: str, into: Path) -> Path:
    """Download and unpack one npm package into ``into/package@version`` (skipped if already complete)."""
    target = into / f"{package}@{version}"
    marker = target / ".complete"
    if marker.exists():
        return target
    name = package.split("/")[-1]
    url = f"{registry()}/{package}/-/{name}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=120) as response:
        data = response.read()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            relative = Path(*Path(member.name).parts[1:])  # strip the leading "package/"
            if ".." in relative.parts or relative.is_absolute():
                continue
            source = tar.extractfile(member)
            if source is None:
                continue
            out = target / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(source.read())
    marker.write_text(url)
    return target


def fetch_all(into: Path | None = None, report: Callable[[str], None] | None = None) -> list[Path]:
    """Fetch every package Solara needs into ``into`` (default :func:`cache_dir`); returns their folders.

    Raises :class:`OSError` (a network or disk problem) for the caller to turn into one line.
    """
    into = into or cache_dir()
    into.mkdir(parents=True, exist_ok=True)
    done = []
    for package, version in wanted():
        path = fetch(package, version, into)
        if report:
            report(f"solara assets: {package}@{version} -> {path}")
        done.append(path)
    return done

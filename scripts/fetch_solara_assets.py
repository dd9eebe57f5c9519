"""Fill Solara's asset cache from the npm registry, so the app works with no internet at run time.

Solara's server normally fetches its JavaScript and CSS from a CDN on first
use; offline that leaves a blank page. Set-up runs this once: it downloads
the exact package versions the installed Solara asks for and unpacks them
where Solara's CDN proxy looks (``<venv>/share/solara/cdn`` unless
SOLARA_ASSETS_PROXY_CACHE_DIR says otherwise).

    .venv/bin/python scripts/fetch_solara_assets.py
"""

from __future__ import annotations

import io
import os
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")


def cache_dir() -> Path:
    from solara.server import settings

    return Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR") or settings.assets.proxy_cache_dir)


def wanted() -> list[tuple[str, str]]:
    """(package, version) pairs named by the installed Solara's page template and widgets."""
    import solara

    root = Path(solara.__file__).parent
    text = (root / "server" / "templates" / "solara.html.j2").read_text()
    for vue in (root / "widgets" / "vue").glob("gridlayout*.vue"):
        text += vue.read_text()
    from solara.server import settings

    text += settings.assets.fontawesome_path
    found = set(re.findall(r"/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)", text))
    return sorted(found)


def fetch(package: str, version: str, into: Path) -> Path:
    target = into / f"{package}@{version}"
    marker = target / ".complete"
    if marker.exists():
        return target
    name = package.split("/")[-1]
    url = f"{REGISTRY}/{package}/-/{name}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=120) as response:
        data = response.read()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            relative = Path(*Path(member.name).parts[1:])  # strip the leading "package/"
            if ".." in relative.parts:
                continue
            out = target / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(tar.extractfile(member).read())
    marker.write_text(url)
    return target


def main() -> int:
    into = cache_dir()
    into.mkdir(parents=True, exist_ok=True)
    try:
        for package, version in wanted():
            path = fetch(package, version, into)
            print(f"solara assets: {package}@{version} -> {path}")
    except OSError as exc:
        print(f"error: could not fetch Solara's assets from {REGISTRY}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

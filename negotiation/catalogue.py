"""The scenarios shipped with the package, so any command or call can name one instead of a path.

A checkout keeps them in the top-level ``scenarios/`` folder; the wheel installs the same files as
``negotiation/scenarios``. :func:`resolve` is what the scenario loader calls on every path it is
given, so ``run``, ``explain``, ``sweep``, ``compare``, ``assess`` and the Python API all accept
``oxfordshire_2014`` as well as ``scenarios/oxfordshire_2014.toml``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

__all__ = ["folder", "resolve", "shipped", "describe"]


def folder() -> Path:
    """Where the shipped scenario files are: inside the installed package, else the checkout's top level."""
    here = Path(__file__).resolve().parent
    installed = here / "scenarios"
    return installed if installed.is_dir() else here.parent / "scenarios"


def shipped() -> dict[str, Path]:
    """Shipped scenarios by name (the file name without ``.toml``), sorted by name."""
    return {path.stem: path for path in sorted(folder().glob("*.toml"))}


def resolve(name_or_path: str | Path) -> Path:
    """The file a user means: an existing path as given, else a shipped scenario of that name.

    A name may carry ``.toml`` or not. Anything else comes back unchanged, so the loader's
    "no such file" error still names exactly what was typed.

    >>> resolve("oxfordshire_2014").name
    'oxfordshire_2014.toml'
    """
    path = Path(name_or_path)
    if path.exists() or len(path.parts) != 1 or path.suffix not in ("", ".toml"):
        return path
    candidate = folder() / f"{path.stem}.toml"
    return candidate if candidate.is_file() else path


def describe() -> list[dict]:
    """Name, title, file, rule set and number of boards of each shipped scenario (read without validating)."""
    rows = []
    for name, path in shipped().items():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            title = str(raw["scenario"]["name"])
            policy = str((raw.get("rules") or {}).get("policy", "bcf_2015_16"))
            boards = len(raw.get("boards") or {}) or 1
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError):
            title, policy, boards = "", "", 1
        rows.append({"name": name, "title": title, "path": str(path), "rule_set": policy, "boards": boards})
    return rows

"""A sweep's folder: its definition and schema, a manifest of checksummed parts, and the Parquet parts.

Layout::

    DIR/sweep.json        what the sweep is (scenario, varied keys, design) and its one Parquet schema
    DIR/manifest.json     for each finished part: its run ids, row count, size and sha256
    DIR/parts/part-NNNNNN.parquet

A part is written to a temporary file, flushed to disk and renamed into
place; then the manifest is rewritten the same way. A part counts as done only
if the manifest lists it and the file's size and sha256 match, so a sweep
killed at any moment (Ctrl-C or kill -9) loses at most the chunks in flight,
and a truncated, zeroed, garbage or swapped-in part is found on resume (and
run again) or on load (an error naming the part). Every part is written with
the schema saved in ``sweep.json``, so the folder reads as one dataset with
pyarrow, pandas, duckdb or polars. A different command pointed at the same
folder is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from negotiation.batch.spec import SweepSpec
from negotiation.errors import SweepError

DEFINITION = "sweep.json"
MANIFEST = "manifest.json"
PARTS = "parts"
LOCK = ".lock"
PART = re.compile(r"^part-(\d{6,})\.parquet$")
FORMAT = 2  # 1: no schema, no manifest (before 2026-11); such parts are verified as unlisted and run again


def _part_number(name: str) -> int:
    m = PART.match(name)
    return int(m.group(1)) if m else -1


def part_name(chunk: int) -> str:
    return f"part-{chunk:06d}.parquet"


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mixture."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def schema_to_json(schema: pa.Schema) -> list[list[str]]:
    return [[f.name, str(f.type)] for f in schema]


def _schema_matches(table_schema: pa.Schema, schema: pa.Schema) -> bool:
    return [(f.name, f.type) for f in table_schema] == [(f.name, f.type) for f in schema]


def saved_chunk_size(out: str | Path) -> int | None:
    """The runs per part an existing sweep folder was written with (None: no readable sweep there)."""
    try:
        saved = json.loads((Path(out) / DEFINITION).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    size = saved.get("chunk_size") if isinstance(saved, dict) else None
    return size if isinstance(size, int) and not isinstance(size, bool) and size >= 1 else None


class SweepStore:
    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.parts = self.out / PARTS
        self._manifest: dict[str, dict] = {}
        self._lock: IO[str] | None = None

    # -- creating or reopening -------------------------------------------------------------------------

    def open_for(self, spec: SweepSpec) -> None:
        """Create the folder for ``spec``, or check that an existing one holds the same sweep; lock it."""
        definition = self.out / DEFINITION
        try:
            if self.out.exists() and not self.out.is_dir():
                raise SweepError(f"{self.out}: exists and is not a folder; give --out a folder")
            if definition.exists():
                saved = self._read_definition()
                if json.dumps(saved.get("definition"), sort_keys=True, default=str) != spec.definition_json():
                    raise SweepError(
                        f"{self.out}: holds a different sweep (see {definition}); use a new --out folder "
                        "or run the original command to resume it"
                    )
                if saved.get("schema") and saved["schema"] != schema_to_json(spec.schema()):
                    # Written by a version whose rows have other columns (e.g. before efficiency and
                    # distance_to_frontier): mixing the two would make parts that no longer read as one table.
                    new = sorted({n for n, _ in schema_to_json(spec.schema())} - {n for n, _ in saved["schema"]})
                    lacking = ", ".join(new) if new else "columns this version writes"
                    raise SweepError(
                        f"{self.out}: was written by an older version whose rows lack {lacking}; its finished "
                        "rows still load (load_sweep, report), but to resume or rerun it use a new --out folder"
                    )
            elif self.out.exists() and any(
                p.name != LOCK and not (p.name == PARTS and p.is_dir() and not any(p.iterdir()))
                for p in self.out.iterdir()
            ):
                raise SweepError(f"{self.out}: folder is not empty and holds no sweep; use a new --out folder")
            self.parts.mkdir(parents=True, exist_ok=True)
            self._take_lock()
            for stale in self.parts.glob(".*.tmp"):
                stale.unlink(missing_ok=True)
            for stale in self.out.glob(".*.tmp"):
                stale.unlink(missing_ok=True)
            if not definition.exists() or saved.get("format") != FORMAT:
                payload = {
                    "format": FORMAT,
                    "definition": json.loads(spec.definition_json()),
                    "keys": spec.keys,
                    "total_runs": spec.total_runs,
                    "points": len(spec.points),
                    "chunk_size": spec.chunk_size,
                    "schema": schema_to_json(spec.schema()),
                }
                _atomic_write_bytes(definition, json.dumps(payload, indent=2, default=str).encode())
        except OSError as exc:
            raise SweepError(
                f"{self.out}: cannot write the sweep here ({exc.strerror or exc}); choose another --out folder"
            ) from None

    def _take_lock(self) -> None:
        """One writer per folder: a second sweep into the same folder is refused, not interleaved."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory lock
            return
        handle = open(self.out / LOCK, "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise SweepError(
                f"{self.out}: another sweep is writing to this folder; wait for it or use a new --out"
            ) from None
        self._lock = handle

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # -- the manifest ----------------------------------------------------------------------------------

    def _read_definition(self) -> dict:
        path = self.out / DEFINITION
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SweepError(f"{self.out}: not a sweep folder (no {DEFINITION})") from None
        except (OSError, ValueError):
            saved = None
        if not isinstance(saved, dict) or not isinstance(saved.get("definition"), dict) or "keys" not in saved:
            raise SweepError(f"{path}: not a readable sweep definition; use a new --out folder") from None
        return saved

    def _read_manifest(self, strict: bool) -> dict[str, dict] | None:
        path = self.out / MANIFEST
        if not path.exists():
            return {}
        try:
            parts = json.loads(path.read_text(encoding="utf-8"))["parts"]
            if not isinstance(parts, dict) or not all(isinstance(e, dict) for e in parts.values()):
                raise ValueError
            return parts
        except (OSError, ValueError, KeyError, TypeError):
            if strict:
                raise SweepError(
                    f"{path}: unreadable manifest; run the sweep command again to check and repair the folder"
                ) from None
            return None

    def _save_manifest(self) -> None:
        payload = {"format": FORMAT, "parts": dict(sorted(self._manifest.items()))}
        _atomic_write_bytes(self.out / MANIFEST, json.dumps(payload, separators=(",", ":")).encode())

    def _check_part(self, name: str, entry: dict) -> tuple[str | None, bytes | None]:
        """(problem or None, the file's bytes when it matches its manifest entry)."""
        path = self.parts / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return "is missing", None
        except OSError as exc:
            return f"cannot be read ({exc.strerror})", None
        if len(data) != entry.get("bytes") or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            return "does not match its checksum in the manifest (truncated, corrupted or replaced)", None
        return None, data

    def verify(self, spec: SweepSpec, report: Callable[[str], None]) -> set[int]:
        """Chunks whose parts are listed and intact; anything else is reported in one line and will rerun."""
        self._manifest = {}
        listed = self._read_manifest(strict=False)
        if listed is None:
            report(f"{self.out / MANIFEST}: unreadable manifest; every part will be run again")
            listed = {}
        done: set[int] = set()
        for name, entry in listed.items():
            m = PART.match(name)
            chunk = int(m.group(1)) if m else -1
            first = chunk * spec.chunk_size
            expected = (first, min(first + spec.chunk_size, spec.total_runs) - 1)
            if not m or chunk >= spec.n_chunks or (entry.get("first_run"), entry.get("last_run")) != expected:
                report(f"{self.out / MANIFEST}: entry {name!r} does not belong to this sweep; ignoring it")
                continue
            problem, _ = self._check_part(name, entry)
            if problem:
                report(f"{self.parts / name} {problem}; running runs {expected[0]}-{expected[1]} again")
                (self.parts / name).unlink(missing_ok=True)
                continue
            self._manifest[name] = entry
            done.add(chunk)
        for path in sorted(self.parts.glob("part-*.parquet")):
            if path.name not in self._manifest and path.name not in listed:
                # Killed between the rename and the manifest update, an older version's part, or a stray copy.
                report(f"{path} is not in the manifest; running its runs again")
                path.unlink(missing_ok=True)
        if len(self._manifest) != len(listed) or not (self.out / MANIFEST).exists():
            self._save_manifest()
        return done

    # -- writing and reading ---------------------------------------------------------------------------

    def write_chunk(self, spec: SweepSpec, chunk: int, rows: list[dict]) -> None:
        """Write a chunk's rows with the sweep's schema, then record the part in the manifest."""
        schema = spec.schema()
        first = chunk * spec.chunk_size
        last = min(first + spec.chunk_size, spec.total_runs) - 1
        ids = [row["run_id"] for row in rows]
        if ids != list(range(first, last + 1)):
            raise SweepError(f"chunk {chunk}: expected runs {first}-{last}, got {len(ids)} rows")
        if set(rows[0]) != set(schema.names):
            extra, missing = set(rows[0]) - set(schema.names), set(schema.names) - set(rows[0])
            raise SweepError(
                f"chunk {chunk}: row columns differ from the sweep's schema (extra {sorted(extra)}, "
                f"missing {sorted(missing)})"
            )
        table = pa.Table.from_pylist(rows, schema=schema)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        data = sink.getvalue().to_pybytes()
        name = part_name(chunk)
        try:
            _atomic_write_bytes(self.parts / name, data)
            self._manifest[name] = {
                "first_run": first,
                "last_run": last,
                "rows": len(rows),
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            self._save_manifest()
        except OSError as exc:
            raise SweepError(f"{self.parts / name}: cannot be written ({exc.strerror or exc})") from None

    def definition(self) -> dict:
        return self._read_definition()

    def schema(self) -> pa.Schema | None:
        saved = self._read_definition().get("schema")
        if not saved:
            return None
        return pa.schema([pa.field(name, pa.type_for_alias(kind)) for name, kind in saved])

    def load(self) -> pd.DataFrame:
        """All finished rows in run order, every part checked against the manifest first.

        A part that fails its check is an error naming it (run the sweep command again to repair
        it); a part on disk but not in the manifest (written just before a kill) is not returned.
        """
        saved = self._read_definition()
        schema = self.schema()
        if schema is None:
            raise SweepError(
                f"{self.out}: written by an older version (no schema or manifest); "
                "run the sweep command again to check and upgrade the folder"
            )
        listed = self._read_manifest(strict=True) or {}
        checked = []
        for name in sorted(listed, key=_part_number):  # every checksum before any decoding
            entry = listed[name]
            problem, data = self._check_part(name, entry) if PART.match(name) else ("is not a part name", None)
            if problem or data is None:
                raise SweepError(f"{self.parts / name} {problem}; run the sweep command again to repair it")
            checked.append((name, entry, data))
        tables, seen = [], 0
        for name, entry, data in checked:
            # One thread: parts are small, and pyarrow's thread pool can abort the process at exit.
            table = pq.read_table(pa.BufferReader(data), use_threads=False)
            ids = table.column("run_id").to_pylist() if "run_id" in table.column_names else []
            if not _schema_matches(table.schema, schema) or ids != list(
                range(entry["first_run"], entry["last_run"] + 1)
            ):
                raise SweepError(
                    f"{self.parts / name} does not hold the runs or columns its manifest entry says; "
                    "run the sweep command again to repair it"
                )
            if entry["first_run"] < seen:
                raise SweepError(f"{self.out / MANIFEST}: parts overlap at {name}; run the sweep command again")
            seen = entry["last_run"] + 1
            tables.append(table)
        whole = pa.concat_tables(tables) if tables else schema.empty_table()
        if saved.get("total_runs") is not None and len(whole) > saved["total_runs"]:
            raise SweepError(f"{self.out}: more rows than the sweep has runs; run the sweep command again")
        return whole.to_pandas(use_threads=False)

"""A sweep's folder: its definition beside a Parquet dataset written chunk by chunk.

Each chunk of rows is written to a hidden temporary file and renamed into
place, so a part file is either complete or absent: a sweep killed at any
moment (Ctrl-C or kill -9) loses at most the chunks in flight, and the same
command resumes by skipping the chunks already on disk, never duplicating a
row. A different command pointed at the same folder is refused.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from negotiation.batch.spec import SweepSpec
from negotiation.errors import SweepError

DEFINITION = "sweep.json"
PARTS = "parts"
PART = re.compile(r"^part-(\d{6})\.parquet$")


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class SweepStore:
    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.parts = self.out / PARTS

    def open_for(self, spec: SweepSpec) -> None:
        """Create the folder for ``spec``, or check that an existing one holds the same sweep."""
        definition = self.out / DEFINITION
        if self.out.exists() and not self.out.is_dir():
            raise SweepError(f"{self.out}: exists and is not a folder")
        if definition.exists():
            try:
                saved = json.loads(definition.read_text())
            except (OSError, json.JSONDecodeError):
                raise SweepError(f"{definition}: unreadable sweep definition; use a new --out folder") from None
            if json.dumps(saved.get("definition"), sort_keys=True, default=str) != spec.definition_json():
                raise SweepError(
                    f"{self.out}: holds a different sweep (see {definition}); use a new --out folder "
                    "or run the original command to resume it"
                )
        elif self.out.exists() and any(self.out.iterdir()):
            raise SweepError(f"{self.out}: folder is not empty and holds no sweep; use a new --out folder")
        self.parts.mkdir(parents=True, exist_ok=True)
        for stale in self.parts.glob(".*.tmp"):
            stale.unlink(missing_ok=True)
        if not definition.exists():
            payload = {
                "definition": json.loads(spec.definition_json()),
                "keys": spec.keys,
                "total_runs": spec.total_runs,
                "points": len(spec.points),
            }
            _atomic_write_bytes(definition, json.dumps(payload, indent=2, default=str).encode())

    def done_chunks(self) -> set[int]:
        if not self.parts.exists():
            return set()
        return {int(m.group(1)) for p in self.parts.iterdir() if (m := PART.match(p.name))}

    def write_chunk(self, chunk: int, rows: list[dict]) -> None:
        table = pa.Table.from_pylist(rows)
        path = self.parts / f"part-{chunk:06d}.parquet"
        tmp = self.parts / f".part-{chunk:06d}.{os.getpid()}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, path)

    def definition(self) -> dict:
        path = self.out / DEFINITION
        if not path.exists():
            raise SweepError(f"{self.out}: not a sweep folder (no {DEFINITION})")
        return json.loads(path.read_text())

    def load(self) -> pd.DataFrame:
        """All finished rows, in run order."""
        self.definition()
        files = sorted(p for p in self.parts.glob("part-*.parquet") if PART.match(p.name))
        if not files:
            return pd.DataFrame()
        frame = pd.concat((pq.read_table(f).to_pandas() for f in files), ignore_index=True)
        return frame.sort_values("run_id", kind="stable").reset_index(drop=True)

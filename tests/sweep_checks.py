"""Checks shared by the sweep tests: a sweep folder must read as one dataset with every common tool."""

from __future__ import annotations

import json
from pathlib import Path


def assert_reads_as_one_dataset(folder: Path) -> None:
    """pyarrow.dataset, pandas and duckdb read every part of ``folder`` with the schema in sweep.json."""
    import duckdb
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as ds

    saved = json.loads((folder / "sweep.json").read_text())
    manifest = folder / "manifest.json"
    parts = folder / "parts"
    if not manifest.exists() or not list(parts.glob("part-*.parquet")):
        return  # nothing finished (a refused or interrupted sweep): nothing to read
    expected = [(name, kind) for name, kind in saved["schema"]]
    dataset = ds.dataset(parts, format="parquet")
    table = dataset.to_table()
    assert [(f.name, str(f.type)) for f in dataset.schema] == expected, folder
    for fragment in dataset.get_fragments():
        assert [(f.name, str(f.type)) for f in fragment.physical_schema] == expected, fragment.path
    frame = pd.read_parquet(parts)
    assert len(frame) == table.num_rows
    listed = json.loads(manifest.read_text())["parts"]
    assert table.num_rows == sum(e["rows"] for e in listed.values())
    count, distinct = duckdb.sql(
        f"select count(*), count(distinct run_id) from read_parquet('{parts}/part-*.parquet')"
    ).fetchall()[0]
    assert count == distinct == table.num_rows, folder
    assert pa.types.is_int64(table.schema.field("run_id").type)

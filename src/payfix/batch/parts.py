"""The files of a replay's output directory: manifest, part names, reading parts back.

Example:
    >>> part_name(7, "parquet"), part_name(7, "jsonl", "_baseline")
    ('part-00007.parquet', '_baseline/part-00007.jsonl')
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from payfix.batch.columns import output_schema

__all__ = ["MANIFEST", "iter_parts", "part_name", "read_manifest", "read_part", "rejects_name",
           "write_atomic"]

MANIFEST = "_manifest.jsonl"
REJECTS_DIR = "_rejects"
BASELINE_DIR = "_baseline"


def part_name(chunk: int, fmt: str, folder: str = "") -> str:
    """Name of chunk ``chunk``'s output part (relative to the output directory)."""
    return f"{folder + '/' if folder else ''}part-{chunk:05d}.{fmt}"


def rejects_name(chunk: int) -> str:
    """Name of chunk ``chunk``'s rejects part (relative to the output directory)."""
    return f"{REJECTS_DIR}/part-{chunk:05d}.jsonl"


def read_manifest(out: Path) -> dict[int, dict[str, Any]]:
    """Committed chunks by number; a torn last line (crash while appending) is not a commit."""
    entries: dict[int, dict[str, Any]] = {}
    path = Path(out) / MANIFEST
    if not path.exists():
        return entries
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.endswith("\n"):
            break
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            break
        entries[int(entry["chunk"])] = entry
    return entries


def read_part(path: Path, columns: list[str] | None = None) -> Any:
    """One output part (Parquet or JSON Lines) as a ``pyarrow.Table`` of the output schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.suffix == ".parquet":
        return pq.read_table(path, columns=columns)
    schema = output_schema()
    with path.open("rb") as handle:
        rows = [json.loads(line) for line in handle]
    table = pa.Table.from_pylist(rows, schema=schema)
    return table if columns is None else table.select(columns)


def count_rows(path: Path) -> int:
    """Rows in one output part, from Parquet metadata or the JSON Lines line count."""
    import pyarrow.parquet as pq

    if path.suffix == ".parquet":
        return int(pq.read_metadata(path).num_rows)
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def iter_parts(out: Path, columns: list[str] | None = None, key: str = "part") -> Iterator[Any]:
    """The committed parts of ``out`` one table at a time, in chunk (= row) order; ``key`` is the
    manifest field naming the part (``part``, or ``baseline`` for a what-if's baseline parts)."""
    manifest = read_manifest(out)
    for chunk in sorted(manifest):
        name = manifest[chunk].get(key)
        if name is not None:
            yield read_part(Path(out) / name, columns)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` under a temporary name, fsync, rename into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)

"""Writing synthetic reports to files (``payfix synth``): JSON Lines, optionally gzip-compressed,
and the flat formats (CSV, Parquet) in blocks.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any, TextIO

from payfix.batch.synth import FLAT_EXTRA, synth_rows

__all__ = ["write_jsonl", "write_reports"]


def _open_text(path: Path, gz: bool) -> TextIO:
    if gz:
        return gzip.open(path, "wt", encoding="utf-8", newline="\n")
    return path.open("w", encoding="utf-8", newline="\n")


def write_jsonl(path: str | Path, rows: int, seed: int, corrupt_share: float = 0.0,
                profile: str | Path | None = None, native: bool = False) -> int:
    """Write synthetic rows to ``path`` as JSON Lines (gzip when the name ends in ``.gz``).

    The file is written under a temporary name and renamed, so it is either complete or absent.
    Returns the number of rows written.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    with _open_text(tmp, path.name.endswith(".gz")) as handle:
        for row in synth_rows(rows, seed, corrupt_share, profile, native):
            handle.write(row.line)
            handle.write("\n")
            count += 1
    tmp.replace(path)
    return count


_FLAT_BLOCK = 20_000


def write_reports(path: str | Path, rows: int, seed: int, corrupt_share: float = 0.0,
                  profile: str | Path | None = None, native: bool = False) -> int:
    """Write synthetic rows to ``path`` in the format its suffix names: ``.jsonl`` (nested), or
    ``.csv`` / ``.parquet`` (flat columns, see the module docs); ``.gz`` or ``.zst`` after ``.jsonl``
    or ``.csv`` compresses. Written in blocks (memory stays flat) under a temporary name and renamed.
    The rows are those of :func:`synth_rows` (with ``profile``, its mix), whatever the format.
    With ``native`` the rows are the processors' own objects, one per line (JSON Lines only).
    Returns the rows written.

    Raises:
        ValueError: the suffix names no supported format, the profile is unknown or invalid, or
            ``native`` rows cannot be written as asked (checked before anything is written).
    """
    from payfix.batch.sources import input_format

    path = Path(path)
    fmt, compression = input_format(path)
    if native and (fmt != "jsonl" or compression not in (None, "gzip")):
        raise ValueError("native rows are processors' objects: write them as .jsonl "
                         "(or .jsonl.gz)")
    # synth_rows checks its arguments and the profile when first asked for a row: ask now,
    # before a file is opened
    next(synth_rows(0, seed, corrupt_share, profile, native), None)
    if fmt == "jsonl" and compression in (None, "gzip"):
        return write_jsonl(path, rows, seed, corrupt_share, profile, native)
    return _write_flat(path, fmt, compression, rows, seed, corrupt_share, profile)


def _write_flat(path: Path, fmt: str, compression: str | None, rows: int, seed: int,
                corrupt_share: float, profile: str | Path | None) -> int:
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from payfix.batch.columns import FLAT_COLUMNS

    names = [*FLAT_COLUMNS, FLAT_EXTRA]
    schema = pa.schema([(name, pa.string()) for name in names])
    tmp = path.with_name(f".{path.name}.tmp")
    sink: Any = pa.OSFile(str(tmp), "wb")
    if compression is not None:
        sink = pa.CompressedOutputStream(sink, compression)
    writer: Any = None
    count = 0
    try:
        if fmt == "parquet":
            writer = pq.ParquetWriter(sink, schema, compression="zstd")
        elif fmt == "csv":
            writer = pcsv.CSVWriter(sink, schema)
        block: list[Any] = []

        def flush() -> None:
            if fmt == "jsonl":
                sink.write("".join(block).encode("utf-8"))
            else:
                columns = {name: [r[name] for r in block] for name in names}
                writer.write_table(pa.table(columns, schema=schema))
            block.clear()

        for row in synth_rows(rows, seed, corrupt_share, profile):
            block.append(row.line + "\n" if fmt == "jsonl" else row.record)
            count += 1
            if len(block) == _FLAT_BLOCK:
                flush()
        if block or (count == 0 and fmt != "jsonl"):
            flush()
    finally:
        if writer is not None:
            writer.close()
        sink.close()
    tmp.replace(path)
    return count

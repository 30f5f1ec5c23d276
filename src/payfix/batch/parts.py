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

from payfix.batch.table import output_schema
from payfix.errors import ConservationError, ReplayRefusedError

__all__ = ["MANIFEST", "UNMAPPED_COLUMNS", "Unmapped", "check_writable", "clear_refused",
           "count_unmapped", "finish", "iter_parts", "part_name", "read_manifest", "read_part",
           "rejects_name", "unmapped_codes", "unmapped_list", "write_atomic"]

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


def check_writable(path: Path, *, directory: bool, what: str) -> None:
    """Refuse (``ValueError``) a ``path`` this run could not write, before anything is written:
    ``directory``: it is a directory, or can be made in its nearest existing ancestor; else it is
    not a directory and its nearest existing ancestor is a writable directory. Nothing is left
    behind (the probe file is removed)."""
    import tempfile

    if path.exists() and path.is_dir() != directory:
        kind = "is not a directory" if directory else "is a directory"
        raise ReplayRefusedError("not_dir" if directory else "is_dir",
                                 f"cannot write {what} {path}: it {kind}", path=str(path))
    base = path if directory and path.is_dir() else path.parent
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise ReplayRefusedError("base_not_dir", f"cannot write {what} {path}: {base} is not a "
                                 "directory", path=str(path), base=str(base))
    try:
        with tempfile.TemporaryFile(dir=base):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise ReplayRefusedError("unwritable", f"cannot write {what} {path}: {reason}",
                                 path=str(path), reason=reason) from None


def clear_refused(out: Path, existed: bool) -> None:
    """Take back what a refused run wrote in ``out`` (absent or empty before it): remove ``out``,
    or empty it again, so a corrected rerun can use it."""
    import shutil

    if not existed:
        shutil.rmtree(out, ignore_errors=True)
        return
    for child in out.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


#: The output columns the unmapped-code count reads.
UNMAPPED_COLUMNS = ("code_family", "code_field", "code", "code_known")
#: Rows per (code family, field, code) without a map entry, as :func:`count_unmapped` adds them up.
Unmapped = dict[tuple[str, str, str], int]


def unmapped_codes(out: Path) -> list[dict[str, Any]]:
    """Every (code family, code field, code) of the committed output that the pack has no map
    entry for, with the rows it came in: ``[{scheme, field, code, rows}, ...]``, most rows first
    (then by scheme, field and code). Codes are as the output holds them (masked); streamed one
    part at a time.

    Example:
        >>> import tempfile
        >>> unmapped_codes(Path(tempfile.mkdtemp()))
        []
    """
    counts: Unmapped = {}
    for table in iter_parts(out, list(UNMAPPED_COLUMNS)):
        count_unmapped(table, counts)
    return unmapped_list(counts)


def count_unmapped(table: Any, counts: Unmapped) -> None:
    """Add the rows of one output table (with :data:`UNMAPPED_COLUMNS`) whose code has no map
    entry to ``counts``."""
    import pyarrow.compute as pc

    unknown = table.filter(pc.and_(pc.invert(table.column("code_known")),
                                   pc.is_valid(table.column("code"))))
    if not unknown.num_rows:
        return
    grouped = unknown.group_by(["code_family", "code_field", "code"]).aggregate(
        [("code_known", "count")])
    for scheme, field, code, rows in zip(*(grouped.column(name).to_pylist() for name in (
            "code_family", "code_field", "code", "code_known_count")), strict=True):
        key = (scheme or "", field or "", code)
        counts[key] = counts.get(key, 0) + rows


def unmapped_list(counts: Unmapped) -> list[dict[str, Any]]:
    """``counts`` as :func:`unmapped_codes` lists them: most rows first, then by name."""
    return [{"scheme": scheme or None, "field": field or None, "code": code, "rows": rows}
            for (scheme, field, code), rows in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def finish(out: Path, rejects: Path, committed: dict[int, dict[str, Any]], chunks: int,
           rows_in: int) -> tuple[int, int, list[dict[str, Any]]]:
    """Assemble the rejects file, check conservation against the files on disk and write
    ``_summary.json``; returns rows out, rows rejected and :func:`unmapped_codes`.

    Raises:
        ConservationError: a committed part holds other rows than its manifest line says, or
            rows in != rows out + rows rejected.
    """
    if sorted(committed) != list(range(chunks)):
        raise ConservationError(f"committed chunks {sorted(committed)} are not 0..{chunks - 1}")
    rows_out = 0
    for chunk in range(chunks):
        entry = committed[chunk]
        written = count_rows(out / entry["part"])
        if written != entry["rows_out"]:
            raise ConservationError(f"{entry['part']} holds {written} rows, manifest says "
                                    f"{entry['rows_out']}")
        rows_out += written
    rows_rejected = 0
    tmp = rejects.with_name(f".{rejects.name}.tmp")
    rejects.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("wb") as target:
        for chunk in range(chunks):
            entry = committed[chunk]
            with (out / entry["rejects"]).open("rb") as source:
                lines = source.read()
            count = lines.count(b"\n")
            if count != entry["rows_rejected"]:
                raise ConservationError(f"{entry['rejects']} holds {count} rows, manifest says "
                                        f"{entry['rows_rejected']}")
            rows_rejected += count
            target.write(lines)
        target.flush()
        os.fsync(target.fileno())
    os.replace(tmp, rejects)
    if rows_in != rows_out + rows_rejected:
        raise ConservationError(f"{rows_in} rows in, {rows_out} out + {rows_rejected} rejected")
    unmapped = unmapped_codes(out)
    write_atomic(out / "_summary.json", json.dumps(
        {"rows_in": rows_in, "rows_out": rows_out, "rows_rejected": rows_rejected, "chunks": chunks,
         "unmapped_codes": unmapped}, ensure_ascii=False) + "\n")
    return rows_out, rows_rejected, unmapped

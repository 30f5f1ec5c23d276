"""Reading replay inputs as Arrow tables, in chunks: JSON Lines, CSV and Parquet, gzip or zstd.

Every input is a sequence of *records* numbered from 1: a non-blank line of JSON Lines, a data
record of CSV (header excluded, blank lines skipped), a row of Parquet. :func:`read_chunks` cuts
an input into :class:`Chunk` s of ``chunk_rows`` consecutive records; a chunk never spans two
inputs. JSON Lines records become a ``report`` column (raw bytes, parsed by the worker); CSV and
Parquet keep their columns (CSV: every column as text, empty means absent). A CSV record the
reader cannot split (wrong number of fields) is not in the table but in ``Chunk.bad``, with its
record number and a ``csv_invalid`` problem, so no record is ever lost.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "in.csv").write_text("attempt_id,attempt_kind\\na1,purchase\\na2\\na3,top_up\\n")
    >>> [(c.first_record, c.records, [b[0] for b in c.bad]) for c in read_chunks(tmp / "in.csv", 2)]
    [(1, [1], [2]), (3, [3], [])]
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from payfix.batch.decode import _problems, _text_columns
from payfix.errors import ReplayRefusedError

__all__ = ["FORMATS", "MAX_LINE_BYTES", "Chunk", "input_format", "read_chunks"]

#: Input formats by file suffix (before any ``.gz`` / ``.zst`` compression suffix).
FORMATS: dict[str, str] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet",
                           ".pq": "parquet"}
_COMPRESSION = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd"}
_BLOCK_BYTES = 1 << 22
_CSV_BLOCK_BYTES = 1 << 22
#: Longest JSON Lines line read: a longer line is a reject (``line_too_long``), skipped to its end
#: without being held in memory.
MAX_LINE_BYTES = 1 << 20
# compressed input is decompressed in pieces this large, so a stream cut off or corrupt part-way
# gives up everything before the damage
_PIECE_BYTES = 1 << 16


@dataclass(frozen=True, slots=True)
class Chunk:
    """Consecutive records ``first_record .. first_record + rows - 1`` of one input.

    ``table`` holds the records the format reader could split, ``records`` their record numbers
    (ascending) and ``lines`` their line numbers (JSON Lines only, else ``None``); ``bad`` the
    others as ``(record, problems JSON text)``. ``fraction`` is how far through the input the
    reader was after this chunk (0..1, for progress).
    """

    first_record: int
    table: Any
    records: list[int]
    lines: list[int] | None
    bad: list[tuple[int, str]]
    fraction: float

    @property
    def rows(self) -> int:
        """Records in the chunk."""
        return len(self.records) + len(self.bad)


@dataclass(slots=True)
class _Segment:
    table: Any
    records: list[int]
    lines: list[int] | None
    bad: list[tuple[int, str]]
    fraction: float


def input_format(path: Path) -> tuple[str, str | None]:
    """``(format, compression)`` of ``path`` from its suffixes, e.g. ``("csv", "zstd")``.

    Raises:
        ValueError: the suffix names no supported format, or a compressed Parquet file (Parquet
            compresses inside the file).

    Example:
        >>> input_format(Path("day.jsonl.gz")), input_format(Path("day.parquet"))
        (('jsonl', 'gzip'), ('parquet', None))
    """
    suffixes = [s.lower() for s in path.suffixes]
    compression = _COMPRESSION.get(suffixes[-1]) if suffixes else None
    if compression is not None:
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise ReplayRefusedError("unsupported", f"{path}: unsupported input; use .jsonl, .csv or "
                                 ".parquet (.jsonl and .csv may end in .gz or .zst)", path=str(path))
    if fmt == "parquet" and compression is not None:
        raise ReplayRefusedError("parquet_compressed", f"{path}: a Parquet file is compressed "
                                 f"inside; drop the {path.suffix} suffix", path=str(path),
                                 suffix=path.suffix)
    return fmt, compression


class _Raw:
    """A file opened through Arrow, decompressed when ``compression`` is set; ``tell()`` is the
    position in the file on disk (for progress)."""

    def __init__(self, path: Path, compression: str | None) -> None:
        import pyarrow as pa

        self.raw = pa.OSFile(str(path), "rb")
        self.size: int = max(int(self.raw.size()), 1)
        self.stream: Any = self.raw
        self.compressed = compression is not None
        self.error: str | None = None
        if compression is not None:
            self.stream = pa.CompressedInputStream(self.raw, compression)

    def fraction(self) -> float:
        return min(float(self.raw.tell()) / self.size, 1.0)

    # The file-object interface, for ``pyarrow.PythonFile``.
    closed = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes. A stream that is cut off or corrupt ends at the last complete line
        before the damage; ``error`` then says what was wrong (later reads give nothing)."""
        import pyarrow as pa

        if self.error is not None:
            return b""
        size = _BLOCK_BYTES if size is None or size < 0 else size
        parts: list[bytes] = []
        got = 0
        try:
            while got < size:
                piece = self.stream.read(min(_PIECE_BYTES, size - got) if self.compressed else size - got)
                if not piece:
                    break
                parts.append(piece)
                got += len(piece)
        except (OSError, pa.ArrowException) as error:
            data = b"".join(parts)
            self.error = str(error) or type(error).__name__
            return data[:data.rfind(b"\n") + 1]
        return b"".join(parts)

    def close(self) -> None:
        self.stream.close()
        if not self.raw.closed:
            self.raw.close()


def _jsonl(path: Path, compression: str | None) -> Iterator[_Segment]:
    import pyarrow as pa

    source = _Raw(path, compression)
    try:
        record = lineno = 0
        tail = b""
        skipping = False  # inside a line longer than MAX_LINE_BYTES: drop bytes up to its end
        while True:
            block = source.read(_BLOCK_BYTES)
            bad: list[tuple[int, str]] = []
            if skipping and block:
                end = block.find(b"\n")
                if end < 0:
                    continue
                block, skipping = block[end + 1:], False
                lineno += 1
                record += 1
                bad.append((record, _too_long(lineno)))
            data = tail + block if tail else block
            if not block:
                pieces, tail = ([data] if data else []), b""
            else:
                pieces = data.split(b"\n")
                tail = pieces.pop()
                if len(tail) > MAX_LINE_BYTES:
                    tail, skipping = b"", True
            reports: list[bytes] = []
            records: list[int] = []
            lines: list[int] = []
            for raw in pieces:
                lineno += 1
                if not raw.strip():
                    continue
                record += 1
                if len(raw) > MAX_LINE_BYTES:
                    bad.append((record, _too_long(lineno)))
                    continue
                reports.append(raw)
                records.append(record)
                lines.append(lineno)
            done = not block
            if done and (skipping or source.error is not None):
                record += 1
                bad.append((record, _truncated(source.error) if source.error is not None
                            else _too_long(lineno + 1)))
            if reports or bad:
                table = pa.table({"report": pa.array(reports, pa.binary())})
                yield _Segment(table, records, lines, bad, source.fraction())
            if done:
                return
    finally:
        source.close()


def _too_long(line: int) -> str:
    mib = MAX_LINE_BYTES >> 20  # a count of bytes would read as a phone number, and be masked
    return _problems("line_too_long", f"line {line}: line is longer than {mib} MiB "
                     "(MAX_LINE_BYTES); it is skipped unread", line=line, limit=mib)


def _truncated(error: str) -> str:
    return _problems("input_truncated", f"the input cannot be read past this point ({error}): it "
                     "is cut off or corrupt; the rest of it is lost")


def _csv(path: Path, compression: str | None) -> Iterator[_Segment]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        probe = _Raw(path, compression)
        try:
            names = pcsv.open_csv(pa.PythonFile(probe, mode="r"), parse_options=pcsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=lambda row: "skip")).schema.names
        finally:
            probe.close()
    except (pa.ArrowInvalid, StopIteration) as error:
        raise ReplayRefusedError("not_csv", f"{path}: not a readable CSV file: {error}",
                                 path=str(path), detail=str(error)) from None
    bad: list[tuple[int | None, str]] = []

    def invalid(row: Any) -> str:
        problems = _problems("csv_invalid", f"CSV record has {row.actual_columns} fields, the header "
                             f"has {row.expected_columns}", fields=row.actual_columns,
                             expected=row.expected_columns)
        bad.append((None if row.number is None else row.number - 1, problems))
        return "skip"

    source = _Raw(path, compression)
    try:
        reader = pcsv.open_csv(
            pa.PythonFile(source, mode="r"),
            read_options=pcsv.ReadOptions(use_threads=False, block_size=_CSV_BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid),
            convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.binary()),
                                                strings_can_be_null=True, quoted_strings_can_be_null=True))
        last = 0  # the last record number given out
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                batch = None
            except pa.ArrowInvalid as error:
                raise ReplayRefusedError("csv_after", f"{path}: CSV cannot be read after record "
                                         f"{last}: {error}", path=str(path), record=last,
                                         detail=str(error)) from None
            # The reader reads ahead, so ``bad`` may already hold records of later blocks; their
            # numbers are absolute (header = 1), so each goes where it was in the file.
            pending = sorted((n, p) for n, p in bad if n is not None and n > last)
            unplaced = [p for n, p in bad if n is None or n <= last]
            bad.clear()
            records: list[int] = []
            here: list[tuple[int, str]] = []
            k = 0
            for _ in range(0 if batch is None else batch.num_rows):
                while k < len(pending) and pending[k][0] == last + 1:
                    last += 1
                    here.append((last, pending[k][1]))
                    k += 1
                last += 1
                records.append(last)
            if batch is None:  # what is left follows the last record
                unplaced = [p for _, p in pending[k:]] + unplaced
            else:
                bad.extend(pending[k:])
            for problems in unplaced:  # position unknown: after the records placed so far
                last += 1
                here.append((last, problems))
            if batch is None and source.error is not None:
                last += 1
                here.append((last, _truncated(source.error)))
            if records or here:
                table = pa.table({n: pa.array([], pa.string()) for n in names}) if batch is None \
                    else _text_columns(pa.Table.from_batches([batch]), records, here)
                yield _Segment(table, records, None, sorted(here), source.fraction())
            if batch is None:
                return
    finally:
        source.close()


def _parquet(path: Path, block_rows: int) -> Iterator[_Segment]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # pre_buffer=False: with pre-buffering the reader keeps every row group it read until the
        # file is closed, so memory would grow with the input size
        handle = pq.ParquetFile(str(path), pre_buffer=False)
    except (pa.ArrowInvalid, OSError) as error:
        raise ReplayRefusedError("not_parquet", f"{path}: not a readable Parquet file: {error}",
                                 path=str(path), detail=str(error)) from None
    total = max(handle.metadata.num_rows, 1)
    record = 0
    try:
        for batch in handle.iter_batches(batch_size=block_rows, use_threads=False):
            records = list(range(record + 1, record + batch.num_rows + 1))
            record += batch.num_rows
            bad: list[tuple[int, str]] = []
            table = _text_columns(pa.Table.from_batches([batch]), records, bad, binary=False)
            yield _Segment(table, records, None, bad, record / total)
    finally:
        handle.close()


def read_chunks(path: Path, chunk_rows: int) -> Iterator[Chunk]:
    """The records of ``path`` in chunks of ``chunk_rows`` (the last one may be shorter).

    Raises:
        ValueError: the format is not supported or the file cannot be read as that format.
    """
    import pyarrow as pa

    path = Path(path)
    fmt, compression = input_format(path)
    if fmt == "jsonl":
        segments = _jsonl(path, compression)
    elif fmt == "csv":
        segments = _csv(path, compression)
    else:
        segments = _parquet(path, chunk_rows)
    start = 1
    tables: list[Any] = []
    records: list[int] = []
    lines: list[int] = []
    bad: list[tuple[int, str]] = []
    fraction = 0.0
    has_lines = fmt == "jsonl"

    def emit() -> Chunk:
        table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        return Chunk(start, table, list(records), list(lines) if has_lines else None, list(bad), fraction)

    for seg in segments:
        fraction = seg.fraction
        i = 0
        k = 0
        while True:
            end = start + chunk_rows
            j = bisect.bisect_left(seg.records, end, lo=i)
            m = k
            while m < len(seg.bad) and seg.bad[m][0] < end:
                m += 1
            if j > i or not tables:
                tables.append(seg.table.slice(i, j - i))
            records.extend(seg.records[i:j])
            if seg.lines is not None:
                lines.extend(seg.lines[i:j])
            bad.extend(seg.bad[k:m])
            moved = j > i or m > k
            i, k = j, m
            if len(records) + len(bad) == chunk_rows:
                yield emit()
                start = end
                tables, records, lines, bad = [], [], [], []
            elif i == len(seg.records) and k == len(seg.bad):
                break
            elif not moved:  # records are consecutive by construction; never drop any silently
                raise RuntimeError(f"{path}: records out of order after record {start}")
    if records or bad:
        yield emit()

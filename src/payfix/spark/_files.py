"""Read JSON Lines inputs into a DataFrame numbered exactly as ``payfix replay`` numbers them.

``payfix replay`` skips blank lines and numbers every other line 1, 2, ... across the inputs in the
order given; a reject names its ``source`` (the path as given), its ``record`` (non-blank lines
counted from 1 in that input) and ``line`` (blank lines counted).
Spark reads each input as its own text DataFrame; their union keeps the inputs' partitions in input
order, and a file's partitions are in offset order. One counting job records, per partition, its
input, its lines and its non-blank lines; the numbering pass then gives each partition its first
row, record and line number and checks that it holds what was counted (``ConservationError`` otherwise).

Lines are split the way Hadoop splits text: at ``\\n``, ``\\r\\n`` and a lone ``\\r`` (``payfix
replay`` splits at ``\\n`` only and keeps a ``\\r`` in the line; JSON Lines written by payfix and
most tools have no lone ``\\r``). gzip inputs (``.gz``) are read whole by one task each.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from payfix.spark._frames import map_in_arrow, partition_id

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["read_jsonl"]

#: The characters Python's ``bytes.strip()`` removes: a line of only these is blank.
_BLANK = " \t\n\r\x0b\x0c"
_SCHEMA = "row bigint, source string, record bigint, line bigint, report binary"


def _nonblank(values: Any) -> Any:
    import pyarrow.compute as pc

    # byte-wise, like bytes.strip(): a line that is not UTF-8 must not stop the job
    return pc.greater(pc.binary_length(pc.ascii_trim(values, characters=_BLANK)), 0)


def _count(batches: Iterable[Any]) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    inputs: set[int] = set()
    lines = rows = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        inputs.update(pc.unique(batch.column(0)).to_pylist())
        lines += batch.num_rows
        rows += pc.sum(_nonblank(batch.column(1)).cast(pa.int64())).as_py() or 0
    if len(inputs) > 1:
        raise RuntimeError(f"partition {partition_id()} mixes inputs {sorted(inputs)}")
    yield pa.RecordBatch.from_pydict({
        "partition": pa.array([partition_id()], pa.int64()),
        "input": pa.array([inputs.pop() if inputs else -1], pa.int64()),
        "lines": pa.array([lines], pa.int64()), "rows": pa.array([rows], pa.int64())})


def _number(batches: Iterable[Any], *, starts: Mapping[int, tuple[int, int, int, int, int]],
            sources: Sequence[str]) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    from payfix.batch.replay import ConservationError

    part = partition_id()
    if part not in starts:
        raise ConservationError(f"partition {part} was not counted before it was numbered")
    line, row, record, lines, rows = starts[part]
    seen_lines = seen_rows = 0
    for batch in batches:
        count = batch.num_rows
        if count == 0:
            continue
        inputs = batch.column(0)
        keep = _nonblank(batch.column(1))
        numbers = pa.array(range(line + seen_lines + 1, line + seen_lines + count + 1), pa.int64())
        seen_lines += count
        report = pc.filter(batch.column(1), keep)
        taken = len(report)
        out = pa.RecordBatch.from_arrays([
            pa.array(range(row + seen_rows + 1, row + seen_rows + taken + 1), pa.int64()),
            pa.array([sources[i] for i in pc.filter(inputs, keep).to_pylist()], pa.string()),
            pa.array(range(record + seen_rows + 1, record + seen_rows + taken + 1), pa.int64()),
            pc.filter(numbers, keep), report.cast(pa.binary())],
            names=["row", "source", "record", "line", "report"])
        seen_rows += taken
        yield out
    if (seen_lines, seen_rows) != (lines, rows):
        raise ConservationError(f"partition {part} holds {seen_lines} lines ({seen_rows} rows), "
                                f"{lines} ({rows}) were counted: an input changed during the job")


def read_jsonl_counted(spark: SparkSession, paths: Sequence[str | Path]) -> tuple[DataFrame, int]:
    """:func:`read_jsonl` and the number of rows (non-blank lines) it holds, known from the count."""
    from pyspark.sql import functions

    if not paths:
        raise ValueError("no input paths")
    sources = [str(p) for p in paths]
    frames = [spark.read.text(source).select(functions.lit(index).cast("bigint").alias("input"), "value")
              for index, source in enumerate(sources)]
    raw = functools.reduce(lambda a, b: a.union(b), frames)
    counted = map_in_arrow(raw, _count, "partition bigint, input bigint, lines bigint, rows bigint")
    starts: dict[int, tuple[int, int, int, int, int]] = {}
    row = 0
    line_in: dict[int, int] = {}
    record_in: dict[int, int] = {}
    for item in sorted(counted.toArrow().to_pylist(), key=lambda r: int(r["partition"])):
        source, lines, rows = int(item["input"]), int(item["lines"]), int(item["rows"])
        line, record = line_in.get(source, 0), record_in.get(source, 0)
        starts[int(item["partition"])] = (line, row, record, lines, rows)
        line_in[source], record_in[source] = line + lines, record + rows
        row += rows
    func = functools.partial(_number, starts=starts, sources=sources)
    return map_in_arrow(raw, func, _SCHEMA), row


def read_jsonl(spark: SparkSession, paths: Sequence[str | Path]) -> DataFrame:
    """JSON Lines files (``.gz``: gzip) as ``row, source, record, line, report``, one row per
    non-blank line.

    ``report`` is the line's bytes (without its line end), so a line that is not UTF-8 becomes a
    ``json_invalid`` reject, as in the replay. ``row`` counts non-blank lines from 1 across
    ``paths`` in the order given, ``source`` is the path as given, ``record`` the non-blank line's
    number in its file and ``line`` its line number (blank lines counted): the numbering of
    ``payfix replay``. Paths are read by Spark (``s3://``, ``hdfs://``, ``file:`` or local paths
    that every executor can reach); each must be one file. Runs one counting job now.

    Example:
        >>> frame = read_jsonl(spark, ["day1.jsonl.gz", "day2.jsonl.gz"])  # doctest: +SKIP
        >>> frame.columns  # doctest: +SKIP
        ['row', 'source', 'record', 'line', 'report']
    """
    return read_jsonl_counted(spark, paths)[0]

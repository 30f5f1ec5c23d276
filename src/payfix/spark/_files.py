"""Read JSON Lines inputs into a DataFrame numbered exactly as ``payfix replay`` numbers them.

``payfix replay`` skips blank lines and numbers every other line 1, 2, ... across the inputs in the
order given; a reject names its ``source`` (the path as given), its ``record`` (non-blank lines
counted from 1 in that input) and ``line`` (blank lines counted).

Spark reads each input as its own text DataFrame; their union keeps the inputs' partitions in input
order, and a file's partitions are in offset order. One counting job (in the JVM, no Python)
records, per partition, its input, its lines and its non-blank lines; the numbering pass then
gives each partition its first row, record and line number and checks that the partition holds
what was counted (``ConservationError`` otherwise).

Lines are split the way Hadoop splits text: at ``\\n``, ``\\r\\n`` and a lone ``\\r`` (``payfix
replay`` splits at ``\\n`` only and keeps a ``\\r`` in the line; JSON Lines written by payfix and
most tools have no lone ``\\r``). gzip inputs (``.gz``) are read whole by one task each.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from payfix.rules.pack import RulePack
from payfix.spark._frames import Diagnosed, diagnose_prepared, map_in_arrow, partition_id
from payfix.spark._pack import ShippedPack

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from payfix.batch.table import RowReader
    from payfix.models.diagnosis import Audience

__all__ = ["diagnose_jsonl", "read_jsonl"]

#: The characters Python's ``bytes.strip()`` removes: a line of only these is blank.
_BLANK = " \t\n\r\x0b\x0c"
_SCHEMA = "row bigint, source string, record bigint, line bigint, report binary"


def _nonblank(values: Any) -> Any:
    import pyarrow.compute as pc

    # byte-wise, like bytes.strip(): a line that is not UTF-8 must not stop the job
    return pc.greater(pc.binary_length(pc.ascii_trim(values, characters=_BLANK)), 0)


def _number(batches: Iterable[Any], *, starts: Mapping[int, tuple[int, int, int, int, int]],
            sources: Sequence[str]) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    from payfix.batch.replay import ConservationError

    part = partition_id()
    line, row, record, lines, rows = starts.get(part, (0, 0, 0, 0, 0))  # uncounted: must be empty
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


def _one_file_each(sources: Sequence[str], frames: Sequence[DataFrame]) -> None:
    """Refuse a glob or a directory: its files would be read in Spark's order, not by name."""
    for source, frame in zip(sources, frames, strict=True):
        files = frame.inputFiles()
        if len(files) != 1:
            raise ValueError(f"{source}: each input must be one file, this names {len(files)}; "
                             "list the files in the order to number them")


def _counted(spark: SparkSession, paths: Sequence[str | Path]) -> tuple[DataFrame, Any, int]:
    """The raw union of the inputs, its numbering batch function and its rows, from one count job.

    The count runs in the JVM (no Python): per partition, its input, lines and non-blank lines.
    """
    from pyspark.sql import functions

    if not paths:
        raise ValueError("no input paths")
    sources = [str(p) for p in paths]
    frames = [spark.read.text(source).select(functions.lit(index).cast("bigint").alias("input"), "value")
              for index, source in enumerate(sources)]
    _one_file_each(sources, frames)
    raw = functools.reduce(lambda a, b: a.union(b), frames)
    nonblank = functions.length(functions.btrim("value", functions.lit(_BLANK))) > 0
    counted = raw.groupBy(functions.spark_partition_id().alias("partition")).agg(
        functions.min("input").alias("input"), functions.max("input").alias("input_max"),
        functions.count(functions.lit(1)).alias("lines"),
        functions.sum(functions.when(nonblank, 1).otherwise(0)).alias("rows"))
    starts: dict[int, tuple[int, int, int, int, int]] = {}
    row = 0
    line_in: dict[int, int] = {}
    record_in: dict[int, int] = {}
    for item in sorted(counted.collect(), key=lambda r: int(r["partition"])):
        if item["input"] != item["input_max"]:
            raise RuntimeError(f"partition {item['partition']} mixes inputs: cannot number its lines")
        source, lines, rows = int(item["input"]), int(item["lines"]), int(item["rows"])
        line, record = line_in.get(source, 0), record_in.get(source, 0)
        starts[int(item["partition"])] = (line, row, record, lines, rows)
        line_in[source], record_in[source] = line + lines, record + rows
        row += rows
    return raw, functools.partial(_number, starts=starts, sources=sources), row


def read_jsonl_counted(spark: SparkSession, paths: Sequence[str | Path]) -> tuple[DataFrame, int]:
    """:func:`read_jsonl` and the number of rows (non-blank lines) it holds, known from the count."""
    raw, numbering, rows = _counted(spark, paths)
    return map_in_arrow(raw, numbering, _SCHEMA), rows


def diagnose_jsonl(spark: SparkSession, paths: Sequence[str | Path],
                   pack: ShippedPack | RulePack | str | Path | None = None, *, engine: str = "compiled",
                   audience: Audience = "agent", persist: bool = False,
                   reader: RowReader | None = None,
                   locale: str | None = None) -> tuple[Diagnosed, int]:
    """``diagnose_dataframe(read_jsonl(spark, paths), pack, ...)`` in one Python pass, and the
    number of rows read: numbering and diagnosis run in the same worker, one Arrow round trip.

    Example:
        >>> from payfix.spark import ShippedPack, diagnose_jsonl
        >>> pack = ShippedPack.load()  # the bundled pack, or an overlay directory on the driver
        >>> diagnosed, rows = diagnose_jsonl(spark, ["in.jsonl.gz"], pack)  # doctest: +SKIP
    """
    raw, numbering, rows = _counted(spark, paths)
    numbered = map_in_arrow(raw, numbering, _SCHEMA)
    diagnosed = diagnose_prepared(numbered, pack, engine=engine, audience=audience, persist=persist,
                                  before=(raw, numbering), reader=reader, locale=locale)
    return diagnosed, rows


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
        >>> from payfix.spark import read_jsonl
        >>> frame = read_jsonl(spark, ["day1.jsonl.gz", "day2.jsonl.gz"])  # doctest: +SKIP
        >>> frame.columns  # doctest: +SKIP
        ['row', 'source', 'record', 'line', 'report']
    """
    return read_jsonl_counted(spark, paths)[0]

"""Parquet inputs of flat columns (or a ``report`` column), numbered as ``payfix replay`` numbers them.

Every row of a Parquet input is a record, numbered from 1 in its file; ``row`` counts records across
the inputs in the order given. As for JSON Lines, each input is its own DataFrame and their union
keeps input order; one counting job in the JVM gives each partition its first row and record, and
the numbering pass checks the partition holds what was counted. Rejects carry ``source`` and
``record`` (``line`` is null), like the replay's.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from payfix.rules.pack import RulePack
from payfix.spark._files import _one_file_each
from payfix.spark._frames import Diagnosed, diagnose_prepared, map_in_arrow, partition_id
from payfix.spark._pack import ShippedPack

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from payfix.batch.table import RowReader
    from payfix.models.diagnosis import Audience

__all__ = ["diagnose_parquet"]

_INPUT = "_payfix_input"
_ADDED = ("row", "source", "record", "line")


def _number(batches: Iterable[Any], *, starts: Mapping[int, tuple[int, int, int]],
            sources: Sequence[str]) -> Iterator[Any]:
    import pyarrow as pa

    from payfix.batch.replay import ConservationError

    part = partition_id()
    row, record, rows = starts.get(part, (0, 0, 0))  # uncounted: must be empty
    seen = 0
    for batch in batches:
        count = batch.num_rows
        if count == 0:
            continue
        index = batch.schema.get_field_index(_INPUT)
        inputs = batch.column(index).to_pylist()
        added = [pa.array(range(row + seen + 1, row + seen + count + 1), pa.int64()),
                 pa.array([sources[i] for i in inputs], pa.string()),
                 pa.array(range(record + seen + 1, record + seen + count + 1), pa.int64()),
                 pa.nulls(count, pa.int64())]
        rest = [i for i in range(batch.num_columns) if i != index]
        yield pa.RecordBatch.from_arrays([*added, *(batch.column(i) for i in rest)],
                                         names=[*_ADDED, *(batch.schema.names[i] for i in rest)])
        seen += count
    if seen != rows:
        raise ConservationError(f"partition {part} holds {seen} rows, {rows} were counted: "
                                "an input changed during the job")


def diagnose_parquet(spark: SparkSession, paths: Sequence[str | Path],
                     pack: ShippedPack | RulePack | str | Path | None = None, *, engine: str = "compiled",
                     audience: Audience = "agent", persist: bool = False,
                     reader: RowReader | None = None,
                     locale: str | None = None) -> tuple[Diagnosed, int]:
    """Diagnose Parquet files of flat columns (or a ``report`` column) numbered as ``payfix
    replay`` numbers them, in one Python pass; returns the diagnosis and the rows read.

    Raises:
        ValueError: an input is not one file, or has a column named ``row``, ``source``,
            ``record`` or ``line``.

    Example:
        >>> from payfix.spark import diagnose_parquet
        >>> diagnosed, rows = diagnose_parquet(spark, ["day1.parquet"])  # doctest: +SKIP
    """
    from pyspark.sql import functions
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    if not paths:
        raise ValueError("no input paths")
    sources = [str(p) for p in paths]
    frames = [spark.read.parquet(source).withColumn(_INPUT, functions.lit(index).cast("bigint"))
              for index, source in enumerate(sources)]
    _one_file_each(sources, frames)
    for shown, frame in zip(sources, frames, strict=True):
        clash = [name for name in frame.columns if name in _ADDED]
        if clash:
            raise ValueError(f"{shown}: columns {', '.join(clash)} are reserved for the row numbering")
    raw = functools.reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)
    counted = raw.groupBy(functions.spark_partition_id().alias("partition")).agg(
        functions.min(_INPUT).alias("input"), functions.max(_INPUT).alias("input_max"),
        functions.count(functions.lit(1)).alias("rows"))
    starts: dict[int, tuple[int, int, int]] = {}
    row = 0
    record_in: dict[int, int] = {}
    for item in sorted(counted.collect(), key=lambda r: int(r["partition"])):
        if item["input"] != item["input_max"]:
            raise RuntimeError(f"partition {item['partition']} mixes inputs: cannot number its rows")
        source, rows = int(item["input"]), int(item["rows"])
        record = record_in.get(source, 0)
        starts[int(item["partition"])] = (row, record, rows)
        record_in[source] = record + rows
        row += rows
    numbering = functools.partial(_number, starts=starts, sources=sources)
    schema = StructType([StructField("row", LongType()), StructField("source", StringType()),
                         StructField("record", LongType()), StructField("line", LongType()),
                         *(field for field in raw.schema.fields if field.name != _INPUT)])
    numbered = map_in_arrow(raw, numbering, schema)
    diagnosed = diagnose_prepared(numbered, pack, engine=engine, audience=audience, persist=persist,
                                  before=(raw, numbering), reader=reader, locale=locale)
    return diagnosed, row

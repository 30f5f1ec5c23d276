"""Diagnose a Spark DataFrame of reports with Arrow batch functions (``mapInArrow``).

One pass over the input: each Python worker builds its Diagnoser once (see
:class:`~payfix.spark.ShippedPack`) and hands whole Arrow batches to
:func:`payfix.batch.table.diagnose_table`, the function ``payfix replay`` uses, so a row gives the
same result row on Spark as on one machine. The pass yields one combined frame (result columns
plus ``problems``, null for valid rows) that is split into results and rejects.

Row numbers: a ``row`` column of the input is carried to the output as it is. Without one, rows are
numbered 1, 2, ... in partition order, from a cheap counting job run first in the JVM (partition
id to row count); the diagnosis pass checks that every partition still holds the counted rows and fails
otherwise, so the numbering is deterministic or the job stops. Partition order is input order for
a frame read from files without a shuffle, e.g. :func:`~payfix.spark.read_jsonl`.
``monotonically_increasing_id`` and ``zipWithIndex`` are not used: the first is not consecutive and
neither is carried by a DataFrame re-read from its source.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from payfix.rules.pack import RulePack
from payfix.spark._pack import ShippedPack

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from payfix.batch.table import RowReader
    from payfix.models.diagnosis import Audience

__all__ = ["Diagnosed", "diagnose_dataframe"]

#: Input columns copied into each reject row when the input has them (``read_jsonl`` gives all).
DEFAULT_KEEP: tuple[str, ...] = ("source", "record", "line")


@dataclass(frozen=True)
class Diagnosed:
    """What :func:`diagnose_dataframe` returns; unpacks as ``results, rejects = ...``.

    ``results`` has the columns of ``payfix replay`` (:data:`payfix.batch.table.OUTPUT_COLUMNS`),
    one row per valid input row; ``rejects`` has ``row``, ``attempt_id``, the kept input columns
    and ``problems`` (JSON text of ``[{type, loc, msg}]``). Both are lazy views of ``combined``,
    which is persisted when ``persist=True`` was asked for (then writing both diagnoses once).

    Example:
        >>> import dataclasses
        >>> [field.name for field in dataclasses.fields(Diagnosed)]
        ['results', 'rejects', 'combined']
        >>> results, rejects = diagnose_dataframe(spark.read.text("in.jsonl")  # doctest: +SKIP
        ...                                       .withColumnRenamed("value", "report"))
    """

    results: DataFrame
    rejects: DataFrame
    combined: DataFrame

    def __iter__(self) -> Iterator[DataFrame]:
        yield self.results
        yield self.rejects

    def unpersist(self) -> None:
        """Release the persisted combined frame (a no-op when it was not persisted)."""
        self.combined.unpersist()


def require_pandas() -> None:
    """Fail early and clearly where PySpark's ``mapInArrow`` would refuse to run.

    PySpark checks for pandas before any ``mapInArrow`` although payfix never uses pandas.

    Raises:
        ImportError: pandas is not installed on the driver.
    """
    if importlib.util.find_spec("pandas") is None:
        raise ImportError("payfix.spark needs pandas >= 2.2 on the driver: PySpark checks for it "
                          "before running mapInArrow (payfix never uses it); install pyspark[sql]")


@contextlib.contextmanager
def _quiet_pandas() -> Iterator[None]:
    """Silence PySpark's warning about the pandas version: the Arrow path never uses pandas."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                                category=FutureWarning)
        yield


def map_in_arrow(df: DataFrame, func: Callable[[Iterator[Any]], Iterator[Any]], schema: Any) -> DataFrame:
    """``df.mapInArrow(func, schema)`` without PySpark's warning about pandas, which it never uses."""
    require_pandas()
    with _quiet_pandas():
        return df.mapInArrow(func, schema)


def partition_id() -> int:
    """The Spark partition this Python worker is processing."""
    from pyspark import TaskContext

    context = TaskContext.get()
    if context is None:
        raise RuntimeError("not running inside a Spark task")
    return int(context.partitionId())


def partition_offsets(df: DataFrame) -> dict[int, tuple[int, int]]:
    """For each non-empty partition: (rows before it, its rows), counted in partition order by one
    job in the JVM (no Python)."""
    from pyspark.sql import functions

    counted = df.groupBy(functions.spark_partition_id().alias("partition")).count()
    offsets: dict[int, tuple[int, int]] = {}
    total = 0
    for item in sorted(counted.collect(), key=lambda r: int(r["partition"])):
        offsets[int(item["partition"])] = (total, int(item["count"]))
        total += int(item["count"])
    return offsets


def _combined_arrow_schema(keep_fields: Sequence[Any]) -> Any:
    import pyarrow as pa

    from payfix.batch.table import output_schema

    return pa.schema([*output_schema(), pa.field("problems", pa.string()), *keep_fields])


def _diagnose_partition(batches: Iterable[Any], *, shipped: ShippedPack, engine: str,
                        audience: Audience, inputs: tuple[str, ...], row: str | None,
                        keep: tuple[str, ...],
                        offsets: Mapping[int, tuple[int, int]] | None,
                        reader: RowReader | None = None,
                        locale: str | None = None) -> Iterator[Any]:
    """The batch function run on the executors: one combined output batch per input batch."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from payfix.batch.replay import ConservationError
    from payfix.batch.table import diagnose_table

    diagnoser = shipped.diagnoser(engine, audience)
    part = partition_id()
    next_row: int | None = None
    counted = (0, 0)  # a partition the count did not see must be empty
    if offsets is not None:
        counted = offsets.get(part, counted)
        next_row = counted[0] + 1
    seen = 0
    schema = None
    for batch in batches:
        count = batch.num_rows
        seen += count
        if count == 0:
            continue
        if next_row is not None:
            numbers = pa.array(range(next_row, next_row + count), pa.int64())
            next_row += count
        else:
            numbers = batch.column(batch.schema.get_field_index(row)).cast(pa.int64())
        arrays = [batch.column(batch.schema.get_field_index(c)) for c in inputs]
        if inputs == ("report",) and pa.types.is_string(arrays[0].type):
            arrays = [arrays[0].cast(pa.binary())]  # undecodable text becomes a reject, not a crash
        source = pa.RecordBatch.from_arrays(arrays, names=list(inputs))
        results, rejects = diagnose_table(diagnoser, source, 1, reader, locale)
        if results.num_rows + rejects.num_rows != count:
            raise ConservationError(f"partition {part}: {count} rows in, {results.num_rows} out, "
                                    f"{rejects.num_rows} rejected")
        kept = [batch.column(batch.schema.get_field_index(c)) for c in keep]
        if schema is None:
            schema = _combined_arrow_schema([batch.schema.field(c) for c in keep])
        pieces, positions = [], []
        for table, valid in ((results, True), (rejects, False)):
            index = pc.subtract(table.column("row"), 1)
            positions.append(index)
            columns: dict[str, Any] = {}
            for field in schema:
                name = field.name
                if name == "row":
                    columns[name] = pc.take(numbers, index)
                elif name in keep:
                    columns[name] = pc.take(kept[keep.index(name)], index)
                elif name in table.column_names and (valid or name in ("attempt_id", "problems")):
                    columns[name] = table.column(name)
                else:
                    columns[name] = pa.nulls(table.num_rows, field.type)
                columns[name] = columns[name].cast(field.type)
            pieces.append(pa.table(columns, schema=schema))
        combined = pa.concat_tables(pieces)
        order = pc.sort_indices(pa.chunked_array([c for p in positions for c in p.chunks], pa.int64()))
        yield from combined.take(order).to_batches()  # input order
    if offsets is not None and seen != counted[1]:
        raise ConservationError(f"partition {part} holds {seen} rows, {counted[1]} were counted: "
                                "the input changed or is not deterministic")


def diagnose_dataframe(df: DataFrame, pack: ShippedPack | RulePack | str | Path | None = None,
                       columns: Mapping[str, str] | None = None, *, engine: str = "compiled",
                       audience: Audience = "agent", row: str = "row",
                       keep: Sequence[str] | None = None, persist: bool = False,
                       reader: RowReader | None = None, locale: str | None = None) -> Diagnosed:
    """Diagnose every row of ``df`` on the executors; same result rows as ``payfix replay``.

    Args:
        df: a ``report`` column of JSON text (nested reports; other columns are then ignored), or
            flat columns (:data:`payfix.batch.columns.FLAT_COLUMNS`; any other column that has a
            value rejects its row, as in ``payfix replay``). The row and kept columns are not
            report columns.
        pack: the rule pack: a :class:`ShippedPack`, a loaded pack, an overlay directory on the
            driver, or ``None`` for the bundled pack. It is loaded and checked here, on the driver,
            and travels inside the job; executors read no rule files.
        columns: renames applied first, input column -> expected name (e.g. ``{"json": "report"}``).
        engine: rule engine on the executors (``compiled`` by default, like ``payfix replay``).
        audience: ``agent`` (default, like ``payfix replay``) or ``customer``.
        row: name of an integer row-number column to carry through. When ``df`` has no such column
            rows are numbered from 1 in partition order (see the module docs).
        keep: input columns copied into each reject row (default: ``source``, ``record`` and
            ``line`` where present).
        persist: persist the combined frame, so writing both results and rejects diagnoses once
            (release it with :meth:`Diagnosed.unpersist`).
        reader: rows that are not payfix reports: a ``report`` column of a processor's objects
            (``RowReader(source=...)``) or the frame's own columns through a column map
            (``RowReader(column_map=...)``), as ``payfix replay --from`` / ``--column-map``.
        locale: write the rejects' messages in this language (the pack's ``problem`` texts),
            as ``payfix replay --locale``; ``None``: as found, English.

    Raises:
        ValueError: ``df`` has neither a ``report`` column nor any flat column, or a kept column is
            missing.
        RulePackError: the pack has problems.

    Example:
        >>> from payfix.spark import diagnose_dataframe, read_jsonl
        >>> results, rejects = diagnose_dataframe(read_jsonl(spark, ["in.jsonl"]))  # doctest: +SKIP
        >>> results.write.parquet("out")  # doctest: +SKIP
    """
    if columns:
        df = df.withColumnsRenamed(dict(columns))
    return diagnose_prepared(df, pack, engine=engine, audience=audience, row=row, keep=keep,
                             persist=persist, reader=reader, locale=locale)


def _chained(batches: Iterable[Any], *, first: Callable[[Iterable[Any]], Iterator[Any]],
             then: Callable[[Iterable[Any]], Iterator[Any]]) -> Iterator[Any]:
    return then(first(batches))


def diagnose_prepared(df: DataFrame, pack: ShippedPack | RulePack | str | Path | None, *, engine: str,
                      audience: Audience, row: str = "row", keep: Sequence[str] | None = None,
                      persist: bool = False,
                      before: tuple[DataFrame, Callable[[Iterable[Any]], Iterator[Any]]] | None = None,
                      reader: RowReader | None = None, locale: str | None = None) -> Diagnosed:
    """:func:`diagnose_dataframe` after renaming. With ``before=(raw, func)``, ``df`` only gives the
    schema: the pass runs on ``raw`` with ``func`` applied to its batches first, in the same Python
    worker (``df`` must be ``raw.mapInArrow(func, ...)``), saving one Arrow round trip."""
    from pyspark.sql.types import StringType, StructField, StructType

    with _quiet_pandas():
        from pyspark.sql.pandas.types import from_arrow_schema

    from payfix.batch.columns import FLAT_COLUMNS
    from payfix.batch.table import OUTPUT_COLUMNS, output_schema

    shipped = pack if isinstance(pack, ShippedPack) else ShippedPack.load(pack)
    names = list(df.columns)
    kept = tuple(k for k in DEFAULT_KEEP if k in names) if keep is None else tuple(keep)
    missing = [k for k in kept if k not in names]
    if missing:
        raise ValueError(f"keep names columns the DataFrame does not have: {', '.join(missing)}")
    clash = [k for k in kept if k in OUTPUT_COLUMNS or k == "problems"]
    if clash:
        raise ValueError(f"kept columns must not be named like output columns: {', '.join(clash)}")
    has_row = row in names
    if reader is not None and reader.column_map is not None:
        inputs: tuple[str, ...] = tuple(n for n in names if n not in kept
                                        and not (has_row and n == row))
    elif "report" in names:
        inputs = ("report",)
    else:
        # every other column is a flat column: one that is not in FLAT_COLUMNS and has a value
        # rejects its row (extra_forbidden), as in payfix replay
        inputs = tuple(n for n in names if n not in kept and not (has_row and n == row))
        if not any(n in FLAT_COLUMNS for n in inputs):
            raise ValueError("the DataFrame has neither a 'report' column nor any flat column "
                             "(FLAT_COLUMNS in payfix.batch.columns); rename with columns=")
    if before is not None and not has_row:
        raise ValueError(f"a prepared frame must have its {row!r} column")
    selected = list(dict.fromkeys([*inputs, *kept, *([row] if has_row else [])]))
    frame = df.select(*selected)
    offsets = None if has_row else partition_offsets(frame)
    spark_schema = StructType([*from_arrow_schema(output_schema()).fields,
                               StructField("problems", StringType()),
                               *(frame.schema[k] for k in kept)])
    func = functools.partial(_diagnose_partition, shipped=shipped, engine=engine, audience=audience,
                             inputs=inputs, row=row if has_row else None, keep=kept, offsets=offsets,
                             reader=reader, locale=locale)
    if before is None:
        combined = map_in_arrow(frame, func, spark_schema)
    else:
        combined = map_in_arrow(before[0], functools.partial(_chained, first=before[1], then=func),
                                spark_schema)
    if persist:
        from pyspark import StorageLevel

        combined = combined.persist(StorageLevel.MEMORY_AND_DISK)
    results = combined.where(combined["problems"].isNull()).select(*OUTPUT_COLUMNS)
    rejects = combined.where(combined["problems"].isNotNull()).select("row", "attempt_id", *kept, "problems")
    return Diagnosed(results, rejects, combined)

"""Tables of reports in, tables of diagnoses out: :func:`diagnose_table`.

This is the one place where a batch of rows becomes diagnoses; ``payfix replay`` workers and the
Spark adapter both call :func:`diagnose_table`, so every batch path gives the same rows.
:data:`OUTPUT_COLUMNS` / :func:`output_schema` are the columns of every result row,
:data:`REJECT_COLUMNS` / :func:`reject_schema` those of a rejected one. Pure: no files, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from payfix.batch.columns import _flat_reports, mask_id
from payfix.batch.decode import (
    _decodable,
    _load_json,
    _safe_text,
    _texts,
)
from payfix.diagnosis.problemtext import localised
from payfix.errors import InvalidReportError, Problem
from payfix.inputs.adapters import adapted_report
from payfix.inputs.columnmap import ColumnMap
from payfix.inputs.intake import parse_report
from payfix.masking import mask_text

if TYPE_CHECKING:
    from payfix.diagnosis.diagnoser import Diagnoser

__all__ = ["OUTPUT_COLUMNS", "REJECT_COLUMNS", "RowReader", "diagnose_table", "output_schema",
           "reject_schema"]


@dataclass(frozen=True, slots=True)
class RowReader:
    """How rows that are not payfix reports are read: ``source``, a processor's object per
    JSON row (:func:`payfix.inputs.adapters.adapt`, completed by ``context``), or
    ``column_map``, a file's own columns (:class:`payfix.inputs.columnmap.ColumnMap`)."""

    source: str | None = None
    context: Mapping[str, Any] | None = None
    column_map: ColumnMap | None = None


#: Columns of every result row, in order (see ``docs/batch.md``).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "row",
    "attempt_id",
    "top_remedy",
    "remedies",
    "failure_reason",
    "retry_verdict",
    "escalate",
    "escalation_codes",
    "fee_total",
    "pack_hash",
    "engine",
    "kind",
    "method",
    "currency",
    "amount",
    "code_family",
    "code",
    "code_field",
    "code_known",
    "retry_after_action",
    "at",
    "country",
    "app_version",
    "fee_assumed",
)


#: Columns of the rejects table of :func:`diagnose_table`.
REJECT_COLUMNS: tuple[str, ...] = ("row", "attempt_id", "problems")


def output_schema() -> Any:
    """The ``pyarrow.Schema`` of result rows (:data:`OUTPUT_COLUMNS`).

    Example:
        >>> tuple(output_schema().names) == OUTPUT_COLUMNS
        True
    """
    import pyarrow as pa

    return pa.schema([
        ("row", pa.int64()),
        ("attempt_id", pa.string()),
        ("top_remedy", pa.string()),
        ("remedies", pa.list_(pa.string())),
        ("failure_reason", pa.string()),
        ("retry_verdict", pa.string()),
        ("escalate", pa.bool_()),
        ("escalation_codes", pa.list_(pa.string())),
        ("fee_total", pa.string()),
        ("pack_hash", pa.string()),
        ("engine", pa.string()),
        ("kind", pa.string()),
        ("method", pa.string()),
        ("currency", pa.string()),
        ("amount", pa.string()),
        ("code_family", pa.string()),
        ("code", pa.string()),
        ("code_field", pa.string()),
        ("code_known", pa.bool_()),
        ("retry_after_action", pa.string()),
        ("at", pa.string()),
        ("country", pa.string()),
        ("app_version", pa.string()),
        ("fee_assumed", pa.bool_()),
    ])


def reject_schema() -> Any:
    """The ``pyarrow.Schema`` of the rejects table (:data:`REJECT_COLUMNS`).

    Example:
        >>> reject_schema().names
        ['row', 'attempt_id', 'problems']
    """
    import pyarrow as pa

    return pa.schema([("row", pa.int64()), ("attempt_id", pa.string()), ("problems", pa.string())])


def _problems_json(problems: list[dict[str, Any]]) -> str:
    return _safe_text(json.dumps(problems, ensure_ascii=False))


def _short(problem: Problem) -> dict[str, Any]:
    """``{type, loc, msg}`` of ``problem`` (its ``Problem.to_dict()`` without position or input)."""
    out = Problem(problem.type, problem.loc, problem.msg).to_dict()
    return {key: out[key] for key in ("type", "loc", "msg")}


def _one(kind: str, msg: str, loc: tuple[str | int, ...] = ()) -> list[dict[str, Any]]:
    return [_short(Problem(kind, loc, msg))]


def _mapped_reports(cmap: ColumnMap, table: Any) -> tuple[list[Any], list[Any]]:
    """Each row of ``table`` through the column map: a report mapping, or its problems; and
    each row's attempt id as written (the column mapped to ``attempt.id``, for rejects)."""
    out: list[Any] = []
    id_column = next((column for column, rule in cmap.rules if rule.to == "attempt.id"), None)
    rows = table.to_pylist()
    ids = [None if id_column is None else row.get(id_column) for row in rows]
    for row in rows:
        bad = []
        for column, value in row.items():
            if isinstance(value, bytes):
                try:
                    row[column] = value.decode("utf-8")
                except UnicodeDecodeError:
                    bad.append(Problem("string_unicode", (column,), "not UTF-8 text"))
        if bad:
            out.append(bad)
            continue
        try:
            out.append(cmap.report(row))
        except InvalidReportError as error:
            out.append(list(error.problems))
    return out, [value if isinstance(value, str) else None for value in ids]


def _nested_id(data: Any) -> Any:
    if isinstance(data, dict):
        attempt = data.get("attempt")
        if isinstance(attempt, dict):
            return attempt.get("id")
    return None


def diagnose_table(diagnoser: Diagnoser, table: Any, first_row: int,
                   reader: RowReader | None = None, locale: str | None = None, *,
                   columnar: bool = True) -> tuple[Any, Any]:
    """Diagnose every row of an Arrow ``table`` (``pyarrow.Table`` or ``RecordBatch``).

    The input is nested or flat: with a ``report`` column, each row's report is that column's
    JSON text (other columns are ignored); otherwise the columns are flat columns
    (:data:`FLAT_COLUMNS`, any other column with a value rejects its row). With a ``reader``,
    a ``report`` column holds a processor's object (``reader.source``), or the columns are the
    file's own, read through ``reader.column_map``. Rows are numbered ``first_row``,
    ``first_row + 1``, ... in table order.

    Returns ``(results, rejects)``: ``results`` has exactly :func:`output_schema`, one row per
    valid input row in row order; ``rejects`` has :func:`reject_schema`, one row per invalid row:
    its number, its attempt id when readable (masked by :func:`mask_id`), and ``problems``, JSON
    text of a list of ``{type, loc, msg}`` (no input values echoed; each ``msg`` in ``locale``, from
    the pack's ``problem`` texts, or as found without one). A row whose diagnosis fails
    unexpectedly is a reject of type ``diagnosis_failed``. Every row is in exactly one of them.
    Pure: no files, no clock; the same rows and diagnoser always give equal tables.

    Flat rows are diagnosed by the columnar path (:mod:`payfix.batch.columnar`), which takes
    each distinct part of a row once and sends the rows it does not cover through the per-row
    path; ``columnar=False`` diagnoses every row by itself. Both give equal tables.

    Example:
        >>> import pyarrow as pa
        >>> from payfix.diagnosis.diagnoser import Diagnoser
        >>> d = Diagnoser(engine="compiled", audience="agent")
        >>> flat = pa.table({"attempt_id": ["a1", "a2"], "attempt_at": ["2026-03-01T10:00:00Z"] * 2,
        ...                  "attempt_kind": ["purchase", "lunch"], "attempt_amount": ["25.00", "1"],
        ...                  "attempt_currency": ["EUR", "EUR"], "method_type": ["wallet_balance"] * 2,
        ...                  "device_online": ["false", None]})
        >>> results, rejects = diagnose_table(d, flat, first_row=101)
        >>> results.column("row").to_pylist(), results.column("top_remedy").to_pylist()
        ([101], ['network.reconnect'])
        >>> rejects.column("row").to_pylist(), json.loads(rejects.column("problems")[0].as_py())[0]["loc"]
        ([102], ['attempt', 'kind'])
    """
    names = list(table.schema.names)
    if columnar and reader is None and "report" not in names:
        from payfix.batch.columnar import diagnose_flat

        return diagnose_flat(diagnoser, table, first_row,
                             lambda part, rows: _per_row(diagnoser, part, rows, None, locale),
                             output_schema())
    return _per_row(diagnoser, table, list(range(first_row, first_row + table.num_rows)), reader,
                    locale)


def _per_row(diagnoser: Diagnoser, table: Any, numbers: list[int], reader: RowReader | None,
             locale: str | None) -> tuple[Any, Any]:
    """:func:`diagnose_table`, each row by itself, its rows numbered ``numbers``."""
    import pyarrow as pa

    names = list(table.schema.names)
    nested = "report" in names
    source = reader.source if reader is not None else None
    mapped = reader.column_map if reader is not None else None
    if mapped is not None:
        nested = False
        columns = list(_mapped_reports(mapped, table))
    elif nested:
        columns = [_decodable(table.column(names.index("report")))[0].to_pylist()]
        names = ["report"]
    else:
        flat = _flat_reports(table)
        columns = [flat, _texts(table.column("attempt_id")) if "attempt_id" in names
                   else [None] * table.num_rows]
    done: list[tuple[Any, ...]] = []  # one tuple per result row, in OUTPUT_COLUMNS order
    rej_rows: list[int] = []
    rej_ids: list[str | None] = []
    rej_problems: list[str] = []
    pack_hash = diagnoser.pack.hash
    for row, values in zip(numbers, zip(*columns, strict=True), strict=True):
        raw_id: Any = None
        problems: list[dict[str, Any]]
        try:
            if nested:
                data = _load_json(values[0])
                raw_id = _nested_id(data)
                if source is not None:
                    data = adapted_report(data, source, context=reader.context if reader else None)
                    raw_id = data.attempt.id
            else:
                data, raw_id = values
                if isinstance(data, list):
                    raise InvalidReportError("report is invalid", data)
            parsed = parse_report(data)
            outline = diagnoser.outline(parsed)
        except InvalidReportError as error:
            problems = [_short(p) for p in localised(error.problems, diagnoser.pack, locale)]
        except Exception as error:  # one bad row must not stop the batch; it is a reject
            problems = _one("diagnosis_failed", mask_text(f"{type(error).__name__}: {error}"[:500]))
        else:
            attempt = parsed.attempt
            remedies = outline.remedies
            done.append((
                row, mask_id(outline.attempt_id), remedies[0] if remedies else None, remedies,
                outline.reason, outline.retry, outline.escalate, outline.escalation_codes,
                None if outline.fee is None else str(outline.fee), pack_hash, outline.engine,
                attempt.kind, attempt.method.type, attempt.amount.currency,
                str(attempt.amount.value), outline.scheme, outline.code, outline.field,
                outline.known, outline.after_action, attempt.at.isoformat(),
                parsed.account.country if parsed.account is not None else None,
                parsed.device.app_version if parsed.device is not None else None,
                # priced by a schedule as though no free allowance had been used yet
                outline.fee is not None and attempt.fee_usage is None))
            continue
        rej_rows.append(row)
        masked = mask_id(raw_id)
        rej_ids.append(None if masked is None else _safe_text(masked))
        rej_problems.append(_problems_json(problems))
    schema = output_schema()
    if done:
        results = pa.table(dict(zip(OUTPUT_COLUMNS, zip(*done, strict=True), strict=True)), schema=schema)
    else:
        results = schema.empty_table()
    rejects = pa.table({"row": rej_rows, "attempt_id": rej_ids, "problems": rej_problems},
                       schema=reject_schema())
    return results, rejects

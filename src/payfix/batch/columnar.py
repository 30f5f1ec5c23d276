"""The columnar replay: flat rows diagnosed a batch at a time, each distinct part of a row once.

A flat row is taken apart (:mod:`payfix.batch.rowparts`): the parts that decide separately (the
attempt, its flags, the method, the card, the processor's answer, the network, the device's place,
the app, the account, the payee, the metadata) are each validated and turned into facts once per
distinct value, by the report model and :func:`~payfix.diagnosis.facts.derive_facts` themselves;
the columns that differ from row to row (id, time, amounts, latency, clock skew, packet loss, card
expiry and last four digits) are checked by patterns stricter than the report model and turned
into facts column by column (:mod:`payfix.batch.rowfigures`). The rules run on the table of facts
(:class:`~payfix.engines.columnar.ColumnarEngine`); ranking, escalation and retry advice are
worked out once per distinct combination of what retry advice reads and which rules fire
(``Diagnoser._outline_of``), and remembered by the diagnoser across batches.

A row this path does not cover goes through the per-row path: a value in a column read row by row
(history, earlier amounts, remedies tried, fee schedules and allowances, conversions, limits), an
unknown column, a value the patterns cannot prove valid, an invalid part, an attempt a fee
schedule prices. So the result is the per-row path's, row for row and byte for byte
(``tests/test_columnar_replay.py``). Pure: no files, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from payfix._memo import remember
from payfix.batch.rowfigures import Figures, attempt_ids, covered_rows, row_figures
from payfix.batch.rowparts import (
    _FINE_FACTS,
    FACETS,
    FINE_COLUMNS,
    MEMO_SIZE,
    Part,
    decides,
    dense,
    memo_of,
    retry_reads,
    row_parts,
)
from payfix.engines.columnar import ColumnarEngine, column_type
from payfix.vocab import FACTS

if TYPE_CHECKING:
    from payfix.diagnosis.diagnoser import Diagnoser

__all__ = ["diagnose_flat"]

PerRow = Callable[[Any, list[int]], tuple[Any, Any]]


def _engine(diagnoser: Diagnoser) -> ColumnarEngine:
    """The diagnoser's pack over tables of facts, made once and kept with its memos."""
    memo = memo_of(diagnoser, "engine")
    if "engine" not in memo:
        memo["engine"] = ColumnarEngine(diagnoser.pack)
    engine: ColumnarEngine = memo["engine"]
    return engine


def _facts_table(parts: dict[str, tuple[Any, list[Any]]], fine: Figures) -> Any:
    """The fact sets of the kept rows as a table (:func:`~payfix.engines.columnar.facts_table`'s
    columns): each part's facts taken by the row's part, the row-to-row facts as computed."""
    import pyarrow as pa

    owner = {name: facet for facet, (_, names) in FACETS.items() for name in names}
    n = len(fine.keep)
    columns = {}
    for name in FACTS:
        kind = column_type(name)
        if name in _FINE_FACTS:
            columns[name] = fine.facts[name].cast(kind)
        elif name in owner:
            ids, made = parts[owner[name]]
            values = pa.array([None if part is None else part.facts.get(name) for part in made], kind)
            columns[name] = values.take(pa.array(ids))
        else:
            columns[name] = pa.nulls(n, kind)
    return pa.table(columns)


def _combos(asked: Any, columns: list[Any]) -> tuple[Any, list[int], Any]:
    """Each row's number among the distinct combinations of ``asked`` (an id per row) and the
    boolean ``columns`` (which conditions hold), the first row of each combination, and each
    row's conditions packed into bytes (a NumPy array, a row per row)."""
    import numpy as np

    n = len(asked)
    bits = (np.packbits(np.column_stack([_numpy(column) for column in columns]), axis=1)
            if columns else np.zeros((n, 0), np.uint8))
    ids = np.ascontiguousarray(_numpy(asked).astype("<i8")).view(np.uint8).reshape(n, 8)
    key = np.ascontiguousarray(np.concatenate([ids, bits], axis=1))
    _, first, inverse = np.unique(key.view(np.dtype((np.void, key.shape[1]))).ravel(),
                                  return_index=True, return_inverse=True)
    return inverse.ravel(), [int(i) for i in first], bits


def _numpy(array: Any) -> Any:
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        return array.to_numpy()
    return array.to_numpy(zero_copy_only=False)


def _asked_report(processor: Part, attempt: Part, flags: Part) -> Any:
    """The processor part's report (its answer, on its day) with the attempt part's method and
    the flags part's initiator, outcome and funds: what retry advice reads, all of it validated
    already by the parts' own reports."""
    theirs, method, flagged = processor.parsed, attempt.parsed.attempt, flags.parsed.attempt
    return theirs.model_copy(update={"attempt": theirs.attempt.model_copy(update={
        "method": method.method, "initiator": flagged.initiator, "outcome": flagged.outcome,
        "funds_debited": flagged.funds_debited, "payer_present": flagged.payer_present})})


def _outlines(diagnoser: Diagnoser, parts: dict[str, tuple[Any, list[Any]]],
              rules: list[tuple[str, ...]], bits: Any, firsts: list[int]) -> list[Any]:
    """One :class:`~payfix.diagnosis.outline.Outline` per combination of what retry advice reads
    and which conditions hold (``bits``: packed, a row per row; ``rules``: the rules each
    condition fires), from its first row (``firsts``); remembered by the diagnoser."""
    import numpy as np

    from payfix.knowledge.retry import retry_fields

    (a_ids, a_made), (f_ids, f_made) = parts["attempt"], parts["flags"]
    p_ids, p_made = parts["processor"]
    retries, outlines = memo_of(diagnoser, "retries"), memo_of(diagnoser, "outlines")
    out = []
    for row in firsts:
        attempt, flags = a_made[a_ids[row]], f_made[f_ids[row]]
        processor = p_made[p_ids[row]]
        asked = (retry_reads(attempt, flags), decides(processor))
        held = bits[row].tobytes()
        outline = outlines.get((asked, held))
        if outline is None:
            retry = retries.get(asked)
            if retry is None:  # the processor part's report with what retry reads of the attempt
                retry = retry_fields(_asked_report(processor, attempt, flags), diagnoser.pack,
                                     processor.found, diagnoser.as_of)
                remember(retries, asked, retry, MEMO_SIZE)
            holding = np.flatnonzero(np.unpackbits(bits[row])[:len(rules)])
            fired = frozenset(rule_id for j in holding for rule_id in rules[j])
            # it reads the failure facts (the processor part's) and the retry advice, no more
            outline = diagnoser._outline_of(attempt.parsed, None, processor.found, processor.facts,
                                            fired, retry=retry)
            remember(outlines, (asked, held), outline, MEMO_SIZE)
        out.append(outline)
    return out


def _results(diagnoser: Diagnoser, sub: Any, rows: list[int], parts: dict[str, tuple[Any, list[Any]]],
             fine: Figures, schema: Any) -> Any:
    """The result rows of the kept rows (:func:`~payfix.batch.table.output_schema`)."""
    import pyarrow as pa

    facts = _facts_table(parts, fine)
    fired = _engine(diagnoser).fired_columns(facts)
    conditions: dict[int, tuple[Any, list[str]]] = {}  # a condition's column and the rules it fires
    for rule_id, column in fired.items():
        conditions.setdefault(id(column), (column, []))[1].append(rule_id)
    distinct = [column for column, _ in conditions.values()]
    a_ids, a_made = parts["attempt"]
    kinds: dict[Any, int] = {}
    method = pa.array([kinds.setdefault(None if part is None else part.parsed.attempt.method.type,
                                        len(kinds)) for part in a_made], pa.int64()).take(pa.array(a_ids))
    p_ids, p_made = parts["processor"]
    answers: dict[tuple[Any, ...], int] = {}
    answer = pa.array([answers.setdefault(decides(part), len(answers)) for part in p_made],
                      pa.int64()).take(pa.array(p_ids))
    asked, _ = dense([method, pa.array(parts["flags"][0]), answer])
    signature, firsts, bits = _combos(asked, distinct)
    outlines = _outlines(diagnoser, parts, [tuple(ids) for _, ids in conditions.values()], bits,
                         firsts)
    combo = pa.array(signature)

    def per_combo(values: list[Any], kind: Any) -> Any:
        return pa.array(values, kind).take(combo)

    def per_part(facet: str, read: Callable[[Any], Any]) -> Any:
        ids, made = parts[facet]
        return pa.array([None if part is None else read(part.parsed) for part in made],
                        pa.string()).take(pa.array(ids))

    text, texts = pa.string(), pa.list_(pa.string())
    n = len(rows)
    columns = {
        "row": pa.array(rows, pa.int64()),
        "attempt_id": pa.array(attempt_ids(sub.column("attempt_id")), text),
        "top_remedy": per_combo([o.remedies[0] if o.remedies else None for o in outlines], text),
        "remedies": per_combo([list(o.remedies) for o in outlines], texts),
        "failure_reason": per_combo([o.reason for o in outlines], text),
        "retry_verdict": per_combo([o.retry for o in outlines], text),
        "escalate": per_combo([o.escalate for o in outlines], pa.bool_()),
        "escalation_codes": per_combo([list(o.escalation_codes) for o in outlines], texts),
        "fee_total": pa.nulls(n, text),
        "pack_hash": pa.array([diagnoser.pack.hash] * n, text),
        "engine": per_combo([o.engine for o in outlines], text),
        "kind": per_part("attempt", lambda r: r.attempt.kind),
        "method": per_part("attempt", lambda r: r.attempt.method.type),
        "currency": per_part("attempt", lambda r: r.attempt.amount.currency),
        "amount": sub.column("attempt_amount"),
        "code_family": per_combo([o.scheme for o in outlines], text),
        "code": per_combo([o.code for o in outlines], text),
        "code_field": per_combo([o.field for o in outlines], text),
        "code_known": per_combo([o.known for o in outlines], pa.bool_()),
        "retry_after_action": per_combo([o.after_action for o in outlines], text),
        "at": fine.at,
        "country": per_part("account", lambda r: r.account.country if r.account else None),
        "app_version": per_part("app", lambda r: r.device.app_version if r.device else None),
        "fee_assumed": pa.array([False] * n, pa.bool_()),
    }
    return pa.table(columns, schema=schema)


def diagnose_flat(diagnoser: Diagnoser, table: Any, first_row: int, per_row: PerRow,
                  schema: Any) -> tuple[Any, Any]:
    """Diagnose a flat table as :func:`~payfix.batch.table.diagnose_table` does: the rows this
    path covers as columns, the others through ``per_row(sub_table, row_numbers)``. Returns
    ``(results, rejects)``, equal to the per-row path's."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = table.num_rows
    valued = table.select([name for name, column in zip(table.schema.names, table.columns, strict=True)
                           if column.null_count < rows])
    for name in set(FINE_COLUMNS) & set(valued.schema.names):  # a CSV's cells are read as bytes
        if pa.types.is_binary(valued.schema.field(name).type):
            try:
                text = valued.column(name).cast(pa.string())
            except pa.ArrowInvalid:  # not UTF-8: the per-row path says where
                return per_row(table, list(range(first_row, first_row + rows)))
            valued = valued.set_column(valued.schema.get_field_index(name), name, text)
    ok = covered_rows(valued) if rows else None
    fast = pc.indices_nonzero(ok) if ok is not None else None
    if fast is None or not len(fast):
        return per_row(table, list(range(first_row, first_row + rows)))
    sub = valued.take(fast)
    parts = row_parts(diagnoser, sub)
    fine = row_figures(diagnoser, sub, parts)
    keep = pa.array(fine.keep, pa.int64())
    kept = fast.take(keep)
    slow = pc.indices_nonzero(pc.invert(pc.is_in(pa.array(range(rows), pa.int64()),
                                                   value_set=kept)))
    slow_results, rejects = per_row(table.take(slow), [first_row + i for i in slow.to_pylist()])
    if not len(fine.keep):
        return slow_results, rejects
    kept_parts = {facet: (ids[fine.keep], made) for facet, (ids, made) in parts.items()}
    results = _results(diagnoser, sub.select(["attempt_id", "attempt_amount"]).take(keep),
                       [first_row + i for i in kept.to_pylist()], kept_parts, fine, schema)
    if slow_results.num_rows:
        merged = pa.concat_tables([results, slow_results])
        results = merged.take(pc.sort_indices(merged.column("row")))
    return results, rejects

"""The columnar replay gives the per-row path's tables, row for row and byte for byte: on the
synthetic mixes (the broad test mix with corrupt rows, and the calibrated profiles), with both
engines, with an as-of day, and on batches whose cells hypothesis rewrites into the forms the
columnar path's patterns must judge right (edge amounts, times, ids, counters, blanks). Its facts
are :func:`derive_facts`'s, and most rows of a realistic mix do take it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")

import pyarrow as pa

from payfix.batch import columnar, rowfigures, rowparts
from payfix.batch.columns import FLAT_COLUMNS, record_to_report
from payfix.batch.synth import FLAT_EXTRA, synth_rows
from payfix.batch.table import _per_row, diagnose_table, output_schema
from payfix.diagnosis.diagnoser import Diagnoser
from payfix.diagnosis.facts import derive_facts
from payfix.engines.base import durable_available
from payfix.inputs.intake import parse_report
from payfix.masking import mask_id
from payfix.vocab import FACTS

NAMES = [*FLAT_COLUMNS, FLAT_EXTRA]
ENGINES = ["compiled", "durable"] if durable_available() else ["compiled"]


def _table(records: list[dict[str, Any]]) -> Any:
    return pa.table({name: [r.get(name) for r in records] for name in NAMES},
                    schema=pa.schema([(name, pa.string()) for name in NAMES]))


def _records(rows: int, seed: int, profile: str | None = None, corrupt: float = 0.0) -> list[dict[str, Any]]:
    return [row.record for row in synth_rows(rows, seed, corrupt, profile)]


def _same(diagnoser: Diagnoser, table: Any, first_row: int = 1) -> tuple[Any, Any]:
    """Both paths on ``table``; asserts equal tables and returns the columnar one."""
    per_row = diagnose_table(diagnoser, table, first_row, columnar=False)
    both = diagnose_table(diagnoser, table, first_row)
    assert both[0].schema == per_row[0].schema
    for name in per_row[0].schema.names:
        assert both[0].column(name).to_pylist() == per_row[0].column(name).to_pylist(), name
    assert both[0].equals(per_row[0])
    assert both[1].equals(per_row[1])
    return both


def _kept(diagnoser: Diagnoser, table: Any) -> int:
    """How many rows of ``table`` the columnar path takes (the rest go row by row)."""
    by_row: list[int] = []

    def count(part: Any, rows: list[int]) -> tuple[Any, Any]:
        by_row.extend(rows)
        return _per_row(diagnoser, part, rows, None, None)

    columnar.diagnose_flat(diagnoser, table, 0, count, output_schema())
    return table.num_rows - len(by_row)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("profile", "corrupt"), [(None, 0.05), ("card-online", 0.0),
                                                  ("wallet-upi", 0.02)])
def test_the_columnar_path_gives_the_per_row_tables_on_every_synthetic_mix(
        engine: str, profile: str | None, corrupt: float) -> None:
    diagnoser = Diagnoser(engine=engine, audience="agent", trace=False)
    table = _table(_records(500, 11, profile, corrupt))
    _same(diagnoser, table, first_row=7)
    _same(diagnoser, table.slice(3, 200), first_row=0)  # warm memos, another batch


@pytest.mark.parametrize("audience", ["agent", "customer"])
def test_the_columnar_path_gives_the_per_row_tables_for_an_audience_and_an_as_of_day(
        audience: str) -> None:
    table = _table(_records(300, 5, "card-online"))
    for as_of in (None, date(2023, 1, 1), date(2026, 11, 1)):
        _same(Diagnoser(engine="compiled", audience=audience, trace=False, as_of=as_of), table)  # type: ignore[arg-type]


def test_most_rows_of_a_realistic_mix_take_the_columnar_path() -> None:
    diagnoser = Diagnoser(engine="compiled", audience="agent", trace=False)
    table = _table(_records(1000, 2, "card-online"))
    assert _kept(diagnoser, table) >= 950  # history rows (about 2%) go row by row


def test_the_columnar_facts_are_the_facts_derive_facts_gives() -> None:
    diagnoser = Diagnoser(engine="compiled", trace=False)
    table = _table(_records(400, 9, None, 0.0))
    covered = rowfigures.covered_rows(table)
    sub = table.filter(covered)
    parts = rowparts.row_parts(diagnoser, sub)
    fine = rowfigures.row_figures(diagnoser, sub, parts)
    kept = {facet: (ids[fine.keep], made) for facet, (ids, made) in parts.items()}
    facts = columnar._facts_table(kept, fine).to_pylist()
    assert len(facts) > 250
    records = sub.take(pa.array(fine.keep)).to_pylist()
    for record, row in zip(records, facts, strict=True):
        parsed = parse_report(record_to_report(record))
        assert {k: v for k, v in row.items() if v is not None} == derive_facts(parsed, diagnoser.pack)


def test_every_flat_column_and_every_fact_has_its_place() -> None:
    placed = [name for columns, _ in rowparts.FACETS.values() for name in columns]
    assert set(placed) | set(rowparts.FINE_COLUMNS) | rowparts.ROW_BY_ROW_COLUMNS == set(FLAT_COLUMNS)
    assert not set(placed) & set(rowparts.FINE_COLUMNS)
    owned = [name for _, facts in rowparts.FACETS.values() for name in facts]
    assert len(owned) == len(set(owned))
    assert set(owned) | rowparts._FINE_FACTS | rowparts._ROW_BY_ROW_FACTS == set(FACTS)


@given(st.from_regex(rowfigures.PLAIN_ID, fullmatch=True).filter(
    lambda text: re.search(rowfigures._CARD_DIGITS, text) is None))
@settings(max_examples=400, deadline=None)
def test_an_id_the_plain_pattern_admits_is_written_as_it_is(text: str) -> None:
    assert mask_id(text) == text


# cell values the columnar path's patterns must judge as the report model does
EDGES: dict[str, list[str | None]] = {
    "attempt_id": ["a", "pay-1", "syn1-00000001", "ab12-123456789", "a1234-12345678", "4111111111111111",
                   "x-4111-1111-1111-1111", "jane@example.com", "ID-7", "a b", " pay_1", "", "é1",
                   "a" * 128, "a" * 129, "abc_2026-03-01", "+4420794609", None],
    "attempt_at": ["2026-03-01T10:00:00Z", "2026-02-29T10:00:00Z", "2024-02-29T23:59:59+14:00",
                   "2026-03-01T10:00:00-00:00", "2026-03-01T10:00:00+23:59", "2026-03-01T24:00:00Z",
                   "2026-03-01T10:00:60Z", "2026-03-01T10:00:00.5Z", "2026-03-01 10:00:00Z",
                   "0999-03-01T10:00:00Z", "2026-03-01T10:00:00", "2025-04-10T23:00:00-02:00",
                   "2025-04-11T00:30:00+01:00", "2026-10-25T00:00:00Z", "2023-10-31T23:59:59Z", ""],
    "attempt_amount": ["0", "0.00", "10", "10.5", "10.50", "1.234", "007", "1e3", "-1", " 5", "5.",
                       ".5", "999999999999999", "9999999999999.99", "1000000000000000", "", None],
    "attempt_currency": ["EUR", "JPY", "KWD", "USD", "eur", "XXX", None],
    "attempt_fee": ["0.30", "1", "0.001", None],
    "balance_available": ["0", "10.00", "9.99", "1.5", "0.001", "abc", None],
    "balance_pending_holds": ["0", "2.00", "100", "1.234", None],
    "device_latency_ms": ["0", "600000", "600001", "0600", "12", "-1", "1.0", None],
    "device_clock_skew_s": ["0", "-0", "-999999999", "1000000000", "-1000000000", "30", "+5", None],
    "device_packet_loss_pct": ["0", "100", "100.00", "100.5", "12.345", "12.5", "0.05", "101", None],
    "card_expiry_month": ["1", "12", "0", "13", "04", " 4", None],
    "card_expiry_year": ["2000", "2100", "2101", "1999", "26", None],
    "card_last4": ["1234", "123", "12345", "abcd", None],
    "method_type": ["wallet_balance", "credit_card", "bank_transfer", "nope", None],
    "attempt_kind": ["purchase", "p2p", "top_up", None],
    "processor_scheme": ["stripe", "iso8583", "adyen", "nobody", None],
    "processor_decline_code": ["insufficient_funds", "do_not_honor", "unknown_x", None],
    "processor_response_code": ["51", "05", "5", "N7", None],
    "processor_stage": ["authorisation", "network", "nonsense", " ", None],
    "processor_message": ["Declined", "x" * 501, None],
    "processor_answered": ["true", "no", None],
    "payee_type": ["merchant", "iban", "phone", None],
    "payee_identifier": ["DE89370400440532013000", "+442079460958", "x", None],
    "device_online": ["true", "false", "yes", "1", " ", "", None],
    "account_country": ["FR", " ", "\u2003", "fr", None],
    "attempt_fee_schedule": ["default", None],
    "history": ['[{"at": "2026-03-01T09:00:00Z", "outcome": "failed"}]', None],
    "metadata": ['{"k": "v"}', "{", None],
    FLAT_EXTRA: ["x", None],
}


@st.composite
def batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    base = _records(25, draw(st.integers(1, 50)), draw(st.sampled_from([None, "card-online"])))
    for record in base:
        for name in draw(st.lists(st.sampled_from(sorted(EDGES)), max_size=4, unique=True)):
            record[name] = draw(st.sampled_from(EDGES[name]))
    return base


@given(batches(), st.booleans())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_rewritten_batches_give_the_per_row_tables(records: list[dict[str, Any]], as_bytes: bool) -> None:
    """As text (Parquet, Spark) or as bytes (how a CSV's cells are read: blank cells are values)."""
    table = _table(records)
    if as_bytes:
        table = table.cast(pa.schema([(name, pa.binary()) for name in table.schema.names]))
    _same(FUZZ, table, first_row=100)


FUZZ = Diagnoser(engine="compiled", audience="agent", trace=False)


def test_memos_cleared_at_every_step_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rowparts, "MEMO_SIZE", 1)
    monkeypatch.setattr(columnar, "MEMO_SIZE", 1)
    diagnoser = Diagnoser(engine="compiled", audience="agent", trace=False)
    records = _records(200, 4, "card-online")
    for start in (0, 50, 120):
        _same(diagnoser, _table(records[start:start + 80]), first_row=start)


def test_a_batch_the_columnar_path_takes_no_row_of_goes_row_by_row() -> None:
    records = _records(30, 8, "card-online")
    for record in records:
        record["conversion_rate"], record["conversion_currency"] = "0.92", "GBP"
    diagnoser = Diagnoser(engine="compiled", audience="agent", trace=False)
    assert _kept(diagnoser, _table(records)) == 0
    _same(diagnoser, _table(records))
    _same(diagnoser, _table(records[:0]))

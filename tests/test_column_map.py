"""Any CSV or Parquet file replays through a column map: each column says which report field it
fills and money and times say their unit, so no column is guessed and no row is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from payfix import InvalidReportError
from payfix.batch.cli import row_reader
from payfix.batch.replay import read_output, replay
from payfix.batch.table import RowReader
from payfix.inputs.columnmap import ColumnMap, load_column_map

LEDGER_MAP = """\
name: ledger
columns:
  txn: attempt.id
  when: {to: attempt.at, time: utc}
  cents: {to: attempt.amount, unit: minor}
  cur: {to: attempt.amount.currency, case: upper}
  funding:
    - {to: attempt.method.type, values: {credit: credit_card, debit: debit_card}}
    - attempt.method.card.funding
  reason: attempt.processor.codes.decline_code
set:
  attempt.kind: purchase
  attempt.processor.scheme: stripe
"""

LEDGER_CSV = """\
txn,when,cents,cur,funding,reason,note
t1,2026-03-01 10:00:00,2500,usd,debit,insufficient_funds,first
t2,2026-03-01 10:05:00,2500,jpy,credit,expired_card,
t3,2026-03-01 10:06:00,25.00,usd,credit,expired_card,cents must be whole
t4,2026-03-01 10:07:00,990,bhd,debit,,
"""


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[Path, ColumnMap]:
    (tmp_path / "ledger.yaml").write_text(LEDGER_MAP, encoding="utf-8")
    (tmp_path / "ledger.csv").write_text(LEDGER_CSV, encoding="utf-8")
    return tmp_path / "ledger.csv", load_column_map(tmp_path / "ledger.yaml")


def test_a_mapped_csv_replays_with_units_applied_and_nothing_lost(
        ledger: tuple[Path, ColumnMap], tmp_path: Path) -> None:
    """Minor units are converted by each row's currency (USD 2500 is 25.00, JPY 2500 is 2500,
    BHD 990 is 0.990); a value the unit refuses rejects its row, named by column; rows in = rows
    out + rows rejected."""
    csv_path, cmap = ledger
    summary = replay([csv_path], tmp_path / "out", tmp_path / "rejects.jsonl", workers=1,
                     reader=RowReader(column_map=cmap))
    assert (summary.rows_in, summary.rows_out, summary.rows_rejected) == (4, 3, 1)
    out = read_output(tmp_path / "out").to_pylist()
    assert [(r["attempt_id"], r["currency"], r["amount"]) for r in out] == [
        ("t1", "USD", "25.00"), ("t2", "JPY", "2500"), ("t4", "BHD", "0.990")]
    assert [r["failure_reason"] for r in out[:2]] == ["insufficient_funds", "expired_card"]
    reject = json.loads((tmp_path / "rejects.jsonl").read_text(encoding="utf-8"))
    assert reject["row"] == 3
    assert reject["problems"][0]["loc"] == ["cents"]


def test_a_money_column_without_a_unit_is_refused() -> None:
    """The map must say major or minor for a money field: the 100x trap cannot be mapped in."""
    with pytest.raises(InvalidReportError) as info:
        ColumnMap.parse({"columns": {"amount": "attempt.amount"}})
    assert info.value.problems[0].type == "unit_missing"


def test_a_map_naming_no_report_field_is_refused() -> None:
    """A typo in a target path is a problem naming the column, not a silently empty field."""
    with pytest.raises(InvalidReportError) as info:
        ColumnMap.parse({"columns": {"amt": {"to": "attempt.amonut", "unit": "major"}}})
    assert info.value.problems[0].loc == ("columns", "amt")


def test_unused_columns_are_listed(ledger: tuple[Path, ColumnMap]) -> None:
    """Columns the map does not read are listed, not rejected row by row."""
    _, cmap = ledger
    assert cmap.unused(["txn", "note", "cents"]) == ["note"]


def test_reader_options_that_do_not_go_together_are_refused(tmp_path: Path) -> None:
    """--from with --column-map, or --context without a processor source, is a clear error."""
    (tmp_path / "m.yaml").write_text(LEDGER_MAP, encoding="utf-8")
    with pytest.raises(InvalidReportError):
        row_reader("stripe", str(tmp_path / "m.yaml"), None)
    with pytest.raises(InvalidReportError):
        row_reader(None, str(tmp_path / "m.yaml"), str(tmp_path / "m.yaml"))


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    """A column map cannot expand aliases (no alias bombs)."""
    (tmp_path / "bomb.yaml").write_text("a: &x [1, 2]\ncolumns: {b: *x}\n", encoding="utf-8")
    with pytest.raises(InvalidReportError) as info:
        load_column_map(tmp_path / "bomb.yaml")
    assert info.value.problems[0].type == "yaml_alias"


def test_a_column_map_s_problems_are_written_in_the_locale_asked_for(
        ledger: tuple[Path, ColumnMap], tmp_path: Path) -> None:
    """A cell the map cannot convert (a reject of the replay) and a map that is not as documented
    are written in zh-CN with --locale; types and places as in English."""
    from payfix.diagnosis.problemtext import localised
    from payfix.rules.bundled import bundled_pack

    csv_path, cmap = ledger
    replay([csv_path], tmp_path / "zh", tmp_path / "zh.jsonl", workers=1,
           reader=RowReader(column_map=cmap), locale="zh-CN")
    reject = json.loads((tmp_path / "zh.jsonl").read_text(encoding="utf-8"))
    assert reject["problems"] == [{"type": "column_value", "loc": ["cents"],
                                   "msg": "应为整数的最小货币单位（25.00 USD 写作 2500）"}]
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  a: {to: attempt.nothing}\n  b: {to: attempt.amount}\n"
                   "  c: {field: attempt.id}\nset: {attempt.nowhere: 1}\n", encoding="utf-8")
    with pytest.raises(InvalidReportError) as caught:
        load_column_map(bad)
    english = caught.value.problems
    chinese = localised(english, bundled_pack(), "zh-CN")
    assert [(p.type, p.loc) for p in chinese] == [(p.type, p.loc) for p in english]
    assert all(c.msg != e.msg for c, e in zip(chinese, english, strict=True)), chinese
    assert "未知的键（不属于列映射的格式）" in {p.msg for p in chinese}

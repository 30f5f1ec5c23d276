"""The Stripe Dashboard's payments export replays with ``--from stripe-export``: no converter,
the decline code read only from the fixed sentences Stripe writes in ``Seller Message``, failed
rows only, and no row lost (``tests/data/exports/README.md`` cites the file's shape)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payfix import Diagnoser, InvalidReportError, parse_report
from payfix.batch.replay import read_output
from payfix.cli import main
from payfix.inputs.columnmap import ColumnMap, load_column_map

EXPORT = Path(__file__).parent / "data" / "exports" / "stripe_unified_payments.csv"
STRIPE_EXPORT = load_column_map("stripe-export")
EXPORT_COLUMNS = EXPORT.read_text(encoding="utf-8").splitlines()[0].split(",")


def _rows() -> list[dict[str, str]]:
    with EXPORT.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_dashboard_export_replays_with_no_converter(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Seven rows as the Dashboard writes them: five failed card payments diagnosed with the code
    Stripe wrote into Seller Message, the Paid row and the row with no funding rejected with their
    reasons; rows in = rows out + rows rejected."""
    out, rejects = tmp_path / "out", tmp_path / "rejects.jsonl"
    code = main(["replay", str(EXPORT), "--from", "stripe-export", "--out", str(out),
                 "--rejects", str(rejects), "--workers", "1", "--engine", "compiled"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "rows in: 7, out: 5, rejected: 2" in printed.out
    assert "40 column(s) not read: Description, Amount Refunded" in printed.err  # said once
    rows = {r["attempt_id"]: r for r in read_output(out).to_pylist()}
    got = {i: (r["currency"], r["amount"], r["code"], r["code_field"], r["code_known"])
           for i, r in rows.items()}
    assert got == {
        "ch_3PzA1b2eZvKYlo2C0expired": ("USD", "25.00", "expired_card", "decline_code", True),
        "ch_3PzA1c2eZvKYlo2C0nsf": ("EUR", "12.50", "insufficient_funds", "decline_code", True),
        "ch_3PzA1d2eZvKYlo2C0radar": ("USD", "480.00", "highest_risk_level", "decline_code",
                                      True),
        "ch_3PzA1e2eZvKYlo2C0generic": ("USD", "60.00", None, None, False),
        "ch_3PzA1g2eZvKYlo2C0cvc": ("JPY", "2500", "incorrect_cvc", "decline_code", True),
    }
    assert rows["ch_3PzA1b2eZvKYlo2C0expired"]["failure_reason"] == "expired_card"
    assert rows["ch_3PzA1c2eZvKYlo2C0nsf"]["failure_reason"] == "insufficient_funds"
    assert rows["ch_3PzA1c2eZvKYlo2C0nsf"]["method"] == "debit_card"
    reasons = {json.loads(line)["attempt_id"]: json.loads(line)["problems"]
               for line in rejects.read_text(encoding="utf-8").splitlines()}
    assert set(reasons) == {"ch_3PzA1f2eZvKYlo2C0paid", "ch_3PzA1h2eZvKYlo2C0unknownfunding"}
    paid = reasons["ch_3PzA1f2eZvKYlo2C0paid"][0]
    assert (paid["type"], paid["loc"]) == ("row_not_selected", ["Status"])
    assert "'Paid'" in paid["msg"]
    assert "'Failed'" in paid["msg"]
    assert reasons["ch_3PzA1h2eZvKYlo2C0unknownfunding"][0]["loc"][:3] == [
        "attempt", "method", "type"]


def test_nothing_personal_in_the_export_reaches_an_output(tmp_path: Path) -> None:
    """Card Name (holding a typed card number), Customer Email and Description are not read, so
    no output or reject line carries them."""
    out, rejects = tmp_path / "out", tmp_path / "rejects.jsonl"
    assert main(["replay", str(EXPORT), "--from", "stripe-export", "--out", str(out),
                 "--rejects", str(rejects), "--workers", "1", "--engine", "compiled"]) == 0
    written = rejects.read_text(encoding="utf-8") + json.dumps(
        read_output(out).to_pylist(), default=str)
    for secret in ("4000 0000 0000 9995", "4000000000009995", "jenny.rosen@example.com",
                   "max.mustermann", "Jenny Rosen", "Order 100"):
        assert secret not in written


def test_the_diagnosis_names_the_column_its_code_came_from() -> None:
    """The agent's trace says the code was read from the export's Seller Message column."""
    cmap = load_column_map("stripe-export")
    report = parse_report(json.dumps(cmap.report(_rows()[0])))
    failure = Diagnoser(engine="compiled").diagnose(report, audience="agent").failure
    assert (failure.code, failure.field, failure.path) == (
        "expired_card", "decline_code", "stripe-export.Seller Message")


@pytest.mark.parametrize(("message", "code"), [
    ("The bank returned the decline code `lost_card`.", "lost_card"),
    ("Stripe blocked this charge as too risky.", "highest_risk_level"),
    ("The bank returned the decline code lost_card.", None),  # not the sentence Stripe writes
    ("The bank returned the decline code ``.", None),
    ("Your card was declined because of lost_card", None),
    ("", None),
])
def test_a_code_is_read_only_from_the_sentence_stripe_writes(message: str,
                                                             code: str | None) -> None:
    """Prose is never parsed for a cause: only the exact sentence around a code, or the exact
    Radar sentence, gives one."""
    row = dict(_rows()[0], **{"Seller Message": message})
    report = load_column_map("stripe-export").report(row)
    assert report["attempt"]["processor"].get("codes", {}).get("decline_code") == code


def test_the_newer_created_header_and_a_rewritten_time() -> None:
    """Newer exports head the time "Created date (UTC)"; a time a spreadsheet rewrote (05/12/2026
    10:00) rejects its row, named by column, instead of being read day-for-month."""
    cmap = load_column_map("stripe-export")
    row = _rows()[0]
    newer = {("Created date (UTC)" if k == "Created (UTC)" else k): v for k, v in row.items()}
    assert cmap.report(newer)["attempt"]["at"] == "2026-03-01T10:00:12Z"
    with pytest.raises(InvalidReportError) as info:
        cmap.report(dict(row, **{"Created (UTC)": "01/03/2026 10:00"}))
    assert info.value.problems[0].loc == ("Created (UTC)",)
    assert "YYYY-MM-DD" in info.value.problems[0].msg


def test_only_and_affixes_are_checked_when_a_map_loads() -> None:
    """``only`` needs at least one value; ``prefix`` cannot be empty."""
    with pytest.raises(InvalidReportError):
        ColumnMap.parse({"columns": {"a": "attempt.id"}, "only": {"Status": []}})
    with pytest.raises(InvalidReportError):
        ColumnMap.parse({"columns": {"a": {"to": "attempt.id", "prefix": ""}}})


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(_rows()[0])), st.text(max_size=60), max_size=12))
def test_any_cell_values_give_a_report_or_a_typed_problem(changes: dict[str, str]) -> None:
    """Whatever a row's cells hold, the export's map gives a report mapping or raises
    InvalidReportError naming a column; never anything else."""
    problems: tuple[Any, ...] = ()
    try:
        report = STRIPE_EXPORT.report(dict(_rows()[0], **changes))
    except InvalidReportError as error:
        problems = tuple(error.problems)
    else:
        assert report["attempt"]["processor"]["origin"] == "stripe-export"
    assert all(len(p.loc) == 1 and p.loc[0] in EXPORT_COLUMNS for p in problems)


@given(st.text(max_size=40))
def test_a_code_is_read_exactly_when_the_sentence_surrounds_it(inner: str) -> None:
    """The Seller Message rule gives the text between Stripe's prefix and suffix, stripped, and
    nothing when that text is blank."""
    message = f"The bank returned the decline code `{inner}`."
    row = dict(_rows()[0], **{"Seller Message": message})
    codes = STRIPE_EXPORT.report(row)["attempt"]["processor"].get("codes", {})
    assert codes.get("decline_code") == (inner.strip() or None)

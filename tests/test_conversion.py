"""Card spending abroad: the merchant's amount is converted into the currency the payer is charged
in, rounded with the schedule's rounding mode, and the fee (a percentage of the converted amount,
plus fixed parts) and the balance are reckoned there; the merchant receives its own amount."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payfix import Diagnoser, InvalidReportError, load_pack, parse_report
from payfix.batch.replay import read_output, replay
from payfix.diagnosis.feefacts import price
from payfix.fees import Usage, quote

DIAGNOSER = Diagnoser(engine="compiled", audience="agent")
PACK = load_pack()
FX = PACK.fees["example.eur_fx_transfer"]  # 3% of the converted amount + EUR 0.50, on top


def _abroad(value: str, currency: str, rate: str, balance: str | None = None,
            **attempt: Any) -> dict[str, Any]:
    report: dict[str, Any] = {"attempt": {
        "id": "abroad-1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
        "amount": {"value": value, "currency": currency},
        "conversion": {"rate": rate, "currency": "EUR"},
        "method": {"type": "wallet_balance"}, **attempt}}
    if balance is not None:
        report["attempt"]["balance"] = {"available": {"value": balance, "currency": "EUR"}}
    return report


def test_a_usd_purchase_is_priced_on_its_euro_amount_and_checked_against_the_euro_balance() -> None:
    """USD 100.00 at 0.92 is EUR 92.00; 3% of it is 2.76, plus 0.50: 3.26. A EUR 93.00 balance
    covers the amount but not the fee, so the fee is what pushes it over, in euros."""
    result = DIAGNOSER.diagnose(_abroad("100.00", "USD", "0.92", balance="93.00"))
    fees = result.fees
    assert fees is not None
    assert (fees.currency, fees.amount, fees.fee, fees.debited) == (
        "EUR", Decimal("92.00"), Decimal("3.26"), Decimal("95.26"))
    assert (fees.received, fees.received_currency) == (Decimal("100.00"), "USD")
    assert fees.shortfall == Decimal("2.26")
    assert result.remedies[0].id == "balance.fee_shortfall"
    assert "3.26 EUR" in result.remedies[0].title


def test_a_zero_decimal_amount_converts_to_cents() -> None:
    """JPY 10000 at 0.0061 EUR per yen is EUR 61.00, and its fee 3% of that plus 0.50."""
    fees = DIAGNOSER.diagnose(_abroad("10000", "JPY", "0.0061")).fees
    assert fees is not None
    assert (fees.amount, fees.fee, fees.received_currency) == (
        Decimal("61.00"), Decimal("2.33"), "JPY")


@settings(max_examples=200, deadline=None)
@given(cents=st.integers(1, 10_000_000), rate=st.decimals("0.0001", "50", places=6))
def test_the_fee_is_the_schedules_fee_of_the_rounded_converted_amount(cents: int,
                                                                       rate: Decimal) -> None:
    """For any amount and rate: the converted amount is the exact product rounded half-even (the
    schedule's mode) to the cent, and the quote is the one the schedule gives that amount."""
    amount = Decimal(cents).scaleb(-2)
    converted = (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    report = parse_report(_abroad(str(amount), "USD", str(rate)))
    if converted <= 0:
        return
    priced = price(report, PACK)
    assert priced is not None
    expected = quote(converted, "EUR", "purchase", FX, Usage(fx_rate=1 / rate, fx_currency="USD"))
    assert (priced.quote.amount, priced.quote.fee, priced.quote.debited) == (
        converted, expected.fee, converted + expected.fee)
    assert priced.quote.received == amount


@pytest.mark.parametrize(("change", "needle"), [
    ({"conversion": {"rate": "1", "currency": "USD"}}, "must differ"),
    ({"fx": {"rate": "1.1", "currency": "GBP"}}, "not both"),
    ({"fee": {"value": "1.00", "currency": "USD"}}, "charged in"),
])
def test_conversions_that_cannot_be_are_refused(change: dict[str, Any], needle: str) -> None:
    """A conversion into the amount's own currency, one beside an fx, or a stated fee in the
    merchant's currency rather than the payer's is a clear problem."""
    report = _abroad("100.00", "USD", "0.92")
    report["attempt"].update(change)
    with pytest.raises(InvalidReportError) as info:
        parse_report(report)
    assert needle in info.value.problems[0].msg


def test_flat_rows_carry_the_conversion(tmp_path: Path) -> None:
    """A CSV row with conversion_rate and conversion_currency replays priced in euros."""
    (tmp_path / "in.csv").write_text(
        "attempt_id,attempt_at,attempt_kind,attempt_amount,attempt_currency,method_type,"
        "conversion_rate,conversion_currency,balance_available\n"
        "a1,2026-03-01T10:00:00Z,purchase,100.00,USD,wallet_balance,0.92,EUR,93.00\n",
        encoding="utf-8")
    summary = replay([tmp_path / "in.csv"], tmp_path / "out", tmp_path / "rejects.jsonl",
                     workers=1, engine="compiled")
    assert summary.rows_out == 1
    row = read_output(tmp_path / "out").to_pylist()[0]
    assert (row["fee_total"], row["top_remedy"]) == ("3.26", "balance.fee_shortfall")

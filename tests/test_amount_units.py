"""No integer amount is read without its unit: a payfix report refuses an integer ``value`` (the
form processors use for minor units), accepts integer ``minor`` units converted by the currency's
ISO 4217 exponent, and every adapter converts a processor's minor units by its own exponent."""

from __future__ import annotations

from decimal import Decimal

import iso4217
import pytest
from hypothesis import given
from hypothesis import strategies as st

from payfix import InvalidReportError, adapt, parse_report
from payfix.money import MAX_MINOR, minor_unit_exponent

CURRENCIES = sorted(c.code for c in iso4217.Currency if minor_unit_exponent(c.code) is not None)


def _report(amount: dict[str, object]) -> dict[str, object]:
    return {"attempt": {"id": "a1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
                        "amount": amount, "method": {"type": "debit_card"}}}


def test_an_integer_value_is_refused_with_the_forms_accepted() -> None:
    """Stripe's 2500 (25.00 USD) given as a payfix value is refused, not read as 2500.00 USD; the
    problem names the field and both accepted forms."""
    with pytest.raises(InvalidReportError) as info:
        parse_report(_report({"value": 2500, "currency": "USD"}))
    problem = info.value.problems[0]
    assert problem.loc == ("attempt", "amount", "value")
    assert "'25.00'" in problem.msg
    assert "'minor'" in problem.msg


@given(st.sampled_from(CURRENCIES), st.integers(min_value=0, max_value=MAX_MINOR))
def test_minor_units_convert_by_the_currencys_exponent(currency: str, minor: int) -> None:
    """``{"minor": n}`` is n smallest units of the currency, for every ISO 4217 currency (JPY and
    KRW have none, BHD and KWD three)."""
    report = parse_report(_report({"minor": minor, "currency": currency}))
    exponent = minor_unit_exponent(currency)
    assert exponent is not None
    assert report.attempt.amount.minor == minor
    assert report.attempt.amount.value == Decimal(minor).scaleb(-exponent)


@given(st.integers(min_value=-(10**30), max_value=10**30), st.sampled_from(CURRENCIES))
def test_integer_values_are_always_refused(value: int, currency: str) -> None:
    """Whatever the integer and currency, an integer value is a typed problem, never an amount."""
    with pytest.raises(InvalidReportError):
        parse_report(_report({"value": value, "currency": currency}))


def test_value_and_minor_together_are_refused() -> None:
    """An amount given twice is refused rather than one of them picked."""
    with pytest.raises(InvalidReportError) as info:
        parse_report(_report({"value": "25.00", "minor": 2500, "currency": "USD"}))
    assert "not both" in info.value.problems[0].msg


@pytest.mark.parametrize(("currency", "minor", "expected"), [
    ("usd", 2500, "25.00"), ("jpy", 2500, "2500"), ("bhd", 2500, "2.500"), ("krw", 990, "990"),
    ("isk", 10000, "100"),  # Stripe writes ISK with two decimals; ISO 4217 gives it none
])
def test_stripe_minor_units_are_read_by_stripes_exponent(currency: str, minor: int,
                                                         expected: str) -> None:
    """A Stripe PaymentIntent's integer amount is converted by Stripe's documented exponent."""
    intent = {"id": "pi_1", "object": "payment_intent", "amount": minor, "currency": currency,
              "created": 1700000000, "status": "requires_payment_method"}
    adapted = adapt(intent, "stripe", context={"attempt": {"method": {"type": "debit_card"}}})
    assert adapted.report.attempt.amount.value == Decimal(expected)


@given(st.sampled_from(CURRENCIES), st.integers(min_value=0, max_value=MAX_MINOR))
def test_every_adapter_minor_amount_keeps_its_units(currency: str, minor: int) -> None:
    """Checkout.com, Adyen and Hyperswitch integers of minor units are exactly n smallest units of
    the currency, for every currency (no currency is read as major units)."""
    exponent = minor_unit_exponent(currency)
    assert exponent is not None
    expected = Decimal(minor).scaleb(-exponent)
    context = {"attempt": {"id": "x", "at": "2026-03-01T10:00:00Z",
                           "method": {"type": "credit_card"}}}
    payloads = {
        "checkout": {"id": "pay_1", "amount": minor, "currency": currency, "approved": False,
                     "response_code": "20051", "response_summary": "Insufficient Funds"},
        "adyen": {"pspReference": "X1", "resultCode": "Refused", "refusalReason": "Refused",
                  "amount": {"value": minor, "currency": currency}},
        "hyperswitch": {"payment_id": "p1", "status": "failed", "amount": minor,
                        "currency": currency, "error_code": "x", "connector": "stripe"},
    }
    for source, payload in payloads.items():
        report = adapt(payload, source, context=context).report
        assert report.attempt.amount.value == expected, source

"""The report model: money exactness, currency checks, strictness and versioning."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payfix import InvalidReportError, parse_report

from .conftest import example


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    report = example("balance_short.json")
    node = report
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return report


@pytest.mark.parametrize(
    ("path", "value", "type_", "fragment"),
    [
        (("attempt", "amount"), {"value": "1.005", "currency": "EUR"}, "value_error",
         "more than 2 decimal places"),
        (("attempt", "amount"), {"value": "1.5", "currency": "JPY"}, "value_error",
         "more than 0 decimal places"),
        (("attempt", "amount"), {"value": "1", "currency": "EUX"}, "value_error", "ISO 4217"),
        (("attempt", "amount"), {"value": "-1", "currency": "EUR"}, "greater_than_equal", ""),
        (("attempt", "at"), "2026-03-14T18:02:44", "timezone_aware", ""),
        (("schema_version",), "2", "value_error", "reads '1' and '1.x'"),
        (("attempt", "colour"), "red", "extra_forbidden", "payfix schema"),
        # far above the maximum, even with an exponent no integer could hold: a typed problem
        # whose message states the limit readably (no digit run a card mask would hide)
        (("attempt", "amount"), {"value": "1E+1000000", "currency": "EUR"}, "value_error",
         "largest accepted amount, 10,000,000,000,000.00 EUR"),
        (("attempt", "amount"), {"value": "10000000000000.01", "currency": "EUR"}, "value_error",
         "largest accepted amount"),
    ],
)
def test_bad_fields_give_typed_problems(path: tuple[str, ...], value: Any, type_: str,
                                        fragment: str) -> None:
    """Each invalid field is reported with its location, a stable type and what is accepted."""
    with pytest.raises(InvalidReportError) as info:
        parse_report(_with(path, value))
    problem = info.value.problems[0]
    assert problem.type == type_
    assert tuple(problem.loc[: len(path)]) == path
    assert fragment in problem.msg


@given(st.integers(0, 10**12), st.sampled_from(["EUR", "JPY", "BHD"]))
def test_money_converts_to_minor_units_exactly(minor: int, currency: str) -> None:
    """A decimal amount with the currency's digits maps to exact integer minor units."""
    exponent = {"EUR": 2, "JPY": 0, "BHD": 3}[currency]
    report = _with(("attempt", "amount"), {"value": str(Decimal(minor).scaleb(-exponent)),
                                           "currency": currency})
    report["attempt"]["fee"] = None
    assert parse_report(report).attempt.amount.minor == minor


def test_minor_schema_versions_are_accepted() -> None:
    """'1.x' reports are read (minor versions only add optional fields)."""
    assert parse_report(_with(("schema_version",), "1.3")).schema_version == "1.3"


@given(st.integers(0, 10**15), st.sampled_from(["EUR", "JPY", "BHD"]), st.integers(1, 6))
def test_minor_units_are_exact_whatever_the_decimal_context(minor: int, currency: str,
                                                            precision: int) -> None:
    """Amounts and minor units convert exactly even when the embedding application has lowered the
    decimal context's precision (integer arithmetic, never context rounding)."""
    import decimal

    from payfix.money import from_minor, to_minor

    exponent = {"EUR": 2, "JPY": 0, "BHD": 3}[currency]
    text = str(Decimal(minor).scaleb(-exponent))
    report = _with(("attempt", "amount"), {"value": text, "currency": currency})
    report["attempt"]["fee"] = None
    with decimal.localcontext(decimal.Context(prec=precision)):
        assert str(from_minor(minor, currency)) == text
        assert to_minor(Decimal(text), currency) == minor
        assert parse_report(report).attempt.amount.minor == minor


def test_the_largest_amount_is_accepted_and_one_unit_more_is_not() -> None:
    """MAX_MINOR minor units is the boundary: accepted as is, refused one minor unit above."""
    from payfix.money import MAX_MINOR, from_minor

    report = _with(("attempt", "amount"), {"value": str(from_minor(MAX_MINOR, "EUR")), "currency": "EUR"})
    report["attempt"]["fee"] = None
    assert parse_report(report).attempt.amount.minor == MAX_MINOR
    report["attempt"]["amount"]["value"] = str(from_minor(MAX_MINOR + 1, "EUR"))
    with pytest.raises(InvalidReportError):
        parse_report(report)

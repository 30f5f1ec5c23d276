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

"""Payee validators: one interface, field libraries, never a crash on junk."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payfix.diagnosis.payee import VALIDATORS, check_identifier
from payfix.vocab import IDENTIFIER_PROBLEMS


@pytest.mark.parametrize(
    ("kind", "identifier", "country", "expected"),
    [
        ("bank_account", "DE89 3704 0044 0532 0130 00", None, None),
        ("bank_account", "DE89 3704 0044 0532 0130 01", None, "checksum"),
        ("bank_account", "DE89 3704 0044 0532 0130", None, "checksum"),  # stdnum checks mod 97 first
        ("bank_account", "12", None, "length"),
        ("bank_account", "12345678", None, None),
        ("card", "4111 1111 1111 1111", None, None),
        ("card", "4111 1111 1111 1112", None, "checksum"),
        ("card", "4111", None, "length"),
        ("phone", "+86 138 0013 8000", None, None),
        ("phone", "138 0013 8000", "CN", None),
        ("phone", "+86 1", None, "length"),
        ("email", "jane@example.com", None, None),
        ("email", "jane@", None, "format"),
        ("merchant", "anything", None, None),
    ],
)
def test_validators_accept_valid_and_name_the_problem(kind: str, identifier: str,
                                                      country: str | None,
                                                      expected: str | None) -> None:
    """Each identifier type is checked by its field library and a problem slug says what is wrong."""
    assert check_identifier(kind, identifier, country) == expected


@given(st.sampled_from(sorted(VALIDATORS)), st.text(max_size=80),
       st.one_of(st.none(), st.text(max_size=3)))
def test_junk_never_crashes_any_validator(kind: str, junk: str, country: str | None) -> None:
    """Robustness sweep: any text gives None or a known problem slug, never an exception."""
    assert check_identifier(kind, junk, country) in (None, *IDENTIFIER_PROBLEMS)

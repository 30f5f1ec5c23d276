"""Payee identifier validators, all with one small interface.

Each validator takes ``(identifier, country)`` and returns ``None`` when the identifier is valid for
its type, or a stable problem slug (``format``, ``length``, ``checksum``, ``country``, ``unknown_number``)
when it is not. Checksums and numbering plans come from field libraries (python-stdnum,
phonenumbers, email-validator), never from hand-written regular expressions. Validators never
raise, whatever the input.

A wallet user id has no public format: an operator pack may give one (``wallet_id_pattern``,
checked at load by :func:`payfix.rules.lint.pattern_problem`); :func:`check_wallet_id` applies it to at
most :data:`payfix.vocab.MAX_WALLET_ID_LENGTH` characters.

Example:
    >>> check_identifier("bank_account", "DE89 3704 0044 0532 0130 00", None) is None
    True
    >>> check_identifier("card", "4111 1111 1111 1112", None)
    'checksum'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import iban, luhn
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from payfix.vocab import MAX_WALLET_ID_LENGTH

__all__ = ["VALIDATORS", "check_identifier", "check_wallet_id"]


Validator = Callable[[str, str | None], str | None]



def _stdnum_problem(error: ValidationError) -> str:
    if isinstance(error, InvalidChecksum):
        return "checksum"
    if isinstance(error, InvalidLength):
        return "length"
    if isinstance(error, InvalidComponent):
        return "country"
    if isinstance(error, InvalidFormat):
        return "format"
    return "format"


def check_iban(identifier: str, country: str | None) -> str | None:
    """An IBAN: country code, length for that country, and mod-97 checksum (python-stdnum)."""
    try:
        iban.validate(identifier)
    except ValidationError as error:
        return _stdnum_problem(error)
    return None


def check_bank_account(identifier: str, country: str | None) -> str | None:
    """A bank account: an IBAN when it starts with a country code, else 4-34 digits."""
    compact = iban.compact(identifier)
    if compact[:2].isalpha():
        return check_iban(compact, country)
    if not compact.isascii() or not compact.isdigit():
        return "format"
    return None if 4 <= len(compact) <= 34 else "length"


def check_card_number(identifier: str, country: str | None) -> str | None:
    """A card number (PAN): 12-19 digits and the Luhn checksum (python-stdnum)."""
    digits = identifier.replace(" ", "").replace("-", "")
    if not digits.isascii() or not digits.isdigit():
        return "format"
    if not 12 <= len(digits) <= 19:
        return "length"
    return None if luhn.is_valid(digits) else "checksum"


def check_phone(identifier: str, country: str | None) -> str | None:
    """A phone number valid in its numbering plan (phonenumbers); ``country`` is the default region."""
    try:
        number = phonenumbers.parse(identifier, country)
    except phonenumbers.NumberParseException as error:
        too_short_or_long = (
            phonenumbers.NumberParseException.TOO_SHORT_NSN,
            phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD,
            phonenumbers.NumberParseException.TOO_LONG,
        )
        return "length" if error.error_type in too_short_or_long else "format"
    if not phonenumbers.is_possible_number(number):
        return "length"
    return None if phonenumbers.is_valid_number(number) else "unknown_number"


def check_email(identifier: str, country: str | None) -> str | None:
    """An e-mail address by syntax only (email-validator; no network look-up)."""
    try:
        validate_email(identifier, check_deliverability=False)
    except EmailNotValidError:
        return "format"
    except Exception:  # the library may raise on exotic unicode; that is still bad input
        return "format"
    return None


#: Validator per payee type; types without a public format (merchant, wallet user) are not checked.
VALIDATORS: dict[str, Validator] = {
    "bank_account": check_bank_account,
    "card": check_card_number,
    "phone": check_phone,
    "email": check_email,
}


def check_identifier(payee_type: str, identifier: str, country: str | None) -> str | None:
    """Validate ``identifier`` for ``payee_type``; ``None`` if valid or the type has no checker.
    Nothing is remembered between calls: identifiers are personal data."""
    validator = VALIDATORS.get(payee_type)
    if validator is None:
        return None
    try:
        return validator(identifier, country)
    except Exception:  # robustness: junk input is a problem with the input, never a crash
        return "format"


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def check_wallet_id(pattern: str, identifier: str) -> str | None:
    """A wallet user id against the pack's ``wallet_id_pattern``: ``None`` if it fully matches,
    ``length`` if longer than :data:`~payfix.vocab.MAX_WALLET_ID_LENGTH` (the pattern is then not run), else
    ``format``.

    Example:
        >>> check_wallet_id("^wal_[a-z0-9]{8,40}$", "wal_0a1b2c3d"), check_wallet_id("^wal_.+$", "x")
        (None, 'format')
    """
    if len(identifier) > MAX_WALLET_ID_LENGTH:
        return "length"
    return None if _compiled(pattern).fullmatch(identifier) else "format"

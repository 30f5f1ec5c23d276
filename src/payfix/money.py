"""Currencies and money in minor units.

Minor units come from the ISO 4217 table maintained in the ``iso4217`` package, never from a
hand-typed list. Money is always :class:`~decimal.Decimal`; conversion to integer minor units is
exact or it fails.

Example:
    >>> minor_unit_exponent("JPY"), minor_unit_exponent("EUR"), minor_unit_exponent("BHD")
    (0, 2, 3)
    >>> to_minor(Decimal("12.50"), "EUR")
    1250
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import iso4217

__all__ = ["MAX_MINOR", "format_minor", "from_minor", "is_currency", "minor_unit_exponent", "to_minor"]

#: Largest absolute amount in minor units payfix accepts: below 2**53, so every engine compares exactly.
MAX_MINOR = 10**15
_MAX_DIGITS = 40  # to_minor refuses amounts this long in minor units


@lru_cache(maxsize=512)
def minor_unit_exponent(code: str) -> int | None:
    """Digits after the decimal point for an ISO 4217 code; ``None`` if unknown or unit-less."""
    try:
        exponent = iso4217.Currency(code).exponent
    except ValueError:
        return None
    return int(exponent) if exponent is not None else None


def is_currency(code: str) -> bool:
    """True for an active ISO 4217 code that has a minor unit (so it can carry a payment)."""
    return minor_unit_exponent(code) is not None


def to_minor(amount: Decimal, currency: str) -> int:
    """Convert ``amount`` to integer minor units of ``currency``, exactly, whatever the decimal
    context's precision (integer arithmetic only).

    Raises:
        ValueError: unknown currency, ``amount`` is not finite, has more decimals than the
            currency allows, or has more than 40 digits in minor units.
    """
    exponent = minor_unit_exponent(currency)
    if exponent is None:
        raise ValueError(f"unknown ISO 4217 currency {currency!r}")
    if not amount.is_finite():
        raise ValueError(f"{amount} is not a finite amount")
    if amount.is_zero():
        return 0
    if amount.adjusted() + exponent >= _MAX_DIGITS:  # checked first: 1E+999999 is no int to build
        raise ValueError(f"{amount} {currency} has more than {_MAX_DIGITS} digits in minor units")
    numerator, denominator = amount.as_integer_ratio()
    minor: int
    minor, rest = divmod(numerator * 10**exponent, denominator)
    if rest:
        raise ValueError(f"{amount} has more than {exponent} decimal places for {currency}")
    return minor


def from_minor(minor: int, currency: str) -> Decimal:
    """Integer minor units back to a Decimal amount with exactly the currency's digits (built from
    text, so exact whatever the decimal context's precision).

    >>> from_minor(150, "EUR"), from_minor(150, "JPY")
    (Decimal('1.50'), Decimal('150'))
    """
    exponent = minor_unit_exponent(currency)
    if exponent is None:
        raise ValueError(f"unknown ISO 4217 currency {currency!r}")
    return Decimal(f"{minor}E-{exponent}")


def format_minor(minor: int, currency: str) -> str:
    """``"1.50 EUR"``: an amount in minor units as shown in texts."""
    return f"{from_minor(minor, currency)} {currency}"

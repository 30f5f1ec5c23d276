"""Masking of personal data in any text that leaves the core.

Card numbers keep at most the last four digits, IBANs their country code and last four, phone
numbers their last two digits, e-mail addresses the first character and the domain.

Example:
    >>> mask_text("card 4111 1111 1111 1111, mail jane.doe@example.com")
    'card ************1111, mail j***@example.com'
"""

from __future__ import annotations

import re

__all__ = ["mask_text"]

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_IBAN = re.compile(r"\b([A-Z]{2})\d{2}[ ]?(?:[A-Z0-9]{1,4}[ ]?){2,7}([A-Z0-9]{1,4})\b")
_DIGITS = re.compile(r"(?<!\d)(?!\d{4}-\d{2}-\d{2}(?!\d))\+?\d(?:[ -]?\d){6,}")  # dates are not PII


def _mask_digits(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    keep = 4 if len(digits) >= 12 else 2
    return "*" * (len(digits) - keep) + digits[-keep:]


def _mask_iban(match: re.Match[str]) -> str:
    compact = match.group().replace(" ", "")
    return compact[:2] + "*" * (len(compact) - 6) + compact[-4:]


def mask_text(text: str) -> str:
    """``text`` with card numbers, IBANs, phone numbers and e-mail addresses masked."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _IBAN.sub(_mask_iban, text)
    return _DIGITS.sub(_mask_digits, text)

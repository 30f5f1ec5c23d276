"""Masking of personal data in any text that leaves the core.

Typed maskers know what they mask: card numbers keep at most the first six and last four digits,
IBANs and account numbers their country code and last four, phone numbers their last two digits,
e-mail addresses the first character and the domain, names their initials. :func:`mask_text`
scrubs free text (messages, echoed input) where the kind of value is not known.

Example:
    >>> mask_text("card 4111 1111 1111 1111, mail jane.doe@example.com")
    'card ************1111, mail j***@example.com'
"""

from __future__ import annotations

import re

from stdnum import luhn

__all__ = [
    "mask_account",
    "mask_card",
    "mask_email",
    "mask_identifier",
    "mask_name",
    "mask_pans",
    "mask_phone",
    "mask_text",
]

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_IBAN = re.compile(r"\b([A-Z]{2})\d{2}[ ]?(?:[A-Z0-9]{1,4}[ ]?){2,7}([A-Z0-9]{1,4})\b")
_DIGITS = re.compile(r"(?<!\d)(?!\d{4}-\d{2}-\d{2}(?!\d))\+?\d(?:[ -]?\d){6,}")  # dates are not PII
_NOT_DIGIT = re.compile(r"\D")
_SPACE_OR_DASH = re.compile(r"[\s-]")


def _mask_digits(match: re.Match[str]) -> str:
    digits = _NOT_DIGIT.sub("", match.group())
    keep = 4 if len(digits) >= 12 else 2
    return "*" * (len(digits) - keep) + digits[-keep:]


def _mask_iban(match: re.Match[str]) -> str:
    compact = match.group().replace(" ", "")
    return compact[:2] + "*" * (len(compact) - 6) + compact[-4:]


_PAN_LIKE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")


def _mask_pan(match: re.Match[str]) -> str:
    return _mask_digits(match) if luhn.is_valid(_NOT_DIGIT.sub("", match.group())) else match.group()


def mask_pans(text: str) -> str:
    """``text`` with every card number in it masked to its last four digits, and nothing else
    changed: for identifiers, which may hold long digit runs of their own (an Alipay trade number
    has 28 digits, a date-based id 8 or more). A card number is a run of 13-19 digits, single spaces
    or dashes allowed between them, that passes the Luhn check.

    Example:
        >>> mask_pans("order 4111-1111-1111-1111 / trade 2013112011001004330000121536")
        'order ************1111 / trade 2013112011001004330000121536'
        >>> mask_pans("pay_20260314_0002")
        'pay_20260314_0002'
    """
    return _PAN_LIKE.sub(_mask_pan, text)


def mask_text(text: str) -> str:
    """``text`` with card numbers, IBANs, phone numbers and e-mail addresses masked."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _IBAN.sub(_mask_iban, text)
    return _DIGITS.sub(_mask_digits, text)


def mask_card(pan: str) -> str:
    """A card number: at most the first six and last four digits stay (``411111******1111``)."""
    digits = _NOT_DIGIT.sub("", pan)
    if len(digits) < 12:
        return "*" * max(len(digits) - 2, 0) + digits[-2:] if digits else "****"
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def mask_account(number: str) -> str:
    """An IBAN or account number: the country code (IBAN) and the last four characters stay."""
    compact = _SPACE_OR_DASH.sub("", number).upper()
    if len(compact) <= 4:
        return "*" * len(compact)
    head = compact[:2] if compact[:2].isalpha() else ""
    return head + "*" * (len(compact) - len(head) - 4) + compact[-4:]


def mask_phone(phone: str) -> str:
    """A phone number: only the last two digits stay."""
    digits = _NOT_DIGIT.sub("", phone)
    return "*" * max(len(digits) - 2, 1) + digits[-2:]


def mask_email(email: str) -> str:
    """An e-mail address: the first character and the domain stay (``j***@example.com``)."""
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_name(name: str) -> str:
    """A person's name: initials only (``J*** R***``)."""
    return " ".join(f"{part[0]}***" for part in name.split() if part) or "***"


def mask_identifier(kind: str, value: str) -> str:
    """Mask ``value`` as the identifier type ``kind`` (payee types of the report format)."""
    if kind == "card":
        return mask_card(value)
    if kind == "bank_account":
        return mask_account(value)
    if kind == "phone":
        return mask_phone(value)
    if kind == "email":
        return mask_email(value)
    if kind == "merchant":
        return mask_text(value)
    return mask_account(value)

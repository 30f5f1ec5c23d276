"""Masking of personal data in any text that leaves the core.

Typed maskers know what they mask: card numbers keep at most the first six and last four digits,
IBANs and account numbers their country code and last four, phone numbers their last two digits,
e-mail addresses the first character and the domain, names their initials. :func:`mask_text`
scrubs free text (messages, echoed input) where the kind of value is not known; :func:`mask_id`
scrubs identifiers (payment ids, processor codes) and :func:`shown` bounds what an error echoes.

Every pattern here runs in time linear in the text: each unbounded repetition is over characters
that cannot also start a new match inside the same run (a look-behind rejects such starts in one
step), and every other repetition is bounded, so no start position scans more than a fixed span
of a run another start scans too.

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
    "mask_code",
    "mask_email",
    "mask_id",
    "mask_identifier",
    "mask_name",
    "mask_pans",
    "mask_phone",
    "mask_text",
    "shown",
]

# A match starts only where a run of local-part characters starts: scanning a long run for an
# ``@`` from every position in it took time quadratic in the run.
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@"
                    r"([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# 3-32 characters after the check digits, single spaces allowed between them: one character per
# step, so a failed start costs at most 32 steps (chunks of 1-4 could be split many ways).
_IBAN = re.compile(r"\b([A-Z]{2})\d{2}[ ]?[A-Z0-9](?:[ ]?[A-Z0-9]){2,31}\b")
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


# Runs of digits and phone punctuation (one class, so a match never fails and never rescans).
_NUMBERISH = re.compile(r"(?<![A-Za-z0-9_])\+?[0-9(][0-9 ().+-]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# A character every pattern of :func:`mask_id` but a plain run of card digits needs: an ``@``, an
# IBAN's capitals, a ``+`` or a separator (one character class: the cheapest scan there is).
_ID_SCREEN = re.compile(r"[@+A-Z ().-]")


def _mask_phone_like(match: re.Match[str]) -> str:
    text = match.group()
    core = text.strip(" (.-")
    digits = _NOT_DIGIT.sub("", core)
    card = 13 <= len(digits) <= 19 and luhn.is_valid(digits)  # after a dash: not a _PAN_LIKE
    if not card and (not 7 <= len(digits) <= 15 or _DATE.match(core) or (
            not core.startswith("+") and (
                core.isdigit() or max(map(len, _NOT_DIGIT.split(core))) > 8))):
        return text  # a plain digit run (trade number, date-based id) or a date stays readable
    keep = 4 if len(digits) >= 12 else 2
    start = text.index(core)
    return text[:start] + "*" * (len(digits) - keep) + digits[-keep:] + text[start + len(core):]


def mask_id(text: str) -> str:
    """An identifier (payment id, processor code, scheme) with e-mail addresses, IBANs, card
    numbers (Luhn-valid, 13-19 digits) and phone-like numbers (7-15 digits written with a leading
    ``+``, or in groups of at most 8 with spaces, dashes, dots or brackets between them, not glued
    to a letter) masked; a plain run of digits, a date, or an id such as ``pay_20260314_0002`` or
    ``syn8-00000001`` stays readable, since long digit ids (an Alipay trade number has 28 digits)
    are common and are not personal data. A digit id written in dashed groups (``2026-0001-0002``)
    looks like a phone number and is masked.

    Example:
        >>> mask_id("pay_20260314_0002 2013112011001004330000121536")
        'pay_20260314_0002 2013112011001004330000121536'
        >>> mask_id("jane.doe@example.com +44 20 7946 0958 DE89370400440532013000")
        'j***@example.com ********0958 DE****************3000'
    """
    if _ID_SCREEN.search(text) is None:  # most ids: only a card number written as plain digits
        return _PAN_LIKE.sub(_mask_pan, text)
    if "@" in text:
        text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _IBAN.sub(_mask_iban, text)
    text = _PAN_LIKE.sub(_mask_pan, text)
    return _NUMBERISH.sub(_mask_phone_like, text)


def mask_code(value: str) -> str:
    """:func:`mask_id` of a processor code or scheme, as it appears in a diagnosis.

    Example:
        >>> mask_code("05"), mask_code("4111 1111 1111 1111")
        ('05', '************1111')
    """
    return mask_id(value)


def shown(value: str, limit: int = 64) -> str:
    """At most the first ``limit`` characters of ``value``, masked (:func:`mask_text`), with ``…``
    when cut: what an error message may echo of an input of any size. A cut that would leave part
    of an e-mail address drops that last word; lone surrogates become ``\\udXXX`` escapes.

    Example:
        >>> shown("x" * 100, 8), shown("id jane.doe@example.com", 12)
        ('xxxxxxxx…', 'id …')
    """
    head = value[:limit]
    if len(value) > limit:
        cut = head.rfind(" ")
        if "@" in head[cut + 1:]:
            head = head[:cut + 1]
        head += "…"
    if not head.isascii():
        head = head.encode("utf-8", "backslashreplace").decode("utf-8")
    return mask_text(head)


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

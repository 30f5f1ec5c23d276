"""The shared interface of the input adapters, and the reader each one uses.

An adapter is a module with ``NAME`` (``"stripe"``), ``TITLE``, ``KINDS`` (the objects of the
source it reads, e.g. ``("error", "payment_intent", "charge")``), ``detect(payload)`` (the kind
of object ``payload`` is, or ``None``) and ``read(reading, kind)``, which fills a :class:`Reading`:
the report fields the object documents, and the processor's codes with the path each was read
from. What the object does not hold (a PayPal error body has no amount) comes from the caller's
``context``; nothing is guessed: an integer amount is converted by the source's documented
exponent for its currency, never read as a decimal.

Every problem is an :class:`~payfix.errors.InvalidPayloadError` whose ``loc`` starts with the
source's name and follows the source's own object (``("stripe", "error", "decline_code")``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from payfix.errors import InvalidPayloadError
from payfix.inputs.adapters.values import OBJECT, Values, inner, kind_of, leaf_paths, one_of
from payfix.money import MAX_MINOR, minor_unit_exponent

__all__ = ["BRANDS", "OBJECT", "Reading", "inner", "leaf_paths", "one_of"]

#: Card brand names as processors spell them, to payfix's brands (others: ``"other"``).
BRANDS: Mapping[str, str] = {
    "visa": "visa", "mastercard": "mastercard", "mc": "mastercard", "master": "mastercard",
    "maestro": "mastercard", "amex": "amex", "american express": "amex",
    "americanexpress": "amex", "discover": "discover", "unionpay": "unionpay", "cup": "unionpay",
    "china unionpay": "unionpay", "jcb": "jcb", "diners": "other", "diners club": "other",
    "dinersclub": "other", "cartes_bancaires": "other", "cartebancaire": "other",
    "eftpos_au": "other", "interac": "other", "elo": "other", "hipercard": "other",
    "rupay": "other",
}


class Reading(Values):
    """One adapter's pass over one payload: what it read (:class:`Values`), where, and what it
    placed.

    ``attempt`` holds the report's attempt fields as the payload gives them (payfix's wire
    format); ``processor`` the processor answer; ``codes`` and ``paths`` its codes and the path
    each was read from; ``related`` the codes of other schemes kept as evidence; ``assumed`` the
    report fields set by a documented default rather than read (each
    ``"attempt.kind=purchase"``-style).
    """

    def __init__(self, source: str, payload: dict[str, Any], *, track: bool = True) -> None:
        super().__init__(source, payload, track=track)
        self.attempt: dict[str, Any] = {}
        self.processor: dict[str, Any] = {}
        self.codes: dict[str, str] = {}
        self.paths: dict[str, str] = {}
        self.related: list[dict[str, str]] = []
        self._assumed: list[tuple[str, Any, str]] = []

    # -- placing values in the report -----------------------------------------------------
    def currency(self, path: str) -> str | None:
        """An ISO 4217 code at ``path`` (processors write ``"usd"`` too)."""
        return self._currency(self.text(path, numbers=False), path)

    def currency_in(self, holder: Mapping[str, Any], at: str, key: str) -> str | None:
        """:meth:`currency` of ``holder[key]`` (see :meth:`text_in`)."""
        return self._currency(self.text_in(holder, at, key, numbers=False), at + key)

    def _currency(self, code: str | None, path: str) -> str | None:
        if code is None:
            return None
        upper = code.upper()
        if minor_unit_exponent(upper) is None:
            self.problem(path, "currency", "not an ISO 4217 currency code with a minor unit, "
                         "such as 'USD', 'EUR', 'JPY'", code)
            return None
        return upper

    def minor_amount_in(self, holder: Mapping[str, Any], at: str, key: str, currency: str | None,
                        exponents: Mapping[str, int] | None = None) -> dict[str, str] | None:
        """An integer amount of minor units at ``holder[key]`` as payfix money: converted by the
        source's documented exponent for ``currency`` (``exponents``, where the source departs
        from ISO 4217), else ISO 4217's (see :meth:`text_in`)."""
        return self._minor(self.integer_in(holder, at, key), at + key, currency, exponents)

    def _minor(self, minor: int | None, path: str, currency: str | None,
               exponents: Mapping[str, int] | None) -> dict[str, str] | None:
        if minor is None or currency is None:
            return None
        if not 0 <= minor <= MAX_MINOR:
            self.problem(path, "amount", f"an amount from 0 to {MAX_MINOR} minor units", minor,
                         {"key": "range", "max": MAX_MINOR})
            return None
        iso = minor_unit_exponent(currency)
        assert iso is not None  # _currency() checked it
        exponent = iso if exponents is None else exponents.get(currency, iso)
        if exponent == iso:
            return {"value": _decimal_text(minor, iso), "currency": currency}
        value = Decimal(minor).scaleb(-exponent)
        if value != value.quantize(Decimal(1).scaleb(-iso)):
            self.problem(path, "amount", f"{minor} in the source's {exponent}-decimal {currency} "
                         f"has more than ISO 4217's {iso} decimal places", minor,
                         {"key": "places", "value": minor, "places": exponent, "iso": iso,
                          "currency": currency})
            return None
        return {"value": str(value.quantize(Decimal(1).scaleb(-iso))), "currency": currency}

    def decimal_amount(self, path: str, currency: str | None) -> dict[str, str] | None:
        """A decimal amount (``"10.00"``, the major unit) at ``path`` as payfix money."""
        return self._decimal(self.raw(path), path, currency)

    def decimal_amount_in(self, holder: Mapping[str, Any], at: str, key: str,
                          currency: str | None) -> dict[str, str] | None:
        """:meth:`decimal_amount` of ``holder[key]`` (see :meth:`text_in`)."""
        return self._decimal(holder.get(key), at + key, currency)

    def _decimal(self, value: Any, path: str, currency: str | None) -> dict[str, str] | None:
        if value is None or currency is None:
            if value is not None and self.track:
                self.read.add(path)
            return None
        if self.track:
            self.read.add(path)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(path, "source_type", f"expected a decimal amount, got {kind_of(value)}",
                         value, {"key": "decimal"})
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(path, "amount", "expected a finite decimal amount", value,
                         {"key": "finite"})
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.problem(path, "amount", "expected a decimal amount such as '10.00'", value,
                         {"key": "decimal"})
            return None
        if not number.is_finite():
            self.problem(path, "amount", "expected a finite decimal amount", value,
                         {"key": "finite"})
            return None
        return {"value": str(value).strip() if isinstance(value, str) else format(number, "f"),
                "currency": currency}

    def unix_time_in(self, holder: Mapping[str, Any], at: str, key: str) -> str | None:
        """Seconds since the epoch at ``holder[key]`` as an ISO 8601 UTC time (see
        :meth:`text_in`)."""
        return self._unix(self.integer_in(holder, at, key), at + key)

    def _unix(self, seconds: int | None, path: str) -> str | None:
        if seconds is None:
            return None
        if not 0 <= seconds <= 4_102_444_800:  # 2100-01-01
            self.problem(path, "time", "expected seconds since 1970-01-01 UTC", seconds)
            return None
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))

    def iso_time(self, path: str) -> str | None:
        """An ISO 8601 time with its UTC offset at ``path`` (checked by the report model)."""
        return self.text(path, numbers=False)

    def iso_time_in(self, holder: Mapping[str, Any], at: str, key: str) -> str | None:
        """:meth:`iso_time` of ``holder[key]`` (see :meth:`text_in`)."""
        return self.text_in(holder, at, key, numbers=False)

    def code(self, field: str, path: str, value: str | None = None) -> None:
        """Place the code at ``path`` (or ``value`` read from it) as this answer's ``field``."""
        value = self.text(path) if value is None else value
        if value is not None and field not in self.codes:
            self.codes[field] = value
            self.paths[field] = path

    def code_in(self, field: str, holder: Mapping[str, Any], at: str, key: str) -> None:
        """:meth:`code` of ``holder[key]`` (see :meth:`text_in`)."""
        value = holder.get(key)
        if value is None:
            return
        path = at + key
        value = self._text(value, path, True)
        if value is not None and field not in self.codes:
            self.codes[field] = value
            self.paths[field] = path

    def relate(self, scheme: str, field: str, path: str) -> None:
        """Keep the code at ``path`` as a code of another ``scheme`` (its ``field`` there)."""
        value = self.text(path)
        if value is not None:
            self.related.append({"scheme": scheme, "field": field, "code": value, "path": path})

    def relate_in(self, scheme: str, field: str, holder: Mapping[str, Any], at: str,
                  key: str) -> None:
        """:meth:`relate` of ``holder[key]`` (see :meth:`text_in`)."""
        value = holder.get(key)
        if value is None:
            return
        path = at + key
        value = self._text(value, path, True)
        if value is not None:
            self.related.append({"scheme": scheme, "field": field, "code": value, "path": path})

    def _expiry(self, month: int | None, month_path: str, year: int | None, year_path: str,
                card: dict[str, Any]) -> None:
        if month is None or year is None:
            return
        if not 1 <= month <= 12:
            self.problem(month_path, "expiry", "a card's expiry month is 1 to 12", month,
                         {"key": "month"})
            return
        if 0 <= year < 100:
            year += 2000
        if not 2000 <= year <= 2100:
            self.problem(year_path, "expiry", "a card's expiry year, such as 2030 or 30", year,
                         {"key": "year"})
            return
        card["expiry_month"], card["expiry_year"] = month, year

    def message_in(self, holder: Mapping[str, Any], at: str, key: str) -> None:
        """The processor's message at ``holder[key]`` (at most 500 characters), unless one is
        placed (see :meth:`text_in`)."""
        text = self.text_in(holder, at, key, numbers=False)
        if text is not None:
            self.processor.setdefault("message", text[:500])

    def put(self, field: str, value: Any) -> None:
        """Attempt ``field`` is ``value`` when the object gave one."""
        if value is not None:
            self.attempt[field] = value

    def card_in(self, holder: Mapping[str, Any], at: str, brand: str, last4: str, month: str,
                year: str) -> dict[str, Any]:
        """The card details at those keys of ``holder``: brand (as payfix names it, also the
        answer's brand), last four digits and expiry (a two-digit year ``25`` is 2025, as card
        expiry years are written; a month outside 1-12 is a problem) (see :meth:`text_in`)."""
        self._brand(self.text_in(holder, at, brand, numbers=False))
        named = self.processor.get("brand")
        details: dict[str, Any] = {} if named is None else {"brand": named}
        digits = self.text_in(holder, at, last4)
        if digits is not None:
            details["last4"] = digits
        self._expiry(self.integer_in(holder, at, month), at + month,
                     self.integer_in(holder, at, year), at + year, details)
        return details

    def method(self, card: dict[str, Any], method_type: str | None) -> None:
        """The payment method, a card of ``method_type`` (``None``: the object does not say),
        unless one is already placed."""
        method: dict[str, Any] = {"card": card}
        if method_type is not None:
            method["type"] = method_type
        self.attempt.setdefault("method", method)

    def brand_in(self, holder: Mapping[str, Any], at: str, key: str) -> None:
        """The card brand at ``holder[key]``, as payfix names it (see :meth:`text_in`)."""
        self._brand(self.text_in(holder, at, key, numbers=False))

    def _brand(self, name: str | None) -> None:
        if name is not None:
            lower = name.lower()
            if lower != "unknown":
                self.processor.setdefault("brand", BRANDS.get(lower, "other"))

    def assume(self, field: str, value: Any, why: str) -> None:
        """Set attempt ``field`` to a documented default, and say so (in :attr:`assumed`)."""
        if field not in self.attempt:
            self.attempt[field] = value
            self._assumed.append((field, value, why))

    @property
    def assumed(self) -> list[str]:
        """The report fields set by a documented default, each ``"attempt.kind=purchase (why)"``
        (worded when asked: a diagnosis does not need them)."""
        return [f"attempt.{field}={value} ({why})" for field, value, why in self._assumed]

    def fail(self) -> None:
        """Raise the problems found, if any."""
        if self.problems:
            raise InvalidPayloadError(f"the {self.source} payload cannot be read",
                                      self.problems)


def _decimal_text(minor: int, places: int) -> str:
    """``minor`` (0 or more) units of a currency with ``places`` decimals as decimal text:
    ``"10.99"``, ``"0.05"``, ``"150"`` (what ``str(from_minor(...))`` gives, without building a
    Decimal: about 0.24 µs against 0.40)."""
    if not places:
        return str(minor)
    digits = str(minor).rjust(places + 1, "0")
    return f"{digits[:-places]}.{digits[-places:]}"

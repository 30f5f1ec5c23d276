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
import re
import time
from collections.abc import Collection, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from payfix.errors import InvalidPayloadError, Problem
from payfix.masking import shown
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

#: The types a JSON object may have in a payload given as Python, for ``isinstance``: ``dict``
#: first, so a dict (nearly every object) is recognised without the ABC's slower check.
OBJECT = (dict, Mapping)

_UNSEEN = object()
_OBJECT = {"key": "object"}  # what "expected an object" is made of (see payfix.problemtext)
_MAX_LEAVES = 2000  # a payload's values listed as unplaced at most (the rest are counted)


def one_of(value: Any, options: Collection[str]) -> bool:
    """``value`` is text and one of ``options`` (safe for any JSON value: a list or an object is
    not hashable, so a plain ``in`` on a set would raise)."""
    return isinstance(value, str) and value in options


def leaf_paths(value: Any, prefix: str = "", out: list[str] | None = None) -> list[str]:
    """Dotted paths of the scalar values in ``value`` (list items as ``[i]``), at most 2,000."""
    out = [] if out is None else out
    if len(out) >= _MAX_LEAVES:
        return out
    if isinstance(value, dict):
        for key, item in value.items():
            leaf_paths(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            leaf_paths(item, f"{prefix}[{i}]", out)
    elif value is not None and value != "":
        out.append(prefix)
    return out


class Reading:
    """One adapter's pass over one payload: what it read, where, and what it placed.

    ``attempt`` holds the report's attempt fields as the payload gives them (payfix's wire
    format); ``processor`` the processor answer; ``read`` the payload paths consumed (everything
    else is reported as unplaced; counted only when ``track``: a diagnosis does not ask);
    ``assumed`` the report fields set by a documented default rather than read (each
    ``"attempt.kind=purchase"``-style).
    """

    def __init__(self, source: str, payload: dict[str, Any], *, track: bool = True) -> None:
        self.source = source
        self.payload = payload
        self.track = track
        self.attempt: dict[str, Any] = {}
        self.processor: dict[str, Any] = {}
        self.codes: dict[str, str] = {}
        self.paths: dict[str, str] = {}
        self.related: list[dict[str, str]] = []
        self.read: set[str] = set()
        self._assumed: list[tuple[str, Any, str]] = []
        self.problems: list[Problem] = []
        self._objects: dict[str, Any] = {}  # dotted path -> the value there (objects on paths)

    # -- reading values -------------------------------------------------------------------
    def _loc(self, path: str) -> tuple[str | int, ...]:
        return (self.source, *_steps(path)) if path else (self.source,)

    def raw(self, path: str) -> Any:
        """The value at ``path`` (``"a.b[0].c"``; ``None`` when a step is missing or of another
        kind). Each object on a path is looked up once per reading."""
        if path and path[-1] == "]":  # a list item: "a.b[0]"
            head, _, index = path[:-1].rpartition("[")
            items = self._holder(head)
            step = int(index)
            return items[step] if isinstance(items, list) and step < len(items) else None
        parent, _, leaf = path.rpartition(".")
        if not parent:
            return self.payload.get(leaf)
        # _holder's lookup, inlined: this branch runs for nearly every field an adapter reads
        holder = self._objects.get(parent, _UNSEEN)
        if holder is _UNSEEN:
            holder = self._objects[parent] = self.raw(parent)
        return holder.get(leaf) if isinstance(holder, dict) else None

    def object_at(self, path: str) -> Mapping[str, Any]:
        """The object at ``path``, or an empty one when there is none there (nothing is read
        from it then): the holder :meth:`text_in` and the like read from."""
        value = self.raw(path)
        return value if type(value) is dict else {}

    def _holder(self, path: str) -> Any:
        """The value at ``path`` ("" is the payload itself), remembered for this reading."""
        if not path:
            return self.payload
        holder = self._objects.get(path, _UNSEEN)
        if holder is _UNSEEN:
            holder = self._objects[path] = self.raw(path)
        return holder

    def problem(self, path: str, type_: str, msg: str, value: Any = None,
                ctx: dict[str, Any] | None = None) -> None:
        """Record a problem at ``path`` of the payload (``ctx``: what ``msg`` is made of)."""
        self.problems.append(Problem(type_, self._loc(path), msg, input=value, ctx=ctx))

    def obj(self, path: str) -> Mapping[str, Any] | None:
        """The object at ``path``, or ``None``; anything else there is a problem."""
        value = self.raw(path)
        if value is None or isinstance(value, dict):
            return value
        self.problem(path, "source_type", f"expected an object, got {_kind(value)}", value,
                     _OBJECT)
        if self.track:
            self.read.add(path)
        return None

    def obj_in(self, holder: Mapping[str, Any], at: str, key: str) -> dict[str, Any] | None:
        """:meth:`obj` of ``holder[key]`` (see :meth:`text_in`)."""
        value = holder.get(key)
        if value is None or type(value) is dict:
            return value
        self.problem(at + key, "source_type", f"expected an object, got {_kind(value)}", value,
                     _OBJECT)
        if self.track:
            self.read.add(at + key)
        return None

    def text(self, path: str, *, numbers: bool = True) -> str | None:
        """The text at ``path`` (a number is taken as its digits when ``numbers``), marked read;
        empty text is absent; anything else is a problem."""
        value = self.raw(path)
        return None if value is None else self._text(value, path, numbers)

    def text_in(self, holder: Mapping[str, Any], at: str, key: str, *,
                numbers: bool = True) -> str | None:
        """:meth:`text` of ``holder[key]``, the object at path ``at`` (``""``, or ending in
        ``.``): the same answer without looking the path up (what the readers of large objects
        use)."""
        value = holder.get(key)
        if value is None:
            return None
        path = at + key
        if self.track:
            self.read.add(path)
        if type(value) is str:  # _text's first case, inlined: nearly every value is text
            value = value.strip()
            return value or None
        return self._not_str(value, path, numbers)

    def texts_in(self, holder: Mapping[str, Any], at: str, keys: tuple[str, ...], *,
                 numbers: bool = False) -> None:
        """:meth:`text_in` of each of ``keys``, for documented values payfix has no field for:
        each is checked to be text and counted as read (one call for many)."""
        track, read = self.track, self.read
        for key in keys:
            value = holder.get(key)
            if value is not None:
                if track:
                    read.add(at + key)
                if type(value) is not str:
                    self._not_str(value, at + key, numbers)

    def _text(self, value: Any, path: str, numbers: bool) -> str | None:
        if self.track:
            self.read.add(path)
        if type(value) is str:
            value = value.strip()
            return value or None
        return self._not_str(value, path, numbers)

    def _not_str(self, value: Any, path: str, numbers: bool) -> str | None:
        """:meth:`_text` of a value that is not of type ``str``."""
        if isinstance(value, str):
            value = value.strip()
            return value or None
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        self.problem(path, "source_type", f"expected text, got {_kind(value)}", value,
                     {"key": "text"})
        return None

    def flag(self, path: str) -> bool | None:
        """A JSON boolean (or ``"true"``/``"false"`` text, as notifications send it)."""
        value = self.raw(path)
        return None if value is None else self._flag(value, path)

    def flag_in(self, holder: Mapping[str, Any], at: str, key: str) -> bool | None:
        """:meth:`flag` of ``holder[key]`` (see :meth:`text_in`)."""
        value = holder.get(key)
        return None if value is None else self._flag(value, at + key)

    def _flag(self, value: Any, path: str) -> bool | None:
        if self.track:
            self.read.add(path)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        self.problem(path, "source_type", f"expected true or false, got {_kind(value)}", value,
                     {"key": "flag"})
        return None

    def integer(self, path: str) -> int | None:
        """A whole number (JSON integer, or digits as text) at ``path``."""
        value = self.raw(path)
        return None if value is None else self._integer(value, path)

    def integer_in(self, holder: Mapping[str, Any], at: str, key: str) -> int | None:
        """:meth:`integer` of ``holder[key]`` (see :meth:`text_in`)."""
        value = holder.get(key)
        if value is None:
            return None
        if type(value) is int:  # _integer's first case, inlined
            if self.track:
                self.read.add(at + key)
            return value
        return self._integer(value, at + key)

    def _integer(self, value: Any, path: str) -> int | None:
        if self.track:
            self.read.add(path)
        if type(value) is int:
            return value
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip()) if len(value.strip()) <= 20 else value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        self.problem(path, "source_type", f"expected a whole number, got {_kind(value)}", value,
                     {"key": "integer"})
        return None

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

    def minor_amount(self, path: str, currency: str | None,
                     exponents: Mapping[str, int] | None = None) -> dict[str, str] | None:
        """An integer amount of minor units at ``path`` as payfix money: converted by the
        source's documented exponent for ``currency`` (``exponents``, where the source departs
        from ISO 4217), else ISO 4217's."""
        return self._minor(self.integer(path), path, currency, exponents)

    def minor_amount_in(self, holder: Mapping[str, Any], at: str, key: str, currency: str | None,
                        exponents: Mapping[str, int] | None = None) -> dict[str, str] | None:
        """:meth:`minor_amount` of ``holder[key]`` (see :meth:`text_in`)."""
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
        assert iso is not None  # currency() checked it
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
            self.problem(path, "source_type", f"expected a decimal amount, got {_kind(value)}",
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

    def unix_time(self, path: str) -> str | None:
        """Seconds since the epoch at ``path`` as an ISO 8601 UTC time."""
        return self._unix(self.integer(path), path)

    def unix_time_in(self, holder: Mapping[str, Any], at: str, key: str) -> str | None:
        """:meth:`unix_time` of ``holder[key]`` (see :meth:`text_in`)."""
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

    def expiry(self, month_path: str, year_path: str, card: dict[str, Any]) -> None:
        """A card's expiry month and year into ``card`` (a two-digit year ``25`` is 2025, as
        card expiry years are written); a month outside 1-12 is a problem."""
        self._expiry(self.integer(month_path), month_path, self.integer(year_path), year_path,
                     card)

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

    def message(self, path: str) -> None:
        """The processor's message at ``path`` (at most 500 characters), unless one is placed."""
        text = self.text(path, numbers=False)
        if text is not None:
            self.processor.setdefault("message", text[:500])

    def message_in(self, holder: Mapping[str, Any], at: str, key: str) -> None:
        """:meth:`message` of ``holder[key]`` (see :meth:`text_in`)."""
        text = self.text_in(holder, at, key, numbers=False)
        if text is not None:
            self.processor.setdefault("message", text[:500])

    def put(self, field: str, value: Any) -> None:
        """Attempt ``field`` is ``value`` when the object gave one."""
        if value is not None:
            self.attempt[field] = value

    def card(self, brand: str, last4: str, month: str, year: str) -> dict[str, Any]:
        """The card details at those paths: brand (as payfix names it, also the answer's
        brand), last four digits and expiry."""
        self.brand(brand)
        details: dict[str, Any] = {}
        if self.processor.get("brand") is not None:
            details["brand"] = self.processor["brand"]
        digits = self.text(last4)
        if digits is not None:
            details["last4"] = digits
        self.expiry(month, year, details)
        return details

    def card_in(self, holder: Mapping[str, Any], at: str, brand: str, last4: str, month: str,
                year: str) -> dict[str, Any]:
        """:meth:`card` of the keys of ``holder`` (see :meth:`text_in`)."""
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

    def brand(self, path: str) -> None:
        """The card brand at ``path``, as payfix names it."""
        self._brand(self.text(path, numbers=False))

    def brand_in(self, holder: Mapping[str, Any], at: str, key: str) -> None:
        """:meth:`brand` of ``holder[key]`` (see :meth:`text_in`)."""
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


def inner(holder: Mapping[str, Any] | None, key: str) -> dict[str, Any] | None:
    """``holder[key]`` when it is an object, else ``None``: what a path through ``key`` reaches
    (a path through anything but an object holds nothing, and is no problem by itself)."""
    value = holder.get(key) if holder is not None else None
    return value if type(value) is dict else None


def _decimal_text(minor: int, places: int) -> str:
    """``minor`` units of a currency with ``places`` decimals as decimal text: ``"10.99"``,
    ``"0.05"``, ``"150"`` (what ``str(from_minor(...))`` gives, without the Decimal)."""
    if not places:
        return str(minor)
    digits = str(minor).rjust(places + 1, "0")
    return f"{digits[:-places]}.{digits[-places:]}"


_STEP = re.compile(r"([^.\[]+)|\[(\d+)\]")


def _steps(path: str) -> tuple[str | int, ...]:
    """``"a.b[0].c"`` as ``("a", "b", 0, "c")``."""
    return tuple(int(index) if index else name for name, index in _STEP.findall(path))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"text {shown(value, 24)!r}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__

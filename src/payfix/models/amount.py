"""Money in a report: an amount in a currency, and the two conversions a payment may carry.

:class:`Money` is a decimal amount with at most its currency's ISO 4217 minor digits (or integer
``minor`` units); :class:`FxConversion` (the payee receives another currency) and
:class:`Conversion` (card spending abroad: the payer is charged in another currency).
Re-exported by :mod:`payfix.models.report`.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from payfix.errors import ReportValueError
from payfix.masking import shown
from payfix.models._base import _Model
from payfix.money import MAX_MINOR, from_minor, is_currency, minor_unit_exponent, to_minor

__all__ = ["Conversion", "CountryCode", "Currency", "FxConversion", "Money"]

_MAX_MINOR_DIGITS = len(str(MAX_MINOR)) - 1  # a larger power of ten is above MAX_MINOR


def _check_currency(code: str) -> str:
    if not is_currency(code):
        raise ReportValueError(
            "currency",
            "must be an active ISO 4217 alphabetic code with a minor unit, e.g. 'EUR', 'USD', 'JPY'"
        )
    return code


Currency = Annotated[
    str, StringConstraints(min_length=3, max_length=3), AfterValidator(_check_currency)
]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]




def _not_an_integer(value: object) -> object:
    """Refuse a JSON integer as a money value: processors send amounts as integers of minor units
    (Stripe's 2500 is 25.00 USD), so an integer here is ambiguous and is never guessed at."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ReportValueError(
            "integer_amount",
            f"an integer amount ({shown(str(value), 24)}) is ambiguous: processors send integers "
            "of minor units (2500 for 25.00 USD); write the amount as a decimal string such as "
            "'25.00', or give integer minor units as 'minor' instead of 'value'",
            value=shown(str(value), 24))
    return value


def _money_schema(schema: dict[str, Any]) -> None:
    """The JSON Schema of :class:`Money` with its second form, integer ``minor`` units."""
    schema["properties"]["minor"] = {
        "type": "integer", "minimum": 0, "maximum": MAX_MINOR, "title": "Minor",
        "description": "the amount in integer minor units of the currency (its ISO 4217 "
                       "exponent); given instead of value"}
    schema["required"] = ["currency"]
    schema["oneOf"] = [{"required": ["value"]}, {"required": ["minor"]}]


class Money(_Model):
    """An amount in a currency; ``value`` is exact (Decimal) with at most the minor-unit digits.

    Two forms are accepted: ``{"value": "25.00", "currency": "USD"}`` (a decimal string, or a
    number with a decimal point) and ``{"minor": 2500, "currency": "USD"}`` (integer minor units
    by the currency's ISO 4217 exponent). A JSON integer as ``value`` is refused: it is the form
    processors use for minor units, so reading it either way would be a guess.
    """

    model_config = ConfigDict(json_schema_extra=lambda schema: _money_schema(schema))

    value: Annotated[Decimal, Field(ge=0, allow_inf_nan=False), BeforeValidator(_not_an_integer)]
    currency: Currency

    @model_validator(mode="before")
    @classmethod
    def _from_minor_units(cls, data: object) -> object:
        """``{"minor": 2500, "currency": "USD"}`` as ``{"value": "25.00", ...}``."""
        if not isinstance(data, dict) or "minor" not in data:
            return data
        if "value" in data:
            raise ReportValueError("amount_twice", "give the amount once: 'value' (a decimal) or "
                               "'minor' (integer minor units), not both")
        minor, currency = data["minor"], data.get("currency")
        if isinstance(minor, str) and minor.isascii() and minor.isdigit() and len(minor) <= 20:
            minor = int(minor)
        if not isinstance(minor, int) or isinstance(minor, bool) or not 0 <= minor <= MAX_MINOR:
            raise ReportValueError("minor_range", f"minor must be a whole number of minor units from 0 "
                               f"to {MAX_MINOR}, got {shown(str(minor), 24)}",
                               max=MAX_MINOR, value=shown(str(minor), 24))
        rest = {key: item for key, item in data.items() if key != "minor"}
        if isinstance(currency, str) and is_currency(currency):
            return {**rest, "value": from_minor(minor, currency)}
        return {**rest, "value": str(minor)}  # the currency's own problem is reported

    @model_validator(mode="after")
    def _fits_minor_unit(self) -> Money:
        exponent = minor_unit_exponent(self.currency)
        assert exponent is not None  # guaranteed by the currency validator
        if self.value.as_tuple().exponent < -exponent:  # type: ignore[operator]
            raise ReportValueError(
                "decimal_places",
                f"value {self.value} has more than {exponent} decimal places for {self.currency}",
                value=str(self.value), places=exponent, currency=self.currency)
        # the digit count first: 1E+999999 must fail here, not build a million-digit integer
        value = self.value
        minor = MAX_MINOR + 1
        if value.adjusted() + exponent <= _MAX_MINOR_DIGITS or value.is_zero():
            numerator, denominator = value.as_integer_ratio()  # exact: whole minor units (above)
            minor = numerator * 10**exponent // denominator
        if minor > MAX_MINOR:
            largest = f"{from_minor(MAX_MINOR, self.currency):,}"
            raise ReportValueError("amount_too_large", f"value is above the largest accepted amount, "
                               f"{largest} {self.currency}", max=largest, currency=self.currency)
        self.__dict__["minor"] = minor  # what ``minor`` would compute; filled once, here
        return self

    @cached_property
    def minor(self) -> int:
        """The amount in integer minor units (cents, fen, yen ...); computed once per amount."""
        return to_minor(self.value, self.currency)


class FxConversion(_Model):
    """A cross-currency payment: the payee receives ``currency`` at ``rate`` units per unit paid."""

    rate: Annotated[Decimal, Field(gt=0, le=10**9, allow_inf_nan=False)]
    currency: Currency


class Conversion(_Model):
    """Card spending abroad: ``amount`` is the merchant's, and the payer is charged in
    ``currency`` at ``rate`` units of it per unit of the amount's currency (the wallet's or
    issuer's conversion, before fees). Fees and the balance are then reckoned on the converted
    amount, rounded to ``currency``'s minor unit (the fee schedule's rounding mode, else half-even).
    Added in report format 1.1."""

    rate: Annotated[Decimal, Field(gt=0, le=10**9, allow_inf_nan=False)]
    currency: Currency

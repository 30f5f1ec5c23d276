"""Fee schedule models (``rules/fees/*.yaml``), beside the other rule-pack models: what a schedule
holds, checked; the files are read by :mod:`payfix.rules._feefiles` and the rule-pack loader only,
and the arithmetic is :mod:`payfix.fees`.

Structure is checked by pydantic; the checks that need several fields at once (digits allowed by the
currency, ``minimum <= maximum``, tier order ...) are in :func:`schedule_problems`, so the loader
can point at the exact key of each problem. A :class:`FeeSchedule` built in code runs the same
checks and raises on the first validation with all of them in one message.

Every amount and percentage is exact: a quoted decimal string (``"0.10"``) or an integer. A bare
YAML ``0.10`` is a binary float and is refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    ValidationInfo,
    model_validator,
)

from payfix.errors import ReportValueError
from payfix.money import MAX_MINOR, minor_unit_exponent
from payfix.rules._packfiles import SlugId, Text
from payfix.vocab import PaymentKind

__all__ = ["DEFER_CHECKS", "ROUNDING_MODES", "WEEKDAYS", "FeeSchedule", "FreeAllowance", "FxFee",
           "Surcharge", "Tier", "schedule_problems"]


Rounding = Literal[
    "ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_UP", "ROUND_DOWN", "ROUND_CEILING", "ROUND_FLOOR"
]


#: Rounding modes a schedule may name (the :mod:`decimal` constants of the same name).
ROUNDING_MODES: tuple[str, ...] = get_args(Rounding)


#: Validation context that leaves cross-field checks to the caller (the file loader).
DEFER_CHECKS = {"payfix.fees.defer_checks": True}


_DECIMAL = re.compile(r"^\d{1,18}(\.\d{1,18})?$")


def _exact(value: Any) -> Any:
    if isinstance(value, bool | float):
        raise ReportValueError(
            "float", "write decimals as quoted strings, e.g. \"0.10\" (a bare YAML number with a "
            "point is a binary float and is not exact)"
        )
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, str) and _DECIMAL.match(value):
        return Decimal(value)
    raise ReportValueError("decimal", "must be a non-negative decimal string such as \"1.75\", or an "
                           "integer")


#: A non-negative exact decimal (money in the schedule's currency, or a threshold).
Amount = Annotated[Decimal, BeforeValidator(_exact), Field(ge=0)]
#: A percentage between 0 and 100, exact (``"1.75"`` is 1.75 %).
Percent = Annotated[Decimal, BeforeValidator(_exact), Field(ge=0, le=100)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(_Model):
    """One amount band: the chargeable amount up to ``up_to`` (inclusive) pays its own price."""

    up_to: Amount | None = None
    percent: Percent = Decimal(0)
    fixed: Amount = Decimal(0)


class FreeAllowance(_Model):
    """What the payer gets without a (base) fee: free transfers a month, a free amount."""

    transfers_per_month: Annotated[StrictInt, Field(ge=0, le=1_000_000)] = 0
    amount: Amount | None = None
    amount_period: Literal["monthly", "lifetime"] | None = None


class FxFee(_Model):
    """Fee on a cross-currency payment: ``percent`` of the converted amount plus ``fixed``.

    A spread of *s* % over the given rate costs exactly *s* % of the converted amount, so a spread
    is written as ``percent``.
    """

    percent: Percent = Decimal(0)
    fixed: Amount = Decimal(0)


#: Days a surcharge may name, Monday first (``datetime.weekday()`` order).
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_CLOCK = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"


class Surcharge(_Model):
    """A percentage of the whole amount added on some days and hours, as exchange apps publish
    weekend markups: it applies when the payment's time, in ``timezone``, falls on one of ``days``
    from ``start`` (included) to ``end`` (excluded), both ``HH:MM`` (``end`` may be ``24:00``)."""

    percent: Percent
    days: Annotated[tuple[Weekday, ...], Field(min_length=1)]
    start: Annotated[str, Field(pattern=_CLOCK)] = "00:00"
    end: Annotated[str, Field(pattern=_CLOCK)] = "24:00"
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    note: Text | None = None

    def applies(self, at: datetime) -> bool:
        """Whether a payment made at ``at`` (an aware time) pays this surcharge."""
        local = at.astimezone(ZoneInfo(self.timezone))
        clock = f"{local.hour:02d}:{local.minute:02d}"
        return WEEKDAYS[local.weekday()] in self.days and self.start <= clock < self.end


class FeeSchedule(_Model):
    """One operator's price for some payment kinds in one currency."""

    id: SlugId
    label: Text
    kinds: Annotated[tuple[PaymentKind, ...], Field(min_length=1)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    payer: Literal["on_top", "deducted"]
    rounding: Rounding
    percent: Percent = Decimal(0)
    fixed: Amount = Decimal(0)
    minimum: Amount | None = None
    maximum: Amount | None = None
    tiers: tuple[Tier, ...] = ()
    free: FreeAllowance | None = None
    fx: FxFee | None = None
    surcharges: tuple[Surcharge, ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> FeeSchedule:
        if info.context and info.context.get("payfix.fees.defer_checks"):
            return self
        problems = schedule_problems(self)
        if problems:
            raise ValueError("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, _, msg, _ in problems))
        return self


Loc = tuple[str | int, ...]


#: A schedule's problem: where, its type, its message and what the message is made of.
SchedProblem = tuple[Loc, str, str, dict[str, Any]]


def schedule_problems(s: FeeSchedule) -> list[SchedProblem]:
    """Cross-field problems of a structurally valid schedule, as ``(loc, type, message, ctx)``."""
    out: list[SchedProblem] = []
    exponent = minor_unit_exponent(s.currency)
    if exponent is None:
        out.append((("currency",), "fees.unknown_currency",
                    f"{s.currency!r} is not an ISO 4217 currency with a minor unit",
                    {"currency": s.currency}))
    money: list[tuple[Loc, Decimal | None]] = [
        (("fixed",), s.fixed), (("minimum",), s.minimum), (("maximum",), s.maximum),
        *((("tiers", i, "up_to"), t.up_to) for i, t in enumerate(s.tiers)),
        *((("tiers", i, "fixed"), t.fixed) for i, t in enumerate(s.tiers)),
        (("free", "amount"), s.free.amount if s.free else None),
        (("fx", "fixed"), s.fx.fixed if s.fx else None),
    ]
    for loc, value in money:
        if value is None or exponent is None:
            continue
        scaled = Fraction(value) * 10**exponent
        if scaled.denominator != 1:
            out.append((loc, "fees.minor_unit",
                        f"{value} has more than {exponent} decimal places for {s.currency}",
                        {"value": str(value), "places": exponent, "currency": s.currency}))
        elif scaled > MAX_MINOR:
            out.append((loc, "fees.too_large", f"{value} is above the largest amount payfix accepts",
                        {"value": str(value)}))
    if s.minimum is not None and s.maximum is not None and s.minimum > s.maximum:
        out.append((("maximum",), "fees.min_above_max",
                    f"maximum {s.maximum} is below minimum {s.minimum}",
                    {"maximum": str(s.maximum), "minimum": str(s.minimum)}))
    if len(set(s.kinds)) != len(s.kinds):
        out.append((("kinds",), "fees.duplicate_kind", "a payment kind is listed twice", {}))
    if s.tiers:
        out.extend(_tier_problems(s))
    if s.free is not None:
        out.extend(_free_problems(s.free))
    for i, surcharge in enumerate(s.surcharges):
        try:
            ZoneInfo(surcharge.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            out.append((("surcharges", i, "timezone"), "fees.timezone",
                        f"{surcharge.timezone!r} is not an IANA time zone (e.g. Europe/London, UTC)",
                        {"zone": surcharge.timezone}))
        if surcharge.start >= surcharge.end:
            out.append((("surcharges", i, "end"), "fees.surcharge_hours",
                        f"end {surcharge.end} must come after start {surcharge.start}",
                        {"start": str(surcharge.start), "end": str(surcharge.end)}))
    if s.valid_from and s.valid_until and s.valid_from > s.valid_until:
        out.append((("valid_until",), "fees.dates", f"valid_until {s.valid_until} is before "
                    f"valid_from {s.valid_from}",
                    {"until": str(s.valid_until), "since": str(s.valid_from)}))
    return out


def _tier_problems(s: FeeSchedule) -> list[SchedProblem]:
    out: list[SchedProblem] = []
    for key in ("percent", "fixed"):
        if key in s.model_fields_set:
            out.append(((key,), "fees.tiers_and_flat", f"{key!r} cannot be used with 'tiers'; "
                        "give each tier its own percent and fixed", {"name": key}))
    previous = Decimal(0)
    last = len(s.tiers) - 1
    for i, tier in enumerate(s.tiers):
        if i == last and tier.up_to is None:
            break  # an open last tier prices every larger amount; a closed one ends the table
        if tier.up_to is None:
            out.append((("tiers", i), "fees.tier_missing_bound",
                        "every tier but the last needs 'up_to'", {}))
        elif tier.up_to <= previous:
            out.append((("tiers", i, "up_to"), "fees.tier_order",
                        f"up_to {tier.up_to} must be greater than the previous bound {previous}",
                        {"value": str(tier.up_to), "previous": str(previous)}))
        else:
            previous = tier.up_to
    return out


def _free_problems(free: FreeAllowance) -> list[SchedProblem]:
    out: list[SchedProblem] = []
    if free.transfers_per_month == 0 and not free.amount:
        out.append((("free",), "fees.empty_allowance",
                    "give 'transfers_per_month' above 0, or a positive 'amount'", {}))
    if free.amount is not None and free.amount_period is None:
        out.append((("free", "amount"), "fees.missing_period",
                    "'amount' needs 'amount_period': monthly or lifetime", {}))
    if free.amount is None and free.amount_period is not None:
        out.append((("free", "amount_period"), "fees.missing_amount",
                    "'amount_period' needs 'amount'", {}))
    return out

"""Quoting a payment's fees from a schedule: the fee plan for a kind, currency and usage, and the
quote (components, fee, debited and received amounts) in exact integer minor units.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from payfix.errors import FeeError, FeeExceedsAmountError, ScheduleMismatchError
from payfix.fees.plan import (
    ConvertedSchedules,
    _convert,
    _dec,
    _decimal,
    _minor,
    _Plan,
    _round,
    _surcharge,
)
from payfix.money import MAX_MINOR, minor_unit_exponent
from payfix.rules.schedules import FeeSchedule
from payfix.vocab import KINDS

__all__ = ["NO_USAGE", "ConvertedSchedules", "FeeComponent", "FeeQuote", "Usage", "quote"]

_ZERO = Decimal(0)

@dataclass(frozen=True, slots=True)
class Usage:
    """What the payer has used so far, and the exchange rate of a cross-currency payment.

    Attributes:
        free_transfers_used: free transfers already used this month.
        free_amount_used: free amount used so far in the allowance's period (this month for a
            ``monthly`` allowance, ever for a ``lifetime`` one), in the schedule's currency.
        fx_rate: units of ``fx_currency`` for one unit of the schedule's currency (the rate the
            operator would quote before its own fee); ``None`` for a same-currency payment.
        fx_currency: the currency the payee receives; required with ``fx_rate``.
        on: the payment date, checked against ``valid_from``/``valid_until`` when given.
        at: the payment's time (with its UTC offset): the schedule's ``surcharges`` apply when it
            falls in one of their windows; without it none applies.
    """

    free_transfers_used: int = 0
    free_amount_used: Decimal = _ZERO
    fx_rate: Decimal | None = None
    fx_currency: str | None = None
    on: date | None = None
    at: datetime | None = None

    def __post_init__(self) -> None:
        if self.at is not None and self.at.utcoffset() is None:
            raise FeeError("at must carry its UTC offset (a surcharge's hours are local to a zone)",
                           "at_offset")
        if isinstance(self.free_transfers_used, bool) or not isinstance(self.free_transfers_used, int):
            raise TypeError("free_transfers_used must be an int")
        if self.free_transfers_used < 0:
            raise FeeError("free_transfers_used must not be negative", "negative",
                           what="free_transfers_used")
        _decimal(self.free_amount_used, "free_amount_used")
        if self.free_amount_used < 0:
            raise FeeError("free_amount_used must not be negative", "negative",
                           what="free_amount_used")
        if (self.fx_rate is None) != (self.fx_currency is None):
            raise FeeError("fx_rate and fx_currency go together: give both or neither",
                           "fx_together")
        if self.fx_rate is not None:
            if _decimal(self.fx_rate, "fx_rate") <= 0:
                raise FeeError("fx_rate must be positive", "fx_rate_positive")
            if minor_unit_exponent(str(self.fx_currency)) is None:
                raise ScheduleMismatchError(
                    f"unknown ISO 4217 currency {self.fx_currency!r} in fx_currency", "currency",
                    currency=repr(self.fx_currency))

    def after(self, q: FeeQuote) -> Usage:
        """The usage once the quoted payment is made (free transfer and free amount consumed)."""
        return replace(self, free_transfers_used=self.free_transfers_used + int(q.free_transfer),
                       free_amount_used=self.free_amount_used + q.free_amount)


#: No allowance used yet, same-currency payment, no date check.
NO_USAGE = Usage()


@dataclass(frozen=True, slots=True)
class FeeComponent:
    """One part of a fee: ``percentage``, ``fixed``, ``minimum``, ``maximum``, ``surcharge``,
    ``fx_percentage``, ``fx_fixed``. ``minimum``/``maximum`` replace ``percentage`` and ``fixed``
    when a cap binds; a ``surcharge`` is neither capped nor waived by an allowance."""

    name: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """The fees of one payment; every amount is quantized to its currency's minor unit.

    ``fee`` is exactly the sum of ``components`` (zero parts are left out). ``debited`` is what
    leaves the payer (``amount + fee`` on top, ``amount`` when deducted); ``received`` is what the
    payee gets, in ``received_currency`` (converted at ``Usage.fx_rate`` when one is given).
    ``free_transfer``/``free_amount`` say what this payment takes from the free allowances.
    """

    schedule: str
    kind: str
    currency: str
    amount: Decimal
    components: tuple[FeeComponent, ...]
    fee: Decimal
    debited: Decimal
    received: Decimal
    received_currency: str
    free_transfer: bool
    free_amount: Decimal


def _plan(schedule: FeeSchedule, currency: str, kind: str, usage: Usage,
          converted: ConvertedSchedules | None = None) -> _Plan:
    if kind not in KINDS:
        raise ScheduleMismatchError(f"unknown payment kind {kind!r}; payfix knows {', '.join(KINDS)}",
                                    "kind", kind=repr(kind), kinds=", ".join(KINDS))
    if kind not in schedule.kinds:
        raise ScheduleMismatchError(f"fee schedule {schedule.id!r} does not price {kind!r} payments "
                                    f"(it prices {', '.join(schedule.kinds)})", "schedule_kind",
                                    schedule=schedule.id, kind=kind, kinds=", ".join(schedule.kinds))
    if minor_unit_exponent(currency) is None:
        raise ScheduleMismatchError(f"unknown ISO 4217 currency {currency!r}", "currency",
                                    currency=repr(currency))
    if currency != schedule.currency:
        raise ScheduleMismatchError(f"fee schedule {schedule.id!r} is in {schedule.currency}, "
                                    f"not {currency}", "schedule_currency", schedule=schedule.id,
                                    expected=schedule.currency, currency=currency)
    if usage.on is not None and not (
        (schedule.valid_from is None or schedule.valid_from <= usage.on)
        and (schedule.valid_until is None or usage.on <= schedule.valid_until)
    ):
        since, until = schedule.valid_from or "any date", schedule.valid_until or "further notice"
        raise ScheduleMismatchError(f"fee schedule {schedule.id!r} is not valid on {usage.on} "
                                    f"(valid from {since} until {until})", "schedule_dates",
                                    schedule=schedule.id, on=usage.on, since=since, until=until)
    if usage.fx_currency == currency:
        raise FeeError("fx_currency must differ from the payment currency", "fx_same")
    exponent = minor_unit_exponent(currency) or 0
    k = _convert(schedule, exponent) if converted is None else converted.of(schedule, exponent)
    free_used = usage.free_amount_used
    used = _minor(free_used, exponent, currency, "free_amount_used") if free_used else 0
    free = schedule.free
    return _Plan(
        exponent=exponent, mode=schedule.rounding, on_top=schedule.payer == "on_top",
        bands=k.bands, minimum=k.minimum, maximum=k.maximum,
        free_transfer=free is not None and usage.free_transfers_used < free.transfers_per_month,
        free_left=max(0, k.free_total - used),
        fx=k.fx if usage.fx_rate is not None else None,
        fx_fixed=k.fx_fixed if usage.fx_rate is not None else 0,
        surcharge=_surcharge(schedule, usage.at),
    )


# --- public API ---------------------------------------------------------------------------------


def quote(amount: Decimal, currency: str, kind: str, schedule: FeeSchedule,
          usage: Usage = NO_USAGE) -> FeeQuote:
    """Quote the fees of paying ``amount`` of ``currency`` as a ``kind`` payment under ``schedule``.

    The percentage part is rounded to the minor unit with the schedule's rounding mode, then fixed
    parts are added, then ``minimum``/``maximum`` bound the result; free allowances in ``usage``
    waive or shrink it. An FX fee applies when ``usage`` carries a rate and the schedule an ``fx``.

    Raises:
        ScheduleMismatchError: unknown or unpriced kind, other currency, or outside the dates.
        FeeExceedsAmountError: a deducted fee larger than the amount.
        FeeError: negative amount, too many decimals, or above the largest accepted amount.

    Example:
        >>> from payfix.fees import load_fee_schedules
        >>> s = load_fee_schedules()["example.cny_bank_withdrawal"]
        >>> q = quote(Decimal("25000.00"), "CNY", "withdrawal", s)
        >>> q.fee, q.debited, q.free_amount
        (Decimal('5.00'), Decimal('25005.00'), Decimal('20000.00'))
    """
    return _quote(_plan(schedule, currency, kind, usage), amount, currency, kind, schedule, usage)


def _quote(plan: _Plan, amount: Decimal, currency: str, kind: str, schedule: FeeSchedule,
           usage: Usage) -> FeeQuote:
    """:func:`quote` under ``plan``, the schedule and usage already checked and converted."""
    a = _minor(amount, plan.exponent, currency, "amount")
    if not 0 <= a <= MAX_MINOR:
        largest_amount = _dec(MAX_MINOR, plan.exponent)
        raise FeeError(f"amount {amount} must be between 0 and {largest_amount}", "amount_range",
                       amount=amount, max=largest_amount)
    largest = plan.largest
    if largest is not None and a > largest:
        raise ScheduleMismatchError(
            f"fee schedule {schedule.id!r} prices amounts up to {_dec(largest, plan.exponent)} "
            f"{currency} (its last tier ends at {_dec(plan.bands[-1].upper or 0, plan.exponent)})",
            "schedule_largest", schedule=schedule.id, max=_dec(largest, plan.exponent),
            currency=currency)
    parts, free_used = plan.parts(a)
    fee = sum(v for _, v in parts)
    if not plan.on_top and fee > a:
        raise FeeExceedsAmountError(f"the fee {_dec(fee, plan.exponent)} {currency} is deducted from "
                                    f"{amount} {currency} and is larger than it", "fee_exceeds",
                                    fee=_dec(fee, plan.exponent), amount=amount, currency=currency)
    net = a if plan.on_top else a - fee
    received, received_currency = _dec(net, plan.exponent), currency
    if usage.fx_rate is not None and usage.fx_currency is not None:
        target = minor_unit_exponent(usage.fx_currency) or 0
        scaled = Fraction(net) * Fraction(usage.fx_rate) * Fraction(10) ** (target - plan.exponent)
        received, received_currency = _dec(_round(scaled, plan.mode), target), usage.fx_currency
    return FeeQuote(
        schedule=schedule.id, kind=kind, currency=currency, amount=_dec(a, plan.exponent),
        components=tuple(FeeComponent(n, _dec(v, plan.exponent)) for n, v in parts),
        fee=_dec(fee, plan.exponent), debited=_dec(a + fee if plan.on_top else a, plan.exponent),
        received=received, received_currency=received_currency,
        free_transfer=a > 0 and plan.free_transfer, free_amount=_dec(free_used, plan.exponent),
    )





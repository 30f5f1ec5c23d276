"""Quoting a payment's fees from a schedule: the fee plan for a kind, currency and usage, and the
quote (components, fee, debited and received amounts) in exact integer minor units.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from payfix._memo import remember_for
from payfix.errors import FeeError, FeeExceedsAmountError, ScheduleMismatchError
from payfix.money import MAX_MINOR, minor_unit_exponent
from payfix.rules.schedules import FeeSchedule, Tier
from payfix.vocab import KINDS

__all__ = ["NO_USAGE", "ConvertedSchedules", "FeeComponent", "FeeQuote", "Usage", "quote"]

_ZERO = Decimal(0)


def _decimal(value: object, what: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"{what} must be a decimal.Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise FeeError(f"{what} must be a finite number, not {value}")
    return value


def _minor(value: Decimal, exponent: int, currency: str, what: str) -> int:
    """``value`` in whole minor units (``exponent`` decimals), exactly; more decimals is an error."""
    numerator, denominator = _decimal(value, what).as_integer_ratio()  # exact, in lowest terms
    minor: int
    minor, rest = divmod(numerator * 10**exponent, denominator)
    if rest:
        raise FeeError(f"{what} {value} has more than {exponent} decimal places for {currency}")
    return minor


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
            raise FeeError("at must carry its UTC offset (a surcharge's hours are local to a zone)")
        if isinstance(self.free_transfers_used, bool) or not isinstance(self.free_transfers_used, int):
            raise TypeError("free_transfers_used must be an int")
        if self.free_transfers_used < 0:
            raise FeeError("free_transfers_used must not be negative")
        _decimal(self.free_amount_used, "free_amount_used")
        if self.free_amount_used < 0:
            raise FeeError("free_amount_used must not be negative")
        if (self.fx_rate is None) != (self.fx_currency is None):
            raise FeeError("fx_rate and fx_currency go together: give both or neither")
        if self.fx_rate is not None:
            if _decimal(self.fx_rate, "fx_rate") <= 0:
                raise FeeError("fx_rate must be positive")
            if minor_unit_exponent(str(self.fx_currency)) is None:
                raise ScheduleMismatchError(f"unknown ISO 4217 currency {self.fx_currency!r} in fx_currency")

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


# --- exact arithmetic -------------------------------------------------------------------------


def _dec(minor: int, exponent: int) -> Decimal:
    """``minor`` minor units as a Decimal with exactly ``exponent`` decimals (``_dec(500, 2)`` is
    ``5.00``); exact at any size, unlike arithmetic under a context precision."""
    return Decimal(f"{minor}E-{exponent}")  # a Decimal from text is exact, never context-rounded


def _round(value: Fraction, mode: str) -> int:
    """``value`` rounded to an integer exactly as :meth:`Decimal.quantize` does with ``mode``."""
    return _round_ratio(value.numerator, value.denominator, mode)


def _round_ratio(n: int, d: int, mode: str) -> int:
    """``n / d`` (``d > 0``) rounded to an integer exactly as :meth:`Decimal.quantize` does with
    ``mode``: integer arithmetic only, no :class:`Fraction` built."""
    whole, rest = divmod(n, d)  # floor division
    if rest == 0 or mode == "ROUND_FLOOR":
        return whole
    positive = n > 0
    if mode == "ROUND_CEILING":
        return whole + 1
    if mode in ("ROUND_UP", "ROUND_DOWN"):
        return whole + int(positive == (mode == "ROUND_UP"))
    twice = 2 * rest
    if twice != d:
        return whole + int(twice > d)
    if mode == "ROUND_HALF_UP":
        return whole + int(positive)
    return whole + whole % 2  # ROUND_HALF_EVEN


@dataclass(frozen=True, slots=True)
class _Band:
    """One tier in minor units; its rate is ``num / den``."""

    upper: int | None
    num: int
    den: int
    fixed: int


@dataclass(frozen=True, slots=True)
class _Constants:
    """A schedule's amounts and rates in minor units: what every quote under it starts from."""

    bands: tuple[_Band, ...]
    minimum: int | None
    maximum: int | None
    free_total: int
    fx: tuple[int, int] | None  # the FX rate as (num, den)
    fx_fixed: int


@dataclass(slots=True)  # private and never changed after it is built; not frozen: built per quote
class _Plan:
    """A schedule in minor units, with the usage applied: what the fee of ``a`` depends on."""

    exponent: int
    mode: str
    on_top: bool
    bands: tuple[_Band, ...]
    minimum: int | None
    maximum: int | None
    free_transfer: bool
    free_left: int
    fx: tuple[int, int] | None  # the FX share of the converted amount, as (num, den)
    fx_fixed: int
    surcharge: tuple[int, int] | None = None  # the share of the whole amount, as (num, den)

    @property
    def largest(self) -> int | None:
        """The largest amount priced, when the last tier is closed (its ``up_to`` ends the
        table) and a base fee is charged: that bound above the free amount left; else ``None``."""
        top = self.bands[-1].upper
        return None if top is None or self.free_transfer else top + self.free_left

    def _band(self, chargeable: int) -> tuple[int, int, int]:
        """``(percentage, fixed, fee)`` of the band ``chargeable`` falls in; ``fee`` is their sum
        bounded by the minimum and maximum (unequal to it exactly when a bound applies)."""
        band = next(b for b in self.bands if b.upper is None or chargeable <= b.upper)
        percentage = _round_ratio(band.num * chargeable, band.den, self.mode)
        raw = percentage + band.fixed
        if self.minimum is not None and raw < self.minimum:
            return percentage, band.fixed, self.minimum
        if self.maximum is not None and raw > self.maximum:
            return percentage, band.fixed, self.maximum
        return percentage, band.fixed, raw

    def base(self, chargeable: int) -> list[tuple[str, int]]:
        percentage, fixed, fee = self._band(chargeable)
        if fee > percentage + fixed:
            return [("minimum", fee)]
        if fee < percentage + fixed:
            return [("maximum", fee)]
        return [("percentage", percentage), ("fixed", fixed)]

    def parts(self, a: int) -> tuple[list[tuple[str, int]], int]:
        """Fee components of amount ``a`` (minor units) and the free amount it uses."""
        if a == 0:
            return [], 0
        used = 0 if self.free_transfer else min(a, self.free_left)
        parts = [] if self.free_transfer or a == used else self.base(a - used)
        if self.surcharge is not None:  # on the whole amount, whatever the allowances waive
            parts.append(("surcharge", _round_ratio(self.surcharge[0] * a, self.surcharge[1],
                                                    self.mode)))
        if self.fx is not None:
            num, den = self.fx
            if self.on_top:  # the whole amount is converted and pays p of it
                fx = _round_ratio(num * a, den, self.mode)
            else:  # the rest is converted and pays p of it: p / (1 + p) of the rest
                rest = a - sum(v for _, v in parts) - self.fx_fixed
                fx = _round_ratio(num * rest, den + num, self.mode)
            parts += [("fx_percentage", max(0, fx)), ("fx_fixed", self.fx_fixed)]
        return [(n, v) for n, v in parts if v], used

    def fee(self, a: int) -> int:
        """The total of :meth:`parts` of ``a``, without listing them (what a search over amounts
        asks many times)."""
        if a == 0:
            return 0
        used = 0 if self.free_transfer else min(a, self.free_left)
        total = 0 if self.free_transfer or a == used else self._band(a - used)[2]
        if self.surcharge is not None:
            total += _round_ratio(self.surcharge[0] * a, self.surcharge[1], self.mode)
        if self.fx is not None:
            num, den = self.fx
            if self.on_top:
                fx = _round_ratio(num * a, den, self.mode)
            else:
                fx = _round_ratio(num * (a - total - self.fx_fixed), den + num, self.mode)
            total += max(0, fx) + self.fx_fixed
        return total

    def debit(self, a: int) -> int:
        return a + self.fee(a) if self.on_top else a

    def starts(self) -> list[int]:
        """First amounts of the pieces on which ``debit`` is strictly increasing (see max_sendable)."""
        if self.free_transfer:
            return [0, 1]
        cuts = {0, 1, self.free_left + 1}
        cuts.update(self.free_left + b.upper + 1 for b in self.bands if b.upper is not None)
        return sorted(cuts)


def _ratio(value: Fraction) -> tuple[int, int]:
    return value.numerator, value.denominator


class ConvertedSchedules:
    """Fee schedules converted to minor units, remembered by whoever holds this object (each
    :class:`~payfix.Diagnoser` keeps one): converting a schedule's decimals is most of the cost of
    a quote. It holds schedules only, never a payment's data, and is bounded (cleared whole at 256
    entries); a quote without one converts its schedule afresh.

    Example:
        >>> from payfix.fees import load_fee_schedules
        >>> s, held = load_fee_schedules()["example.cny_bank_withdrawal"], ConvertedSchedules()
        >>> held.of(s, 2) is held.of(s, 2)
        True
    """

    __slots__ = ("_memo",)

    def __init__(self) -> None:
        # (id of a schedule, exponent) -> (that schedule, its constants)
        self._memo: dict[tuple[object, ...], tuple[object, _Constants]] = {}

    def of(self, schedule: FeeSchedule, exponent: int) -> _Constants:
        """The schedule's constants in minor units of ``exponent`` decimals."""
        return remember_for(self._memo, schedule, (exponent,), lambda: _convert(schedule, exponent),
                            256)


def _convert(schedule: FeeSchedule, exponent: int) -> _Constants:
    currency = schedule.currency

    def minor(value: Decimal) -> int:
        return _minor(value, exponent, currency, "schedule amount")

    tiers = schedule.tiers or (Tier(percent=schedule.percent, fixed=schedule.fixed),)
    free = schedule.free
    fx = schedule.fx
    return _Constants(
        bands=tuple(_Band(None if t.up_to is None else minor(t.up_to),
                          *_ratio(Fraction(t.percent) / 100), minor(t.fixed)) for t in tiers),
        minimum=None if schedule.minimum is None else minor(schedule.minimum),
        maximum=None if schedule.maximum is None else minor(schedule.maximum),
        free_total=minor(free.amount) if free is not None and free.amount is not None else 0,
        fx=None if fx is None else _ratio(Fraction(fx.percent) / 100),
        fx_fixed=0 if fx is None else minor(fx.fixed),
    )


def _plan(schedule: FeeSchedule, currency: str, kind: str, usage: Usage,
          converted: ConvertedSchedules | None = None) -> _Plan:
    if kind not in KINDS:
        raise ScheduleMismatchError(f"unknown payment kind {kind!r}; payfix knows {', '.join(KINDS)}")
    if kind not in schedule.kinds:
        raise ScheduleMismatchError(f"fee schedule {schedule.id!r} does not price {kind!r} payments "
                                    f"(it prices {', '.join(schedule.kinds)})")
    if minor_unit_exponent(currency) is None:
        raise ScheduleMismatchError(f"unknown ISO 4217 currency {currency!r}")
    if currency != schedule.currency:
        raise ScheduleMismatchError(f"fee schedule {schedule.id!r} is in {schedule.currency}, "
                                    f"not {currency}")
    if usage.on is not None and not (
        (schedule.valid_from is None or schedule.valid_from <= usage.on)
        and (schedule.valid_until is None or usage.on <= schedule.valid_until)
    ):
        since, until = schedule.valid_from or "any date", schedule.valid_until or "further notice"
        raise ScheduleMismatchError(f"fee schedule {schedule.id!r} is not valid on {usage.on} "
                                    f"(valid from {since} until {until})")
    if usage.fx_currency == currency:
        raise FeeError("fx_currency must differ from the payment currency")
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


def _surcharge(schedule: FeeSchedule, at: datetime | None) -> tuple[int, int] | None:
    """The share of the whole amount the surcharges in force at ``at`` add (their percentages
    summed), as ``(num, den)``; ``None`` when none applies."""
    if at is None or not schedule.surcharges:
        return None
    share = sum((Fraction(s.percent) / 100 for s in schedule.surcharges if s.applies(at)),
                Fraction(0))
    return _ratio(share) if share else None


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
        raise FeeError(f"amount {amount} must be between 0 and {_dec(MAX_MINOR, plan.exponent)}")
    largest = plan.largest
    if largest is not None and a > largest:
        raise ScheduleMismatchError(
            f"fee schedule {schedule.id!r} prices amounts up to {_dec(largest, plan.exponent)} "
            f"{currency} (its last tier ends at {_dec(plan.bands[-1].upper or 0, plan.exponent)})")
    parts, free_used = plan.parts(a)
    fee = sum(v for _, v in parts)
    if not plan.on_top and fee > a:
        raise FeeExceedsAmountError(f"the fee {_dec(fee, plan.exponent)} {currency} is deducted from "
                                    f"{amount} {currency} and is larger than it")
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





"""The arithmetic under every quote: a schedule's amounts and rates in whole minor units, the fee
plan for a usage (bands, bounds, allowances, FX and surcharge shares) and exact rounding, with
integers only. :mod:`payfix.fees.quoting` builds plans and quotes; :mod:`payfix.fees.sendable`
searches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from payfix._memo import remember_for
from payfix.errors import FeeError
from payfix.rules.schedules import FeeSchedule, Tier

__all__ = ["ConvertedSchedules"]


def _decimal(value: object, what: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"{what} must be a decimal.Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise FeeError(f"{what} must be a finite number, not {value}", "finite", what=what)
    return value


def _minor(value: Decimal, exponent: int, currency: str, what: str) -> int:
    """``value`` in whole minor units (``exponent`` decimals), exactly; more decimals is an error."""
    numerator, denominator = _decimal(value, what).as_integer_ratio()  # exact, in lowest terms
    minor: int
    minor, rest = divmod(numerator * 10**exponent, denominator)
    if rest:
        raise FeeError(f"{what} {value} has more than {exponent} decimal places for {currency}",
                       "places", what=what, value=value, places=exponent, currency=currency)
    return minor


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


def _surcharge(schedule: FeeSchedule, at: datetime | None) -> tuple[int, int] | None:
    """The share of the whole amount the surcharges in force at ``at`` add (their percentages
    summed), as ``(num, den)``; ``None`` when none applies."""
    if at is None or not schedule.surcharges:
        return None
    share = sum((Fraction(s.percent) / 100 for s in schedule.surcharges if s.applies(at)),
                Fraction(0))
    return _ratio(share) if share else None

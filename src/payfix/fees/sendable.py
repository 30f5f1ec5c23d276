"""The most one can send: the largest amount whose amount plus fee fits a balance, searched
exactly over minor units from an interpolated guess.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from payfix.fees.plan import ConvertedSchedules, _dec, _decimal, _Plan
from payfix.fees.quoting import NO_USAGE, FeeQuote, Usage, _plan, _quote
from payfix.money import MAX_MINOR
from payfix.rules.schedules import FeeSchedule

__all__ = ["max_sendable", "quote_with_max_sendable"]


def max_sendable(balance: Decimal, currency: str, kind: str, schedule: FeeSchedule,
                 usage: Usage = NO_USAGE) -> Decimal:
    """The largest amount (whole minor units) whose debit ``amount + fee`` fits in ``balance``.

    For ``deducted`` schedules the debit is the amount itself, so this is ``balance`` rounded down to
    the minor unit (a quote of it raises :class:`FeeExceedsAmountError` if the balance does not even
    cover its own fee). A negative balance gives 0. A closed last tier bounds the answer: no amount
    above the table is priced.

    Exact, without search over floats: amounts ``1..`` split into pieces at the end of the free
    amount and at every tier bound. Inside one piece the tier and the free/charged state are fixed,
    so ``debit(a) = a + clamp(round(p*c) + fixed) + round(f*a) + fx_fixed`` with ``c`` the charged
    part; every term is non-decreasing in ``a`` (rounding and clamping are monotone) and ``a``
    itself grows, so ``debit`` is strictly increasing there and bisection finds that piece's largest
    fitting amount. Across pieces the debit may fall (a cheaper tier), so pieces are tried from the
    top and the first that fits wins: every amount in higher pieces was too dear.

    Example:
        >>> from payfix.fees import load_fee_schedules
        >>> s = load_fee_schedules()["example.cny_bank_withdrawal"]
        >>> used = Usage(free_amount_used=Decimal("20000.00"))
        >>> max_sendable(Decimal("30000.00"), "CNY", "withdrawal", s, used)
        Decimal('29970.03')
    """
    return _max_sendable(_plan(schedule, currency, kind, usage), balance)


def quote_with_max_sendable(amount: Decimal, balance: Decimal | None, currency: str, kind: str,
                            schedule: FeeSchedule, usage: Usage = NO_USAGE, *,
                            converted: ConvertedSchedules | None = None,
                            ) -> tuple[FeeQuote, Decimal | None]:
    """:func:`quote` and, when ``balance`` is given, :func:`max_sendable`: the same answers, with the
    schedule checked and converted once for both (or taken from ``converted``, the caller's memo of
    converted schedules).

    Raises:
        FeeError: as :func:`quote` does.

    Example:
        >>> from payfix.fees import load_fee_schedules
        >>> s = load_fee_schedules()["example.cny_bank_withdrawal"]
        >>> q, most = quote_with_max_sendable(Decimal("25000.00"), Decimal("30000.00"), "CNY",
        ...                                   "withdrawal", s)
        >>> from payfix.fees import quote
        >>> q == quote(Decimal("25000.00"), "CNY", "withdrawal", s), most
        (True, Decimal('29990.01'))
    """
    plan = _plan(schedule, currency, kind, usage, converted)
    quoted = _quote(plan, amount, currency, kind, schedule, usage)
    return quoted, None if balance is None else _max_sendable(plan, balance)


def _max_sendable(plan: _Plan, balance: Decimal) -> Decimal:
    """:func:`max_sendable` under ``plan``, the schedule and usage already checked and converted."""
    numerator, denominator = _decimal(balance, "balance").as_integer_ratio()
    limit = min(MAX_MINOR, max(0, numerator * 10**plan.exponent // denominator))  # floor, exactly
    # a closed last tier prices no larger amount: the amounts tried end there, the budget does not
    cap = limit if plan.largest is None else min(limit, plan.largest)
    if not plan.on_top:
        return _dec(cap, plan.exponent)
    starts = [s for s in plan.starts() if s <= cap]
    ends = [s - 1 for s in starts[1:]] + [cap]
    for start, end in zip(reversed(starts), reversed(ends), strict=True):
        best = _largest(start, end, plan.debit, limit)
        if best is not None:
            return _dec(best, plan.exponent)
    return _dec(0, plan.exponent)  # unreachable: the piece {0} always fits


def _largest(lo: int, hi: int, cost: Callable[[int], int], limit: int) -> int | None:
    """Largest ``a`` in ``[lo, hi]`` with ``cost(a) <= limit``, for ``cost`` strictly increasing.

    Exact for any increasing ``cost``; fast for the nearly linear ones fees give: the first probe
    interpolates between the ends, then steps double away from it until the answer is bracketed,
    then bisection closes the bracket (a handful of ``cost`` calls instead of ~40).
    """
    if lo > hi:
        return None
    low_cost = cost(lo)
    if low_cost > limit:
        return None
    high_cost = cost(hi)
    if high_cost <= limit:
        return hi
    # cost(lo) fits, cost(hi) does not; probe where the straight line between them meets limit.
    probe = min(hi - 1, max(lo, lo + (limit - low_cost) * (hi - lo) // (high_cost - low_cost)))
    step = 1
    if cost(probe) <= limit:
        lo = probe
        while lo + step < hi and cost(lo + step) <= limit:
            lo, step = lo + step, step * 2
        hi = min(hi, lo + step)
    else:
        hi = probe
        while hi - step > lo and cost(hi - step) > limit:
            hi, step = hi - step, step * 2
        lo = max(lo, hi - step)
    while hi - lo > 1:  # cost(lo) fits, cost(hi) does not
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if cost(mid) <= limit else (lo, mid)
    return lo

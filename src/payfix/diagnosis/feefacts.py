"""The fee side of enrichment: which schedule prices a report, its quote, and what fits the balance.

A report names its schedule (``attempt.fee_schedule``) or the pack picks the first schedule, by
id, that prices the attempt's kind in its currency (with an FX part exactly when the report gives
``attempt.fx``). A fee stated in the report (``attempt.fee``) is what the processor charged: then
no schedule is consulted unless the report names one, and the stated fee still decides the
balance facts.

Card spending abroad (``attempt.conversion``): the merchant's amount is converted into the
currency the payer is charged in, rounded with the schedule's rounding mode, and priced there by a
schedule with an FX part (its percentage is of the converted amount); the merchant receives the
amount in its own currency.

Example:
    >>> from payfix.rules.loader import load_pack
    >>> from payfix.inputs.intake import parse_report
    >>> report = parse_report({"attempt": {"id": "a", "at": "2026-03-01T10:00:00Z",
    ...     "kind": "p2p_transfer", "amount": {"value": "100.00", "currency": "EUR"},
    ...     "method": {"type": "wallet_balance"}, "fee_usage": {"free_transfers_used": 5},
    ...     "balance": {"available": {"value": "100.00", "currency": "EUR"}}}})
    >>> outcome = price(report, load_pack())
    >>> outcome.quote.schedule, str(outcome.quote.fee), str(outcome.max_sendable)
    ('example.eur_instant_transfer', '0.50', '99.50')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, localcontext

from payfix.errors import InvalidReportError, Problem
from payfix.fees import (
    ConvertedSchedules,
    FeeError,
    FeeQuote,
    FeeSchedule,
    Usage,
    quote_with_max_sendable,
)
from payfix.masking import shown
from payfix.models.report import Attempt, AttemptReport
from payfix.money import from_minor
from payfix.rules.pack import RulePack
from payfix.vocab import Scalar

__all__ = ["Priced", "breakdown_fields", "price", "unpriced"]


@dataclass(frozen=True, slots=True)
class Priced:
    """A report's fee quote, and the largest amount the available balance could send."""

    quote: FeeQuote
    max_sendable: Decimal | None


def _usage(report: AttemptReport, day: date | None) -> Usage:
    attempt = report.attempt
    used = attempt.fee_usage
    fx, conversion = attempt.fx, attempt.conversion
    if conversion is not None:  # the payee receives the amount's currency, at the inverse rate
        with localcontext() as exact:
            exact.prec = 40
            fx_rate: Decimal | None = Decimal(1) / conversion.rate
        fx_currency: str | None = attempt.amount.currency
    else:
        fx_rate = fx.rate if fx is not None else None
        fx_currency = fx.currency if fx is not None else None
    return Usage(
        free_transfers_used=used.free_transfers_used if used is not None else 0,
        free_amount_used=used.free_amount_used.value
        if used is not None and used.free_amount_used is not None else Decimal(0),
        fx_rate=fx_rate,
        fx_currency=fx_currency,
        on=day or attempt.at.date(),
        at=attempt.at,
    )


def unpriced(attempt: Attempt, pack: RulePack) -> bool:
    """Whether no schedule of ``pack`` prices ``attempt``, whatever its amount: the processor
    stated what it charged (``fee`` without ``fee_schedule``; no schedule second-guesses it), or
    no schedule is for its currency, kind and conversion. :func:`price` answers ``None`` for such
    an attempt without looking at its amount."""
    if attempt.fee_schedule is not None:
        return False
    if attempt.fee is not None:
        return True
    conversion = attempt.conversion
    currency = attempt.amount.currency if conversion is None else conversion.currency
    return not pack.fee_index.get((currency, attempt.kind, attempt.fx is not None or conversion is not None))


def price(report: AttemptReport, pack: RulePack,
          converted: ConvertedSchedules | None = None, day: date | None = None) -> Priced | None:
    """The quote for ``report`` under the pack's schedules, or ``None`` when none prices it
    (``converted``: the caller's memo of schedules in minor units, as a Diagnoser keeps one;
    ``day``: the day whose schedules apply, the attempt's own by default).

    Raises:
        InvalidReportError: ``attempt.fee_schedule`` names a schedule the pack does not have, or
            one that cannot price this attempt.
    """
    attempt = report.attempt
    if unpriced(attempt, pack):
        return None
    currency, kind = attempt.charged()[1], attempt.kind
    abroad = attempt.conversion is not None
    if attempt.fee_schedule is not None:
        schedule = pack.fees.get(attempt.fee_schedule)
        if schedule is None:
            known = ", ".join(sorted(pack.fees)) or "none"
            raise InvalidReportError("unknown fee schedule", [Problem(
                "unknown_fee_schedule", ("attempt", "fee_schedule"),
                f"the rule pack has no fee schedule {shown(attempt.fee_schedule)!r} (known: {known})",
                input=attempt.fee_schedule)])
        candidates: tuple[FeeSchedule, ...] = (schedule,)
    else:
        candidates = pack.fee_index[currency, kind, attempt.fx is not None or abroad]
    usage = _usage(report, day)
    balance = attempt.balance
    available = (balance.available.value
                 if balance is not None and balance.available.currency == currency else None)
    for schedule in candidates:
        amount = attempt.charged(schedule.rounding)[0]
        try:
            quoted, sendable = quote_with_max_sendable(amount, available, currency, kind, schedule,
                                                       usage, converted=converted)
            if abroad and quoted.debited == amount + quoted.fee:  # the fee is on top
                quoted = replace(quoted, received=attempt.amount.value)
        except FeeError as error:
            if attempt.fee_schedule is None:
                continue
            raise InvalidReportError("the fee schedule cannot price this attempt", [Problem(
                "fee_schedule_mismatch", ("attempt", "fee_schedule"), str(error))]) from None
        return Priced(quoted, sendable)
    return None


def breakdown_fields(priced: Priced | None, facts: Mapping[str, Scalar]) -> dict[str, object] | None:
    """The fields of the diagnosis's :class:`~payfix.models.diagnosis.FeeBreakdown`."""
    if priced is None:
        return None
    q = priced.quote
    short = facts.get("balance.shortfall_minor")
    return {
        "schedule": q.schedule, "currency": q.currency, "amount": q.amount,
        "components": [{"name": c.name, "amount": c.amount} for c in q.components],
        "fee": q.fee, "debited": q.debited, "received": q.received,
        "received_currency": q.received_currency, "max_sendable": priced.max_sendable,
        "shortfall": None if short is None else from_minor(int(short), q.currency)}

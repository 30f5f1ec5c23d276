"""Fee engine: quote a payment's fees from a schedule kept as data, and find the most one can send.

Schedules live in ``rules/fees/*.yaml`` (format in ``docs/fees.md``, models in
:mod:`payfix.rules.schedules`) and are read by the rule-pack loader only
(:func:`load_fee_schedules` is :func:`payfix.rules.loader.load_fee_schedules`); this package is
arithmetic over loaded schedules: :mod:`~payfix.fees.plan` (a schedule in minor units, exact
rounding), :mod:`~payfix.fees.quoting` (what a payment costs) and :mod:`~payfix.fees.sendable`
(the most one can send). Everything here is exact: money is
:class:`~decimal.Decimal` at the edges, integer minor units inside, and percentages are exact
fractions (a 3 % FX fee taken out of a deducted amount is 3/103 of what is left, which no decimal
represents). No float is used.

Example:
    >>> from decimal import Decimal
    >>> s = load_fee_schedules()["example.usd_instant_transfer"]
    >>> q = quote(Decimal("100.00"), "USD", "withdrawal", s)
    >>> [(c.name, c.amount) for c in q.components], q.received
    ([('percentage', Decimal('1.75'))], Decimal('98.25'))
"""

from __future__ import annotations

from payfix.errors import FeeError, FeeExceedsAmountError, ScheduleMismatchError
from payfix.fees.quoting import NO_USAGE, ConvertedSchedules, FeeComponent, FeeQuote, Usage, quote
from payfix.fees.sendable import max_sendable, quote_with_max_sendable
from payfix.rules.loader import load_fee_schedules
from payfix.rules.schedules import ROUNDING_MODES, FeeSchedule, FreeAllowance, FxFee, Tier
from payfix.vocab import KINDS

__all__ = [
    "KINDS",
    "NO_USAGE",
    "ROUNDING_MODES",
    "ConvertedSchedules",
    "FeeComponent",
    "FeeError",
    "FeeExceedsAmountError",
    "FeeQuote",
    "FeeSchedule",
    "FreeAllowance",
    "FxFee",
    "ScheduleMismatchError",
    "Tier",
    "Usage",
    "load_fee_schedules",
    "max_sendable",
    "quote",
    "quote_with_max_sendable",
]

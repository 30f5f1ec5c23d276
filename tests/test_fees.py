"""Fee engine: exact quotes, exact max-sendable, strict schedule files, typed errors."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from decimal import Decimal, FloatOperation, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from payfix import PayfixError, RulePackError
from payfix.fees import (
    ROUNDING_MODES,
    FeeError,
    FeeExceedsAmountError,
    FeeQuote,
    FeeSchedule,
    ScheduleMismatchError,
    Usage,
    load_fee_schedules,
    max_sendable,
    quote,
    quote_with_max_sendable,
)
from payfix.fees import quoting as fees_module

CURRENCIES = {"EUR": 2, "USD": 2, "JPY": 0, "CNY": 2, "BHD": 3}
SHIPPED = load_fee_schedules()
CNY_WITHDRAWAL = SHIPPED["example.cny_bank_withdrawal"]
USD_INSTANT = SHIPPED["example.usd_instant_transfer"]
EUR_FX = SHIPPED["example.eur_fx_transfer"]
D = Decimal


def _money(minor: int, exponent: int) -> Decimal:
    """``minor`` units as an exact Decimal with ``exponent`` places (never via float)."""
    return Decimal((0, tuple(int(c) for c in str(minor)), -exponent))


def _quantized(value: Decimal, exponent: int) -> bool:
    return isinstance(value, Decimal) and value.as_tuple().exponent == -exponent


# --- generated schedules ------------------------------------------------------------------------


@st.composite
def schedules(draw: st.DrawFn, scale: int = 10**7, *, tiered: bool | None = None,
              payer: str | None = None, fx: bool | None = None, closed: bool = False) -> FeeSchedule:
    """Any valid schedule: flat or tiered, caps, free allowances, FX, both payers, every rounding.

    ``scale`` bounds the money values in minor units, so small scales put every boundary within
    reach of a brute-force check; ``tiered``, ``payer`` and ``fx`` pin those choices when given;
    ``closed`` ends a tiered table with a bounded last tier (no larger amount is priced).
    """
    cur = draw(st.sampled_from(sorted(CURRENCIES)))
    exp = CURRENCIES[cur]

    def money(hi: int, lo: int = 0) -> str:
        return str(_money(draw(st.integers(lo, hi)), exp))

    def percent() -> str:
        return str(Decimal(draw(st.integers(0, 200_000))).scaleb(-4))  # 0 to 20 %, 4 places

    def fixed() -> str:  # often small; sometimes large, so a cheaper higher band drops the debit
        return money(draw(st.sampled_from([scale // 50, scale // 2, scale])))

    data: dict[str, Any] = {
        "id": "gen.schedule", "label": "generated", "kinds": ["p2p_transfer"], "currency": cur,
        "payer": payer or draw(st.sampled_from(["on_top", "deducted"])),
        "rounding": draw(st.sampled_from(ROUNDING_MODES)),
    }
    bounds = sorted(draw(st.sets(st.integers(1, scale), min_size=int(bool(tiered)),
                                 max_size=0 if tiered is False else 3)))
    if bounds:
        data["tiers"] = [{"up_to": str(_money(b, exp)), "percent": percent(), "fixed": fixed()}
                         for b in bounds] + ([] if closed else [{"percent": percent(), "fixed": fixed()}])
    else:
        data["percent"], data["fixed"] = percent(), fixed()
    caps = sorted(draw(st.lists(st.integers(0, scale // 10), min_size=2, max_size=2)))
    if draw(st.booleans()):
        data["minimum"] = str(_money(caps[0], exp))
    if draw(st.booleans()):
        data["maximum"] = str(_money(caps[1], exp))
    free: dict[str, Any] = {}
    if draw(st.booleans()):
        free["transfers_per_month"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        free["amount"] = money(scale, 1)
        free["amount_period"] = draw(st.sampled_from(["monthly", "lifetime"]))
    if free:
        data["free"] = free
    if fx or (fx is None and draw(st.booleans())):
        data["fx"] = {"percent": percent(), "fixed": money(scale // 50)}
    if draw(st.booleans()):  # a weekend or evening markup on the whole amount
        data["surcharges"] = [{"percent": percent(), "days": draw(st.lists(
            st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1,
            max_size=7, unique=True)), "start": draw(st.sampled_from(["00:00", "17:00"])),
            "timezone": draw(st.sampled_from(["UTC", "America/New_York", "Asia/Shanghai"]))}]
    return FeeSchedule.model_validate(data)


@st.composite
def usages(draw: st.DrawFn, schedule: FeeSchedule, scale: int = 10**7, *, rate: bool | None = None
           ) -> Usage:
    """A usage for ``schedule``: allowances partly used, and an exchange rate (sometimes, or if
    ``rate``)."""
    exp = CURRENCIES[schedule.currency]
    fx: dict[str, Any] = {}
    if rate or (rate is None and draw(st.booleans())):
        others = sorted(set(CURRENCIES) - {schedule.currency})
        fx = {"fx_rate": Decimal(draw(st.integers(1, 10**8))).scaleb(-5),
              "fx_currency": draw(st.sampled_from(others))}
    at = draw(st.none() | st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31),
                                       timezones=st.just(UTC)))
    return Usage(free_transfers_used=draw(st.integers(0, 4)),
                 free_amount_used=_money(draw(st.integers(0, scale)), exp), at=at, **fx)


@st.composite
def cases(draw: st.DrawFn, scale: int = 10**7, *, monotone: bool = False, fx: bool | None = None
          ) -> tuple[FeeSchedule, Usage, Decimal]:
    """A schedule (a monotone one, one with an FX fee, if asked), a usage (with a rate for an FX
    case) and an amount in the schedule's currency."""
    schedule = draw(schedules(scale, tiered=False if monotone else None, fx=fx))
    usage = draw(usages(schedule, scale, rate=fx))
    amount = _money(draw(st.integers(0, 3 * scale)), CURRENCIES[schedule.currency])
    return schedule, usage, amount


def _try_quote(schedule: FeeSchedule, usage: Usage, amount: Decimal) -> FeeQuote | None:
    try:
        return quote(amount, schedule.currency, "p2p_transfer", schedule, usage)
    except FeeExceedsAmountError:
        assert schedule.payer == "deducted"
        return None


def _monotone(schedule: FeeSchedule) -> bool:
    """One band (no tier bounds): the fee is then non-decreasing in the amount (docs/fees.md)."""
    return len(schedule.tiers) <= 1


# --- properties ---------------------------------------------------------------------------------


@given(cases())
def test_components_sum_to_the_total_and_every_amount_is_quantized(
        case: tuple[FeeSchedule, Usage, Decimal]) -> None:
    """The fee is exactly the sum of its (non-zero) components, and every amount returned is a
    Decimal with exactly the minor-unit places of its currency; debit and receipt follow the payer."""
    schedule, usage, amount = case
    q = _try_quote(schedule, usage, amount)
    assume(q is not None)
    assert q is not None
    exp = CURRENCIES[schedule.currency]
    assert sum((c.amount for c in q.components), D(0)) == q.fee
    for value in (q.amount, q.fee, q.debited, q.free_amount, *(c.amount for c in q.components)):
        assert _quantized(value, exp)
    assert _quantized(q.received, CURRENCIES[q.received_currency])
    assert all(c.amount > 0 for c in q.components)
    if schedule.payer == "on_top":
        assert q.debited == amount + q.fee
        net = amount
    else:
        assert q.debited == amount
        net = amount - q.fee
        assert net >= 0
    if usage.fx_rate is None:
        assert (q.received, q.received_currency) == (net, schedule.currency)


@given(cases())
def test_percentage_parts_round_like_decimal_quantize_with_the_schedule_mode(
        case: tuple[FeeSchedule, Usage, Decimal]) -> None:
    """The percentage component is the exact percentage of the chargeable amount (the part above
    the free amount) rounded to the minor unit with the schedule's mode, as Decimal.quantize does."""
    schedule, usage, amount = case
    q = _try_quote(schedule, usage, amount)
    assume(q is not None)
    assert q is not None
    exp = CURRENCIES[schedule.currency]
    names = {c.name: c.amount for c in q.components}
    if "percentage" not in names:
        return
    free = schedule.free
    left = max(D(0), (free.amount or D(0)) - usage.free_amount_used) if free else D(0)
    chargeable = amount - min(amount, left)
    band = next((t for t in schedule.tiers if t.up_to is None or chargeable <= t.up_to), None)
    pct = band.percent if band else schedule.percent
    with localcontext(prec=80):
        expected = (pct * chargeable / 100).quantize(D(1).scaleb(-exp), rounding=schedule.rounding)
    assert names["percentage"] == expected


@given(cases(fx=True))
def test_fx_percentage_is_the_percent_of_the_converted_amount(
        case: tuple[FeeSchedule, Usage, Decimal]) -> None:
    """On top, the FX part is the percent of the amount, rounded with the schedule's mode; deducted,
    it is the percent of what is left to convert, to within (1 + percent) minor units."""
    schedule, usage, amount = case
    assert schedule.fx is not None
    q = _try_quote(schedule, usage, amount)
    assume(q is not None)
    assert q is not None
    exp = CURRENCIES[schedule.currency]
    fx = sum((c.amount for c in q.components if c.name == "fx_percentage"), D(0))
    share = schedule.fx.percent / 100
    with localcontext(prec=80):
        if schedule.payer == "on_top":
            expected = (share * amount).quantize(D(1).scaleb(-exp), rounding=schedule.rounding)
            assert fx == (expected if amount else 0)
        else:
            assert abs(fx - share * (amount - q.fee)) <= (1 + share) * D(1).scaleb(-exp)


@given(cases())
def test_fees_are_never_negative_and_the_base_fee_respects_minimum_and_maximum(
        case: tuple[FeeSchedule, Usage, Decimal]) -> None:
    """Every component is positive; a charged base fee (not waived by a free allowance) lies in
    [minimum, maximum]; a free transfer or a fully free amount leaves no base fee at all (a
    day-and-time surcharge is apart: on the whole amount, neither capped nor waived)."""
    schedule, usage, amount = case
    q = _try_quote(schedule, usage, amount)
    assume(q is not None)
    assert q is not None
    base = sum((c.amount for c in q.components
                if not c.name.startswith("fx_") and c.name != "surcharge"), D(0))
    assert q.fee >= 0
    assert base >= 0
    charged = amount > 0 and not q.free_transfer and q.free_amount < amount
    if not charged:
        assert base == 0
        return
    if schedule.minimum is not None:
        assert base >= schedule.minimum
    if schedule.maximum is not None:
        assert base <= schedule.maximum


@given(cases(monotone=True), st.integers(0, 10**6))
def test_fee_never_decreases_as_the_amount_grows_for_monotone_schedules(
        case: tuple[FeeSchedule, Usage, Decimal], step: int) -> None:
    """With one band, a larger amount never costs a smaller fee (all modes, caps and allowances)."""
    schedule, usage, amount = case
    larger = amount + _money(step, CURRENCIES[schedule.currency])
    low, high = _try_quote(schedule, usage, amount), _try_quote(schedule, usage, larger)
    assume(low is not None and high is not None)
    assert low is not None
    assert high is not None
    assert low.fee <= high.fee


@given(cases())
def test_max_sendable_fits_and_one_more_minor_unit_does_not(
        case: tuple[FeeSchedule, Usage, Decimal]) -> None:
    """amount + fee(amount) <= balance at max_sendable, and one minor unit more is debited above
    the balance (for deducted schedules the answer is the balance itself)."""
    schedule, usage, balance = case
    exp = CURRENCIES[schedule.currency]
    best = max_sendable(balance, schedule.currency, "p2p_transfer", schedule, usage)
    assert _quantized(best, exp)
    assert D(0) <= best <= balance
    if schedule.payer == "deducted":
        assert best == balance
        return
    assert quote(best, schedule.currency, "p2p_transfer", schedule, usage).debited <= balance
    unit = D(1).scaleb(-exp)
    assert quote(best + unit, schedule.currency, "p2p_transfer", schedule, usage).debited > balance


@given(cases(), st.one_of(st.none(), st.integers(-10**6, 4 * 10**7)))
def test_quote_with_max_sendable_answers_as_quote_and_max_sendable_do(
        case: tuple[FeeSchedule, Usage, Decimal], balance_minor: int | None) -> None:
    """One plan for both answers changes neither: the same quote (or the same error) and the same
    largest sendable amount as the two functions called apart."""
    schedule, usage, amount = case
    exp = CURRENCIES[schedule.currency]
    balance = None if balance_minor is None else Decimal(balance_minor).scaleb(-exp)
    args = (schedule.currency, "p2p_transfer", schedule, usage)
    try:
        expected = quote(amount, *args)
    except FeeError as error:
        with pytest.raises(type(error), match=re.escape(str(error))):
            quote_with_max_sendable(amount, balance, *args)
        return
    quoted, most = quote_with_max_sendable(amount, balance, *args)
    assert quoted == expected
    assert most == (None if balance is None else max_sendable(balance, *args))


@given(cases(), st.integers(0, 4 * 10**7))
def test_the_fee_total_a_search_uses_is_the_sum_of_the_quoted_parts(
        case: tuple[FeeSchedule, Usage, Decimal], a: int) -> None:
    """max_sendable searches with the plan's fee total; it must be the total of the parts a quote
    lists, for any amount, tier, bound, allowance and FX share."""
    schedule, usage, _ = case
    plan = fees_module._plan(schedule, schedule.currency, "p2p_transfer", usage)
    parts, _ = plan.parts(a)
    assert plan.fee(a) == sum(v for _, v in parts)
    assert plan.debit(a) == a + (plan.fee(a) if schedule.payer == "on_top" else 0)


@settings(max_examples=100)
@given(st.data())
def test_max_sendable_equals_brute_force_even_with_non_monotone_tiers(data: st.DataObject) -> None:
    """On small balances, max_sendable equals the largest amount found by trying every minor unit,
    with tiered schedules whose debit may fall at a tier bound."""
    schedule = data.draw(schedules(scale=300, payer="on_top", tiered=True))
    usage = data.draw(usages(schedule, scale=300))
    exp = CURRENCIES[schedule.currency]
    bounds = [int(t.up_to.scaleb(exp)) for t in schedule.tiers if t.up_to is not None]
    near_a_bound = st.sampled_from(bounds).flatmap(lambda b: st.integers(b, b + 200))
    limit = data.draw(st.one_of(st.integers(0, 600), near_a_bound))  # just above a bound: gaps
    balance = _money(limit, exp)
    fitting = [a for a in range(limit + 1)
               if quote(_money(a, exp), schedule.currency, "p2p_transfer", schedule, usage).debited
               <= balance]
    assert max_sendable(balance, schedule.currency, "p2p_transfer", schedule, usage) == \
        _money(max(fitting), exp)


@given(st.fractions(min_value=-10**6, max_value=10**6, max_denominator=10**6),
       st.sampled_from(ROUNDING_MODES))
def test_integer_rounding_matches_decimal_for_every_mode(value: Fraction, mode: str) -> None:
    """The exact rounding used inside (on fractions) agrees with Decimal.quantize for every mode,
    ties included."""
    denominator = 2**6 * 5**6
    value = Fraction(round(value * denominator), denominator)  # a terminating decimal
    with localcontext(prec=60):
        decimal_value = D(value.numerator) / D(value.denominator)
        expected = int(decimal_value.quantize(D(1), rounding=mode))
    assert fees_module._round(value, mode) == expected


@given(cases())
def test_no_float_reaches_the_money_path(case: tuple[FeeSchedule, Usage, Decimal]) -> None:
    """Quoting and max-sendable run with decimal's FloatOperation trapped (any float mixed into a
    Decimal raises) and only return Decimals."""
    schedule, usage, amount = case
    with localcontext() as ctx:
        ctx.traps[FloatOperation] = True
        q = _try_quote(schedule, usage, amount)
        best = max_sendable(amount, schedule.currency, "p2p_transfer", schedule, usage)
    assert isinstance(best, Decimal)
    if q is not None:
        assert all(isinstance(v, Decimal) for v in (q.fee, q.debited, q.received, q.amount))


def test_engine_source_has_no_float_literal_or_float_call() -> None:
    """No module of the fee package contains a float literal or names float."""
    for path in sorted(Path(fees_module.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), \
                (path.name, node.lineno)
            assert not (isinstance(node, ast.Name) and node.id == "float"), (path.name, node.lineno)


def test_floats_are_refused_as_amounts_balances_and_usage() -> None:
    """A float amount, balance, used amount or rate is a TypeError, never silently converted."""
    with pytest.raises(TypeError):
        quote(0.1, "USD", "withdrawal", USD_INSTANT)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        max_sendable(10.0, "USD", "withdrawal", USD_INSTANT)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Usage(free_amount_used=0.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Usage(fx_rate=1.1, fx_currency="USD")  # type: ignore[arg-type]


# --- shipped schedules, worked by hand ------------------------------------------------------------


def _parts(q: FeeQuote) -> list[tuple[str, str]]:
    return [(c.name, str(c.amount)) for c in q.components]


@pytest.mark.parametrize(("used", "amount", "parts", "fee", "free_amount"), [
    # all of 20,000.00 free: no fee, the whole quota is used
    ("0", "20000.00", [], "0.00", "20000.00"),
    # 0.01 above the quota: 0.1% of 0.01 = 0.00001 -> 0.00, below the minimum -> 0.10
    ("0", "20000.01", [("minimum", "0.10")], "0.10", "20000.00"),
    # 94.99 charged: 0.09499 -> 0.09 < 0.10 -> minimum
    ("20000.00", "94.99", [("minimum", "0.10")], "0.10", "0.00"),
    # 95.00 charged: 0.095 -> ROUND_HALF_UP 0.10, not below the minimum -> percentage
    ("20000.00", "95.00", [("percentage", "0.10")], "0.10", "0.00"),
    # 105.00 charged: 0.105 -> 0.11
    ("20000.00", "105.00", [("percentage", "0.11")], "0.11", "0.00"),
    # 10.00 of quota left: 50.00 - 10.00 = 40.00 charged, 0.04 -> minimum 0.10
    ("19990.00", "50.00", [("minimum", "0.10")], "0.10", "10.00"),
    # 25,000.00 with the full quota: 5,000.00 charged -> 5.00
    ("0", "25000.00", [("percentage", "5.00")], "5.00", "20000.00"),
    # quota over-used: nothing left, all charged; 1,234.56 -> 1.23456 -> 1.23
    ("30000.00", "1234.56", [("percentage", "1.23")], "1.23", "0.00"),
])
def test_cny_withdrawal_free_quota_and_minimum_by_hand(used: str, amount: str, parts: list[tuple[str, str]],
                                                      fee: str, free_amount: str) -> None:
    """0.1% above a CNY 20,000 lifetime quota, minimum CNY 0.10, on top: quota edge and min edge."""
    q = quote(D(amount), "CNY", "withdrawal", CNY_WITHDRAWAL, Usage(free_amount_used=D(used)))
    assert (_parts(q), str(q.fee), str(q.free_amount)) == (parts, fee, free_amount)
    assert q.debited == D(amount) + D(fee)
    assert q.received == D(amount)


@pytest.mark.parametrize(("used", "balance", "best"), [
    # quota gone: a + round(0.001 a) <= 30000.00; 29,970.03 + 29.97 = 30,000.00, next is 30,000.01
    ("20000.00", "30000.00", "29970.03"),
    # full quota: 20,000.00 is free; 20,000.01 costs 0.10 more -> 20,000.11 > 20,000.05
    ("0", "20000.05", "20000.00"),
    # ... and fits exactly when the balance is 20,000.11
    ("0", "20000.11", "20000.01"),
    # a small balance is entirely free
    ("0", "0.05", "0.05"),
    # no quota left and a balance below the minimum fee plus one fen: nothing can be sent
    ("20000.00", "0.10", "0.00"),
    # 0.01 + 0.10 = 0.11
    ("20000.00", "0.11", "0.01"),
])
def test_cny_withdrawal_max_sendable_by_hand(used: str, balance: str, best: str) -> None:
    """Largest CNY withdrawal that fits a balance, at the quota edge and the minimum-fee edge."""
    usage = Usage(free_amount_used=D(used))
    assert str(max_sendable(D(balance), "CNY", "withdrawal", CNY_WITHDRAWAL, usage)) == best


@pytest.mark.parametrize(("amount", "parts", "received"), [
    ("100.00", [("percentage", "1.75")], "98.25"),
    # 1.75% of 50.10 = 0.87675 -> ROUND_HALF_UP 0.88
    ("50.10", [("percentage", "0.88")], "49.22"),
    # 13.99 -> 0.244825 -> 0.24 < 0.25 -> minimum
    ("13.99", [("minimum", "0.25")], "13.74"),
    # 14.00 -> 0.245 -> 0.25 (half up), equal to the minimum -> percentage
    ("14.00", [("percentage", "0.25")], "13.75"),
    # 1,428.85 -> 25.004875 -> 25.00, not above the maximum
    ("1428.85", [("percentage", "25.00")], "1403.85"),
    # 1,428.86 -> 25.00505 -> 25.01 > 25.00 -> maximum
    ("1428.86", [("maximum", "25.00")], "1403.86"),
    ("5000.00", [("maximum", "25.00")], "4975.00"),
    # 0.25 pays exactly the minimum and receives nothing
    ("0.25", [("minimum", "0.25")], "0.00"),
])
def test_usd_instant_transfer_min_and_max_caps_by_hand(amount: str, parts: list[tuple[str, str]],
                                                       received: str) -> None:
    """1.75%, minimum USD 0.25, maximum USD 25.00, deducted: the payer is debited the amount and
    the payee receives the amount less the fee, on both sides of each cap."""
    q = quote(D(amount), "USD", "withdrawal", USD_INSTANT)
    assert (_parts(q), str(q.debited), str(q.received)) == (parts, amount, received)


def test_usd_instant_transfer_below_the_minimum_fee_is_refused() -> None:
    """USD 0.20 cannot pay a deducted USD 0.25 minimum; max_sendable is still the balance."""
    with pytest.raises(FeeExceedsAmountError, match=r"0\.25 USD"):
        quote(D("0.20"), "USD", "withdrawal", USD_INSTANT)
    assert max_sendable(D("123.45"), "USD", "withdrawal", USD_INSTANT) == D("123.45")
    assert max_sendable(D("123.456"), "USD", "withdrawal", USD_INSTANT) == D("123.45")
    assert max_sendable(D("-5"), "USD", "withdrawal", USD_INSTANT) == D("0.00")


@pytest.mark.parametrize(("amount", "rate", "target", "parts", "debited", "received"), [
    # 3% of 100.00 = 3.00, plus 0.50; 100.00 x 1.0832 = 108.32 USD
    ("100.00", "1.0832", "USD", [("fx_percentage", "3.00"), ("fx_fixed", "0.50")], "103.50", "108.32"),
    # 3% of 0.50 = 0.015 -> ROUND_HALF_EVEN 0.02
    ("0.50", "1.0832", "USD", [("fx_percentage", "0.02"), ("fx_fixed", "0.50")], "1.02", "0.54"),
    # 3% of 1.50 = 0.045 -> ROUND_HALF_EVEN 0.04 (half up would give 0.05)
    ("1.50", "1.0832", "USD", [("fx_percentage", "0.04"), ("fx_fixed", "0.50")], "2.04", "1.62"),
    # 12.34 x 161.2345 = 1,989.63373 JPY -> 1,990; 3% = 0.3702 -> 0.37
    ("12.34", "161.2345", "JPY", [("fx_percentage", "0.37"), ("fx_fixed", "0.50")], "13.21", "1990"),
    # 10.00 x 0.3765 = 3.765 BHD exactly (three places)
    ("10.00", "0.3765", "BHD", [("fx_percentage", "0.30"), ("fx_fixed", "0.50")], "10.80", "3.765"),
])
def test_eur_fx_spread_by_hand(amount: str, rate: str, target: str, parts: list[tuple[str, str]],
                               debited: str, received: str) -> None:
    """3% over the given rate plus EUR 0.50 on top; the payee gets amount x rate in its currency,
    rounded to that currency's minor unit."""
    usage = Usage(fx_rate=D(rate), fx_currency=target)
    q = quote(D(amount), "EUR", "p2p_transfer", EUR_FX, usage)
    assert (_parts(q), str(q.debited), str(q.received), q.received_currency) == \
        (parts, debited, received, target)


def test_eur_fx_schedule_is_free_without_a_rate_and_max_sendable_by_hand() -> None:
    """A same-currency payment carries no FX fee; with a rate, 96.60 + 2.90 + 0.50 = 100.00 is the
    most a EUR 100.00 balance sends (96.61 would be debited 100.01)."""
    q = quote(D("100.00"), "EUR", "purchase", EUR_FX)
    assert (q.components, q.fee, q.received, q.received_currency) == ((), D("0.00"), D("100.00"), "EUR")
    usage = Usage(fx_rate=D("1.0832"), fx_currency="USD")
    assert max_sendable(D("100.00"), "EUR", "purchase", EUR_FX, usage) == D("96.60")
    assert quote(D("96.61"), "EUR", "purchase", EUR_FX, usage).debited == D("100.01")


# --- a tiered schedule with free transfers (the one in docs/fees.md) -------------------------------

TIERED = """\
schedules:
  - id: demo.eur_p2p
    label: Demo - P2P transfer priced by amount band
    kinds: [p2p_transfer]
    currency: EUR
    payer: on_top
    rounding: ROUND_HALF_UP
    minimum: "0.50"
    maximum: "20.00"
    tiers:
      - up_to: "100.00"
        percent: "2"
        fixed: "0.30"
      - up_to: "1000.00"
        percent: "1"
      - percent: "0.5"
    free:
      transfers_per_month: 3
    valid_from: 2026-01-01
    valid_until: 2026-12-31
"""


def test_worked_example_in_the_docs_is_this_schedule() -> None:
    """docs/fees.md works through exactly the schedule these tests quote."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "fees.md").read_text(encoding="utf-8")
    assert "```yaml\n" + TIERED + "```" in doc


@pytest.fixture
def tiered(tmp_path: Path) -> FeeSchedule:
    (tmp_path / "demo.yaml").write_text(TIERED, encoding="utf-8")
    return load_fee_schedules(tmp_path)["demo.eur_p2p"]


@pytest.mark.parametrize(("amount", "parts"), [
    ("5.00", [("minimum", "0.50")]),                            # 0.10 + 0.30 = 0.40 < 0.50
    ("10.00", [("percentage", "0.20"), ("fixed", "0.30")]),     # exactly the minimum
    ("100.00", [("percentage", "2.00"), ("fixed", "0.30")]),    # top of band 1: 2.30
    ("100.01", [("percentage", "1.00")]),                       # band 2: 1.0001 -> 1.00 (cheaper)
    ("4000.01", [("percentage", "20.00")]),                     # band 3: 20.00005 -> 20.00
    ("4001.00", [("maximum", "20.00")]),                        # 20.005 -> 20.01 > 20.00
])
def test_tiered_schedule_bands_and_caps_by_hand(tiered: FeeSchedule, amount: str,
                                                parts: list[tuple[str, str]]) -> None:
    """Each band prices the whole amount with its own percent and fixed part; caps bound it."""
    usage = Usage(free_transfers_used=3)
    assert _parts(quote(D(amount), "EUR", "p2p_transfer", tiered, usage)) == parts


@pytest.mark.parametrize(("balance", "best"), [
    # band 2 wins: 100.99 + 1.01 = 102.00 (band 1 would stop at 99.71 + 2.29 = 102.00)
    ("102.00", "100.99"),
    # band 2 starts at 100.01 + 1.00 = 101.01 > 101.00; band 1: 98.73 + 1.97 + 0.30 = 101.00
    ("101.00", "98.73"),
])
def test_tiered_max_sendable_checks_every_band(tiered: FeeSchedule, balance: str, best: str) -> None:
    """Where a higher band is cheaper the debit falls at the bound; max_sendable checks each band."""
    usage = Usage(free_transfers_used=3)
    assert max_sendable(D(balance), "EUR", "p2p_transfer", tiered, usage) == D(best)


def test_max_sendable_finds_a_higher_band_past_a_gap(tmp_path: Path) -> None:
    """EUR 50.00 fixed up to 100.00, free above: with 120.00 the answer is 120.00 (band 2), although
    70.01 to 100.00 do not fit; with 100.00 it is 50.00 (100.01 is already above the balance)."""
    (tmp_path / "gap.yaml").write_text(
        "schedules:\n  - id: demo.gap\n    label: Gap\n    kinds: [p2p_transfer]\n    currency: EUR\n"
        "    payer: on_top\n    rounding: ROUND_HALF_UP\n    tiers:\n"
        "      - {up_to: \"100.00\", fixed: \"50.00\"}\n      - {percent: \"0\"}\n",
        encoding="utf-8")
    gap = load_fee_schedules(tmp_path)["demo.gap"]
    assert max_sendable(D("120.00"), "EUR", "p2p_transfer", gap) == D("120.00")
    assert max_sendable(D("100.00"), "EUR", "p2p_transfer", gap) == D("50.00")
    assert quote(D("70.01"), "EUR", "p2p_transfer", gap).debited == D("120.01")


def test_deducted_fx_fee_is_a_share_of_what_is_converted_by_hand(tmp_path: Path) -> None:
    """Deducted 1% plus 3% FX plus USD 0.50 on USD 100.00: base 1.00; 100.00 - 1.00 - 0.50 = 98.50
    is left; the FX part is 3/103 of it, 2.868932... -> 2.87 (3% of the 95.63 converted); the payee
    gets 95.63 x 0.9 = 86.067 -> EUR 86.07."""
    (tmp_path / "fx.yaml").write_text(
        "schedules:\n  - id: demo.fx\n    label: FX\n    kinds: [p2p_transfer]\n    currency: USD\n"
        "    payer: deducted\n    rounding: ROUND_HALF_UP\n    percent: \"1\"\n"
        "    fx: {percent: \"3\", fixed: \"0.50\"}\n",
        encoding="utf-8")
    schedule = load_fee_schedules(tmp_path)["demo.fx"]
    q = quote(D("100.00"), "USD", "p2p_transfer", schedule, Usage(fx_rate=D("0.9"), fx_currency="EUR"))
    assert _parts(q) == [("percentage", "1.00"), ("fx_percentage", "2.87"), ("fx_fixed", "0.50")]
    assert (q.fee, q.debited, q.received, q.received_currency) == \
        (D("4.37"), D("100.00"), D("86.07"), "EUR")


def test_monthly_free_transfers_are_used_then_charged(tiered: FeeSchedule) -> None:
    """The first three transfers of the month are free; Usage.after counts them; the fourth pays."""
    usage = Usage()
    for _ in range(3):
        q = quote(D("50.00"), "EUR", "p2p_transfer", tiered, usage)
        assert (q.fee, q.free_transfer) == (D("0.00"), True)
        usage = usage.after(q)
    assert usage.free_transfers_used == 3
    q = quote(D("50.00"), "EUR", "p2p_transfer", tiered, usage)
    assert (q.fee, q.free_transfer) == (D("1.30"), False)
    assert max_sendable(D("50.00"), "EUR", "p2p_transfer", tiered, Usage()) == D("50.00")


def test_validity_dates_are_checked_when_the_usage_has_a_date(tiered: FeeSchedule) -> None:
    """A payment dated outside valid_from..valid_until is not covered by the schedule."""
    quote(D("1.00"), "EUR", "p2p_transfer", tiered, Usage(on=date(2026, 12, 31)))
    with pytest.raises(ScheduleMismatchError, match="not valid on 2027-01-01"):
        quote(D("1.00"), "EUR", "p2p_transfer", tiered, Usage(on=date(2027, 1, 1)))


# --- typed errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("currency", "kind", "message"), [
    ("USD", "purchase", "does not price 'purchase' payments"),
    ("USD", "refund", "unknown payment kind 'refund'"),
    ("EUR", "withdrawal", "is in USD, not EUR"),
    ("XYZ", "withdrawal", "unknown ISO 4217 currency 'XYZ'"),
])
def test_unsupported_kind_or_currency_is_a_typed_value_error(currency: str, kind: str, message: str) -> None:
    """Quoting outside a schedule raises ScheduleMismatchError, a PayfixError and a ValueError."""
    for call in (quote, max_sendable):
        with pytest.raises(ScheduleMismatchError, match=message) as info:
            call(D("10"), currency, kind, USD_INSTANT)
        assert isinstance(info.value, PayfixError)
        assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("amount", ["10.001", "-1.00", "NaN", "1E+20"])
def test_bad_amounts_are_fee_errors(amount: str) -> None:
    """Too many decimals, a negative or non-finite amount, or one above the limit is a FeeError."""
    with pytest.raises(FeeError):
        quote(D(amount), "USD", "withdrawal", USD_INSTANT)


def test_bad_usage_is_refused() -> None:
    """A rate needs its currency, must be positive, and may not convert into the same currency."""
    with pytest.raises(FeeError, match="go together"):
        Usage(fx_rate=D("1.1"))
    with pytest.raises(FeeError, match="positive"):
        Usage(fx_rate=D("0"), fx_currency="USD")
    with pytest.raises(FeeError, match="must differ"):
        quote(D("1.00"), "EUR", "purchase", EUR_FX, Usage(fx_rate=D("1"), fx_currency="EUR"))
    with pytest.raises(FeeError, match="decimal places"):
        quote(D("1.00"), "CNY", "withdrawal", CNY_WITHDRAWAL, Usage(free_amount_used=D("0.001")))


# --- schedule files -----------------------------------------------------------------------------------


def _problems(folder: Path) -> list[str]:
    with pytest.raises(RulePackError) as info:
        load_fee_schedules(folder)
    return [p.render() for p in info.value.problems]


def test_every_problem_in_every_file_is_reported_with_its_position(tmp_path: Path) -> None:
    """Floats, unknown keys and kinds, digits beyond the minor unit, caps in the wrong order, tier
    order and a duplicate id come back together, each at file:line:col."""
    (tmp_path / "a.yaml").write_text(
        "schedules:\n"
        "  - id: demo.a\n"
        "    label: A\n"
        "    kinds: [withdrawal, refund]\n"       # line 4: unknown kind
        "    currency: CNY\n"
        "    payer: on_top\n"
        "    rounding: ROUND_HALF_UP\n"
        "    percent: 0.1\n"                       # line 8: float
        "    colour: red\n"                        # line 9: unknown key
        "  - id: demo.b\n"
        "    label: B\n"
        "    kinds: [withdrawal]\n"
        "    currency: JPY\n"
        "    payer: deducted\n"
        "    rounding: ROUND_DOWN\n"
        "    minimum: \"1.5\"\n"                   # line 16: JPY has no decimals
        "    maximum: \"1\"\n"                     # line 17: below the minimum
        "    tiers:\n"
        "      - {up_to: \"100\", percent: \"1\"}\n"
        "      - {up_to: \"50\", percent: \"2\"}\n"   # line 20: out of order
        "      - {percent: \"3\"}\n",
        encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "schedules:\n"
        "  - id: demo.b\n"
        "    label: B again\n"
        "    kinds: [purchase]\n"
        "    currency: EUR\n"
        "    payer: on_top\n"
        "    rounding: ROUND_UP\n",
        encoding="utf-8")
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert _problems(tmp_path) == [
        f"{a}:4:25: schedules.0.kinds.1: Input should be 'purchase', 'p2p_transfer', 'bill_payment', "
        "'withdrawal' or 'top_up'",
        f"{a}:8:14: schedules.0.percent: write decimals as quoted strings, e.g. \"0.10\" (a bare YAML "
        "number with a point is a binary float and is not exact)",
        f"{a}:9:5: schedules.0.colour: unknown key (not part of the fee-schedule format)",
        f"{a}:16:14: schedules.1.minimum: 1.5 has more than 0 decimal places for JPY",
        f"{a}:17:14: schedules.1.maximum: maximum 1 is below minimum 1.5",
        f"{a}:20:17: schedules.1.tiers.1.up_to: up_to 50 must be greater than the previous bound 100",
        f"{b}:2:9: schedules.0.id: fee schedule 'demo.b' is already defined in {a}",
    ]


def test_duplicate_ids_are_reported_even_when_the_first_is_valid(tmp_path: Path) -> None:
    """Two files defining the same schedule id: the second is reported at its id."""
    body = ("schedules:\n  - id: demo.x\n    label: X\n    kinds: [purchase]\n    currency: EUR\n"
            "    payer: on_top\n    rounding: ROUND_UP\n")
    (tmp_path / "one.yaml").write_text(body, encoding="utf-8")
    (tmp_path / "two.yaml").write_text(body, encoding="utf-8")
    assert _problems(tmp_path) == [
        f"{tmp_path / 'two.yaml'}:2:9: schedules.0.id: fee schedule 'demo.x' is already defined in "
        f"{tmp_path / 'one.yaml'}"
    ]


def test_structural_file_problems(tmp_path: Path) -> None:
    """An empty file, a YAML syntax error, a missing 'schedules', tiers mixed with a flat percent,
    an open-ended middle tier, an empty allowance and a free amount without period are reported."""
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    (tmp_path / "syntax.yaml").write_text("schedules: [\n", encoding="utf-8")
    (tmp_path / "nolist.yaml").write_text("description: nothing\n", encoding="utf-8")
    (tmp_path / "tiers.yaml").write_text(
        "schedules:\n"
        "  - id: demo.t\n    label: T\n    kinds: [purchase]\n    currency: EUR\n"
        "    payer: on_top\n    rounding: ROUND_UP\n"
        "    percent: \"1\"\n"                                   # line 8
        "    tiers:\n      - {percent: \"1\"}\n      - {percent: \"2\"}\n"   # line 10: no up_to
        "    free: {transfers_per_month: 0}\n"                   # line 12
        "  - id: demo.u\n    label: U\n    kinds: [purchase]\n    currency: EUR\n"
        "    payer: on_top\n    rounding: ROUND_UP\n"
        "    free: {amount: \"5.00\"}\n",                        # line 19
        encoding="utf-8")
    problems = _problems(tmp_path)
    assert problems[0] == f"{tmp_path / 'empty.yaml'}: empty file: expected 'schedules:'"
    assert problems[1] == f"{tmp_path / 'nolist.yaml'}:1:1: schedules: required key is missing"
    assert problems[2].startswith(f"{tmp_path / 'syntax.yaml'}:2:1: YAML syntax error")
    assert problems[3:] == [
        f"{tmp_path / 'tiers.yaml'}:8:14: schedules.0.percent: 'percent' cannot be used with 'tiers'; "
        "give each tier its own percent and fixed",
        f"{tmp_path / 'tiers.yaml'}:10:9: schedules.0.tiers.0: every tier but the last needs 'up_to'",
        f"{tmp_path / 'tiers.yaml'}:12:5: schedules.0.free: give 'transfers_per_month' above 0, "
        "or a positive 'amount'",
        f"{tmp_path / 'tiers.yaml'}:19:20: schedules.1.free.amount: 'amount' needs 'amount_period': "
        "monthly or lifetime",
    ]


def test_missing_directory_is_a_rule_pack_error(tmp_path: Path) -> None:
    """Loading from a folder that does not exist raises RulePackError naming it."""
    assert _problems(tmp_path / "nope") == [f"{tmp_path / 'nope'}: {tmp_path / 'nope'} is not a directory"]


def test_schedule_built_in_code_runs_the_same_checks() -> None:
    """A FeeSchedule validated in code refuses the same cross-field problems as the loader."""
    with pytest.raises(ValueError, match=r"maximum 1\.00 is below minimum 2\.00"):
        FeeSchedule.model_validate({"id": "x.y", "label": "x", "kinds": ["purchase"], "currency": "EUR",
                                    "payer": "on_top", "rounding": "ROUND_UP", "minimum": "2.00",
                                    "maximum": "1.00"})


def test_shipped_schedules_are_marked_as_examples_with_source_and_date() -> None:
    """Each bundled fee file says it is an example to replace, names its model and the date."""
    folder = Path(__file__).resolve().parents[1] / "rules" / "fees"
    files = sorted(folder.glob("*.yaml"))
    assert len(files) == 4
    for path in files:
        head = path.read_text(encoding="utf-8").split("schedules:")[0]
        for marker in ("EXAMPLE", "replace", "Model source", "2026-11-25"):
            assert marker in head, (path.name, marker)


@settings(max_examples=100)
@given(st.data())
def test_a_closed_last_tier_ends_what_the_schedule_prices(data: st.DataObject) -> None:
    """A table whose last tier has `up_to` prices chargeable amounts up to it and no more: a larger
    amount is a ScheduleMismatchError naming the bound, the bound itself is priced, and
    max_sendable equals the largest priced amount that fits (brute force over every minor unit)."""
    schedule = data.draw(schedules(scale=300, payer=data.draw(st.sampled_from(["on_top", "deducted"])),
                                   tiered=True, closed=True, fx=False))
    usage = data.draw(usages(schedule, scale=300))
    exp = CURRENCIES[schedule.currency]
    plan = fees_module._plan(schedule, schedule.currency, "p2p_transfer", usage)
    largest = plan.largest
    assert schedule.tiers[-1].up_to is not None
    assert largest is None if usage.free_transfers_used < (
        schedule.free.transfers_per_month if schedule.free else 0) else largest is not None
    top = largest if largest is not None else 1000

    refused: list[tuple[int, str]] = []

    def priced(a: int) -> FeeQuote | None:
        try:
            return quote(_money(a, exp), schedule.currency, "p2p_transfer", schedule, usage)
        except ScheduleMismatchError as error:
            refused.append((a, str(error)))
            return None
        except FeeExceedsAmountError:
            return None

    assert priced(top) is not None or schedule.payer == "deducted"
    if largest is not None:
        assert priced(largest + 1) is None
    limit = data.draw(st.integers(0, top + 50))
    balance = _money(limit, exp)
    highest = limit if largest is None else min(limit, largest)  # a free transfer has no bound
    fitting = [a for a in range(highest + 1)
               if (q := priced(a)) is not None and q.debited <= balance]
    most = max_sendable(balance, schedule.currency, "p2p_transfer", schedule, usage)
    if schedule.payer == "on_top":
        assert most == _money(max(fitting), exp)
    else:
        assert most == _money(min(limit, largest if largest is not None else limit), exp)
    for a, message in refused:  # only amounts above the table are refused, and the bound named
        assert largest is not None
        assert a > largest
        assert "its last tier ends at" in message


def test_a_last_bound_not_above_the_one_before_is_refused() -> None:
    """A closed table's last bound must still rise above the previous one."""
    with pytest.raises(ValueError, match="must be greater than the previous bound"):
        FeeSchedule.model_validate({
            "id": "gen.closed", "label": "closed", "kinds": ["p2p_transfer"], "currency": "EUR",
            "payer": "on_top", "rounding": "ROUND_HALF_UP",
            "tiers": [{"up_to": "100.00", "percent": "1"}, {"up_to": "100.00", "percent": "2"}]})


WEEKEND = FeeSchedule.model_validate({
    "id": "example.weekend", "label": "exchange with a weekend markup", "kinds": ["p2p_transfer"],
    "currency": "GBP", "payer": "on_top", "rounding": "ROUND_HALF_UP", "percent": "0.5",
    "free": {"amount": "1000.00", "amount_period": "monthly"},
    "surcharges": [
        {"percent": "1", "days": ["fri"], "start": "17:00", "timezone": "America/New_York"},
        {"percent": "1", "days": ["sat"], "timezone": "America/New_York"},
        {"percent": "1", "days": ["sun"], "end": "18:00", "timezone": "America/New_York"}]})


@pytest.mark.parametrize(("at", "surcharge"), [
    ("2026-06-05T20:59:00+00:00", None),  # Friday 16:59 in New York: not yet
    ("2026-06-05T21:00:00+00:00", "2.35"),  # Friday 17:00 in New York
    ("2026-06-06T12:00:00+00:00", "2.35"),  # Saturday
    ("2026-06-07T21:59:00+00:00", "2.35"),  # Sunday 17:59 in New York
    ("2026-06-07T22:00:00+00:00", None),  # Sunday 18:00 in New York: over
    ("2026-06-08T03:00:00+08:00", "2.35"),  # Monday 03:00 in Shanghai is Sunday 15:00 in New York
])
def test_a_weekend_markup_applies_in_its_window_on_the_whole_amount(at: str, surcharge: str | None
                                                                     ) -> None:
    """A markup of 1 % from Friday 17:00 to Sunday 18:00 New York time is charged on the whole
    amount (the free allowance does not waive it, no cap bounds it), rounded once with the
    schedule's mode; outside the window, and without the payment's time, there is none."""
    when = datetime.fromisoformat(at)
    q = quote(Decimal("234.50"), "GBP", "p2p_transfer", WEEKEND, Usage(at=when))
    parts = {c.name: c.amount for c in q.components}
    assert parts.get("surcharge") == (None if surcharge is None else Decimal(surcharge))
    assert "percentage" not in parts  # within the free 1,000.00: no base fee
    assert q.fee == sum(parts.values(), Decimal(0))
    plain = quote(Decimal("234.50"), "GBP", "p2p_transfer", WEEKEND)
    assert plain.components == ()


def test_a_surcharge_needs_a_zone_and_hours_in_order() -> None:
    """An unknown time zone, or an end not after the start, is refused with the key at fault; a
    payment time without a UTC offset is refused (local hours would be guessed)."""
    with pytest.raises(ValueError, match=re.escape("surcharges.0.timezone: 'Mars/Olympus' is not an IANA")):
        FeeSchedule.model_validate({**WEEKEND.model_dump(mode="json"), "surcharges": [
            {"percent": "1", "days": ["sat"], "timezone": "Mars/Olympus"}]})
    with pytest.raises(ValueError, match=re.escape("end 09:00 must come after start 17:00")):
        FeeSchedule.model_validate({**WEEKEND.model_dump(mode="json"), "surcharges": [
            {"percent": "1", "days": ["sat"], "start": "17:00", "end": "09:00"}]})
    with pytest.raises(FeeError, match="UTC offset"):
        Usage(at=datetime(2026, 6, 6, 12, 0))

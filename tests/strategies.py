"""Hypothesis strategies: valid reports, fact sets and conditions drawn from the facts schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from payfix.rules.conditions import MAX_SAFE_INT, And, Cmp, Condition, In, Not, Or, Present
from payfix.rules.loader import load_pack
from payfix.vocab import FACTS, fact_domain

PACK = load_pack()
REASONS = PACK.settings.reasons
CURRENCIES = {"EUR": 2, "USD": 2, "JPY": 0, "CNY": 2, "BHD": 3}
BASE_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _money(currency: str, max_units: int = 100_000) -> st.SearchStrategy[dict[str, str]]:
    exp = CURRENCIES[currency]
    return st.integers(0, max_units * 10**exp).map(
        lambda minor: {"value": str(Decimal(minor).scaleb(-exp)), "currency": currency}
    )


def _codes() -> st.SearchStrategy[tuple[str, dict[str, str]]]:
    known = [(scheme, field, code) for scheme, cm in PACK.codemaps.items()
             for code in cm.codes for field in cm.fields[:1]]
    mapped = st.sampled_from(known).map(lambda t: (t[0], {t[1]: t[2]}))
    junk = st.tuples(
        st.sampled_from(["iso8583", "stripe", "some_psp"]),
        st.dictionaries(st.sampled_from(["decline_code", "advice_code", "network_code",
                                         "response_code", "sub_code"]),
                        st.text(min_size=1, max_size=12).filter(lambda s: s.strip() == s and s),
                        max_size=3),
    )
    return st.one_of(mapped, junk)


@st.composite
def reports(draw: st.DrawFn) -> dict[str, Any]:
    """A valid report as a plain dict, with any mix of optional parts."""
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    at = BASE_TIME + timedelta(minutes=draw(st.integers(0, 500_000)))
    attempt: dict[str, Any] = {
        "id": draw(st.from_regex(r"[a-z0-9_]{1,20}", fullmatch=True)),
        "at": at.isoformat(),
        "kind": draw(st.sampled_from(["purchase", "p2p_transfer", "bill_payment", "withdrawal",
                                      "top_up"])),
        "amount": draw(_money(currency)),
        "method": {"type": draw(st.sampled_from(["wallet_balance", "debit_card", "credit_card",
                                                 "prepaid_card", "bank_account"]))},
    }
    if draw(st.booleans()):
        attempt["fee"] = draw(_money(currency, 100))
    if draw(st.booleans()):
        attempt["balance"] = {"available": draw(_money(currency))}
        if draw(st.booleans()):
            attempt["balance"]["pending_holds"] = draw(_money(currency, 1000))
    if draw(st.booleans()):
        attempt["method"]["card"] = {"expiry_month": draw(st.integers(1, 12)),
                                     "expiry_year": draw(st.integers(2024, 2030))}
    if draw(st.booleans()):
        attempt["method"]["status"] = draw(st.sampled_from(["active", "suspended", "removed"]))
    if draw(st.booleans()):
        kind = draw(st.sampled_from(["merchant", "wallet_user", "bank_account", "card", "phone",
                                     "email"]))
        ident = draw(st.sampled_from(["DE89370400440532013000", "DE89370400440532013001",
                                      "4111111111111111", "4111111111111112", "+8613800138000",
                                      "12", "a@example.com", "not an email", "u_1"]))
        attempt["payee"] = {"type": kind, "identifier": ident}
    if draw(st.booleans()):
        scheme, codes = draw(_codes())
        attempt["processor"] = {"scheme": scheme, "codes": codes}
        if draw(st.booleans()):
            attempt["processor"]["stage"] = draw(st.sampled_from(
                ["validation", "risk", "authentication", "authorisation", "capture", "network"]))
    for key in ("funds_debited", "payer_present"):
        if draw(st.booleans()):
            attempt[key] = draw(st.booleans())
    attempt["outcome"] = draw(st.sampled_from(["failed", "unknown"]))
    report: dict[str, Any] = {"schema_version": "1", "attempt": attempt}
    if draw(st.booleans()):
        report["device"] = draw(st.fixed_dictionaries({}, optional={
            "online": st.booleans(),
            "connection": st.sampled_from(["wifi", "cellular", "ethernet", "none", "unknown"]),
            "public_wifi": st.booleans(),
            "latency_ms": st.integers(0, 10_000),
            "packet_loss_pct": st.integers(0, 100).map(str),
            "signal_level": st.integers(0, 4),
            "vpn": st.booleans(),
            "clock_skew_s": st.integers(-5000, 5000),
            "app_version": st.sampled_from(["7.9", "8.0.0", "8.4.1"]),
            "app_min_version": st.just("8.0.0"),
        }))
    if draw(st.booleans()):
        report["account"] = {"status": draw(st.sampled_from(["active", "locked", "frozen",
                                                              "closed"]))}
    if draw(st.booleans()):
        report["history"] = [
            {"at": (at - timedelta(minutes=m)).isoformat(), "outcome": "failed",
             "scheme": attempt.get("processor", {}).get("scheme"),
             "code": next(iter(attempt.get("processor", {}).get("codes", {}).values()), None)}
            for m in sorted(draw(st.lists(st.integers(1, 3000), max_size=5)), reverse=True)
        ]
    return report


def fact_value(name: str) -> st.SearchStrategy[Any]:
    """Values a fact may take, boundaries included."""
    spec = FACTS[name]
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "int":
        return st.one_of(st.integers(-3, 3), st.integers(0, 20_000),
                         st.sampled_from([MAX_SAFE_INT, -MAX_SAFE_INT, 1500, 1499, 300, 301]))
    domain = fact_domain(name, REASONS)
    other = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6)
    return st.one_of(st.sampled_from(domain), other) if domain else other


@st.composite
def fact_sets(draw: st.DrawFn) -> dict[str, Any]:
    """A type-correct fact set with any subset of facts missing."""
    names = draw(st.lists(st.sampled_from(sorted(FACTS)), unique=True, max_size=len(FACTS)))
    return {name: draw(fact_value(name)) for name in sorted(names)}


def _leaf(draw: st.DrawFn) -> Condition:
    name = draw(st.sampled_from(sorted(FACTS)))
    spec = FACTS[name]
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return Present(name, draw(st.booleans()))
    if spec.type == "int":
        return Cmp(name, draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="])),
                   draw(st.integers(-5, 5)))
    value = draw(fact_value(name))
    if kind == 1 or spec.type == "bool":
        return Cmp(name, draw(st.sampled_from(["==", "!="])), value)
    values = tuple(draw(st.lists(fact_value(name), min_size=1, max_size=3, unique=True)))
    return In(name, values, draw(st.booleans()))


@st.composite
def conditions(draw: st.DrawFn, depth: int = 3) -> Condition:
    """A random well-typed condition."""
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return _leaf(draw)
    shape = draw(st.sampled_from(["and", "or", "not"]))
    if shape == "not":
        return Not(draw(conditions(depth - 1)))
    items = tuple(draw(st.lists(conditions(depth - 1), min_size=2, max_size=3)))
    return And(items) if shape == "and" else Or(items)

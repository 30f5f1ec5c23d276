"""Retry advice as the card schemes count it: categories, advice codes, budgets and context."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from payfix import Diagnoser

from .conftest import example

AGENT = Diagnoser(engine="compiled", audience="agent")


def _card_report(codes: dict[str, str], *, initiator: str = "customer", scheme: str = "iso8583",
                 priors: int = 0, prior_initiator: str | None = None) -> dict[str, Any]:
    report = example("method_expired_card.json")
    attempt = report["attempt"]
    attempt["method"]["card"]["expiry_year"] = 2030
    attempt["processor"] = {"scheme": scheme, "brand": "visa", "codes": codes}
    attempt["initiator"] = initiator
    at = datetime.fromisoformat(attempt["at"].replace("Z", "+00:00"))
    report["history"] = [
        {"at": (at - timedelta(days=20) + timedelta(minutes=i)).isoformat(), "outcome": "failed",
         "scheme": scheme, "code": next(iter(codes.values())),
         "initiator": prior_initiator or initiator} for i in range(priors)]
    return report


@pytest.mark.parametrize(("codes", "kwargs", "expected"), [
    ({"response_code": "14"}, {}, ("never", None, "other_method", None)),
    ({"response_code": "51"}, {}, ("later", 86400, "after_top_up", 15)),
    ({"response_code": "51"}, {"priors": 3}, ("later", 86400, "after_top_up", 12)),
    ({"response_code": "51"}, {"priors": 15}, ("never", None, "other_method", 0)),
    ({"response_code": "51"}, {"priors": 15, "prior_initiator": "merchant"},
     ("later", 86400, "after_top_up", 15)),
    ({"response_code": "51", "merchant_advice_code": "03"}, {}, ("never", None, "other_method", 15)),
    ({"response_code": "51", "merchant_advice_code": "25"}, {}, ("later", 86400, "after_top_up", 15)),
    ({"response_code": "51", "merchant_advice_code": "29"}, {},
     ("later", 691200, "after_top_up", 15)),
    ({"decline_code": "authentication_required"}, {"scheme": "stripe"},
     ("now", None, "with_3ds", None)),
    ({"decline_code": "authentication_required"}, {"scheme": "stripe", "initiator": "merchant"},
     ("never", None, "bring_payer_on_session", None)),
], ids=["visa-cat1-never", "visa-cat2-later", "budget-counts-priors", "budget-exhausted",
        "merchant-initiated-counted-apart", "mac03-forbids", "mac25-waits-24h", "mac29-waits-8d",
        "step-up-with-payer", "step-up-needs-payer-back"])
def test_retry_verdict_wait_how_and_budget(codes: dict[str, str], kwargs: dict[str, Any],
                                           expected: tuple[Any, ...]) -> None:
    """Each scheme rule tightens the code map's verdict the way the networks count it."""
    retry = AGENT.diagnose(_card_report(codes, **kwargs)).retry
    assert (retry.verdict, retry.wait_seconds, retry.how, retry.attempts_left) == expected


def test_next_retry_time_is_the_attempt_time_plus_the_wait() -> None:
    """not_before says when a retry is allowed again (MAC 26: two days)."""
    report = _card_report({"response_code": "51", "merchant_advice_code": "26"})
    retry = AGENT.diagnose(report).retry
    assert retry.not_before == "2026-04-04T07:15:30+00:00"
    assert retry.basis == "iso8583:51, mastercard_mac:26"


def test_customers_do_not_see_the_basis_of_a_hidden_code() -> None:
    """The codes behind a fraud decline never reach the customer through the retry advice."""
    report = _card_report({"decline_code": "fraudulent"}, scheme="stripe")
    customer = Diagnoser(engine="compiled", audience="customer").diagnose(report)
    assert customer.retry.verdict == "never"
    assert customer.retry.basis is None


@pytest.mark.parametrize(("priors", "method_type", "expected"), [
    (9, None, ("later", 1)),
    (10, None, ("never", 0)),
    (10, "wallet_balance", ("later", 10)),
], ids=["one-left-today", "24h-budget-spent", "other-method-not-counted"])
def test_mastercard_excessive_attempts_in_24_hours(priors: int, method_type: str | None,
                                                   expected: tuple[str, int]) -> None:
    """Mastercard counts attempts per card in 24 h; tries with another method do not count."""
    report = _card_report({"response_code": "51"})
    report["attempt"]["processor"]["brand"] = "mastercard"
    at = datetime.fromisoformat(report["attempt"]["at"].replace("Z", "+00:00"))
    report["history"] = [
        {"at": (at - timedelta(hours=20) + timedelta(minutes=i)).isoformat(), "outcome": "failed",
         "scheme": "iso8583", "code": "51", **({"method_type": method_type} if method_type else {})}
        for i in range(priors)]
    retry = AGENT.diagnose(report).retry
    assert (retry.verdict, retry.attempts_left) == expected
    if expected[0] == "never":
        assert "mastercard_reattempts_24h" in (retry.basis or "")


@pytest.mark.parametrize(("method", "expected"), [
    ("debit_card", ("later", 86400, "after_top_up", 15)),
    ("wallet_balance", ("now", None, "after_top_up", None)),
    ("bank_account", ("later", 86400, "after_top_up", None)),
], ids=["visa-card-waits-and-counts", "wallet-pays-again-after-top-up", "bank-account-not-a-card"])
def test_card_scheme_rules_bind_card_payments_only(method: str, expected: tuple[Any, ...]) -> None:
    """Code 51 on a Visa card waits a day within Visa's 30-day budget; the same code on a wallet
    balance can be paid again as soon as the wallet is topped up, and no card budget counts the
    attempts of a bank-account payment."""
    report = _card_report({"response_code": "51"})
    report["attempt"]["method"] = ({"type": method} if not method.endswith("_card")
                                   else report["attempt"]["method"])
    retry = AGENT.diagnose(report).retry
    assert (retry.verdict, retry.wait_seconds, retry.how, retry.attempts_left) == expected


@pytest.mark.parametrize(("locale", "words"), [("en", "Retry advice: do not retry."),
                                               ("zh-CN", "重试建议：请勿重试。")])
def test_hand_off_states_the_retry_verdict_in_words(locale: str, words: str) -> None:
    """The hand-off statement gives the retry verdict in the statement's language, not as a slug."""
    report = example("escalate_suspected_fraud.json")
    diagnosis = Diagnoser(engine="compiled", audience="agent", locale=locale).diagnose(report)
    assert diagnosis.handoff is not None
    assert diagnosis.retry.verdict == "never"
    assert words in diagnosis.handoff.statement

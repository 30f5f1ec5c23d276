"""Advice precedence: the advice codes processors and networks send beside a decline (Stripe's
advice_code and network_advice_code, Checkout.com's recommendation code, Mastercard's Merchant
Advice Code, Adyen's merchantAdviceCode) decide the retry of a decline that names no cause, may only
tighten one that does, and the retry advice's basis names the code that decided first."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from payfix import Diagnoser

PAYLOADS = Path(__file__).parent / "data" / "payloads"
AGENT = Diagnoser(engine="compiled", audience="agent")
WALLET = {"attempt": {"id": "w-1", "at": "2026-03-01T10:00:00Z", "method": {"type": "credit_card"}}}


def _report(codes: dict[str, str], related: list[dict[str, str]] | None = None,
            scheme: str = "stripe", brand: str | None = None) -> dict[str, Any]:
    processor: dict[str, Any] = {"scheme": scheme, "codes": codes}
    if related:
        processor["related"] = related
    if brand:
        processor["brand"] = brand
    return {"attempt": {"id": "a-1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
                        "amount": {"value": "10.00", "currency": "USD"},
                        "method": {"type": "credit_card"}, "processor": processor}}


@pytest.mark.parametrize(("decline", "advice", "verdict", "wait", "how"), [
    ("generic_decline", "do_not_try_again", "never", None, "other_method"),
    ("do_not_honor", "try_again_later", "later", 3600, "same_method"),
    ("do_not_honor", "confirm_card_data", "never", None, "update_card"),
])
def test_stripe_advice_decides_a_decline_that_names_no_cause(decline: str, advice: str,
                                                            verdict: str, wait: int | None,
                                                            how: str) -> None:
    """Stripe documents advice_code as the retry instruction: beside a generic decline it decides
    (even loosening the decline's own "retry tomorrow"), and the basis names it first."""
    retry = AGENT.diagnose(_report({"decline_code": decline, "advice_code": advice})).retry
    assert (retry.verdict, retry.wait_seconds, retry.how) == (verdict, wait, how)
    assert retry.basis == f"stripe:{advice}, stripe:{decline}"


def test_stripe_advice_only_tightens_a_decline_that_names_its_cause() -> None:
    """Insufficient funds names its cause: "do not try again" still forbids a retry, but the
    decline's code stays first in the basis; a looser advice changes nothing."""
    strict = AGENT.diagnose(_report({"decline_code": "insufficient_funds",
                                     "advice_code": "do_not_try_again"})).retry
    assert (strict.verdict, strict.basis) == ("never", "stripe:insufficient_funds, stripe:do_not_try_again")
    loose = AGENT.diagnose(_report({"decline_code": "expired_card",
                                    "advice_code": "try_again_later"})).retry
    assert loose.verdict == "never"


@pytest.mark.parametrize(("mac", "verdict", "wait"), [("03", "never", None), ("3", "never", None),
                                                      ("01", "never", None)])
def test_stripe_network_advice_code_decides_a_generic_decline(mac: str, verdict: str,
                                                              wait: int | None) -> None:
    """Stripe's network_advice_code is a Mastercard advice code (a related code): beside a generic
    decline it decides the retry (03: never; a one-digit 3 is 03; 01: never with the same card
    details, a new attempt once they are updated)."""
    report = _report({"decline_code": "generic_decline"}, [
        {"scheme": "mastercard_mac", "field": "merchant_advice_code", "code": mac,
         "path": "error.network_advice_code"}], brand="mastercard")
    retry = AGENT.diagnose(report).retry
    assert (retry.verdict, retry.wait_seconds) == (verdict, wait)
    assert retry.basis.startswith(f"mastercard_mac:{mac}")


def test_a_mastercard_advice_code_in_its_own_field_decides_a_do_not_honor() -> None:
    """ISO 8583 05 (do not honor) with MAC 01 (new account information): retry once the card is
    updated (never with the same details), not "tomorrow"."""
    report = _report({"response_code": "05", "merchant_advice_code": "01"}, scheme="iso8583",
                     brand="mastercard")
    retry = AGENT.diagnose(report).retry
    assert (retry.verdict, retry.how, retry.after_action) == ("never", "update_card", "update_card")
    assert retry.basis.startswith("mastercard_mac:01")


def test_checkout_recommendation_code_decides_a_do_not_honour() -> None:
    """Checkout.com's documented declined-payment webhook (20005, do not honour) with
    processing.recommendation_code 03 ("do not try again"): never retry."""
    fixture = json.loads((PAYLOADS / "checkout" / "webhook_payment_declined.json").read_text("utf-8"))
    payload = copy.deepcopy(fixture["payload"])
    payload["data"].setdefault("processing", {})["recommendation_code"] = "03"
    result = AGENT.diagnose(payload, source="checkout", context=WALLET)
    assert result.failure is not None
    assert result.failure.code == "20005"
    assert (result.retry.verdict, result.retry.basis) == ("never", "checkout:03, checkout:20005")


def test_adyen_merchant_advice_code_decides_a_refusal_without_a_cause() -> None:
    """Adyen's "Refused" (2) with additionalData.merchantAdviceCode "24: Retry after 1 hour" on a
    Mastercard: retry after an hour, as Mastercard advises."""
    fixture = json.loads((PAYLOADS / "adyen" / "payment_response_refused_cvc.json").read_text("utf-8"))
    payload = copy.deepcopy(fixture["payload"])
    payload["refusalReasonCode"] = "2"
    payload["refusalReason"] = "Refused"
    payload["additionalData"].pop("refusalReasonRaw", None)
    payload["additionalData"]["merchantAdviceCode"] = "24: Retry after 1 hour"
    payload.setdefault("paymentMethod", {})["brand"] = "mc"
    result = AGENT.diagnose(payload, source="adyen", context=WALLET)
    assert result.failure is not None
    assert result.retry.basis.startswith("mastercard_mac:24")
    assert (result.retry.verdict, result.retry.wait_seconds) == ("later", 3600)

"""The processor families payfix maps beyond the card networks' own codes (Adyen refusal reasons,
Braintree processor responses, Checkout.com response codes): each documented object, with a
representative code in the field its documentation names, diagnoses to the map's reason and retry
class, says which field decided, and keeps fraud-related reasons from the payer. ``payfix codes
coverage`` counts what each family maps and names its sources."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from payfix import Diagnoser
from payfix.diagnosis.codes import code_coverage

from .test_codes import FAMILIES

PAYLOADS = Path(__file__).parent / "data" / "payloads"
WALLET = {"attempt": {"id": "w-1", "at": "2026-03-01T10:00:00Z",
                      "method": {"type": "credit_card"}}}
#: One Diagnoser per audience for every case (building one per case is most of their time).
AGENT, CUSTOMER = Diagnoser(audience="agent"), Diagnoser(audience="customer")
#: What a WeChat Pay v3 error body does not carry: the payment itself (the wallet knows it).
WALLET_V3 = {"attempt": {**WALLET["attempt"], "kind": "purchase",
                         "amount": {"value": "88.00", "currency": "CNY"},
                         "method": {"type": "wallet_balance"}}}

#: (source, fixture, where the code goes, code, reason, retry verdict, customer sees the reason)
CASES = [
    ("adyen", "payment_response_refused_cvc.json", ("refusalReasonCode",), "24",
     "incorrect_cvc", "never", True),
    ("adyen", "payment_response_refused_cvc.json", ("refusalReasonCode",), "12",
     "insufficient_funds", "later", True),
    ("adyen", "payment_response_refused_cvc.json", ("refusalReasonCode",), "46",
     "retry_budget_exhausted", "never", True),
    ("adyen", "payment_response_refused_cvc.json", ("refusalReasonCode",), "20",
     "suspected_fraud", "never", False),
    ("braintree", "transaction_processor_declined_2001.json",
     ("transaction", "processor_response_code"), "2001", "insufficient_funds", "later", True),
    ("braintree", "transaction_processor_declined_2001.json",
     ("transaction", "processor_response_code"), "2004", "expired_card", "never", True),
    ("braintree", "transaction_processor_declined_2001.json",
     ("transaction", "processor_response_code"), "2014", "suspected_fraud", "never", False),
    ("checkout", "webhook_payment_declined.json", ("data", "response_code"), "20051",
     "insufficient_funds", "later", True),
    ("checkout", "webhook_payment_declined.json", ("data", "response_code"), "20054",
     "expired_card", "never", True),
    ("checkout", "webhook_payment_declined.json", ("data", "response_code"), "30043",
     "lost_or_stolen", "never", False),
    ("wechatpay", "v3_error_order_closed.json", ("code",), "ORDER_CLOSED",
     "merchant_error", "never", True),
    ("wechatpay", "v3_error_order_closed.json", ("code",), "NOT_ENOUGH",
     "insufficient_funds", "now", True),
    ("wechatpay", "v3_error_resource_not_exists.json", ("code",), "RESOURCE_NOT_EXISTS",
     "merchant_error", "never", True),
    ("wechatpay", "v3_error_order_closed.json", ("code",), "ACCOUNT_ERROR",
     "account_frozen", "never", False),
    ("hyperswitch", "payment_failed_card_declined.json", ("unified_code",), "UE_3000",
     "processing_error", "later", True),
    ("hyperswitch", "payment_failed_card_declined.json", ("unified_code",), "UE_2000",
     "merchant_error", "never", True),
    ("hyperswitch", "payment_failed_card_declined.json", ("unified_code",), "UE_9000",
     "unknown", "never", True),
]


def _payload(source: str, name: str, where: tuple[str, ...], code: str) -> dict[str, Any]:
    payload = copy.deepcopy(json.loads((PAYLOADS / source / name).read_text("utf-8"))["payload"])
    node = payload
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = code
    if source == "braintree":  # the network's own code would be read beside it; keep it neutral
        payload["transaction"]["network_response_code"] = None
        payload["transaction"]["network_response_text"] = None
    return payload


@pytest.mark.parametrize(("source", "name", "where", "code", "reason", "verdict", "shown"), CASES,
                         ids=[f"{c[0]}:{c[3]}" for c in CASES])
def test_a_documented_object_diagnoses_by_its_family_map(
        source: str, name: str, where: tuple[str, ...], code: str, reason: str, verdict: str,
        shown: bool) -> None:
    """The code in the documented field decides the reason and the retry verdict; the trace names
    the source path it was read from and warns of no missing map; the customer sees the reason only
    where the map says it is safe to show."""
    payload = _payload(source, name, where, code)
    context = WALLET_V3 if name.startswith("v3_error") else WALLET
    agent = AGENT.diagnose(payload, source=source, context=context)
    assert (agent.failure.scheme, agent.failure.code, agent.failure.reason) == (source, code, reason)
    assert agent.failure.path == ".".join((source, *where))
    assert agent.failure.source is not None
    assert agent.failure.source.startswith(f"rules/codes/{source}.yaml:")
    assert agent.failure.warnings == ()
    assert agent.retry.verdict == verdict
    customer = CUSTOMER.diagnose(payload, source=source, context=context)
    assert customer.failure.reason == (reason if shown else "declined")


def test_a_generic_adyen_refusal_yields_to_the_raw_acquirer_response() -> None:
    """Adyen's "Refused" (2) names no cause; the raw acquirer response beside it
    ("51 : Insufficient funds") decides, and the trace names both."""
    payload = _payload("adyen", "payment_response_refused_cvc.json", ("refusalReasonCode",), "2")
    payload["additionalData"]["refusalReasonRaw"] = "51 : Insufficient funds"
    found = AGENT.diagnose(payload, source="adyen", context=WALLET).failure
    assert (found.scheme, found.code, found.reason) == ("iso8583", "51", "insufficient_funds")
    assert found.path == "adyen.additionalData.refusalReasonRaw"
    assert [(seen.scheme, seen.code) for seen in found.evidence] == [("adyen", "2")]


def test_a_hyperswitch_category_yields_to_the_connectors_mapped_cause() -> None:
    """UE_1000 says only "issue with payment method details"; the Stripe connector's own
    insufficient_funds beside it names the cause and decides, and the trace keeps both."""
    payload = _payload("hyperswitch", "payment_failed_card_declined.json", ("unified_code",),
                       "UE_1000")
    payload["error_code"] = "insufficient_funds"
    found = AGENT.diagnose(payload, source="hyperswitch", context=WALLET).failure
    assert (found.scheme, found.code, found.reason) == ("stripe", "insufficient_funds",
                                                        "insufficient_funds")
    assert found.path == "hyperswitch.error_code"
    assert [(seen.scheme, seen.code) for seen in found.evidence] == [("hyperswitch", "UE_1000")]


def test_coverage_counts_every_mapped_code_per_family() -> None:
    """code_coverage counts each family's entries (as the literal tables of test_codes list them),
    splits them by retry class, and carries the map's source addresses."""
    by_scheme = {family.scheme: family for family in code_coverage()}
    assert set(by_scheme) == set(FAMILIES)
    for scheme, (table, _) in FAMILIES.items():
        family = by_scheme[scheme]
        assert family.codes == len(table)
        assert family.hidden == sum(1 for row in table.values() if not row[2])
        assert family.retry == {cls: sum(1 for row in table.values() if row[1] == cls)
                                for cls in ("now", "later", "never")}
        assert "https://" in family.sources
        assert family.file == f"rules/codes/{scheme}.yaml"


def test_codes_coverage_command_prints_families_and_sources_read_without_a_map() -> None:
    """`payfix codes coverage` prints a row per family with its count, the sources of each map and
    the processors read with --from whose own codes have no map; --format json gives the same."""
    run = [sys.executable, "-m", "payfix", "codes", "coverage"]
    text = subprocess.run(run, capture_output=True, text=True, timeout=120, check=True).stdout
    for scheme, (table, _) in FAMILIES.items():
        assert any(line.split()[:2] == [scheme, str(len(table))] for line in text.splitlines())
        assert f"{scheme}: " in text
    assert "hyperswitch" in text
    data = json.loads(subprocess.run([*run, "--format", "json"], capture_output=True, text=True,
                                     timeout=120, check=True).stdout)
    assert {f["scheme"]: f["codes"] for f in data["families"]} == {
        s: len(t) for s, (t, _) in FAMILIES.items()}
    assert data["read_without_map"] == []


@pytest.mark.parametrize(("code", "reason", "verdict", "after", "shown"), [
    ("PAYMENT_IN_PROCESS", "payment_in_progress", "later", "query_status", True),
    ("UNKNOWN_EXCEPTION", "outcome_unknown", "later", "query_status", True),
    ("EXPIRED_CODE", "payment_code_expired", "never", "correct_data", True),
    ("RISK_REJECT", "suspected_fraud", "never", None, False),
    ("PROCESS_FAIL", "processing_error", "never", "contact_support", True),
])
def test_an_antom_result_code_diagnoses_by_its_map(code: str, reason: str, verdict: str,
                                                    after: str | None, shown: bool) -> None:
    """Antom's result code, reported with scheme `antom`: status U is queried first, a risk
    rejection is not named to the payer, PROCESS_FAIL goes to Antom's support."""
    report = {"attempt": {**WALLET_V3["attempt"], "processor": {
        "scheme": "antom", "codes": {"decline_code": code}}}}
    agent = AGENT.diagnose(report)
    assert (agent.failure.reason, agent.failure.known) == (reason, True)
    assert agent.failure.source is not None
    assert agent.failure.source.startswith("rules/codes/antom.yaml:")
    assert (agent.retry.verdict, agent.retry.after_action) == (verdict, after)
    customer = CUSTOMER.diagnose(report)
    assert customer.failure.reason == (reason if shown else "declined")


@pytest.mark.parametrize(("name", "where", "scheme", "reason", "verdict", "after"), [
    ("failed_payment_incorrect_otp.json", ("error", "reason"), "razorpay", "authentication_failed",
     "never", "authenticate"),
    ("payout_failed_account_closed.json", ("status_details", "reason"), "razorpayx",
     "account_closed", "never", "contact_payee"),
])
def test_a_documented_razorpay_failure_diagnoses_by_its_map(name: str, where: tuple[str, ...],
                                                            scheme: str, reason: str, verdict: str,
                                                            after: str) -> None:
    """Razorpay's documented failure bodies (a payment's error.reason, a payout's
    status_details.reason), reported in a payfix report's decline_code, decide the reason, the
    retry for the same request and what must happen first."""
    payload = json.loads((PAYLOADS / "razorpay" / name).read_text(encoding="utf-8"))["payload"]
    value: Any = payload
    for key in where:
        value = value[key]
    report = {"attempt": {**WALLET_V3["attempt"], "amount": {"value": "500.00", "currency": "INR"},
                          "processor": {"scheme": scheme, "codes": {"decline_code": value}}}}
    agent = AGENT.diagnose(report)
    assert (agent.failure.reason, agent.failure.known) == (reason, True)
    assert agent.failure.source is not None
    assert agent.failure.source.startswith(f"rules/codes/{scheme}.yaml:")
    assert (agent.retry.verdict, agent.retry.after_action) == (verdict, after)

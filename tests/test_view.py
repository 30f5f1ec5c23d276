"""The view module is the one place deciding what each audience sees: customers never see a code
or reason that is not customer-safe (fraud-related ones included), rule ids, evidence or the
trace; agents see them."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings

from payfix import Diagnoser, load_pack
from payfix.diagnosis.view import View

from .strategies import reports

PACK = load_pack()
DIAGNOSER = Diagnoser(PACK, engine="compiled")
UNSAFE = {(name, key) for name, codemap in PACK.codemaps.items()
          for key, entry in codemap.codes.items() if not entry.customer_safe}
UNSAFE_REASONS = {PACK.codemaps[name].codes[key].reason for name, key in UNSAFE}


def test_fraud_related_reasons_are_never_customer_safe() -> None:
    """Every code the bundled maps send to a fraud- or security-hold reason is marked not
    customer-safe, so the view keeps it from the customer."""
    fraud = {"suspected_fraud", "security_violation", "compliance_hold"} & {
        entry.reason for codemap in PACK.codemaps.values() for entry in codemap.codes.values()}
    assert fraud
    for codemap in PACK.codemaps.values():
        for entry in codemap.codes.values():
            if entry.reason in fraud:
                assert not entry.customer_safe, (codemap.scheme, entry.reason)


def _with_code(report: dict[str, Any], scheme: str, key: str) -> dict[str, Any]:
    brand, _, code = key.rpartition(":") if ":" in key else (None, "", key)
    codemap = PACK.codemaps[scheme]
    report = json.loads(json.dumps(report))
    report["attempt"]["processor"] = {"scheme": scheme, "brand": brand or None,
                                      "codes": {codemap.fields[0]: code}}
    return report


@settings(max_examples=60, deadline=None)
@given(report=reports())
def test_customers_never_see_an_unsafe_code_or_its_reason(report: dict[str, Any]) -> None:
    """For reports carrying a code that is not customer-safe, the customer's diagnosis names
    neither the code, nor its reason, nor rule ids, evidence or trace; the agent's names the
    reason and has the trace."""
    for scheme, key in sorted(UNSAFE)[:: max(1, len(UNSAFE) // 12)]:
        entry = PACK.codemaps[scheme].codes[key]
        case = _with_code(report, scheme, key)
        customer = DIAGNOSER.diagnose(case, audience="customer")
        agent = DIAGNOSER.diagnose(case, audience="agent")
        assert customer.failure.reason == "declined"
        assert customer.failure.code is None
        assert customer.failure.source is None
        assert customer.fired == ()
        assert customer.not_fired == ()
        assert all(r.rules == () for r in customer.remedies)
        assert all(e.rule_id is None for e in customer.escalation_reasons)
        if customer.handoff is not None:
            assert customer.handoff.evidence == ()
            assert entry.reason not in customer.handoff.statement
        if customer.retry.verdict != "hold":
            assert customer.retry.basis is None
        assert agent.failure.reason == entry.reason
        assert agent.fired


def test_the_view_decides_from_the_audience_and_the_code_alone() -> None:
    """A View is a pure function of (audience, customer-safe): the same facts give the same
    words, the customer's differ from the agent's only where the code is unsafe."""
    facts = {"failure.reason": "suspected_fraud", "failure.code": "59",
             "failure.scheme": "iso8583", "failure.customer_safe": False}
    assert View.of("customer", facts).failure_words(facts) == ("iso8583", None, "declined")
    assert View.of("agent", facts).failure_words(facts) == ("iso8583", "59", "suspected_fraud")
    safe = {**facts, "failure.customer_safe": True, "failure.reason": "insufficient_funds"}
    assert View.of("customer", safe).failure_words(safe) == View.of("agent", safe).failure_words(safe)
    assert View.of("customer", {}).safe  # no code: nothing to hide

"""One plan: no remedy contradicts the retry verdict. While a payment is on hold (its funds were
debited, or its outcome is unknown) nothing that pays again is offered; when the same request is
refused (never), no "try again" is. Checked on both engines and every audience."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from payfix import Diagnoser, durable_available

from .conftest import example
from .strategies import reports

ENGINES = ["compiled", *(["durable"] if durable_available() else [])]
DIAGNOSERS = {(engine, audience): Diagnoser(engine=engine, audience=audience)
              for engine in ENGINES for audience in ("agent", "customer")}
RULED_OUT = {"hold": {"same", "changed"}, "never": {"same"}}


@settings(max_examples=300, deadline=None)
@given(report=reports())
def test_no_remedy_contradicts_the_retry_verdict(report: dict[str, Any]) -> None:
    """Over random reports, on each engine and for each audience: every remedy offered is one the
    verdict allows, and the engines offer the same remedies."""
    offered = {}
    for (engine, audience), diagnoser in DIAGNOSERS.items():
        result = diagnoser.diagnose(report)
        catalogue = diagnoser.pack.remedies
        banned = RULED_OUT.get(result.retry.verdict, set())
        for remedy in result.remedies:
            assert catalogue[remedy.id].next_payment not in banned, (
                result.retry.verdict, remedy.id)
        offered[engine, audience] = [r.id for r in result.remedies]
        if audience == "agent" and result.escalate is False:
            assert result.remedies, "a failed attempt always gets a next step"
    for audience in ("agent", "customer"):
        assert len({tuple(offered[e, audience]) for e in ENGINES}) == 1


def test_money_debited_and_a_short_balance_do_not_say_top_up() -> None:
    """The funds were debited and the balance is now below the amount: the answer is to find out
    what happened to the first payment (support, escalated), not to top up and pay again."""
    report = example("escalate_funds_debited.json")
    report["attempt"]["balance"] = {"available": {"value": "100.00", "currency": "CNY"}}
    expected = {"agent": ["operations.reverse_debit", "support.contact"],
                "customer": ["support.contact"]}
    for audience in ("agent", "customer"):
        result = DIAGNOSERS["compiled", audience].diagnose(report)
        assert result.retry.verdict == "hold"
        assert [r.id for r in result.remedies] == expected[audience]
        assert result.escalate
    report["attempt"]["funds_debited"] = False  # without the debit, topping up is the answer
    result = DIAGNOSERS["compiled", "customer"].diagnose(report)
    assert result.remedies[0].id == "balance.top_up"


@pytest.mark.parametrize("verdict_code", [("never", "do_not_try_again")])
def test_a_refused_request_is_not_retried_unchanged(verdict_code: tuple[str, str]) -> None:
    """Stripe's do_not_try_again while the connection was poor: "move to a stronger network and
    try again" would send the refused request again; only changed payments are offered."""
    verdict, code = verdict_code
    report = example("network_offline.json")
    report["device"] = {"online": True, "connection": "cellular", "signal_level": 1,
                        "packet_loss_pct": "30"}
    report["attempt"]["processor"] = {"scheme": "stripe", "codes": {"decline_code": code}}
    result = DIAGNOSERS["compiled", "agent"].diagnose(report)
    assert result.retry.verdict == verdict
    ids = [r.id for r in result.remedies]
    assert ids
    assert not {"network.improve_connection", "network.reconnect", "method.retry_later"} & set(ids)


def test_an_expired_card_declined_as_fraud_is_not_told_to_update_the_card() -> None:
    """The issuer declined as fraudulent a card whose expiry month has passed: the payment is
    escalated for review, and the customer is given the safe step (pay another way), not "update
    your card details" for a card under review."""
    report = example("method_expired_card.json")
    report["attempt"]["processor"] = {"scheme": "stripe", "codes": {"decline_code": "fraudulent"}}
    customer = DIAGNOSERS["compiled", "customer"].diagnose(report)
    assert customer.escalate
    assert [r.id for r in customer.remedies][:1] == ["method.use_another"]
    assert "method.update_card" not in [r.id for r in customer.remedies]
    agent = DIAGNOSERS["compiled", "agent"].diagnose(report)
    assert agent.remedies[0].id == "security.review_risk_hold"

"""Fallback rules: a failure nothing explains (a code no map knows, a code that means "unknown",
no code and no other cause) gets the seed's checklist, ranked by what the report says of the
device, the balance and the payee, instead of an empty answer; beside an explanation the checklist
does not count; and no diagnosis of a failed payment ends with no remedy unless a rule chose to
tell only the agent."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from payfix import Diagnoser, RulePackError, load_pack
from payfix.diagnosis.ranking import rank, settle
from payfix.rules.loader import bundled_rules_dir
from payfix.rules.pack import RulePack

from .strategies import reports

AGENT = Diagnoser(engine="compiled", audience="agent")
CUSTOMER = Diagnoser(engine="compiled", audience="customer")
CHECKLIST = ["network.check_connection", "balance.check_balance", "payee.check_details",
             "method.use_another", "support.contact"]

#: A wallet-balance transfer to a bank account that failed with a code no map knows, and nothing
#: else reported: no device report, no balance.
UNEXPLAINED: dict[str, Any] = {"attempt": {
    "id": "t-1", "at": "2026-03-01T10:00:00Z", "kind": "p2p_transfer",
    "amount": {"value": "120.00", "currency": "EUR"}, "method": {"type": "wallet_balance"},
    "payee": {"type": "bank_account", "identifier": "DE89370400440532013000"},
    "processor": {"scheme": "some_psp", "codes": {"decline_code": "E1234"}}}}


def _with(**changes: Any) -> dict[str, Any]:
    report = copy.deepcopy(UNEXPLAINED)
    for key, value in changes.items():
        if key == "device":
            report["device"] = value
        else:
            report["attempt"][key] = value
    return report


def test_an_unexplained_failure_gets_the_whole_checklist_in_the_seeds_order() -> None:
    """Nothing reported but an unknown code: check the connection, the balance (fee included),
    the payee's details, pay another way, then contact support; no escalation (the checklist is
    credible; the escalation policy has nothing to say)."""
    result = AGENT.diagnose(UNEXPLAINED)
    assert [remedy.id for remedy in result.remedies] == CHECKLIST
    assert not result.escalate
    assert result.failure is not None
    assert result.failure.warnings  # the agent still learns that no map knows the scheme


@pytest.mark.parametrize(("change", "dropped"), [
    ({"device": {"online": True, "connection": "wifi", "signal_level": 4}},
     "network.check_connection"),
    ({"balance": {"available": {"value": "900.00", "currency": "EUR"}}}, "balance.check_balance"),
    ({"kind": "purchase", "payee": {"type": "merchant", "name": "Shop"}}, "payee.check_details"),
])
def test_what_the_report_already_shows_is_not_asked_again(change: dict[str, Any],
                                                         dropped: str) -> None:
    """A device reported online, a balance that covers the amount, a purchase (no payee details to
    check): that step leaves the checklist, the rest keeps its order."""
    result = AGENT.diagnose(_with(**change))
    assert [remedy.id for remedy in result.remedies] == [r for r in CHECKLIST if r != dropped]


@pytest.mark.parametrize("change", [
    {"device": {"online": False}},
    {"processor": {"scheme": "stripe", "codes": {"decline_code": "insufficient_funds"}}},
    {"payee": {"type": "bank_account", "identifier": "DE89370400440532013001"}},
], ids=["offline", "insufficient_funds", "bad_iban"])
def test_beside_an_explanation_the_checklist_does_not_count(change: dict[str, Any]) -> None:
    """An offline device, a code that names the cause, an IBAN that fails its checksum: the
    explanation's remedy leads and no fallback rule is among the fired rules."""
    result = AGENT.diagnose(_with(**change))
    fired = {hit.rule_id for hit in result.fired}
    rules = {rule.id: rule for rule in AGENT.pack.rules}
    assert result.remedies
    assert not [rule_id for rule_id in fired if rules[rule_id].fallback]


@pytest.mark.parametrize("codes", [{"sub_code": "isp.unknow-error"},
                                   {"response_code": "40004", "sub_code": "ACQ.NEW_CODE"}],
                         ids=["unmapped_sub_code", "business_failed"])
def test_a_code_that_explains_nothing_gets_the_checklist_too(codes: dict[str, str]) -> None:
    """Alipay's isp.unknow-error sub-code is in no map; 40004 ("business failed") is mapped, to
    the reason unknown, and the sub-code beside it is unknown: neither explains anything. 40004
    also says the same request is refused (retry never), so the checklist's "check, then try
    again" steps are not offered beside it."""
    result = AGENT.diagnose(_with(processor={"scheme": "alipay", "codes": codes}))
    assert result.failure is not None
    assert result.failure.reason == "unknown"
    expected = CHECKLIST if result.retry.verdict != "never" else [
        step for step in CHECKLIST
        if step not in ("network.check_connection", "balance.check_balance")]
    assert [remedy.id for remedy in result.remedies] == expected
    assert (result.retry.verdict == "never") == ("response_code" in codes)


def test_money_already_debited_is_not_a_checklist_case() -> None:
    """Funds debited although the payment failed: support and escalation, never "pay another way"
    (paying again could charge the payer twice)."""
    result = AGENT.diagnose(_with(funds_debited=True))
    ids = [remedy.id for remedy in result.remedies]
    assert "method.use_another" not in ids
    assert "support.contact" in ids
    assert result.escalate


@pytest.mark.parametrize("code", ["stolen_card", "fraudulent", "lost_card"])
def test_a_hidden_fraud_decline_leaves_the_payer_a_safe_step(code: str) -> None:
    """The payer is not told the reason (declined), and is told to pay another way; the agent sees
    the risk hold as well."""
    report = _with(kind="purchase", method={"type": "credit_card"},
                   payee={"type": "merchant", "name": "Shop"},
                   processor={"scheme": "stripe", "codes": {"decline_code": code}})
    customer = CUSTOMER.diagnose(report)
    assert customer.failure is not None
    assert customer.failure.reason == "declined"
    assert [remedy.id for remedy in customer.remedies] == ["method.use_another"]
    agent = AGENT.diagnose(report)
    assert {"security.review_risk_hold", "method.use_another"} <= {r.id for r in agent.remedies}


@settings(max_examples=300, deadline=None)
@given(report=reports())
def test_no_failed_payment_ends_without_a_remedy(report: dict[str, Any]) -> None:
    """For any valid report of a failed attempt, the agent gets at least one remedy; the customer
    too, unless every rule that fired leads to an agent-only remedy (a rule chose to tell only the
    agent, as for a recurring payment the payer cancelled)."""
    agent = AGENT.diagnose(report)
    if report["attempt"]["outcome"] != "failed":
        return
    assert agent.remedies
    customer = CUSTOMER.diagnose(report)
    if not customer.remedies:
        remedies = AGENT.pack.remedies
        rules = {rule.id: rule for rule in AGENT.pack.rules}
        fired = [rules[hit.rule_id] for hit in agent.fired]
        assert fired
        assert all("customer" not in remedies[rule.remedy].audience for rule in fired)


@settings(max_examples=300, deadline=None)
@given(report=reports())
def test_fallback_rules_count_exactly_when_nothing_else_is_credible(report: dict[str, Any]) -> None:
    """settle keeps the fallback rules that fired exactly when the other rules that fired lead to
    no remedy at or above the confidence floor."""
    pack = AGENT.pack
    rules = {rule.id: rule for rule in pack.rules}
    raw = AGENT.engine.evaluate(AGENT._evaluate(report)[3])
    kept = settle(raw, rules, pack)
    others = [rules[i] for i in raw if not rules[i].fallback]
    credible = any(s.score >= pack.settings.confidence_floor * 100 for s in rank(others, pack))
    fallbacks = {i for i in raw if rules[i].fallback}
    assert kept == (raw - fallbacks if credible else raw)


def test_a_fallback_rule_may_not_escalate(tmp_path: Path) -> None:
    """A fallback offers the checklist; a rule pack that makes one escalate is refused with a
    positioned fallback_escalates problem."""
    text = (bundled_rules_dir() / "method.yaml").read_text(encoding="utf-8")
    text = text.replace("    remedy: support.contact\n    confidence: 40\n",
                        "    remedy: support.contact\n    confidence: 40\n"
                        "    escalate: no_credible_remedy\n")
    (tmp_path / "method.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_pack(tmp_path)
    assert [p.type for p in caught.value.problems] == ["fallback_escalates"]
    assert "method.yaml" in caught.value.problems[0].render()


def test_every_bundled_fallback_rule_is_a_checklist_step(pack: RulePack) -> None:
    """The bundled fallbacks lead to exactly the checklist's remedies, none escalates, and their
    scores keep the seed's order (support last, still at the confidence floor)."""
    fallbacks = [rule for rule in pack.rules if rule.fallback]
    assert sorted(rule.remedy for rule in fallbacks) == sorted(CHECKLIST)
    assert all(rule.escalate is None for rule in fallbacks)
    ranked = rank(fallbacks, pack)
    assert [scored.remedy.id for scored in ranked] == CHECKLIST
    assert ranked[-1].score == pack.settings.confidence_floor * 100

"""Escalation triggers (each with a non-escalating twin) and the support hand-off packet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from payfix import Diagnoser, RulePackError, load_pack
from payfix.diagnosis.present import render_text
from payfix.rules.loader import bundled_rules_dir

from .conftest import example

Mutation = Callable[[dict[str, Any]], None]


def _offline(report: dict[str, Any]) -> None:
    report["device"] = {"online": False, "connection": "none"}


def _code(scheme: str, field: str, code: str) -> Mutation:
    def mutate(report: dict[str, Any]) -> None:
        report["attempt"]["processor"] = {"scheme": scheme, "codes": {field: code}}
    return mutate


def _set(path: tuple[str, ...], value: Any) -> Mutation:
    def mutate(report: dict[str, Any]) -> None:
        node = report
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def _all(*mutations: Mutation) -> Mutation:
    def mutate(report: dict[str, Any]) -> None:
        for m in mutations:
            m(report)
    return mutate


def _drop_history(report: dict[str, Any]) -> None:
    report.pop("history", None)
    report["attempt"]["remedies_tried"] = []


# (example, trigger, priority, after_seconds, twin: the trigger removed, a self-service cause left)
TRIGGERS = [
    ("escalate_funds_debited.json", "funds_debited", "high", 0,
     _set(("attempt", "funds_debited"), False)),
    ("escalate_outcome_unknown.json", "outcome_unknown", "normal", 7200,
     _all(_set(("attempt", "outcome"), "failed"), _code("iso8583", "response_code", "51"))),
    ("security_account_frozen.json", "account_frozen", "normal", 0,
     _all(_set(("account", "status"), "active"), _offline)),
    ("escalate_account_closed.json", "account_closed", "normal", 0,
     _all(_set(("account", "status"), "active"), _offline)),
    ("escalate_suspected_fraud.json", "suspected_fraud", "high", 0,
     _code("stripe", "decline_code", "insufficient_funds")),
    ("escalate_compliance_hold.json", "compliance_hold", "high", 0,
     _code("stripe", "decline_code", "card_not_supported")),
    ("escalate_merchant_fault.json", "merchant_fault", "normal", 0,
     _code("iso8583", "response_code", "51")),
    ("escalate_repeated_failure.json", "repeated_failure", "normal", 0, _drop_history),
    ("escalate_high_value.json", "high_value_processing_error", "high", 0,
     _set(("attempt", "amount"), {"value": "42.00", "currency": "USD"})),
    ("escalate_code_requires_support.json", "code_requires_support", "normal", 0,
     _code("alipay", "sub_code", "ACQ.BUYER_BALANCE_NOT_ENOUGH")),
]


@pytest.mark.parametrize(("name", "code", "priority", "after", "twin"), TRIGGERS,
                         ids=[t[1] for t in TRIGGERS])
def test_trigger_escalates_and_its_twin_does_not(diagnoser: Diagnoser, name: str, code: str,
                                                 priority: str, after: int, twin: Mutation) -> None:
    """Each trigger escalates with the policy's priority and wait; without it, no human is needed."""
    report = example(name)
    result = diagnoser.diagnose(report)
    assert result.escalate
    reason = next(r for r in result.escalation_reasons if r.code == code)
    assert (reason.priority, reason.after_seconds) == (priority, after)
    assert result.handoff is not None
    twin(report)
    calm = diagnoser.diagnose(report)
    assert not calm.escalate, [r.code for r in calm.escalation_reasons]
    assert calm.handoff is None


def test_every_escalation_example_is_in_the_table() -> None:
    """Each escalate_* example is exercised by the trigger table."""
    from .conftest import EXAMPLES

    names = {p.name for p in EXAMPLES.glob("escalate_*.json")}
    assert names <= {t[0] for t in TRIGGERS}


def test_waiting_reason_escalates_after_its_period(diagnoser: Diagnoser) -> None:
    """An unknown outcome alone is handed to a human only after the policy's wait."""
    result = diagnoser.diagnose(example("escalate_outcome_unknown.json"))
    assert result.handoff is not None
    assert result.handoff.when == "after"
    assert result.handoff.not_before == "2026-05-01T03:10:00+00:00"


def test_handoff_carries_what_a_human_needs(diagnoser: Diagnoser) -> None:
    """Reference, statement, masked identifiers, steps tried, evidence and the pack's channels."""
    result = diagnoser.diagnose(example("escalate_repeated_failure.json"))
    handoff = result.handoff
    assert handoff is not None
    assert handoff.reference.startswith("PF-")
    assert "A purchase of 12.00 EUR from the card ending 0005" in handoff.statement
    assert "2 earlier attempt(s) failed" in handoff.statement
    prepare = {item.key: item.value for item in handoff.prepare}
    assert prepare["account_email"] == "e***@example.com"
    assert prepare["payee"] == "Bakery Blum"
    assert handoff.steps_tried == ("Contact your card issuer",
                                   "2 earlier failed attempt(s) with the same code")
    assert any(line.startswith("security.repeated_failure:") for line in handoff.evidence)
    pack = load_pack()
    assert [c.id for c in handoff.channels] == [c.id for c in pack.settings.channels]
    assert "never ask for your password" in handoff.reminder


@settings(max_examples=150, deadline=None)
@given(at=st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1),
                       timezones=st.integers(-14 * 60, 14 * 60).map(
                           lambda m: timezone(timedelta(minutes=m)))),
       name=st.sampled_from(["escalate_outcome_unknown.json", "escalate_account_closed.json"]))
def test_handoff_times_are_the_attempt_time_in_utc_whatever_its_offset(
        diagnoser: Diagnoser, at: datetime, name: str) -> None:
    """The time to prepare is the attempt's time in UTC to the second, and a human is involved
    from the attempt time in UTC plus the shortest wait, for any offset and fraction of a second
    (one example escalates at once, one after a wait)."""
    report = example(name)
    report["attempt"]["at"] = at.isoformat()
    result = diagnoser.diagnose(report)
    assert result.handoff is not None
    utc = at.astimezone(UTC)
    wait = min(r.after_seconds for r in result.escalation_reasons)
    assert {i.key: i.value for i in result.handoff.prepare}["time"] == utc.strftime(
        "%Y-%m-%d %H:%M:%S")
    assert result.handoff.not_before == (utc + timedelta(seconds=wait)).isoformat()
    assert result.handoff.when == ("after" if wait else "now")
    assert utc.strftime("%Y-%m-%d %H:%M") in result.handoff.statement


def test_handoff_statement_in_chinese(diagnoser: Diagnoser) -> None:
    """The statement and labels follow the locale (zh-CN)."""
    result = diagnoser.diagnose(example("escalate_funds_debited.json"), locale="zh-CN")
    assert result.handoff is not None
    assert "付款方账户已被扣款" in result.handoff.statement
    assert "（原因：处理出错）" in result.handoff.statement  # processing_error, by its name
    assert "绝不会索要您的密码或验证码" in result.handoff.reminder


def test_customer_handoff_hides_evidence_and_hidden_reasons() -> None:
    """Customers get the statement and channels, but no evidence and no fraud reason."""
    customer = Diagnoser(engine="compiled", audience="customer")
    result = customer.diagnose(example("escalate_suspected_fraud.json"))
    assert result.handoff is not None
    assert result.handoff.evidence == ()
    assert [r.code for r in result.escalation_reasons] == ["needs_review"]
    assert "fraud" not in result.to_json().lower()


def test_agent_text_is_a_ticket_body(diagnoser: Diagnoser) -> None:
    """--audience agent --format text prints the hand-off as a ready ticket body."""
    text = render_text(diagnoser.diagnose(example("escalate_funds_debited.json")))
    for part in ("Support hand-off PF-", "(priority high, now)", "Have ready:",
                 "Official channels:", "never ask for your password", "Evidence:"):
        assert part in text


@pytest.mark.parametrize(("change", "basis"), [
    ({"funds_debited": True}, "funds_debited"), ({"outcome": "unknown"}, "outcome_unknown")])
def test_no_retry_while_a_payment_is_debited_or_unresolved(diagnoser: Diagnoser,
                                                           change: dict[str, Any],
                                                           basis: str) -> None:
    """Retrying a debited or unresolved payment risks paying twice: the advice is to hold."""
    report = example("balance_short.json")
    assert diagnoser.diagnose(report).retry.verdict == "now"  # once the wallet is topped up
    report["attempt"].update(change)
    retry = diagnoser.diagnose(report).retry
    assert (retry.verdict, retry.basis) == ("hold", basis)


TOP = {
    "escalate_account_closed.json": "security.account_closed",
    "escalate_code_requires_support.json": "security.account_restricted",
    "escalate_compliance_hold.json": "security.account_restricted",
    "escalate_funds_debited.json": "operations.reverse_debit",
    "escalate_high_value.json": "support.contact",
    "escalate_merchant_fault.json": "method.use_another",
    "escalate_outcome_unknown.json": "operations.query_status",
    "escalate_repeated_failure.json": "support.still_failing",
    "escalate_suspected_fraud.json": "security.review_risk_hold",
}


@pytest.mark.parametrize("name", sorted(TOP))
def test_escalation_examples_rank_the_expected_remedy_first(diagnoser: Diagnoser, name: str) -> None:
    """Each escalation example's first remedy is the one an agent would start with."""
    remedies = diagnoser.diagnose(example(name)).remedies
    assert (remedies[0].id if remedies else None) == TOP[name]


def _without_fallbacks(tmp_path: Path) -> Path:
    """An overlay of the bundled rule sets with their fallback rules removed."""
    yaml = YAML(typ="rt")
    for name in ("network", "balance", "payee", "method"):
        data = yaml.load((bundled_rules_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
        data["rules"] = [rule for rule in data["rules"] if not rule.get("fallback")]
        with (tmp_path / f"{name}.yaml").open("w", encoding="utf-8") as out:
            yaml.dump(data, out)
    return tmp_path


def test_an_unknown_code_gets_the_checklist_not_a_human(diagnoser: Diagnoser) -> None:
    """A code no map knows (ISO 8583 Q9) is answered with the checklist: no escalation, no
    hand-off; the policy's no_credible_remedy is for a pack whose rules leave nothing credible."""
    result = diagnoser.diagnose(example("unknown_code_checklist.json"))
    assert not result.escalate
    assert result.handoff is None
    assert [remedy.id for remedy in result.remedies] == ["method.use_another", "support.contact"]


def test_no_credible_remedy_still_escalates_a_pack_without_fallbacks(tmp_path: Path) -> None:
    """Without fallback rules, the same unknown code leaves no remedy and escalates with the
    policy's no_credible_remedy (low priority, now); a code that names its cause does not."""
    diagnoser = Diagnoser(_without_fallbacks(tmp_path), engine="compiled", audience="agent")
    report = example("unknown_code_checklist.json")
    result = diagnoser.diagnose(report)
    assert not result.remedies
    (reason,) = result.escalation_reasons
    assert (reason.code, reason.priority, reason.after_seconds) == ("no_credible_remedy", "low", 0)
    report["attempt"]["processor"]["codes"] = {"response_code": "54"}
    assert not diagnoser.diagnose(report).escalate


@pytest.mark.parametrize("name", sorted(TOP))
def test_a_chinese_handoff_names_the_reason_in_chinese(name: str) -> None:
    """The zh-CN statement writes the failure reason by its name in the pack's reason_names, never
    as a code-like slug; the English one keeps the reason as it is."""
    pack = load_pack()
    agent = Diagnoser(engine="compiled", audience="agent", pack=pack)
    zh = agent.diagnose(example(name), locale="zh-CN")
    en = agent.diagnose(example(name), locale="en")
    assert zh.handoff is not None
    assert en.handoff is not None
    reason = zh.failure.reason
    assert not any(slug in zh.handoff.statement for slug in pack.settings.reasons if "_" in slug)
    assert not any(word in zh.handoff.statement for word in ("locked", "frozen", "closed"))
    if "（原因：" in zh.handoff.statement:  # the report's failure has a reason
        assert f"（原因：{pack.settings.reason_names['zh-CN'][reason]}）" in zh.handoff.statement
        assert f"(reason: {reason})" in en.handoff.statement


def test_reason_names_must_name_known_reasons_in_known_locales(tmp_path: Path) -> None:
    """A reason_names entry for a reason or a locale the pack does not have is a load problem."""
    yaml = YAML(typ="rt")
    settings = yaml.load((bundled_rules_dir() / "pack.yaml").read_text(encoding="utf-8"))
    settings["reason_names"] = {"zh-CN": {"insuficient_funds": "余额不足"}, "fr": {"unknown": "?"}}
    with (tmp_path / "pack.yaml").open("w", encoding="utf-8") as handle:
        yaml.dump(settings, handle)
    with pytest.raises(RulePackError) as info:
        load_pack(tmp_path)
    assert {p.type for p in info.value.problems} >= {"unknown_reason", "unknown_locale"}

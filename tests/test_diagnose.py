"""End to end: examples rank the expected remedy first, results are deterministic and isolated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from payfix import Diagnoser, diagnose
from payfix.batch.synth import synth_reports
from payfix.cli import main
from payfix.diagnosis import diagnoser as diagnoser_module

from .conftest import ENGINES, EXAMPLES, ROOT, example
from .strategies import reports

EXPECTED_FIRST = {
    "network_offline.json": ("network.reconnect", "network.offline",
                             {"device.online": False, "device.connection": "none"}),
    "balance_short.json": ("balance.top_up", "balance.short_of_amount",
                           {"balance.applies": True, "balance.shortfall_minor": 5150,
                            "balance.fee_causes_shortfall": False}),
    "balance_fee_pushes_over.json": ("balance.fee_shortfall", "balance.fee_pushes_over",
                                     {"balance.applies": True,
                                      "balance.fee_causes_shortfall": True}),
    "payee_bad_iban.json": ("payee.check_details", "payee.identifier_invalid",
                            {"payee.identifier_valid": False}),
    "method_expired_card.json": ("method.update_card", "method.card_expired",
                                 {"method.card_expired": True, "failure.reason": "expired_card"}),
    "method_wechat_code_expired.json": ("method.refresh_code", "method.payment_code_expired",
                                        {"failure.reason": "payment_code_expired"}),
    "method_mastercard_recurring_cancelled.json": ("method.recurring_cancelled",
                                                   "method.recurring_stopped",
                                                   {"failure.reason": "stop_recurring"}),
    "security_account_frozen.json": ("security.account_restricted", "security.account_frozen",
                                     {"account.status": "frozen", "failure.reason": None,
                                      "history.auth_failures_24h": None,
                                      "history.credentials_reset_tried": False}),
    "unknown_code_checklist.json": ("method.use_another", "method.fallback_other_method",
                                    {"attempt.outcome": "failed", "attempt.funds_debited": None}),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_FIRST))
@pytest.mark.parametrize("engine", ["compiled", "auto"])
def test_cli_ranks_the_expected_remedy_first_with_its_evidence(
        name: str, engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix diagnose <example> --format json` puts the rule set's remedy first and the fired
    rule with the facts it read in the trace."""
    remedy, rule, facts = EXPECTED_FIRST[name]
    assert main(["diagnose", str(EXAMPLES / name), "--format", "json", "--engine", engine]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["remedies"][0]["id"] == remedy
    assert rule in out["remedies"][0]["rules"]
    hit = next(h for h in out["fired"] if h["rule_id"] == rule)
    assert hit["facts"] == facts


def test_every_example_report_is_covered() -> None:
    """Each shipped example has an expected first remedy asserted here or in test_escalation."""
    names = {p.name for p in EXAMPLES.glob("*.json") if not p.name.startswith("escalate_")}
    assert names == set(EXPECTED_FIRST)


def test_escalation_names_the_rules_that_demand_it(diagnoser: Diagnoser) -> None:
    """A frozen account with funds debited escalates for both reasons, in rule order."""
    report = example("security_account_frozen.json")
    report["attempt"]["funds_debited"] = True
    result = diagnoser.diagnose(report)
    assert result.escalate
    assert [(r.code, r.rule_id) for r in result.escalation_reasons] == [
        ("account_frozen", "security.account_frozen"), ("funds_debited", "security.funds_debited")]


def test_nothing_that_explains_the_failure_gets_the_checklist(diagnoser: Diagnoser) -> None:
    """The offline example with the device back online: nothing explains the failure, so the
    fallback checklist answers (the balance was reported, a purchase has no payee details to
    check): pay another way, then contact support; no human is needed for that alone."""
    report = example("network_offline.json")
    report["device"] = {"online": True}
    result = diagnoser.diagnose(report)
    assert [remedy.id for remedy in result.remedies] == ["method.use_another", "support.contact"]
    assert result.escalation_reasons == ()


def test_customer_never_sees_a_fraud_reason() -> None:
    """A fraud decline reads as 'declined' with neutral escalation and no trace for customers."""
    report = example("method_expired_card.json")
    report["attempt"]["processor"]["codes"] = {"decline_code": "fraudulent"}
    report["attempt"]["method"]["card"]["expiry_year"] = 2030
    customer = diagnose(report, engine="compiled", audience="customer")
    text = customer.to_json()
    for word in ("fraud", "risk", "stolen", "suspected"):
        assert word not in text.lower()
    assert customer.failure.reason == "declined"
    assert [r.code for r in customer.escalation_reasons] == ["needs_review"]
    agent = diagnose(report, engine="compiled", audience="agent")
    assert agent.failure.reason == "suspected_fraud"


def test_locale_falls_back_from_language_to_pack_default() -> None:
    """'zh' picks zh-CN texts; an unknown locale falls back to English."""
    zh = diagnose(example("network_offline.json"), engine="compiled", locale="zh")
    assert zh.locale == "zh-CN"
    assert zh.remedies[0].title.startswith("请先连接网络")
    xx = diagnose(example("network_offline.json"), engine="compiled", locale="xx-YY")
    assert xx.locale == "en"


def test_not_fired_rules_say_which_condition_failed(diagnoser: Diagnoser) -> None:
    """For a rule that did not fire, the trace gives the failing condition and the value seen."""
    result = diagnoser.diagnose(example("network_offline.json"))
    miss = next(m for m in result.not_fired if m.rule_id == "network.clock_skew")
    assert miss.fact == "device.clock_skew_s"
    assert miss.value is None
    assert miss.failed == "device.clock_skew_s > 300"


@settings(max_examples=60)
@given(reports())
def test_same_input_gives_byte_identical_json(diagnoser: Diagnoser, report: dict[str, Any]) -> None:
    """Determinism: diagnosing the same report twice gives the same bytes."""
    assert diagnoser.diagnose(report).to_json() == diagnoser.diagnose(report).to_json()


@settings(max_examples=60)
@given(reports(), reports())
def test_no_cross_talk_between_diagnoses(diagnoser: Diagnoser, a: dict[str, Any],
                                         b: dict[str, Any]) -> None:
    """Diagnosing A then B gives the same B as diagnosing B on a fresh diagnoser (a new Diagnoser
    over the same loaded pack: its memos are its own, the pack holds none)."""
    diagnoser.diagnose(a)
    after_a = diagnoser.diagnose(b).to_json()
    fresh = Diagnoser(engine="compiled", audience="agent", pack=diagnoser.pack).diagnose(b).to_json()
    assert after_a.replace('"engine":"durable"', '"engine":"compiled"') == fresh


def test_shared_diagnoser_gives_serial_results_under_threads(diagnoser: Diagnoser) -> None:
    """Eight threads sharing one Diagnoser get exactly what serial calls get (2,000 reports)."""
    from concurrent.futures import ThreadPoolExecutor

    names = sorted(EXPECTED_FIRST)
    work = [example(names[i % len(names)]) for i in range(2000)]
    serial = [diagnoser.diagnose(r).to_json() for r in work]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda r: diagnoser.diagnose(r).to_json(), work))
    assert threaded == serial


@pytest.mark.parametrize("engine", ENGINES)
def test_threads_filling_and_clearing_the_memos_get_serial_results(
        engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight threads sharing one fresh Diagnoser, whose memos are so small that they are cleared
    all the time, get exactly what a serial Diagnoser gets: 1,500 distinct synthetic reports and
    the examples, both audiences, both locales."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(diagnoser_module, "MEMO_SIZE", 8)
    reports = [*synth_reports(1500, seed=21), *(example(p.name) for p in sorted(EXAMPLES.glob("*.json")))]
    work = [(r, audience, locale) for r in reports
            for audience, locale in (("customer", "en"), ("agent", "zh-CN"))]
    serial = Diagnoser(engine=engine)
    expected = [serial.diagnose(r, audience=a, locale=loc).to_json() for r, a, loc in work]
    shared = Diagnoser(engine=engine)
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda w: shared.diagnose(w[0], audience=w[1], locale=w[2]).to_json(),
                            work))
    assert got == expected


def test_operator_code_override_is_visible_in_the_diagnosis(tmp_path: Path) -> None:
    """An operator's code map that re-maps a code wins, and the agent sees which file decided."""
    base = (ROOT / "rules" / "codes" / "stripe.yaml").read_text(encoding="utf-8")
    (tmp_path / "codes").mkdir()
    line = next(x for x in base.splitlines() if x.startswith("  do_not_honor:"))
    (tmp_path / "codes" / "stripe.yaml").write_text(base.replace(
        line, "  do_not_honor: {reason: insufficient_funds, retry: later, wait_s: 3600, "
              "customer_safe: true, fix_by: customer, note: operator data shows these are NSF}"),
        encoding="utf-8")
    report = example("method_expired_card.json")
    report["attempt"]["processor"]["codes"] = {"decline_code": "do_not_honor"}
    bundled = diagnose(report, engine="compiled", audience="agent").failure
    assert (bundled.reason, bundled.source.startswith("rules/codes/stripe.yaml:")) == (
        "do_not_honor", True)
    overlaid = Diagnoser(tmp_path, "compiled", audience="agent").diagnose(report).failure
    assert overlaid.reason == "insufficient_funds"
    assert overlaid.source is not None
    assert overlaid.source.startswith(str(tmp_path / "codes" / "stripe.yaml"))


@pytest.mark.parametrize(("locale", "text"), [
    ("en", "You already have these set up: a credit card, your wallet balance."),
    ("zh-CN", "您已绑定的其他付款方式：信用卡、钱包余额。"),
])
def test_use_another_method_names_the_payers_other_methods(locale: str, text: str) -> None:
    """'Pay another way' names the methods the payer already has, not a generic list."""
    report = example("method_expired_card.json")
    report["attempt"]["method"]["card"]["expiry_year"] = 2030
    report["attempt"]["processor"]["codes"] = {"decline_code": "card_not_supported"}
    report["account"]["methods"] = ["debit_card", "credit_card", "wallet_balance", "credit_card"]
    report["attempt"]["method"]["type"] = "debit_card"
    remedy = diagnose(report, engine="compiled", locale=locale).remedies[0]
    assert remedy.id == "method.use_another"
    assert remedy.steps[0] == text


def test_wallet_ids_are_checked_against_the_operators_format() -> None:
    """A wallet user id that does not match the pack's wallet_id_pattern is a payee problem."""
    report = example("balance_fee_pushes_over.json")
    report["attempt"]["payee"]["identifier"] = "u_7712045"
    result = diagnose(report, engine="compiled", audience="agent")
    assert "payee.identifier_invalid" in {h.rule_id for h in result.fired}


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_untraced_agent_diagnosis_is_the_traced_one_without_the_trace(name: str) -> None:
    """trace=False (bulk replay) changes nothing but the two trace lists, which it leaves empty."""
    report = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    traced = Diagnoser(engine="compiled", audience="agent").diagnose(report)
    bare = Diagnoser(engine="compiled", audience="agent", trace=False).diagnose(report)
    assert (bare.fired, bare.not_fired) == ((), ())
    assert traced.not_fired
    assert bare == traced.model_copy(update={"fired": (), "not_fired": ()})

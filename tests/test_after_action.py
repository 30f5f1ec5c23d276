"""The two-part retry answer: ``retry.verdict`` is for the same request, ``retry.after_action`` is
what must happen before a new attempt can succeed. Both are in the code look-up, the diagnosis and
the wire format (diagnosis schema 1.1), and a code map cannot contradict itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from ruamel.yaml import YAML

from payfix import Diagnoser, RulePackError, load_pack
from payfix.diagnosis.codes import lookup_code
from payfix.diagnosis.present import render_text
from payfix.models import DIAGNOSIS_SCHEMA_VERSION, Diagnosis
from payfix.rules.loader import bundled_rules_dir
from payfix.vocab import AFTER_ACTIONS, CHANGES_REQUEST

from .conftest import example
from .strategies import PACK, reports

AGENT = Diagnoser(PACK, engine="compiled", audience="agent")
CUSTOMER = Diagnoser(PACK, engine="compiled", audience="customer")


def _card(scheme: str, codes: dict[str, str], *, method: str = "credit_card",
          brand: str | None = "visa") -> dict[str, Any]:
    processor: dict[str, Any] = {"scheme": scheme, "codes": codes}
    if brand:
        processor["brand"] = brand
    return {"attempt": {"id": "a-1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
                        "amount": {"value": "10.00", "currency": "USD"},
                        "method": {"type": method}, "processor": processor}}


#: (scheme, code field, code) → (verdict for the same request, wait, what must happen first):
#: the cases the knowledge issue names, each as its sources describe it.
TWO_PART = [
    (("iso8583", "response_code", "14"), ("never", None, "correct_data")),  # wrong card number
    (("iso8583", "response_code", "54"), ("never", None, "update_card")),  # expired card
    (("iso8583", "response_code", "01"), ("later", 86400, "contact_issuer")),  # refer to issuer
    (("iso8583", "response_code", "52"), ("later", 86400, "contact_issuer")),  # no checking account
    (("iso8583", "response_code", "21"), ("later", 86400, "contact_issuer")),  # no action taken
    (("iso8583", "response_code", "05"), ("later", 86400, None)),  # do not honor: only the wait
    (("stripe", "decline_code", "incorrect_cvc"), ("never", None, "correct_data")),
    (("stripe", "decline_code", "authentication_required"), ("never", None, "authenticate")),
    (("wechatpay", "decline_code", "ORDERCLOSED"), ("never", None, "new_order")),
    (("wechatpay", "decline_code", "OUT_TRADE_NO_USED"), ("never", None, "new_order")),
    (("alipay", "sub_code", "ACQ.TRADE_HAS_CLOSE"), ("never", None, "new_order")),
    (("alipay", "sub_code", "ACQ.TRADE_BUYER_NOT_MATCH"), ("never", None, "new_order")),
    (("iso8583", "response_code", "03"), ("never", None, "merchant_fix")),  # invalid merchant
    (("mastercard_mac", "merchant_advice_code", "21"), ("never", None, "renew_mandate")),
]


@pytest.mark.parametrize(("code", "expected"), TWO_PART, ids=[f"{s}:{c}" for (s, _, c), _ in TWO_PART])
def test_the_look_up_and_the_diagnosis_give_both_parts(code: tuple[str, str, str],
                                                       expected: tuple[Any, ...]) -> None:
    """`codes lookup` and a diagnosis of the bare code agree on the verdict for the same request
    and on what must happen before a new attempt."""
    scheme, field, value = code
    info = lookup_code(scheme, value, pack=AGENT)
    assert (info.retry, info.wait_seconds, info.after_action) == expected
    brand = "mastercard" if scheme == "mastercard_mac" else None
    retry = AGENT.diagnose(_card(scheme, {field: value}, brand=brand)).retry
    assert (retry.verdict, retry.wait_seconds, retry.after_action) == expected


def test_every_code_whose_action_changes_the_request_is_never_for_the_same_request() -> None:
    """No entry says "retry now" for a request that must change first: a wrong CVC is refused as
    sent, and the action says a corrected one may succeed."""
    offenders = [f"{scheme}:{key}" for scheme, cm in PACK.codemaps.items()
                 for key, entry in cm.codes.items()
                 if entry.after in CHANGES_REQUEST and entry.retry != "never"]
    assert not offenders
    actions = {entry.after for cm in PACK.codemaps.values() for entry in cm.codes.values()}
    assert actions - {None} <= set(AFTER_ACTIONS)
    assert len(actions - {None}) >= 10  # the vocabulary is used, not decorative


def _overlay(tmp_path: Path, line: str, after_actions: dict[str, Any] | None = None) -> Path:
    """An overlay with one Stripe code map entry replaced by ``line``."""
    codes = tmp_path / "codes"
    codes.mkdir(parents=True)
    text = (bundled_rules_dir() / "codes" / "stripe.yaml").read_text(encoding="utf-8")
    start = text.index("  incorrect_cvc: {")
    end = text.index("\n", start)
    (codes / "stripe.yaml").write_text(text[:start] + line + text[end:], encoding="utf-8")
    if after_actions is not None:
        yaml = YAML(typ="rt")
        pack_yaml = yaml.load((bundled_rules_dir() / "pack.yaml").read_text(encoding="utf-8"))
        pack_yaml["after_actions"].update(after_actions)
        with (tmp_path / "pack.yaml").open("w", encoding="utf-8") as out:
            yaml.dump(pack_yaml, out)
    return tmp_path


def test_a_map_that_says_retry_now_for_a_request_that_must_change_is_refused(tmp_path: Path) -> None:
    """`retry: now` on an incorrect CVC (the old reading, "now, once corrected") is ambiguous: the
    loader names the file, the line and what to write instead."""
    overlay = _overlay(tmp_path, "  incorrect_cvc: {reason: incorrect_cvc, retry: now, "
                                 "customer_safe: true, fix_by: customer}")
    with pytest.raises(RulePackError) as caught:
        load_pack(overlay)
    (problem,) = caught.value.problems
    assert problem.type == "retry_contradicts_after"
    assert "codes/stripe.yaml" in problem.render()
    assert "'never'" in problem.msg
    assert "correct_data" in problem.msg


def test_an_entry_names_its_own_action_or_none(tmp_path: Path) -> None:
    """An entry's `after` wins over the pack's default for its reason; `after: none` says that
    nothing but time is needed (and then any verdict is consistent)."""
    overlay = _overlay(tmp_path, "  incorrect_cvc: {reason: incorrect_cvc, retry: now, "
                                 "customer_safe: true, fix_by: customer, after: none}")
    assert load_pack(overlay).codemaps["stripe"].codes["incorrect_cvc"].after is None
    (tmp_path / "codes" / "stripe.yaml").unlink()
    (tmp_path / "codes").rmdir()
    overlay = _overlay(tmp_path, "  incorrect_cvc: {reason: incorrect_cvc, retry: later, wait_s: 60, "
                                 "customer_safe: true, fix_by: customer, after: contact_issuer}")
    entry = load_pack(overlay).codemaps["stripe"].codes["incorrect_cvc"]
    assert (entry.retry, entry.after) == ("later", "contact_issuer")


def test_the_pack_default_may_depend_on_who_fixes_it(tmp_path: Path) -> None:
    """`after_actions` per reason may name an action per `fix_by`: ISO 03 (invalid merchant, fixed
    by the merchant) is a merchant fix, ISO 12 (fixed by the issuer) a call to the issuer; a
    reason the pack does not know is a problem."""
    iso = PACK.codemaps["iso8583"].codes
    assert (iso["03"].fix_by, iso["03"].after) == ("merchant", "merchant_fix")
    assert (iso["12"].fix_by, iso["12"].after) == ("issuer", "contact_issuer")
    overlay = _overlay(tmp_path, "  incorrect_cvc: {reason: incorrect_cvc, retry: never, "
                                 "customer_safe: true, fix_by: customer}", {"no_such_reason": "top_up"})
    with pytest.raises(RulePackError) as caught:
        load_pack(overlay)
    assert [p.type for p in caught.value.problems] == ["unknown_reason"]
    assert "after_actions names 'no_such_reason'" in caught.value.problems[0].msg


def test_a_held_payment_is_queried_first_and_an_unknown_code_asks_nothing() -> None:
    """Funds debited: hold, and the status is queried before anything else; an unmapped code has
    no verdict and no action."""
    held = AGENT.diagnose(example("escalate_funds_debited.json")).retry
    assert (held.verdict, held.how, held.after_action) == ("hold", "query_first", "query_status")
    unknown = AGENT.diagnose(example("unknown_code_checklist.json")).retry
    assert (unknown.verdict, unknown.after_action) == ("unknown", None)


def test_a_wallet_short_of_funds_is_topped_up_then_paid_at_once() -> None:
    """Insufficient funds in the wallet balance: the same payment may go again as soon as the
    balance is topped up (no card-issuer wait)."""
    report = _card("iso8583", {"response_code": "51"}, method="wallet_balance", brand=None)
    retry = AGENT.diagnose(report).retry
    assert (retry.verdict, retry.how, retry.after_action) == ("now", "after_top_up", "top_up")


def test_the_wire_format_carries_the_action_since_schema_1_1() -> None:
    """The diagnosis says schema 1.1 or later (1.2 added the reply and notify), its JSON
    carries `retry.after_action`, and its JSON Schema lists exactly the action vocabulary."""
    diagnosis = CUSTOMER.diagnose(example("method_expired_card.json"))
    assert diagnosis.schema_version == DIAGNOSIS_SCHEMA_VERSION == "1.2"
    assert json.loads(diagnosis.to_json())["retry"]["after_action"] == "update_card"
    schema = Diagnosis.model_json_schema()
    enum = schema["$defs"]["RetryAdvice"]["properties"]["after_action"]["anyOf"][0]["enum"]
    assert enum == list(AFTER_ACTIONS)


@pytest.mark.parametrize(("locale", "said", "line"), [
    ("en", "Retry advice: do not retry as it was. Before a new attempt: the payer updates the card "
           "details or uses the renewed card.",
     "Retry: never with the same request; before a new attempt: update card"),
    ("zh-CN", "重试建议：请勿按原样重试。再次尝试前：付款方更新银行卡信息或使用换发的新卡。",
     "重试：请勿重试（原请求）；再次尝试前：更新银行卡信息"),
])
def test_the_handoff_and_the_text_say_both_parts(locale: str, said: str, line: str) -> None:
    """An escalated expired-card payment's hand-off statement says "not as it was" and what comes
    first, in the diagnosis's language; the text format's retry line says both."""
    report = example("method_expired_card.json")
    report["attempt"]["processor"]["codes"] = {"decline_code": "expired_card"}
    report["attempt"]["remedies_tried"] = ["method.update_card"]
    report["history"] = [{"at": "2026-04-02T06:00:00Z", "outcome": "failed", "scheme": "stripe",
                          "code": "expired_card"}] * 3
    diagnosis = AGENT.diagnose(report, locale=locale)
    assert diagnosis.handoff is not None, "the repeated failure escalates"
    assert said in diagnosis.handoff.statement
    assert line in render_text(diagnosis)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_the_two_parts_never_contradict_each_other(report: dict[str, Any]) -> None:
    """Over random reports: an action that changes the request comes with `never`; a hold is
    queried first; an unknown verdict asks for nothing; every action is from the vocabulary."""
    for diagnoser in (AGENT, CUSTOMER):
        retry = diagnoser.diagnose(report).retry
        assert retry.after_action is None or retry.after_action in AFTER_ACTIONS
        if retry.after_action in CHANGES_REQUEST:
            assert retry.verdict == "never"
        if retry.verdict == "hold":
            assert retry.after_action == "query_status"
        if retry.verdict == "unknown":
            assert retry.after_action is None


def test_advice_that_decides_the_wait_keeps_the_referrals_call_to_the_issuer() -> None:
    """ISO 01 (refer to the issuer) names no cause, so a Mastercard advice beside it decides the
    retry; the advice names only a wait (MAC 25: 24 hours), so the call to the issuer stays, while
    an advice with its own action (MAC 01: updated card details) replaces it."""
    wait = AGENT.diagnose(_card("iso8583", {"response_code": "01", "merchant_advice_code": "25"},
                                brand="mastercard")).retry
    assert (wait.verdict, wait.wait_seconds, wait.after_action) == ("later", 86400, "contact_issuer")
    update = AGENT.diagnose(_card("iso8583", {"response_code": "01", "merchant_advice_code": "01"},
                                  brand="mastercard")).retry
    assert (update.verdict, update.after_action) == ("never", "update_card")

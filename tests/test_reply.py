"""The words sent and kept about a diagnosis: the payer's reply and the agent's ticket note come
from the pack's texts in the diagnosis's locale, never show a code, a rule or a fraud reason to
the payer, never send someone talking to support to support, and say when a wallet should tell
the payer by itself (``notify``)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfix import Diagnoser, load_pack
from payfix.cli import main
from payfix.diagnosis.present import render_text
from payfix.diagnosis.reply import duration
from payfix.errors import RulePackError
from payfix.masking import mask_identifier

from .conftest import EXAMPLES, example
from .strategies import reports

DIAGNOSERS = {a: Diagnoser(engine="compiled", audience=a, replies=True)
              for a in ("agent", "customer")}
NAMES = sorted(path.name for path in EXAMPLES.glob("*.json"))
#: Latin words a Chinese text may hold: acronyms and product names written so in Chinese too.
LATIN_IN_ZH = {"App", "CVC", "ID", "PIN", "VPN", "Wi-Fi", "UTC", "Root", "PF", "Secure",
               # the processors and API calls an agent's step names
               "Stripe", "PaymentIntent", "Antom", "inquiryPayment"}


def _latin_words(text: str, allowed: set[str]) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z\-]+", text) if w not in allowed]


@pytest.mark.parametrize("name", NAMES)
def test_the_reply_to_the_payer_reads_as_a_message(name: str) -> None:
    """Every example's customer reply greets, says what happened with the amount, lists the
    official channels, warns never to share a password or code and signs off; an escalated one
    gives the reference; none tells the payer to contact support (they are talking to it)."""
    result = DIAGNOSERS["customer"].diagnose(example(name), locale="en")
    assert result.reply is not None
    assert result.reply.note is None
    message = result.reply.message or ""
    report = example(name)["attempt"]
    assert message.startswith("Hello,\n\n")
    assert f"{report['amount']['value']} {report['amount']['currency']}" in message
    assert message.endswith("Kind regards,\nCustomer support")
    assert "never ask for your password" in message
    assert "Me > Help & Support > Chat with us (24/7)" in message
    if result.handoff is not None:
        assert result.handoff.reference in message
    assert "contact support" not in message.lower()
    assert "customer support through" not in message
    code = result.failure.code
    assert code is None or not re.search(rf"(?<![\w.:-]){re.escape(code)}(?![\w:-])", message)


def test_a_debited_payment_says_the_money_is_being_looked_into_and_not_to_pay_again() -> None:
    """The issue's case: the money was taken although the payment failed."""
    result = DIAGNOSERS["customer"].diagnose(example("escalate_funds_debited.json"))
    assert result.reply is not None
    assert result.reply.template == "debited"
    message = result.reply.message or ""
    assert "the money was taken from the wallet balance" in message
    assert "If it is not completed, the money is returned to you." in message
    assert "do not pay again" in message
    assert "We will let you know as soon as the money is back" in message


def test_the_agent_note_has_the_codes_the_advice_and_the_agent_steps() -> None:
    """The ticket note (agents only) names the code and where it was read, the retry advice,
    the escalation, the agent's own next step, and what the payer's reply lists."""
    agent = DIAGNOSERS["agent"].diagnose(example("escalate_suspected_fraud.json"))
    assert agent.reply is not None
    assert agent.reply.message is None
    note = agent.reply.note or ""
    assert "Reason: suspected_fraud (stripe decline_code=fraudulent)." in note
    assert "Retry advice: do not retry." in note
    assert "Escalated: suspected_fraud." in note
    customer = DIAGNOSERS["customer"].diagnose(example("escalate_suspected_fraud.json"))
    told = [r.title for r in customer.remedies if r.category != "support"]
    assert f"Told the customer (escalated): {'; '.join(told)}." in note
    debited = DIAGNOSERS["agent"].diagnose(example("escalate_funds_debited.json")).reply
    assert debited is not None
    assert "Our next steps: Check the ledger" in (debited.note or "")


@pytest.mark.parametrize("name", NAMES)
def test_chinese_output_holds_no_english(name: str) -> None:
    """In zh-CN the reply, the note, the hand-off and the text format have no English word but
    codes, ids, the scheme and the technical words Chinese writes in Latin letters."""
    _no_english_in_chinese(example(name))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_chinese_output_holds_no_english_for_any_report(report: dict[str, Any]) -> None:
    """The same over random reports: every reason, verdict, action, remedy and escalation the
    pack can reach is worded in Chinese."""
    _no_english_in_chinese(report)


def _no_english_in_chinese(report: dict[str, Any]) -> None:
    for audience in ("customer", "agent"):
        result = DIAGNOSERS[audience].diagnose(report, locale="zh-CN")
        assert result.reply is not None
        allowed = set(LATIN_IN_ZH)
        allowed |= set(re.findall(r"[A-Za-z][A-Za-z\-]+", " ".join(
            str(v) for v in (result.attempt_id, result.failure.scheme, result.failure.code,
                             result.failure.field, result.failure.path,
                             report["attempt"]["amount"]["currency"], result.reply.template,
                             *(r.code for r in result.escalation_reasons),
                             *(r.id for r in result.remedies)) if v)))
        # the payee's name and identifier are the report's data, quoted as given (masked)
        payee = re.findall(r"[A-Za-z][A-Za-z\-]+", str(report["attempt"].get("payee")))
        allowed |= {*payee, *(word.upper() for word in payee)}  # an identifier is shown upper-case
        identifier = report["attempt"].get("payee", {}).get("identifier")
        if identifier:  # and masked: "not an email" as an account is NO****MAIL
            shown = mask_identifier(report["attempt"]["payee"]["type"], identifier)
            allowed |= set(re.findall(r"[A-Za-z][A-Za-z\-]+", shown))
        # the text format's ids: rule ids, fact names and values, the pack and the engine
        allowed |= set(re.findall(r"[A-Za-z][A-Za-z\-]+", " ".join(
            [result.pack.name, result.pack.hash, result.engine,
             *DIAGNOSERS[audience].pack.codemaps,  # scheme names, as a warning lists them
             *(f"{e.scheme} {e.field} {e.code}" for e in result.failure.evidence),
             *(f"{h.rule_id} {h.facts}" for h in result.fired)])))
        # the account's e-mail, masked, is the report's data
        allowed |= set(re.findall(r"[A-Za-z][A-Za-z\-]+", str(report.get("account"))))
        texts = [result.reply.message or result.reply.note or "",
                 render_text(result, DIAGNOSERS[audience].pack)]
        if result.handoff is not None:
            texts += [result.handoff.statement, result.handoff.reminder,
                      *(c.address + (c.hours or "") for c in result.handoff.channels)]
        for text in texts:
            if result.handoff is not None:  # the reference is an id
                text = text.replace(result.handoff.reference, "")
            assert _latin_words(text, allowed) == [], (_latin_words(text, allowed), text)


def test_channels_are_written_in_the_diagnosis_language() -> None:
    """pack.yaml gives a channel's address and hours per locale: the hand-off and the reply use
    the diagnosis's, and a locale without them the default locale's."""
    zh = DIAGNOSERS["customer"].diagnose(example("escalate_funds_debited.json"), locale="zh-CN")
    assert zh.handoff is not None
    assert [(c.address, c.hours) for c in zh.handoff.channels] == [
        ("我 > 帮助与客服 > 在线客服", "全天 24 小时"), ("+1 800 555 0100", "每天 08:00-22:00（当地时间）")]
    assert zh.reply is not None
    assert "我 > 帮助与客服 > 在线客服（全天 24 小时）" in (zh.reply.message or "")
    en = DIAGNOSERS["customer"].diagnose(example("escalate_funds_debited.json"), locale="en")
    assert en.handoff is not None
    assert en.handoff.channels[0].hours == "24/7"


def test_a_channel_locale_the_pack_does_not_list_is_a_load_problem(tmp_path: Any) -> None:
    """An address in a locale pack.yaml does not list, or no address in the default locale,
    is refused when the pack loads."""
    text = (EXAMPLES.parents[1] / "rules" / "pack.yaml").read_text(encoding="utf-8")
    bad = text.replace('      zh-CN: "我 > 帮助与客服 > 在线客服"', '      fr: "Moi > Aide"', 1)
    assert bad != text
    (tmp_path / "pack.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(RulePackError) as error:
        load_pack(tmp_path)
    assert [p.type for p in error.value.problems] == ["unknown_locale"]
    assert "channel 'in_app_chat' has locale 'fr'" in error.value.problems[0].msg


@pytest.mark.parametrize(("seconds", "words"), [
    (1, "1 seconds"), (119, "119 seconds"), (120, "2 minutes"), (5400, "90 minutes"),
    (7200, "2 hours"), (7201, "3 hours"), (172800, "2 days")])
def test_a_wait_is_written_in_the_largest_unit_that_keeps_it_at_two_or_more(seconds: int,
                                                                            words: str) -> None:
    texts = {"seconds": "{n} seconds", "minutes": "{n} minutes", "hours": "{n} hours",
             "days": "{n} days"}
    assert duration(seconds, texts) == words


def test_notify_says_whether_and_when_to_tell_the_payer() -> None:
    """now in the app while the payer is there; by push when away; after the re-query window
    for an unconfirmed payment; never for a silent retry of a merchant-initiated payment."""
    d = DIAGNOSERS["customer"]
    debited = d.diagnose(example("escalate_funds_debited.json")).notify
    assert debited is not None
    assert (debited.when, debited.channel, debited.template) == (
        "now", "in_app", "debited")
    pending = d.diagnose(example("escalate_outcome_unknown.json"))
    assert pending.notify is not None
    assert pending.notify.when == "after"
    assert pending.handoff is not None
    assert pending.notify.not_before == pending.handoff.not_before
    away = d.diagnose(example("method_mastercard_recurring_cancelled.json")).notify
    assert away is not None
    assert (away.when, away.channel) == ("now", "push")
    silent = example("network_offline.json")
    silent["attempt"].update({"initiator": "merchant", "payer_present": False})
    silent["attempt"]["processor"] = {"scheme": "iso8583", "codes": {"response_code": "91"}}
    silent.pop("device", None)
    result = d.diagnose(silent)
    assert result.retry.verdict in ("now", "later")
    assert result.retry.after_action is None
    assert result.notify is not None
    assert (result.notify.when, result.notify.channel,
                                          result.notify.template) == ("never", None, "try_again")


def test_replies_are_asked_for_and_notify_is_always_there() -> None:
    """A Diagnoser words replies only when asked (they cost time); notify is in every answer."""
    plain = Diagnoser(engine="compiled").diagnose(example("balance_short.json"))
    assert plain.reply is None
    assert plain.notify is not None


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(NAMES), locale=st.sampled_from(["en", "zh-CN"]),
       debited=st.booleans(), unknown=st.booleans(), merchant=st.booleans())
def test_replies_are_deterministic_and_agree_with_notify(name: str, locale: str, debited: bool,
                                                         unknown: bool, merchant: bool) -> None:
    """For any example with the attempt's state changed, the same report gives the same reply,
    the reply's template is notify's, and a hold never invites the payer to pay again."""
    report = copy.deepcopy(example(name))
    attempt = report["attempt"]
    attempt["funds_debited"] = debited
    attempt["outcome"] = "unknown" if unknown else "failed"
    if merchant:
        attempt.update({"initiator": "merchant", "payer_present": False})
    first = DIAGNOSERS["customer"].diagnose(report, locale=locale)
    again = DIAGNOSERS["customer"].diagnose(report, locale=locale)
    assert first.to_json() == again.to_json()
    assert first.reply is not None
    assert first.notify is not None
    assert first.reply.template == first.notify.template
    if first.retry.verdict == "hold":
        message = first.reply.message or ""
        assert "try the payment again" not in message
        assert "重新尝试付款" not in message


def test_every_code_looked_up_in_chinese_holds_no_english(capsys: pytest.CaptureFixture[str]) -> None:
    """``payfix codes list --locale zh-CN`` over every map (every entry of every code family): the
    labels, verdicts, actions, who fixes it, escalation and remedies are Chinese; what stays Latin is
    the entry's own data: scheme, code, brand, category, escalation codes, remedy ids, file, the
    map's English note and its sources (titles of the documents it cites)."""
    assert main(["codes", "list", "--locale", "zh-CN"]) == 0
    out = capsys.readouterr().out
    assert "重试：" in out
    assert "由谁解决：" in out
    pack = load_pack()
    for scheme, codemap in pack.codemaps.items():
        allowed = set(LATIN_IN_ZH) | {"rules", "codes", "yaml"}
        allowed |= set(re.findall(r"[A-Za-z][A-Za-z\-]+", f"{scheme} {codemap.source}"))
        for code, entry in codemap.codes.items():
            allowed |= set(re.findall(r"[A-Za-z][A-Za-z\-]+", " ".join(
                [code, entry.category or "", entry.note or ""])))
        block = out[out.index(f"# {scheme}："):]
        block = block[:block.find("\n# ", 1)] if "\n# " in block[1:] else block
        remedy_ids = set(re.findall(r"\[([a-z_.]+)，", block))
        escalations = set(re.findall(r"转人工：是（([^）]*)）", block))
        allowed |= {w for ids in (*remedy_ids, *escalations)
                    for w in re.findall(r"[A-Za-z][A-Za-z\-]+", ids)}
        assert _latin_words(block, allowed) == [], scheme


def test_code_coverage_in_chinese_holds_no_english(capsys: pytest.CaptureFixture[str]) -> None:
    """``payfix codes coverage --locale zh-CN``: the header, the total and the closing sentence are
    Chinese; the families, files, source names (the maps' own ``source`` text) and the processors
    read without a map stay as they are."""
    assert main(["codes", "coverage", "--locale", "zh-CN"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("代码体系")
    assert "\n合计 " in out
    pack = load_pack()
    from payfix.inputs.adapters import SOURCES

    allowed = set(LATIN_IN_ZH) | {"rules", "codes", "yaml", "from"}
    allowed |= set(re.findall(r"[A-Za-z][A-Za-z\-]+", " ".join(
        [*pack.codemaps, *(m.source for m in pack.codemaps.values()), *SOURCES])))
    assert _latin_words(out, allowed) == []

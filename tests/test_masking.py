"""Personal data never leaves payfix unmasked; hidden reasons never reach customers; channels
come only from the pack."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban, luhn

from payfix import Diagnoser
from payfix.diagnosis.present import render_text
from payfix.masking import mask_card, mask_text

from .conftest import example

DIAGNOSERS = {a: Diagnoser(engine="compiled", audience=a, replies=True)
              for a in ("agent", "customer")}

pans = st.from_regex(r"4[0-9]{14}", fullmatch=True).map(lambda d: d + luhn.calc_check_digit(d))
ibans = st.from_regex(r"[0-9]{18}", fullmatch=True).map(
    lambda bban: "DE" + iban.calc_check_digits("DE00" + bban) + bban)
phones = st.from_regex(r"\+86 13[0-9] [0-9]{4} [0-9]{4}", fullmatch=True)
emails = st.from_regex(r"[a-z]{4,10}\.[a-z]{3,8}@[a-z]{4,9}\.(com|org|cn)", fullmatch=True)
names = st.from_regex(r"[A-Z][a-z]{4,8} [A-Z][a-z]{4,9}", fullmatch=True)


def _outputs(report: dict[str, Any]) -> list[str]:
    out = []
    for diagnoser in DIAGNOSERS.values():
        for locale in ("en", "zh-CN"):
            result = diagnoser.diagnose(report, locale=locale)
            out += [result.to_json(), render_text(result)]
    return out


@settings(max_examples=80, deadline=None)
@given(kind=st.sampled_from(["card", "bank_account", "phone", "email"]), pan=pans, account=ibans,
       phone=phones, email=emails, payee_name=names, holder_email=emails, holder_phone=phones,
       escalating=st.booleans())
def test_no_raw_personal_data_in_any_output(kind: str, pan: str, account: str, phone: str,
                                            email: str, payee_name: str, holder_email: str,
                                            holder_phone: str, escalating: bool) -> None:
    """Random PANs, IBANs, phones, e-mails and names never appear raw in any audience, locale or
    format (JSON and text), with or without a hand-off."""
    report = example("escalate_funds_debited.json" if escalating else "payee_bad_iban.json")
    identifier = {"card": pan, "bank_account": account, "phone": phone, "email": email}[kind]
    report["attempt"]["payee"] = {"type": kind, "identifier": identifier, "name": payee_name}
    report["account"] = {"status": "active", "email": holder_email, "phone": holder_phone}
    raw = [identifier, identifier.replace(" ", ""), payee_name, holder_email, holder_phone,
           holder_phone.replace(" ", "")]
    for text in _outputs(report):
        for value in raw:
            assert value not in text


@settings(max_examples=40, deadline=None)
@given(pan=pans, spaced=st.booleans(), escalating=st.booleans())
def test_a_card_number_used_as_the_payment_id_is_masked_everywhere(pan: str, spaced: bool,
                                                                  escalating: bool) -> None:
    """An app that puts the card number into the payment id does not get it back: the id is
    masked to its last four digits in every audience, locale and format, hand-off included."""
    report = example("escalate_funds_debited.json" if escalating else "balance_short.json")
    report["attempt"]["id"] = " ".join(pan[i:i + 4] for i in range(0, 16, 4)) if spaced else pan
    for text in _outputs(report):
        assert pan not in text
        assert report["attempt"]["id"] not in text
        assert pan[-4:] in text


def test_long_digit_ids_that_are_not_card_numbers_are_kept() -> None:
    """A 28-digit trade number and a date-based id are not card numbers: they come back as sent."""
    for attempt_id in ("2013112011001004330000121536", "pay_20260314_0002"):
        report = example("balance_short.json")
        report["attempt"]["id"] = attempt_id
        assert DIAGNOSERS["agent"].diagnose(report).attempt_id == attempt_id


HIDDEN = ("fraud", "stolen", "lost_or_stolen", "risk", "blacklist", "欺诈", "风控", "挂失", "盗")


@settings(max_examples=40, deadline=None)
@given(code=st.sampled_from(["fraudulent", "lost_card", "stolen_card", "merchant_blacklist"]),
       locale=st.sampled_from(["en", "zh-CN"]))
def test_customer_output_never_shows_a_hidden_reason(code: str, locale: str) -> None:
    """A code that is not customer-safe leaves no trace of its reason for customers, in either
    language and either format."""
    report = example("escalate_suspected_fraud.json")
    report["attempt"]["processor"]["codes"] = {"decline_code": code}
    result = DIAGNOSERS["customer"].diagnose(report, locale=locale)
    for text in (result.to_json(), render_text(result)):
        lowered = text.lower()
        assert not [word for word in HIDDEN if word in lowered]
        assert code not in lowered


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(["escalate_funds_debited.json", "escalate_high_value.json",
                             "escalate_repeated_failure.json"]),
       metadata=st.dictionaries(st.sampled_from(["channel", "phone", "support"]),
                                st.text(max_size=20), max_size=3))
def test_channels_are_always_the_packs_own(name: str, metadata: dict[str, str]) -> None:
    """Whatever a report carries, the hand-off lists exactly the operator's configured channels."""
    report = example(name)
    report["metadata"] = metadata
    result = DIAGNOSERS["agent"].diagnose(report)
    assert result.handoff is not None
    pack = DIAGNOSERS["agent"].pack
    assert [c.model_dump() for c in result.handoff.channels] == [
        {"id": c.id, "kind": c.kind, "address": c.address, "hours": c.hours}
        for c in pack.settings.channels]


@given(pans)
def test_card_mask_keeps_at_most_first_six_and_last_four(pan: str) -> None:
    """Card masking shows at most 6 + 4 digits, and free-text masking hides the number."""
    masked = mask_card(pan)
    assert sum(ch.isdigit() for ch in masked) <= 10
    assert pan not in mask_text(f"card {pan} declined")


def test_json_problems_never_echo_an_email() -> None:
    """Free-text masking hides e-mail addresses in echoed input."""
    assert "jane.doe@example.com" not in json.dumps(mask_text("jane.doe@example.com"))


def _hidden_codes() -> list[tuple[str, str, str, str]]:
    pack = DIAGNOSERS["customer"].pack
    out = []
    for scheme, codemap in sorted(pack.codemaps.items()):
        for code, entry in sorted(codemap.codes.items()):
            if not entry.customer_safe and ":" not in code:
                out.append((scheme, codemap.fields[0], code, entry.reason))
    return out


@settings(max_examples=60, deadline=None)
@given(hidden=st.sampled_from(_hidden_codes()), locale=st.sampled_from(["en", "zh-CN"]))
def test_no_code_marked_unsafe_leaks_its_reason_to_customers(hidden: tuple[str, str, str, str],
                                                             locale: str) -> None:
    """For every code any map marks not customer-safe, the customer output names neither the code
    nor its reason, in either language or format (the support channels' own addresses and hours
    aside: a two-digit code such as Adyen's 22 also appears in "08:00-22:00")."""
    scheme, field, code, reason = hidden
    report = example("escalate_suspected_fraud.json")
    report["attempt"]["processor"] = {"scheme": scheme, "codes": {field: code}}
    result = DIAGNOSERS["customer"].diagnose(report, locale=locale)
    standalone = re.compile(rf"(?<![\w.]){re.escape(code)}(?![\w])")
    channels = [text for channel in DIAGNOSERS["customer"].pack.settings.channels
                for words in ((channel.address, channel.hours), *(w[1:] for w in channel.localized))
                for text in (words[0], words[1] or "")]
    for text in (result.to_json(), render_text(result)):
        for words in channels:  # the pack's channel hours ("08:00-22:00") are not a code
            text = text.replace(words, "")
        assert reason not in text
        assert not standalone.search(text)
        assert not [word for word in HIDDEN if word in text.lower()]

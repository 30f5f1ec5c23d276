"""Code look-up for support agents: `payfix codes lookup` / `payfix codes list` and `lookup_code`."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import payfix.errors
from payfix import (
    CodeInfo,
    CodeLookupError,
    PayfixError,
    UnknownCodeError,
    UnknownSchemeError,
    list_codes,
    load_pack,
    lookup_code,
)
from payfix.cli import main
from payfix.diagnosis.codes import BRANDS, _code_facts, _split
from payfix.diagnosis.facts import derive_facts
from payfix.inputs.intake import parse_report
from payfix.rules.loader import bundled_rules_dir
from payfix.rules.pack import RulePack

from .conftest import example

PACK = load_pack()
SCHEMES = sorted(PACK.codemaps)
ESCALATING = [(scheme, key) for scheme in SCHEMES
              for key, entry in PACK.codemaps[scheme].codes.items() if entry.escalate]
MASTERCARD_MACS = ["01", "02", "03", "04", "21", "22", "24", "25", "26", "27", "28", "29", "30",
                   "40", "41", "43"]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code, out, _ = _cli(capsys, *argv, "--format", "json")
    return code, json.loads(out)


def _line_of(map_file: str, key: str) -> int:
    """1-based line of ``key``'s entry in a shipped code map, read straight from the file."""
    text = (bundled_rules_dir() / "codes" / map_file).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith((f'"{key}":', f"{key}:")):
            return number
    raise AssertionError(f"{key} not in {map_file}")


def test_iso8583_51_answers_from_the_shipped_map(capsys: pytest.CaptureFixture[str]) -> None:
    """`codes lookup iso8583 51 --format json`: insufficient funds, retry later after a day, safe to
    tell the payer, a balance or payment-method remedy, and the exact map line it came from."""
    code, info = _json(capsys, "codes", "lookup", "iso8583", "51")
    assert code == 0
    assert info["scheme"] == "iso8583"
    assert info["code"] == "51"
    assert info["brand"] is None
    assert info["reason"] == "insufficient_funds"
    assert info["retry"] == "later"
    assert info["wait_seconds"] == 86400
    assert info["customer_safe"] is True
    assert info["fix_by"] == "customer"
    assert info["category"] == "visa_2"
    assert info["escalate"] is False
    ids = [remedy["id"] for remedy in info["remedies"]]
    assert ids
    assert set(ids) & {"balance.top_up", "method.use_another"}
    assert all(remedy["title"] for remedy in info["remedies"])
    assert info["source"]["at"] == f"rules/codes/iso8583.yaml:{_line_of('iso8583.yaml', '51')}"
    assert "Worldpay" in info["source"]["text"]


def test_stripe_do_not_honor_answers_in_text(capsys: pytest.CaptureFixture[str]) -> None:
    """`codes lookup stripe do_not_honor` (text, the default) prints one readable block: reason,
    retry and wait, customer-safe, who fixes it, escalation, remedies and the source line."""
    code, out, err = _cli(capsys, "codes", "lookup", "stripe", "do_not_honor")
    assert code == 0
    assert err == ""
    assert out.startswith("stripe do_not_honor: do_not_honor\n")
    assert "retry:          later, after 86400 s (24 h)" in out
    assert "customer-safe:  yes" in out
    assert "fix by:         issuer" in out
    assert "escalate:       no" in out
    assert "1. Pay with another payment method  [method.use_another" in out
    assert "Contact your card issuer  [method.contact_issuer" in out
    assert f"source:         rules/codes/stripe.yaml:{_line_of('stripe.yaml', 'do_not_honor')}" in out


def test_brand_entry_overrides_the_plain_code(capsys: pytest.CaptureFixture[str]) -> None:
    """`--brand visa` on 70 answers from the "visa:70" entry (PIN required: never without it, a new
    attempt once the PIN is entered) instead of
    the plain 70 (a referral to the issuer), and says which brand answered."""
    _, plain = _json(capsys, "codes", "lookup", "iso8583", "70")
    code, visa = _json(capsys, "codes", "lookup", "iso8583", "70", "--brand", "visa")
    assert code == 0
    assert (plain["brand"], plain["reason"], plain["retry"]) == (None, "generic_decline", "later")
    assert (visa["brand"], visa["code"]) == ("visa", "70")
    assert (visa["reason"], visa["retry"], visa["category"], visa["after_action"]) == (
        "authentication_required", "never", "visa_3", "authenticate")
    assert [r["id"] for r in visa["remedies"]] == ["method.complete_verification"]
    assert visa["source"]["at"] == f"rules/codes/iso8583.yaml:{_line_of('iso8583.yaml', 'visa:70')}"


def test_brand_without_its_own_entry_falls_back_to_the_plain_code() -> None:
    """A brand with no "brand:code" entry gets the plain entry, and ``brand`` stays None; the
    "visa:70" key itself is accepted as the code and answers like --brand visa."""
    assert lookup_code("iso8583", "70", brand="amex") == lookup_code("iso8583", "70")
    assert lookup_code("iso8583", "51", brand="visa").brand is None
    assert lookup_code("iso8583", "visa:70") == lookup_code("iso8583", "70", brand="visa")


def test_unknown_scheme_exits_2_listing_the_known_schemes(capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    """An unknown scheme exits 2 with one {type, loc, msg} problem naming every known scheme,
    as JSON on stdout with --format json and on stderr in text format."""
    code, out = _json(capsys, "codes", "lookup", "nosuchscheme", "51")
    assert code == 2
    [problem] = out["problems"]
    assert (problem["type"], problem["loc"]) == ("unknown_scheme", ["scheme"])
    assert problem["msg"].startswith("unknown scheme 'nosuchscheme'")
    assert f"known schemes: {', '.join(SCHEMES)}" in problem["msg"]
    code, stdout, err = _cli(capsys, "codes", "list", "nosuchscheme")
    assert code == 2
    assert stdout == ""
    assert all(scheme in err for scheme in SCHEMES)
    assert json.loads(err.splitlines()[-1])[0]["type"] == "unknown_scheme"


def test_unknown_code_exits_2_with_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown code in a known scheme exits 2 saying "unknown code X for scheme Y", and points
    at the nearest spelling (ISO 8583's own case and padding are applied first: n7 is N7)."""
    code, out = _json(capsys, "codes", "lookup", "iso8583", "QQ")
    assert code == 2
    assert out["problems"] == [{"type": "unknown_code", "loc": ["code"],
                                "msg": "unknown code 'QQ' for scheme 'iso8583'", "input": "QQ"}]
    code, _, err = _cli(capsys, "codes", "lookup", "stripe", "do_not_honour")
    assert code == 2
    assert "unknown code 'do_not_honour' for scheme 'stripe' (did you mean 'do_not_honor'?)" in err


def test_console_script_prints_no_traceback_for_an_unknown_code() -> None:
    """Through a real process: an unknown code is exit 2 and a one-line message, no traceback."""
    proc = subprocess.run([sys.executable, "-m", "payfix", "codes", "lookup", "stripe", "nope"],
                          capture_output=True, timeout=120, check=False, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "unknown code 'nope' for scheme 'stripe'" in proc.stderr
    assert proc.stdout == ""


def test_a_pasted_card_number_is_not_echoed_back(capsys: pytest.CaptureFixture[str]) -> None:
    """A card number typed as the code is masked in the error message and the problem's input."""
    code, out = _json(capsys, "codes", "lookup", "stripe", "4111111111111111")
    assert code == 2
    assert "4111111111111111" not in json.dumps(out)
    assert out["problems"][0]["input"] == "************1111"


def test_list_mastercard_mac_lists_all_16_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """`codes list mastercard_mac` lists the 16 merchant advice codes, in map order, each with its
    full answer (JSON) or one block each (text)."""
    code, codes = _json(capsys, "codes", "list", "mastercard_mac")
    assert code == 0
    assert [c["code"] for c in codes] == MASTERCARD_MACS
    assert {c["scheme"] for c in codes} == {"mastercard_mac"}
    assert [c["wait_seconds"] for c in codes if c["code"] in ("24", "30")] == [3600, 864000]
    code, out, _ = _cli(capsys, "codes", "list", "mastercard_mac")
    assert code == 0
    assert out.startswith("# mastercard_mac: 16 entries from rules/codes/mastercard_mac.yaml\n")
    assert sum(line.startswith("mastercard_mac ") for line in out.splitlines()) == 16


def test_list_without_a_scheme_lists_every_map_entry() -> None:
    """`list_codes()` answers every entry of every map (brand entries included), scheme by scheme."""
    everything = list_codes()
    assert len(everything) == sum(len(PACK.codemaps[s].codes) for s in SCHEMES)
    assert [info.scheme for info in everything] == sorted(info.scheme for info in everything)
    assert any(info.brand == "mastercard" for info in everything)


@given(scheme=st.sampled_from(SCHEMES), data=st.data())
def test_random_codes_answer_or_raise_the_typed_error(scheme: str, data: st.DataObject) -> None:
    """In every scheme, any text as a code (with or without a brand) either answers from that
    scheme's map or raises UnknownCodeError - a LookupError and a PayfixError - never anything else."""
    keys = sorted(PACK.codemaps[scheme].codes)
    code = data.draw(st.text(max_size=20) | st.sampled_from(keys)
                     | st.sampled_from(keys).map(str.lower) | st.sampled_from(keys).map(lambda k: k + " "))
    brand = data.draw(st.none() | st.sampled_from(BRANDS))
    codes = PACK.codemaps[scheme].codes
    prefix, _, rest = code.partition(":")
    written = (f"{prefix}:{PACK.codemaps[scheme].normalise(rest)}"
               if prefix in BRANDS and rest else PACK.codemaps[scheme].normalise(code))
    if written not in codes and f"{brand}:{written}" not in codes:
        with pytest.raises(UnknownCodeError) as caught:
            lookup_code(scheme, code, brand=brand, pack=PACK)
        assert isinstance(caught.value, LookupError)
        assert isinstance(caught.value, PayfixError)
        assert (caught.value.scheme, caught.value.code) == (scheme, code)
        assert str(caught.value).startswith("unknown code ")
        assert f" for scheme {scheme!r}" in str(caught.value)
        return
    info = lookup_code(scheme, code, brand=brand, pack=PACK)
    assert isinstance(info, CodeInfo)
    key = f"{info.brand}:{info.code}" if info.brand else info.code
    assert key in (f"{brand}:{written}", written)
    assert info.reason == codes[key].reason


@given(scheme=st.text(max_size=20))
def test_random_schemes_answer_or_raise_the_typed_error(scheme: str) -> None:
    """Any text as a scheme is either a mapped scheme or raises UnknownSchemeError listing the
    known schemes."""
    if scheme in PACK.codemaps:
        assert list_codes(scheme, PACK)
        return
    with pytest.raises(UnknownSchemeError) as caught:
        list_codes(scheme, PACK)
    assert isinstance(caught.value, LookupError)
    assert caught.value.known == tuple(SCHEMES)
    assert str(caught.value).endswith(f"known schemes: {', '.join(SCHEMES)}")


@pytest.mark.parametrize(("scheme", "key"), ESCALATING)
def test_code_marked_escalate_in_a_map_escalates(scheme: str, key: str) -> None:
    """Every code flagged `escalate: true` in a shipped map looks up with escalate true, and with
    the code_requires_support reason the pack's rules raise for it."""
    brand, code = _split(key)
    info = lookup_code(scheme, code, brand=brand)
    assert info.escalate is True
    assert "code_requires_support" in info.escalations


def test_escalate_flag_holds_without_any_rule() -> None:
    """The map's flag alone makes escalate true (here iso8583 93, a legal block), even in a pack
    with no rules at all; a plain code with no escalating rule (51) stays false."""
    assert ("iso8583", "93") in ESCALATING
    bare = dataclasses.replace(PACK, rulesets=())
    info = lookup_code("iso8583", "93", pack=bare)
    assert (info.escalate, info.escalations, info.remedies) == (True, (), ())
    assert lookup_code("iso8583", "51").escalate is False


def test_escalate_when_a_rule_escalates_on_the_code_alone() -> None:
    """A code the map does not flag still escalates when a rule with `escalate` fires on its facts:
    iso8583 23 is a merchant fault the payer cannot fix."""
    info = lookup_code("iso8583", "23")
    assert PACK.codemaps["iso8583"].codes["23"].escalate is False
    assert info.escalate is True
    assert info.escalations == ("merchant_fault",)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_facts_are_those_a_diagnosis_derives_for_a_full_report_with_this_code(scheme: str) -> None:
    """The failure facts the look-up runs the engine on are exactly the failure.* facts a
    diagnosis derives for a complete report (device, account, card, payee) carrying this code,
    for every entry of every map: the look-up is the code's own share of a diagnosis."""
    codemap = PACK.codemaps[scheme]
    full = example("method_expired_card.json")
    for key in codemap.codes:
        brand, code = _split(key)
        full["attempt"]["processor"] = {"scheme": scheme, "brand": brand,
                                        "codes": {codemap.fields[0]: code}, "stage": "authorisation"}
        parsed = parse_report(full)
        derived = {name: value for name, value in derive_facts(parsed, PACK).items()
                   if name.startswith("failure.") and name != "failure.stage"}
        assert _code_facts(PACK, codemap, brand, code, parsed.attempt.at.date()) == derived, key


def test_remedy_titles_follow_the_locale(capsys: pytest.CaptureFixture[str]) -> None:
    """--locale zh-CN gives the remedy titles in Simplified Chinese; an unknown locale falls back
    to the pack default."""
    code, info = _json(capsys, "codes", "lookup", "iso8583", "51", "--locale", "zh-CN")
    assert code == 0
    assert info["locale"] == "zh-CN"
    assert info["remedies"][0]["title"] == "请更换付款方式"
    assert lookup_code("iso8583", "51", locale="xx").locale == "en"


def test_overlay_code_map_answers_with_its_own_file_and_line(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    """`--rules DIR` adds an operator's code map; the answer names that file and the entry's line."""
    (tmp_path / "codes").mkdir()
    acme = tmp_path / "codes" / "acme.yaml"
    acme.write_text(
        "scheme: acme\nsource: Acme processor guide\nretrieved: \"2026-11-25\"\n"
        "fields: [decline_code]\ncodes:\n"
        "  HOLD: {reason: compliance_hold, retry: never, customer_safe: false, fix_by: support,"
        " escalate: true}\n", encoding="utf-8")
    code, info = _json(capsys, "codes", "lookup", "acme", "HOLD", "--rules", str(tmp_path))
    assert code == 0
    assert info["source"] == {"at": f"{acme}:6", "text": "Acme processor guide"}
    assert info["escalate"] is True
    assert info["customer_safe"] is False
    code, codes = _json(capsys, "codes", "list", "acme", "--rules", str(tmp_path))
    assert (code, [c["code"] for c in codes]) == (0, ["HOLD"])


def test_errors_are_drawn_in_the_exception_tree() -> None:
    """The look-up errors are PayfixError and LookupError, and every payfix error class appears in
    the exception tree of the payfix.errors docstring."""
    for cls in (UnknownSchemeError, UnknownCodeError):
        assert issubclass(cls, CodeLookupError)
        assert issubclass(cls, PayfixError)
        assert issubclass(cls, LookupError)
    doc = payfix.errors.__doc__ or ""
    classes = [obj for obj in vars(payfix.errors).values()
               if isinstance(obj, type) and issubclass(obj, PayfixError) and not obj.__name__.startswith("_")]
    assert all(cls.__name__ in doc for cls in classes)


def test_lookup_uses_the_pack_it_is_given() -> None:
    """`pack=` is used instead of the bundled pack: a pack without code maps knows no scheme."""
    empty: RulePack = dataclasses.replace(PACK, codemaps={})
    with pytest.raises(UnknownSchemeError, match="known schemes: none"):
        lookup_code("iso8583", "51", pack=empty)

"""What is wrong with an input is said in the reader's language: every problem a report, a
processor's payload or a request body can have is written from ``texts.yaml`` section
``problem`` of the locale asked for (zh-CN complete), through every door that answers in a
locale; English stays byte for byte what it was, and ``type``, ``loc`` and ``input`` never
change."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfix import RulePackError, adapt, load_pack, parse_report
from payfix.cli import main
from payfix.diagnosis.problemtext import localised, text_name
from payfix.errors import InvalidReportError, Problem
from payfix.inputs.adapters import SOURCES
from payfix.rules.bundled import bundled_pack
from payfix.service.app import create_app
from payfix.service.config import ServiceConfig
from payfix.vocab import PROBLEM_TEXTS

from .conftest import EXAMPLES, ROOT, example
from .test_pack_problem_words import is_pack_text, template_english_words
from .test_texts import _bundled_texts, _overlay

PAYLOADS = ROOT / "tests" / "data" / "payloads"
#: A run of Latin letters with a lower-case one: an English word (codes such as ISO, JSON, USD,
#: UTF are upper case; field names are written between backquotes).
_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")
_QUOTED = re.compile(r"`[^`]*`|'[^']*'")


def _zh() -> dict[str, str]:
    return dict(bundled_pack().texts["problem"]["zh-CN"])


def _english_words(text: str) -> list[str]:
    """The English words of ``text`` outside backquoted field names, quoted examples and
    placeholders (and single letters such as the x of '1.x')."""
    text = re.sub(r"\{[a-z_]+\}", "", _QUOTED.sub("", text))
    return [word for word in _WORD.findall(text) if len(word) > 1]


def _words_beyond_values(problem: Problem) -> list[str]:
    """The English words of a written problem beyond the values it names (source names, ids)."""
    msg = problem.msg
    for value in (problem.ctx or {}).values():
        msg = msg.replace(str(value), "")
    return _english_words(msg)


def test_zh_cn_writes_every_problem_payfix_can_report_about_an_input() -> None:
    """Every problem text payfix knows has a zh-CN text: none falls back to English."""
    assert set(_zh()) == set(PROBLEM_TEXTS)


@pytest.mark.parametrize("name", sorted(PROBLEM_TEXTS))
def test_zh_cn_problem_texts_hold_no_english_word(name: str) -> None:
    if is_pack_text(name):  # a pack file's problem names its keys as the file writes them
        assert template_english_words(_zh()[name]) == [], name
    else:
        assert _english_words(_zh()[name]) == [], name


def test_english_problems_are_unchanged_without_a_locale_or_in_english() -> None:
    with pytest.raises(InvalidReportError) as caught:
        parse_report({"attempt": {"id": "x" * 200, "amount": {"value": "1.005", "currency": "EUR"}}})
    found = caught.value.problems
    assert localised(found, bundled_pack(), None) == found
    assert [p.msg for p in localised(found, bundled_pack(), "en")] == [p.msg for p in found]
    assert [p.to_dict() for p in localised(found, None, "zh-CN")] == [p.to_dict() for p in found]


def test_a_localised_problem_keeps_its_type_place_and_input() -> None:
    with pytest.raises(InvalidReportError) as caught:
        parse_report({"attempt": {"id": "a1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
                                  "amount": {"value": "1.005", "currency": "EUR"},
                                  "method": {"type": "debit_card"}}})
    (english,) = caught.value.problems
    (chinese,) = localised([english], bundled_pack(), "zh-CN")
    assert (chinese.type, chinese.loc, chinese.input) == (english.type, english.loc, english.input)
    assert english.msg == "Value error, value 1.005 has more than 2 decimal places for EUR"
    assert chinese.msg == "金额 1.005 的小数位多于 EUR 的 2 位"


def test_values_of_a_localised_message_are_masked() -> None:
    """A value written into a message is masked as the English message's would be."""
    problem = Problem("value_error", ("attempt", "amount", "value"), "Value error, ...",
                      ctx={"key": "integer_amount", "value": "4111111111111111"})
    (chinese,) = localised([problem], bundled_pack(), "zh-CN")
    assert "4111111111111111" not in chinese.msg
    assert "整数金额" in chinese.msg


_BAD = st.one_of(st.integers(-10**25, 10**25), st.text(max_size=300), st.floats(allow_nan=True),
                 st.booleans(), st.none(), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
                 st.sampled_from(["2026-13-01", "2026-03-01T10:00:00", "1e400", "-5", "ZZZ",
                                  "1.005", "XTS", "99:99", "1" * 40, "2099-01-01T00:00:00Z",
                                  "9" * 5000, "1" * 400 + ".5", "\u00e9t\u00e9", "2026-03-01",
                                  "10:00", "-0", "0x10", "1_000", " 5 "]))


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at] if at else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*at, i))
    return out


@st.composite
def _mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with one to three values replaced, removed or joined by an unknown field."""
    report = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(report)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        holder: Any = report
        for step in path[:-1]:
            holder = holder[step]
        action = draw(st.sampled_from(["replace", "replace", "remove", "extra"]))
        if action == "replace":
            holder[path[-1]] = draw(_BAD)
        elif action == "remove" and isinstance(holder, dict):
            del holder[path[-1]]
        elif isinstance(holder, dict):
            holder["unknown_" + str(path[-1])] = 1
    return report


_REPORTS = [example(path.name) for path in sorted(EXAMPLES.glob("*.json"))]


@given(st.sampled_from(_REPORTS).flatmap(_mutated))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_problem_of_a_mutated_report_is_written_in_zh_cn(report: dict[str, Any]) -> None:
    """Whatever is wrong with a report, each of its problems has a zh-CN text, and the message
    written from it holds no English word beyond the values it names."""
    try:
        parse_report(report)
    except InvalidReportError as error:
        table = _zh()
        for problem in localised(error.problems, bundled_pack(), "zh-CN"):
            assert text_name(problem) in table, (problem.type, problem.ctx, problem.msg)
            assert _words_beyond_values(problem) == [], problem


@pytest.mark.parametrize("text", [b'{"attempt": ', b"\xff\xfe", b'{"a": "\\ud800"}',
                                  b"[" * 5000, b'{"attempt": {"amount": 1' + b"0" * 5000 + b"}}"])
def test_unreadable_json_is_said_in_zh_cn(text: bytes) -> None:
    with pytest.raises(InvalidReportError) as caught:
        parse_report(text)
    for problem in localised(caught.value.problems, bundled_pack(), "zh-CN"):
        assert text_name(problem) in _zh(), problem
        assert _english_words(problem.msg) == [], problem


def _payloads() -> list[tuple[str, dict[str, Any]]]:
    return [(path.parent.name, json.loads(path.read_text(encoding="utf-8"))["payload"])
            for path in sorted(PAYLOADS.glob("*/*.json")) if path.parent.name != "razorpay"]


@given(st.sampled_from(_payloads()).flatmap(
    lambda pair: st.tuples(st.just(pair[0]), _mutated(pair[1]))))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_problem_of_a_mutated_processor_payload_is_written_in_zh_cn(
        case: tuple[str, dict[str, Any]]) -> None:
    source, payload = case
    context = {"attempt": {"id": "w1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
                           "amount": {"value": "10.00", "currency": "USD"},
                           "method": {"type": "credit_card"}}}
    for extra in (None, context):
        try:
            adapt(payload, source, context=extra)
        except InvalidReportError as error:
            for problem in localised(error.problems, bundled_pack(), "zh-CN"):
                assert text_name(problem) in _zh(), (problem.type, problem.ctx, problem.msg)
                assert _words_beyond_values(problem) == [], problem


def test_payload_problems_are_said_in_zh_cn() -> None:
    cases = [
        ({"error": {"type": "card_error", "decline_code": ["x"]}}, "stripe", None),
        ({"object": "charge", "amount": 10, "currency": "usd"}, "adyen", None),
        ({"object": "charge", "amount": 10, "currency": "usd"}, "nope", None),
        ({"hello": 1}, "auto", None),
        ({"name": "UNPROCESSABLE_ENTITY", "debug_id": "b2c7",
          "details": [{"issue": "INSTRUMENT_DECLINED"}]},
         "paypal", None),
    ]
    seen = set()
    for payload, source, context in cases:
        with pytest.raises(InvalidReportError) as caught:
            adapt(payload, source, context=context)
        for problem in localised(caught.value.problems, bundled_pack(), "zh-CN"):
            seen.add(text_name(problem))
            assert _words_beyond_values(problem) == [], problem
    assert {"source_type_text", "source_kind", "unknown_source_name", "unknown_source",
            "missing_context"} <= seen


def _bad_report() -> dict[str, Any]:
    report = example("network_offline.json")
    report["attempt"]["amount"] = {"value": "1.005", "currency": "EUR"}
    report["attempt"]["id"] = "x" * 200
    return report


def test_the_cli_writes_problems_in_the_locale_asked_for(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_bad_report()), encoding="utf-8")
    assert main(["diagnose", str(path), "--format", "json", "--locale", "zh-CN"]) == 2
    chinese = json.loads(capsys.readouterr().out)["problems"]
    assert main(["diagnose", str(path), "--format", "json"]) == 2
    english = json.loads(capsys.readouterr().out)["problems"]
    assert [(p["type"], p["loc"]) for p in chinese] == [(p["type"], p["loc"]) for p in english]
    assert {p["msg"] for p in chinese} == {"金额 1.005 的小数位多于 EUR 的 2 位", "文本最多 128 个字符"}
    assert all(_english_words(p["msg"]) for p in english)


def test_the_service_writes_problems_in_the_locale_asked_for() -> None:
    headers = {"X-API-Key": "problem-texts-key-1"}
    app = create_app(ServiceConfig(api_keys=("problem-texts-key-1",)), prepare="startup")
    with TestClient(app) as client:
        body = json.dumps(_bad_report())
        chinese = client.post("/v1/diagnose?locale=zh-CN", content=body, headers=headers)
        english = client.post("/v1/diagnose", content=body, headers=headers)
        payload = client.post("/v1/diagnose?locale=zh-CN&from=stripe", headers=headers,
                              content=json.dumps({"error": {"type": "card_error",
                                                            "decline_code": 5.5}}))
        broken = client.post("/v1/diagnose?locale=zh-CN", content=b'{"attempt": ', headers=headers)
        batch = client.post("/v1/diagnose:batch?locale=zh-CN", headers=headers,
                            content=json.dumps({"reports": [_bad_report()]}))
    assert chinese.status_code == english.status_code == 422
    assert [p["type"] for p in chinese.json()["problems"]] == \
        [p["type"] for p in english.json()["problems"]]
    for answer in (chinese.json(), payload.json(), broken.json(), batch.json()["results"][0]):
        for problem in answer["problems"]:
            assert _english_words(problem["msg"]) == [], problem
    assert payload.json()["problems"][0]["msg"] == "应为文本"
    assert "第 1 行" in broken.json()["problems"][0]["msg"]


def test_an_operator_writes_problems_in_a_third_locale(tmp_path: Path) -> None:
    texts = _bundled_texts()
    texts["problem"]["fr"] = {"missing": "Champ obligatoire",
                              "string_too_long": "{max_length} caractères au plus"}
    pack = load_pack(_overlay(tmp_path, ["en", "zh-CN", "fr"], texts))
    with pytest.raises(InvalidReportError) as caught:
        parse_report({"attempt": {"id": "x" * 200}})
    french = {p.type: p.msg for p in localised(caught.value.problems, pack, "fr")}
    assert french["missing"] == "Champ obligatoire"
    assert french["string_too_long"] == "128 caractères au plus"


def test_the_french_example_writes_its_problems_in_french(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """examples/custom_pack gives French problem texts: with --rules and --locale fr the CLI
    writes them; a problem the example does not translate stays English."""
    report = _bad_report()
    report["attempt"]["surprise"] = 1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    assert main(["diagnose", str(path), "--format", "json", "--locale", "fr",
                 "--rules", str(ROOT / "examples" / "custom_pack")]) == 2
    said = {p["type"]: p["msg"] for p in json.loads(capsys.readouterr().out)["problems"]}
    assert said["value_error"] == "Le montant 1.005 a plus de 2 décimales pour EUR"
    assert said["string_too_long"] == "128 caractères au plus"
    assert said["extra_forbidden"] == "Champ inconnu : un rapport n'accepte pas ce champ"


@pytest.mark.parametrize(("text", "kind"), [
    ("{max_length} {secret}", "unknown_placeholder"),
    ("{max_length.__class__}", "unknown_placeholder"),
    ("{max_length", "bad_placeholder"),
])
def test_a_problem_text_names_only_the_values_its_problem_gives(tmp_path: Path, text: str,
                                                               kind: str) -> None:
    texts = _bundled_texts()
    texts["problem"]["zh-CN"]["string_too_long"] = text
    with pytest.raises(RulePackError) as caught:
        load_pack(_overlay(tmp_path, ["en", "zh-CN"], texts))
    assert [p.type for p in caught.value.problems] == [kind]


def test_a_problem_text_payfix_does_not_write_is_refused(tmp_path: Path) -> None:
    texts = _bundled_texts()
    texts["problem"]["zh-CN"]["no_such_problem"] = "无"
    with pytest.raises(RulePackError) as caught:
        load_pack(_overlay(tmp_path, ["en", "zh-CN"], texts))
    assert [p.type for p in caught.value.problems] == ["unknown_text"]


def test_the_service_says_its_own_refusals_in_the_locale_asked_for() -> None:
    """A missing key, a body over the limit, an unknown path, a bad query value or a batch over
    the limit: with locale=zh-CN each problem is Chinese (its type and place unchanged); a
    locale the pack does not serve leaves them English."""
    key = {"X-API-Key": "problem-texts-key-1"}
    app = create_app(ServiceConfig(api_keys=("problem-texts-key-1",), max_body_bytes=2_000,
                                   max_batch=1), prepare="startup")
    with TestClient(app) as client:
        answers = {
            "unauthorized": client.post("/v1/diagnose?locale=zh-CN", content=b"{}"),
            "too_large": client.post("/v1/diagnose?locale=zh-CN", content=b"x" * 5_000,
                                     headers=key),
            "not_found": client.get("/v1/nothing?locale=zh-CN", headers=key),
            "literal_error": client.post("/v1/diagnose?locale=zh-CN&audience=boss", content=b"{}",
                                         headers=key),
            "enum": client.post("/v1/diagnose?locale=zh-CN&from=bank", content=b"{}", headers=key),
            "too_long": client.post("/v1/diagnose:batch?locale=zh-CN", headers=key,
                                    content=json.dumps({"reports": [{}, {}]})),
        }
        english = client.post("/v1/diagnose?locale=xx", content=b"{}")
    for kind, answer in answers.items():
        (problem,) = answer.json()["problems"]
        assert problem["type"] == kind
        ids = {"auto", "iso", *SOURCES}  # the values a query accepts are ids (iso8583 too)
        assert [w for w in _english_words(problem["msg"]) if w not in ids] == [], problem
    assert answers["too_large"].json()["problems"][0]["msg"] == "请求正文超过 2000 字节的上限"
    assert english.json()["problems"][0]["msg"].startswith("missing or wrong API key")


def test_what_diagnose_read_from_a_processor_is_said_in_the_locale(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The lines on standard error that say which source was read, what was assumed and what
    was not placed are the pack's texts: English as before, Chinese with --locale zh-CN."""
    payload = json.loads((PAYLOADS / "stripe" / "error_generic_decline.json").read_text(
        encoding="utf-8"))["payload"]
    (tmp_path / "error.json").write_text(json.dumps(payload), encoding="utf-8")
    (tmp_path / "ctx.json").write_text('{"attempt": {"method": {"type": "credit_card"}}}',
                                       encoding="utf-8")
    command = ["diagnose", str(tmp_path / "error.json"), "--from", "auto", "--context",
               str(tmp_path / "ctx.json"), "--format", "json"]
    assert main(command) == 0
    english = capsys.readouterr().err.splitlines()
    assert english[:2] == ["payfix: read a Stripe error (detected)",
                           "payfix: assumed attempt.kind=purchase (a Stripe payment is a purchase "
                           "unless the context says otherwise)"]
    assert re.fullmatch(r"payfix: \d+ value\(s\) not placed in the report: doc_url, .*", english[2])
    assert main([*command, "--locale", "zh-CN"]) == 0
    chinese = capsys.readouterr().err.splitlines()
    assert chinese[:2] == ["payfix：读取了 Stripe 的 error 对象（自动识别）",
                           "payfix：已假定 attempt.kind=purchase"]
    assert chinese[2].startswith("payfix：有 ")


@pytest.mark.parametrize(("command", "chinese"), [
    (["codes", "lookup", "stripe", "nope"], "代码方案 stripe 中没有代码 nope"),
    (["diagnose", "/nonexistent/report.json"], "无法读取 /nonexistent/report.json"),
    (["diagnose", str(EXAMPLES / "network_offline.json"), "--context",
      str(EXAMPLES / "network_offline.json")], "`--context` 用于补全处理方的对象：请同时给出 `--from`"),
    (["fees", "quote", "1.005", "EUR", "--kind", "p2p_transfer"],
     "`amount` 1.005 的小数位多于 EUR 的 2 位"),
    (["fees", "quote", "100.00", "EUR", "--kind", "p2p_transfer", "--free-amount-used", "-5"],
     "`free_amount_used` 不能为负数"),
])
def test_look_ups_and_quotes_say_what_is_wrong_in_the_locale(
        command: list[str], chinese: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A code the map does not have, or an amount a fee schedule cannot quote: Chinese with
    --locale zh-CN, the same type and the English message as before without it."""
    assert main([*command, "--format", "json", "--locale", "zh-CN"]) == 2
    (said,) = json.loads(capsys.readouterr().out)["problems"]
    assert said["msg"] == chinese
    assert main([*command, "--format", "json"]) == 2
    (english,) = json.loads(capsys.readouterr().out)["problems"]
    assert english["type"] == said["type"]
    assert _english_words(english["msg"])


def test_the_service_says_an_unknown_code_in_the_locale_asked_for() -> None:
    key = {"X-API-Key": "problem-texts-key-1"}
    app = create_app(ServiceConfig(api_keys=("problem-texts-key-1",)), prepare="startup")
    with TestClient(app) as client:
        chinese = client.get("/v1/codes/iso8583/X9?locale=zh-CN", headers=key)
        english = client.get("/v1/codes/iso8583/X9", headers=key)
    assert chinese.status_code == english.status_code == 404
    assert chinese.json()["problems"][0]["msg"] == "代码方案 iso8583 中没有代码 X9"
    assert english.json()["problems"][0]["msg"].startswith("unknown code 'X9' for scheme 'iso8583'")

"""Identifiers planted anywhere in a report (values, codes, ids, scheme, payee name, metadata keys
and values, unknown field names) never come back raw from any door: the library's diagnoses,
outlines and hand-offs, report problems, the CLI, and batch replay with its summary and report."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from stdnum import iban, luhn

from payfix import Diagnoser
from payfix.cli import main
from payfix.diagnosis.present import render_text
from payfix.errors import InvalidReportError

from .conftest import EXAMPLES

DIAGNOSERS = {a: Diagnoser(engine="compiled", audience=a, replies=True)
              for a in ("agent", "customer")}
BASES = sorted(path.name for path in EXAMPLES.glob("*.json"))
SLUG = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")


def _group(text: str, sep: str) -> str:
    return sep.join(text[i:i + 4] for i in range(0, len(text), 4))


pans = st.tuples(st.from_regex(r"4[0-9]{14}", fullmatch=True), st.sampled_from(["", " ", "-"])).map(
    lambda t: _group(t[0] + luhn.calc_check_digit(t[0]), t[1]))
ibans = st.tuples(st.from_regex(r"[0-9]{18}", fullmatch=True), st.sampled_from(["", " "])).map(
    lambda t: _group("DE" + iban.calc_check_digits("DE00" + t[0]) + t[0], t[1]))
phones = st.one_of(st.from_regex(r"\+44 20 [0-9]{4} [0-9]{4}", fullmatch=True),
                   st.from_regex(r"\+86 1[3-9][0-9] [0-9]{4} [0-9]{4}", fullmatch=True),
                   st.from_regex(r"0[1-9][0-9] [0-9]{4} [0-9]{4}", fullmatch=True),
                   st.from_regex(r"0[1-9]-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}", fullmatch=True))
emails = st.from_regex(r"[a-z]{4,10}\.[a-z]{3,8}@[a-z]{4,9}\.(com|org|cn)", fullmatch=True)
planted = st.one_of(pans, ibans, phones, emails)


def _forms(value: str) -> list[str]:
    """The planted value and its forms without separators (what a leak would show)."""
    compact = re.sub(r"[ -]", "", value)
    return [value, compact] if compact != value else [value]


def plant(report: dict[str, Any], value: str) -> dict[str, Any]:
    """``report`` with ``value`` in every free string field that stays valid: the attempt id,
    every processor code field, the scheme (when it is a valid slug), the processor message, a
    merchant payee's name, device os, history ids, codes and schemes, and metadata keys and values."""
    report = copy.deepcopy(report)
    attempt = report["attempt"]
    attempt["id"] = value
    codes = ("decline_code", "advice_code", "network_code", "merchant_advice_code", "sub_code",
             "response_code")
    processor = attempt.setdefault("processor", {"scheme": "iso8583"})
    if SLUG.match(value):
        processor["scheme"] = value
    processor["codes"] = dict.fromkeys(codes, value)
    processor["message"] = value
    attempt["payee"] = {"type": "merchant", "name": value}
    report.setdefault("device", {})["os"] = value
    report["history"] = [{"id": value, "at": "2000-01-01T00:00:00Z", "outcome": "failed",
                          "code": value, **({"scheme": value} if SLUG.match(value) else {})}]
    report["metadata"] = {value: value, "note": f"customer {value}"}
    return report


def _no_leak(texts: list[str], value: str) -> None:
    for text in texts:
        for form in _forms(value):
            assert form not in text, (form, text[:2000])


def _problem_texts(error: InvalidReportError) -> list[str]:
    out = [str(error)]
    for problem in error.problems:
        out += [problem.render(), json.dumps(problem.to_dict(), allow_nan=False, ensure_ascii=False)]
    return out


def library_texts(report: dict[str, Any]) -> list[str]:
    """Every output of the library for ``report``: diagnoses (both audiences, both locales, agent
    with trace, JSON and text), outlines, or the problems when it is invalid."""
    texts = []
    for audience, diagnoser in DIAGNOSERS.items():
        try:
            for locale in ("en", "zh-CN"):
                result = diagnoser.diagnose(report, locale=locale)
                texts += [result.to_json(), render_text(result)]
                if result.handoff is not None:
                    texts.append(result.handoff.model_dump_json())
            texts.append(repr(diagnoser.outline(report)))
        except InvalidReportError as error:
            texts += _problem_texts(error)
            assert audience == "agent" or texts, "a report is valid for one audience only"
    return texts


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(BASES), value=planted)
def test_planted_identifiers_never_leave_the_library(base: str, value: str) -> None:
    """A card number (plain, spaced, dashed), IBAN, phone (+ and national) or e-mail planted in
    every string field of a valid example report appears raw in no diagnosis (customer and agent,
    en and zh-CN, with trace and hand-off) and no outline."""
    report = plant(json.loads((EXAMPLES / base).read_text(encoding="utf-8")), value)
    texts = library_texts(report)
    assert any('"attempt_id"' in text for text in texts), "the planted report stays valid"
    _no_leak(texts, value)


@settings(max_examples=120, deadline=None)
@given(base=st.sampled_from(BASES), value=planted,
       where=st.sampled_from(["extra", "nested_extra", "schema_version", "currency", "scheme",
                              "method", "kind", "fee_schedule"]))
def test_planted_identifiers_never_leave_report_problems(base: str, value: str, where: str) -> None:
    """The same values as unknown field names (top level and nested), as invalid field values or
    as a fee schedule the pack does not have appear raw in no problem of the InvalidReportError
    (str, render, to_dict), and every problem is strict JSON."""
    report = plant(json.loads((EXAMPLES / base).read_text(encoding="utf-8")), value)
    if where == "extra":
        report[value] = "x"
    elif where == "nested_extra":
        report["attempt"]["processor"]["codes"][value] = value
    elif where == "schema_version":
        report["schema_version"] = value
    elif where == "currency":
        report["attempt"]["amount"]["currency"] = value
    elif where == "fee_schedule":  # a valid slug names no schedule; other values are no slug
        report["attempt"]["fee_schedule"] = value
    elif where == "scheme":
        report["attempt"]["processor"]["scheme"] = "x " + value  # never a valid slug
    else:
        report["attempt"]["method" if where == "method" else "kind"] = value
    try:
        DIAGNOSERS["agent"].diagnose(json.dumps(report))
    except InvalidReportError as error:
        _no_leak(_problem_texts(error), value)
    else:
        raise AssertionError("the report should be invalid")


def _cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue() + err.getvalue()


def test_planted_identifiers_never_leave_the_cli(tmp_path: Path) -> None:
    """``payfix diagnose`` (both audiences, text and JSON) prints no planted identifier, for a
    valid report and for one rejected for an unknown field named by the identifier."""
    values = ["4111-1111-1111-1111", "DE89370400440532013000", "+44 20 7946 0958",
              "jane.doe@example.com"]
    for value in values:
        report = plant(json.loads((EXAMPLES / "escalate_funds_debited.json").read_text()), value)
        good, bad = tmp_path / "good.json", tmp_path / "bad.json"
        good.write_text(json.dumps(report), encoding="utf-8")
        report["attempt"][value] = 1
        bad.write_text(json.dumps(report), encoding="utf-8")
        for audience in ("agent", "customer"):
            for fmt in ("json", "text"):
                code, text = _cli(["diagnose", str(good), "--audience", audience, "--format", fmt])
                assert code == 0, text
                _no_leak([text], value)
                code, text = _cli(["diagnose", str(bad), "--audience", audience, "--format", fmt])
                assert code == 2, text
                _no_leak([text], value)


def _files_text(root: Path) -> list[str]:
    return [path.read_bytes().decode("utf-8", "replace") for path in sorted(root.rglob("*"))
            if path.is_file()]


@settings(max_examples=4, deadline=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=planted, audience=st.sampled_from(["agent", "customer"]))
def test_planted_identifiers_never_leave_a_replay(tmp_path_factory: Any, value: str,
                                                  audience: str) -> None:
    """A replay (jsonl parts) of a few planted rows, one of them rejected for an unknown field
    named by the identifier, writes it raw in no part, rejects line, ``_summary.json``,
    ``summary.json`` or ``report.html``."""
    from payfix.batch.replay import replay
    from payfix.batch.report import write_report

    root = tmp_path_factory.mktemp("replay")
    rows = [plant(json.loads((EXAMPLES / name).read_text(encoding="utf-8")), value)
            for name in ("escalate_funds_debited.json", "method_expired_card.json",
                         "network_offline.json")]
    bad = copy.deepcopy(rows[0])
    bad["attempt"]["id"] = "pay_rejected"  # the rejects' attempt_id column is the reader's
    bad["attempt"][value] = 1
    bad["metadata"][value] = "y" * 600  # too long: a problem located at the key
    source = root / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in [*rows, bad]), encoding="utf-8")
    summary = replay([source], root / "out", root / "rejects.jsonl", workers=1,
                     audience=audience, output_format="jsonl")
    assert summary.rows_rejected == 1
    assert summary.rows_out == 3
    write_report(root / "out", root / "site" / "report.html")
    texts = _files_text(root / "out") + _files_text(root / "site")
    texts.append((root / "rejects.jsonl").read_text(encoding="utf-8"))
    _no_leak(texts, value)


@pytest.mark.parametrize(("value", "expected"), [
    ("pay_20260314_0002", "pay_20260314_0002"),
    ("2013112011001004330000121536", "2013112011001004330000121536"),
    ("syn8-00000001", "syn8-00000001"),
    ("2026-03-14 10:00:01", "2026-03-14 10:00:01"),
    ("ord-4111-1111-1111-1111", "ord-************1111"),
    ("4111111111111111", "************1111"),
    ("tel:+442079460958", "tel:********0958"),
    ("030 1234567", "********67"),
    ("06-12-34-56-78", "********78"),
    ("DE89 3704 0044 0532 0130 00", "DE****************3000"),
    ("jane.doe@example.com", "j***@example.com"),
])
def test_payment_ids_keep_plain_ids_and_mask_personal_data(value: str, expected: str) -> None:
    """The attempt id a diagnosis shows keeps long digit ids and date-based ids readable and masks
    e-mails, IBANs, card numbers (also after a dash) and phone-like numbers (+ or separators)."""
    report = plant(json.loads((EXAMPLES / "network_offline.json").read_text(encoding="utf-8")), "x")
    report["attempt"]["id"] = value
    assert DIAGNOSERS["customer"].diagnose(report).attempt_id == expected
    assert DIAGNOSERS["agent"].outline(report).attempt_id == expected


def test_planted_identifiers_never_leave_the_service() -> None:
    """The HTTP service (in-process) answers a planted report (200) and one rejected for an
    unknown field named by the identifier (422), singly and in a batch, without the identifier."""
    from fastapi.testclient import TestClient

    from payfix.rules.loader import load_pack
    from payfix.service.app import create_app
    from payfix.service.config import ServiceConfig
    from payfix.service.state import ServiceState

    state = ServiceState(ServiceConfig(api_keys=("identifier-key-1",)), load_pack())
    state.prepare()
    app = create_app(ServiceConfig(api_keys=("identifier-key-1",)), state=state, prepare="none")
    headers = {"X-API-Key": "identifier-key-1"}
    with TestClient(app) as client:
        for value in ("4111 1111 1111 1111", "DE89370400440532013000", "+44 20 7946 0958",
                      "jane.doe@example.com"):
            good = plant(json.loads((EXAMPLES / "escalate_funds_debited.json").read_text()), value)
            bad = copy.deepcopy(good)
            bad["attempt"][value] = 1
            texts = []
            for audience in ("agent", "customer"):
                for report, status in ((good, 200), (bad, 422)):
                    response = client.post("/v1/diagnose", params={"audience": audience},
                                           json=report, headers=headers)
                    assert response.status_code == status, response.text
                    texts.append(response.text)
                response = client.post("/v1/diagnose:batch", params={"audience": audience},
                                       json={"reports": [good, bad]}, headers=headers)
                texts.append(response.text)
            _no_leak(texts, value)

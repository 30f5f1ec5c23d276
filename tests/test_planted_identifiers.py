"""A card number, IBAN, phone number or e-mail address typed into any free-text field of a report
never comes back raw, through any door: the library's JSON and text (both audiences, both
locales), the service's answers and problems, a replay's result parts and rejects, and the HTML
report. People type card numbers into name fields; PCI DSS wants a PAN masked wherever shown."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import iban, luhn

from payfix import Diagnoser, load_pack
from payfix.batch.replay import read_output, replay
from payfix.batch.report import write_report
from payfix.diagnosis.present import render_text

from .conftest import example

KEY = "planted-identifiers-key-1"
DIAGNOSERS = {a: Diagnoser(engine="compiled", audience=a) for a in ("agent", "customer")}

pans = st.from_regex(r"(4[0-9]{14}|5[1-5][0-9]{13})", fullmatch=True).map(
    lambda d: d + luhn.calc_check_digit(d))
ibans = st.from_regex(r"[0-9]{18}", fullmatch=True).map(
    lambda bban: "DE" + iban.calc_check_digits("DE00" + bban) + bban)
phones = st.from_regex(r"\+(86 13[0-9] [0-9]{4} [0-9]{4}|49 151 [0-9]{8})", fullmatch=True)
emails = st.from_regex(r"[a-z]{4,10}\.[a-z]{3,8}@[a-z]{4,9}\.(com|org|cn)", fullmatch=True)

#: Every free-text field of a report (the others are enums, numbers, times or patterned codes).
FREE_TEXT = (
    ("attempt", "payee", "name"),
    ("attempt", "processor", "message"),
    ("metadata", "note"),
    ("device", "os"),
    ("history", 0, "id"),
)


def _spellings(value: str) -> set[str]:
    """The identifier as planted and with its spaces or dashes dropped."""
    return {value, value.replace(" ", ""), value.replace("-", "")}


def _grouped(pan: str) -> str:
    return " ".join(pan[i:i + 4] for i in range(0, len(pan), 4))


def _planted(identifier: str, base: str) -> dict[str, Any]:
    report = example(base)
    report["attempt"]["payee"] = {"type": "merchant", "name": "x"}
    report["attempt"].setdefault("processor", {"scheme": "iso8583", "codes": {
        "response_code": "05"}})
    report["device"] = dict(report.get("device") or {})
    report["history"] = [{"id": "h-1", "at": "2026-01-01T00:00:00Z", "outcome": "failed"}]
    report["metadata"] = {}
    text = f"ref {identifier} please"
    for path in FREE_TEXT:
        node: Any = report
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = text[:64] if path[-1] in ("os", "id") else text
    return report


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """The service in-process (it is the extra payfix[service])."""
    pytest.importorskip("fastapi", reason="the service needs payfix[service]")
    from fastapi.testclient import TestClient

    from payfix.service.app import create_app
    from payfix.service.config import ServiceConfig
    from payfix.service.state import ServiceState

    state = ServiceState(ServiceConfig(api_keys=(KEY,)), load_pack())
    state.prepare()
    with TestClient(create_app(ServiceConfig(api_keys=(KEY,)), state=state,
                               prepare="none")) as test_client:
        yield test_client


identifiers = st.one_of(pans, pans.map(_grouped), ibans, phones, emails)
bases = st.sampled_from(["escalate_funds_debited.json", "payee_bad_iban.json",
                         "unknown_code_checklist.json"])


@settings(max_examples=30, deadline=None)
@given(identifier=identifiers, base=bases)
def test_library_outputs_never_show_a_planted_identifier(identifier: str, base: str) -> None:
    """JSON and text, agent and customer, en and zh-CN, with and without a hand-off."""
    report = _planted(identifier, base)
    for diagnoser in DIAGNOSERS.values():
        for locale in ("en", "zh-CN"):
            result = diagnoser.diagnose(report, locale=locale)
            for text in (result.to_json(), render_text(result)):
                for raw in _spellings(identifier):
                    assert raw not in text, (base, locale, diagnoser.audience)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(identifier=identifiers, base=bases)
def test_service_answers_and_problems_never_show_a_planted_identifier(
        client: Any, identifier: str, base: str) -> None:
    """The service's diagnosis (both audiences), its batch answer, and the problems of a report
    made invalid next to the planted text."""
    report = _planted(identifier, base)
    broken = copy.deepcopy(report)
    broken["attempt"]["kind"] = identifier  # an invalid value that is the identifier itself
    bodies = []
    for audience in ("agent", "customer"):
        bodies.append(client.post(f"/v1/diagnose?audience={audience}", json=report,
                                  headers={"X-API-Key": KEY}).text)
    bodies.append(client.post("/v1/diagnose", json=broken, headers={"X-API-Key": KEY}).text)
    bodies.append(client.post("/v1/diagnose:batch?audience=agent",
                              json={"reports": [report, broken]},
                              headers={"X-API-Key": KEY}).text)
    for body in bodies:
        for raw in _spellings(identifier):
            assert raw not in body


def test_replay_parts_rejects_and_report_never_show_a_planted_identifier(tmp_path: Path) -> None:
    """One row per identifier kind and base report, plus each made invalid: the result parts,
    the rejects file, the summary and the HTML report hold none of them raw."""
    planted = ["4111 1111 1111 1111", "5555555555554444", "DE89 3704 0044 0532 0130 00",
               "+49 151 23456789", "li.wei@example.com"]
    lines = []
    for identifier in planted:
        for base in ("escalate_funds_debited.json", "payee_bad_iban.json"):
            report = _planted(identifier, base)
            lines.append(json.dumps(report))
            broken = copy.deepcopy(report)
            broken["attempt"]["kind"] = identifier
            lines.append(json.dumps(broken))
            broken = copy.deepcopy(report)
            broken["attempt"]["id"] = identifier
            lines.append(json.dumps(broken))
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = replay([tmp_path / "in.jsonl"], tmp_path / "out", tmp_path / "rejects.jsonl",
                     workers=1, engine="compiled")
    assert summary.rows_in == len(lines) == summary.rows_out + summary.rows_rejected
    write_report(tmp_path / "out", tmp_path / "report.html")
    written = [json.dumps(read_output(tmp_path / "out").to_pylist(), default=str),
               (tmp_path / "rejects.jsonl").read_text(encoding="utf-8"),
               (tmp_path / "report.html").read_text(encoding="utf-8")]
    written += [p.read_text(encoding="utf-8") for p in (tmp_path / "out").glob("*.json")]
    for identifier in planted:
        for raw in _spellings(identifier):
            for text in written:
                assert raw not in text

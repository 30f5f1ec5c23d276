"""The service refuses hostile input with typed problems in valid JSON, never a 500: deep
nesting, huge integers, lone surrogates, NUL bytes in paths, non-finite amounts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the service tests need payfix[service]")

from fastapi.testclient import TestClient

from payfix import load_pack
from payfix.service.app import create_app
from payfix.service.config import ServiceConfig
from payfix.service.state import ServiceState

from .conftest import example

KEY = "hardening-test-key-1"
HEADERS = {"X-API-Key": KEY, "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    state = ServiceState(ServiceConfig(api_keys=(KEY,)), load_pack())
    state.prepare()
    app = create_app(ServiceConfig(api_keys=(KEY,)), state=state, prepare="none")
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def strict_json(text: str) -> Any:
    """``text`` parsed as standard JSON: ``NaN``/``Infinity`` literals are an error."""
    def refuse(name: str) -> Any:
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def report_text(**replace: str) -> str:
    """The network_offline example as JSON text, with raw JSON snippets put in place of values."""
    text = json.dumps(example("network_offline.json"))
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


SURROGATE = report_text(**{'"Corner Coffee"': '"Corner \\ud800 Coffee"'})


@pytest.mark.parametrize(("path", "body", "kind"), [
    ("/v1/diagnose:batch", b'{"reports":' + b"[" * 100_000 + b"]" * 100_000 + b"}", "json_invalid"),
    ("/v1/diagnose", b"[" * 100_000 + b"]" * 100_000, "json_invalid"),
    ("/v1/diagnose", b'{"attempt":{"amount":{"value":' + b"7" * 4400 + b"}}}", "json_invalid"),
    ("/v1/diagnose:batch", b'{"reports":[' + b"7" * 4400 + b"]}", "json_invalid"),
    ("/v1/diagnose", SURROGATE.encode(), "string_unicode"),
])
def test_hostile_bodies_are_422_problems_not_500(client: TestClient, path: str, body: bytes,
                                                 kind: str) -> None:
    """100k-deep nesting, a 4,400-digit integer and a lone surrogate escape are refused with 422
    and a typed problem in valid JSON, on both diagnose routes."""
    response = client.post(path, content=body, headers=HEADERS)
    assert response.status_code == 422, response.text
    problems = strict_json(response.text)["problems"]
    assert kind in {p["type"] for p in problems}


def test_one_report_with_a_lone_surrogate_fails_alone_in_a_batch(client: TestClient) -> None:
    """In a batch, a report holding a lone surrogate escape gets its own problem; the good report
    next to it is still diagnosed and the answer is 200 with valid JSON."""
    good = report_text()
    body = ('{"reports":[' + SURROGATE + "," + good + "]}").encode()
    response = client.post("/v1/diagnose:batch", content=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    first, second = strict_json(response.text)["results"]
    assert first["problems"][0]["type"] == "string_unicode"
    assert first["problems"][0]["loc"] == ["attempt", "payee", "name"]
    assert "diagnosis" in second


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1e999999999"])
@pytest.mark.parametrize("path", ["/v1/diagnose", "/v1/diagnose:batch"])
def test_non_finite_amounts_give_valid_json_problems(client: TestClient, amount: str,
                                                     path: str) -> None:
    """A non-finite amount is a 422 (or a per-report problem) whose body is standard JSON: the
    offending value is written as a string, never as a bare NaN or Infinity."""
    text = report_text(**{'"38.00"': amount})
    body = text if path == "/v1/diagnose" else '{"reports":[' + text + "]}"
    response = client.post(path, content=body.encode(), headers=HEADERS)
    document = strict_json(response.text)
    if path == "/v1/diagnose":
        assert response.status_code == 422
        problems = document["problems"]
    else:
        assert response.status_code == 200
        problems = document["results"][0]["problems"]
    assert problems[0]["loc"] == ["attempt", "amount", "value"]
    assert isinstance(problems[0].get("input"), str)


@pytest.mark.parametrize("path", ["/console/index.html%00", "/console/%00", "/console/a%01b.js"])
def test_control_characters_in_console_paths_are_404(client: TestClient, path: str) -> None:
    """A NUL or other control character in a console file name is a 404 problem, not a 500."""
    response = client.get(path)
    assert response.status_code == 404
    assert strict_json(response.text)["problems"][0]["type"] == "not_found"


def test_last_resort_filter_masks_emails_ibans_and_phones() -> None:
    """The filter every answer passes masks e-mail addresses, IBANs and phone numbers in any
    string (not only runs of twelve digits), keeps attempt ids with dates readable and leaves
    the kept strings (pack hash, support addresses) alone."""
    from payfix.service.guard import scrub_json

    text = json.dumps({"note": "ann.lee@example.com GB82 WEST 1234 5698 7654 32 +44 20 7946 0958",
                       "attempt_id": "pay_20260314_0001", "support": "+1 800 555 0100"})
    out = json.loads(scrub_json(text, ("+1 800 555 0100",)))
    assert "ann.lee@" not in out["note"]
    assert "5698 7654" not in out["note"]
    assert "7946" not in out["note"]
    assert out["attempt_id"] == "pay_20260314_0001"
    assert out["support"] == "+1 800 555 0100"


def test_an_email_pasted_as_the_attempt_id_is_masked_in_the_answer(client: TestClient) -> None:
    """An e-mail address pasted as the payment id does not come back in the diagnosis."""
    report = example("network_offline.json")
    report["attempt"]["id"] = "ann.lee@example.com"
    response = client.post("/v1/diagnose?audience=agent", json=report, headers=HEADERS)
    assert response.status_code == 200
    assert "ann.lee@example.com" not in response.text
    assert response.json()["attempt_id"].endswith("@example.com")

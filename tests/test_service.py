"""The HTTP service in-process (FastAPI's TestClient): routes, keys, limits, problems, console."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the service tests need payfix[service]")

from fastapi.testclient import TestClient

from payfix import Diagnoser, load_pack
from payfix.service.app import create_app
from payfix.service.config import ConfigError, ServiceConfig
from payfix.service.state import ServiceState
from payfix.service.static import CONSOLE_DIR, CSP

from .conftest import EXAMPLES, ROOT, example

KEY = "service-test-key-1"
HEADERS = {"X-API-Key": KEY}


@pytest.fixture(scope="module")
def state() -> ServiceState:
    """One loaded and self-tested pack for every app in this module."""
    prepared = ServiceState(ServiceConfig(api_keys=(KEY,)), load_pack())
    prepared.prepare()
    assert prepared.ready, prepared.problems
    return prepared


def make_client(state: ServiceState, **settings: Any) -> TestClient:
    config = ServiceConfig(**{"api_keys": (KEY, "second-key-2"), **settings})
    return TestClient(create_app(config, state=state, prepare="none"))


@pytest.fixture(scope="module")
def client(state: ServiceState) -> Iterator[TestClient]:
    with make_client(state, max_body_bytes=64_000, max_batch=5) as test_client:
        yield test_client


def test_diagnose_answers_what_the_library_answers(client: TestClient) -> None:
    """POST /v1/diagnose returns exactly the JSON of Diagnoser.diagnose for the same report,
    audience and locale, with its reply (the same as `payfix diagnose --format json` with the
    compiled engine)."""
    body = (EXAMPLES / "escalate_funds_debited.json").read_bytes()
    for audience in ("agent", "customer"):
        for locale in ("en", "zh-CN"):
            response = client.post("/v1/diagnose", params={"audience": audience, "locale": locale},
                                   content=body, headers=HEADERS)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == "application/json"
            expected = Diagnoser(engine="compiled", replies=True).diagnose(
                body, audience=audience, locale=locale)
            assert response.json() == json.loads(expected.to_json())


def test_default_audience_is_the_customer(client: TestClient) -> None:
    """Without ?audience the answer is the customer's: no rule trace."""
    response = client.post("/v1/diagnose", json=example("network_offline.json"), headers=HEADERS)
    assert response.status_code == 200
    assert response.json()["audience"] == "customer"
    assert response.json()["fired"] == []


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong-key-000"}, {"X-API-Key": ""},
                                     {"X-API-Key": KEY + "x"}, {"X-API-Key": KEY[:-1]}])
def test_missing_or_wrong_key_is_refused_with_401(client: TestClient, headers: dict[str, str]
                                                  ) -> None:
    """Every /v1 route answers 401 in the problems shape unless X-API-Key is a configured key."""
    for method, path in (("POST", "/v1/diagnose"), ("POST", "/v1/diagnose:batch"),
                         ("GET", "/v1/rules"), ("GET", "/v1/codes/iso8583/51")):
        response = client.request(method, path, json={"reports": []}, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.json() == {"problems": [{
            "type": "unauthorized", "loc": ["header", "X-API-Key"],
            "msg": "missing or wrong API key: send a valid key in X-API-Key"}]}


def test_every_configured_key_is_accepted(client: TestClient) -> None:
    """Any of the configured keys opens the API."""
    for key in (KEY, "second-key-2"):
        assert client.get("/v1/rules", headers={"X-API-Key": key}).status_code == 200


def test_no_key_configured_refuses_to_start_unless_no_auth(state: ServiceState) -> None:
    """Without a key the app is not built (ConfigError) unless no_auth is set on purpose; with
    no_auth the API answers without a key."""
    with pytest.raises(ConfigError, match="--no-auth"):
        create_app(ServiceConfig(), state=state)
    with TestClient(create_app(ServiceConfig(no_auth=True), state=state, prepare="none")) as open_:
        assert open_.get("/v1/rules").status_code == 200


def test_invalid_report_gives_422_with_every_problem(client: TestClient) -> None:
    """A report missing fields answers 422 with one {type, loc, msg} problem per field at fault."""
    response = client.post("/v1/diagnose", content=b'{"attempt": {"id": "a1"}}', headers=HEADERS)
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert {(p["type"], tuple(p["loc"])) for p in problems} >= {
        ("missing", ("attempt", "at")), ("missing", ("attempt", "amount"))}
    assert all({"type", "loc", "msg"} <= set(p) for p in problems)


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b"\xff\xfe", b"null", b'"text"'])
def test_non_report_bodies_give_422(client: TestClient, body: bytes) -> None:
    """Bodies that are not a report object answer 422 in the problems shape, never 500."""
    response = client.post("/v1/diagnose", content=body, headers=HEADERS)
    assert response.status_code == 422
    assert response.json()["problems"]


def test_bad_query_values_give_422_with_their_location(client: TestClient) -> None:
    """An unknown audience or locale answers 422 located at the query parameter."""
    report = example("network_offline.json")
    bad_audience = client.post("/v1/diagnose?audience=boss", json=report, headers=HEADERS)
    bad_locale = client.post("/v1/diagnose?locale=fr", json=report, headers=HEADERS)
    assert bad_audience.status_code == bad_locale.status_code == 422
    assert bad_audience.json()["problems"][0]["loc"] == ["query", "audience"]
    assert bad_locale.json()["problems"][0]["loc"] == ["query", "locale"]


def test_oversized_body_is_refused_with_413(client: TestClient) -> None:
    """A body over max_body_bytes answers 413 in the problems shape, declared or streamed."""
    big = b'{"attempt": {"id": "' + b"x" * 70_000 + b'"}}'
    declared = client.post("/v1/diagnose", content=big, headers=HEADERS)
    streamed = client.post("/v1/diagnose", content=iter([big[:40_000], big[40_000:]]),
                           headers=HEADERS)
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["problems"][0]["type"] == "too_large"


def test_batch_answers_in_order_with_problems_per_report(client: TestClient) -> None:
    """A batch answers one result per report, in order: a diagnosis or that report's problems."""
    good = example("network_offline.json")
    reports = [good, {"attempt": {}}, example("balance_short.json"), 7]
    response = client.post("/v1/diagnose:batch?audience=agent", json={"reports": reports},
                           headers=HEADERS)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [next(iter(r)) for r in results] == ["diagnosis", "problems", "diagnosis", "problems"]
    assert results[0]["diagnosis"]["attempt_id"] == good["attempt"]["id"]
    assert results[0]["diagnosis"]["audience"] == "agent"


def test_batch_over_the_limit_or_malformed_gives_422(client: TestClient) -> None:
    """More reports than max_batch, a missing list or an unknown field answers 422."""
    report = example("network_offline.json")
    too_many = client.post("/v1/diagnose:batch", json={"reports": [report] * 6}, headers=HEADERS)
    assert too_many.status_code == 422
    assert too_many.json()["problems"][0]["type"] == "too_long"
    assert too_many.json()["problems"][0]["loc"] == ["body", "reports"]
    for body in ({}, {"reports": {}}, {"reports": [], "extra": 1}, [report]):
        assert client.post("/v1/diagnose:batch", json=body, headers=HEADERS).status_code == 422


def test_code_lookup_and_unknown_code(client: TestClient) -> None:
    """GET /v1/codes gives the code's meaning; an unknown code or scheme answers 404 with the
    look-up's problem."""
    found = client.get("/v1/codes/iso8583/51", params={"locale": "zh-CN"}, headers=HEADERS)
    assert found.status_code == 200
    assert found.json()["reason"] == "insufficient_funds"
    unknown = client.get("/v1/codes/iso8583/ZZ9", headers=HEADERS)
    assert unknown.status_code == 404
    assert unknown.json()["problems"][0]["type"] == "unknown_code"
    assert client.get("/v1/codes/nope/51", headers=HEADERS).json()["problems"][0]["type"] == (
        "unknown_scheme")
    assert client.get("/v1/codes/iso8583/05?brand=nope", headers=HEADERS).status_code == 422


def test_rules_and_probes(client: TestClient) -> None:
    """/v1/rules names the pack, its hash and rule sets; /healthz and /readyz need no key."""
    rules = client.get("/v1/rules", headers=HEADERS).json()
    pack = load_pack()
    assert rules["hash"] == pack.hash
    assert [rs["name"] for rs in rules["rule_sets"]] == [rs.name for rs in pack.rulesets]
    assert rules["self_test"]["failed"] == 0
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["hash"] == pack.hash


def test_not_ready_until_self_tested() -> None:
    """Before the pack's rule tests have run, /readyz and the API answer 503; /healthz 200."""
    unprepared = ServiceState(ServiceConfig(api_keys=(KEY,)), load_pack())
    with TestClient(create_app(ServiceConfig(api_keys=(KEY,)), state=unprepared,
                               prepare="none")) as cold:
        assert cold.get("/healthz").status_code == 200
        assert cold.get("/readyz").status_code == 503
        assert cold.get("/readyz").json()["problems"][0]["type"] == "not_ready"
        assert cold.get("/v1/rules", headers=HEADERS).status_code == 503
        unprepared.prepare()
        assert cold.get("/readyz").status_code == 200


def test_console_is_served_with_its_csp(client: TestClient) -> None:
    """/console and /console/ give index.html, /console/{file} the file, all without a key and
    with the Content-Security-Policy; paths outside the folder give 404."""
    index = (CONSOLE_DIR / "index.html").read_bytes()
    for path in ("/console", "/console/", "/console/index.html"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.content == index
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["content-type"].startswith("text/html")
    for asset in sorted(CONSOLE_DIR.iterdir()):
        response = client.get(f"/console/{asset.name}")
        assert response.status_code == 200, asset.name
        assert response.content == asset.read_bytes()
        assert response.headers["content-security-policy"] == CSP
    assert client.get("/console/api.js").headers["content-type"].startswith("text/javascript")
    for bad in ("/console/nope.js", "/console/../app.py", "/console/%2e%2e/app.py",
                "/console/.hidden"):
        assert client.get(bad).status_code == 404, bad


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    """Answers, refusals and 404s all carry an X-Request-ID and nosniff; /v1 answers are not to be
    cached."""
    for response in (client.get("/healthz"), client.get("/v1/rules"), client.get("/nope")):
        assert len(response.headers["x-request-id"]) == 32
        assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/v1/rules", headers=HEADERS).headers["cache-control"] == "no-store"
    assert client.get("/console").headers["cache-control"] == "no-cache"
    assert client.get("/nope").json()["problems"][0]["type"] == "not_found"


def test_client_gone_before_the_body_is_logged_as_499_not_an_error(
        state: ServiceState, caplog: pytest.LogCaptureFixture) -> None:
    """A client that disconnects before sending its body gets no answer and no error line: its
    access line says 499."""
    import asyncio

    app = create_app(ServiceConfig(api_keys=(KEY,)), state=state, prepare="none")
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/v1/diagnose", "raw_path": b"/v1/diagnose",
             "query_string": b"", "root_path": "", "headers": [(b"x-api-key", KEY.encode())],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    with caplog.at_level(logging.INFO, logger="payfix"):
        asyncio.run(app(scope, receive, send))
    assert sent == []
    access = [r for r in caplog.records if r.name == "payfix.service.access"]
    assert [r.fields["status"] for r in access] == [499]  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_operator_overlay_is_served_and_its_cases_gate_readiness(tmp_path: Path) -> None:
    """With --rules, the overlay's rule set is served once every case passes: the bundled cases
    and the overlay's own (an overlay that moves a threshold brings its own copy of the case file
    that pins it). A failing case keeps the service unready, named in /readyz's problems, while
    /healthz answers."""
    overlay = tmp_path / "operator_pack"
    shutil.copytree(ROOT / "examples" / "custom_pack", overlay)  # its network cases pin 1000 ms
    config = ServiceConfig(api_keys=(KEY,), rules=str(overlay))
    with TestClient(create_app(config, prepare="startup")) as served:
        assert served.get("/readyz").status_code == 200, served.get("/readyz").text
        rules = served.get("/v1/rules", headers=HEADERS).json()
        assert rules["rule_sets"][-1]["name"] == "promo"
        assert rules["self_test"]["failed"] == 0
    cases = overlay / "tests" / "promo.yaml"
    cases.write_text(cases.read_text(encoding="utf-8").replace("fires: false", "fires: true", 1),
                     encoding="utf-8")
    with TestClient(create_app(config, prepare="startup")) as unready:
        answer = unready.get("/readyz")
        assert answer.status_code == 503
        problem = answer.json()["problems"][0]
        assert problem["type"] == "rule_test_failed"
        assert problem["loc"] == ["promo.large_purchase_short_of_funds"]
        assert unready.get("/healthz").status_code == 200
        assert unready.post("/v1/diagnose", json=example("balance_short.json"),
                            headers=HEADERS).status_code == 503


def test_the_console_words_are_the_served_packs(tmp_path: Path) -> None:
    """``/console/strings.js`` is made from the served pack's texts, under the console's CSP, with
    no key needed: with the French example overlay the console's languages are en, zh-CN and fr."""
    config = ServiceConfig(api_keys=(KEY,), rules=str(ROOT / "examples" / "custom_pack"))
    with TestClient(create_app(config, prepare="startup")) as served:
        answer = served.get("/console/strings.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    tables = json.loads(answer.text.removeprefix("export default ").removesuffix(";\n"))
    assert list(tables) == ["en", "zh-CN", "fr"]
    assert (tables["fr"]["languageName"], tables["zh-CN"]["copyReply"]) == ("Français", "复制答复")

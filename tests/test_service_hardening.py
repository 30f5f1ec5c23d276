"""The service's hardening: hostile input gets typed problems in valid JSON, never a 500 (deep
nesting, huge integers, lone surrogates, NUL bytes in paths, non-finite amounts); personal data
masked at the door; key-file rules; --no-auth; Host names; cross-site writes; /docs."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the service tests need payfix[service]")

from fastapi.testclient import TestClient

from payfix import load_pack
from payfix.service.app import create_app
from payfix.service.config import ConfigError, ServiceConfig, load_keys
from payfix.service.state import ServiceState

from .conftest import example

KEY = "hardening-test-key-1"
HEADERS = {"X-API-Key": KEY, "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def state() -> ServiceState:
    """The bundled pack, loaded and self-tested once for the module."""
    ready = ServiceState(ServiceConfig(api_keys=(KEY,)), load_pack())
    ready.prepare()
    return ready


@pytest.fixture(scope="module")
def client(state: ServiceState) -> Iterator[TestClient]:
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


# --- key files, --no-auth, Host names, cross-site writes, /docs -----------------------------------


def test_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    """A key file other users can read (mode 0644) is refused with a message saying chmod 600;
    the same file with mode 0600 is read."""
    keys = tmp_path / "keys.txt"
    keys.write_text("file-key-number-1\n", encoding="utf-8")
    keys.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_keys(None, keys)
    keys.chmod(0o600)
    assert load_keys(None, keys) == ("file-key-number-1",)


def test_key_file_bom_and_trailing_comments(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark does not become part of the first key, and a `# comment` after a
    key is not part of it (a `#` inside a key is)."""
    keys = tmp_path / "keys.txt"
    keys.write_bytes("\ufefffirst-key-0001\nsecond-key-02  # support tools\nthird#key-003\n"
                     "# whole line\n".encode())
    keys.chmod(0o600)
    assert load_keys(None, keys) == ("first-key-0001", "second-key-02", "third#key-003")


def test_no_auth_with_configured_keys_is_refused() -> None:
    """--no-auth next to configured keys does not silently drop them: the settings are refused."""
    with pytest.raises(ConfigError, match="--no-auth"):
        ServiceConfig(api_keys=("a-configured-key",), no_auth=True).check()


def run_serve(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
              *args: str) -> tuple[int, dict[str, Any], str]:
    """``payfix serve ARGS`` in this process with uvicorn.run recorded instead of run: exit
    code, uvicorn's keyword arguments, standard error."""
    import argparse

    import uvicorn

    from payfix.service import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.delenv("PAYFIX_API_KEYS", raising=False)
    parser = argparse.ArgumentParser()
    cli.add_subcommands(parser.add_subparsers(dest="command"))
    code = cli.run(parser.parse_args(["serve", *args]))
    return code, seen, capsys.readouterr().err


def test_no_auth_off_loopback_warns_loudly(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """--no-auth on 0.0.0.0 prints a louder warning than on loopback (anyone who can reach the
    port), and says no Host name check is made without --allowed-host."""
    monkeypatch.setenv("PAYFIX_SERVICE_CONFIG", "")
    _, _, local = run_serve(monkeypatch, capsys, "--host", "127.0.0.1", "--no-auth")
    code, seen, wide = run_serve(monkeypatch, capsys, "--host", "0.0.0.0", "--no-auth")
    assert code == 0
    assert "ANYONE" in wide
    assert "ANYONE" not in local
    assert "--allowed-host" in wide
    assert seen["host"] == "0.0.0.0"


def test_serve_configures_timeouts_and_loopback_host_names(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """payfix serve on 127.0.0.1 hands uvicorn a keep-alive timeout and the protocol with the
    header deadline, and the app answers to the loopback names only."""
    monkeypatch.setenv("PAYFIX_SERVICE_CONFIG", "")
    code, seen, _ = run_serve(monkeypatch, capsys, "--no-auth")
    assert code == 0
    assert seen["timeout_keep_alive"] > 0
    assert "payfix.service.protocol:" in seen["http"]
    config = ServiceConfig.from_json(os.environ["PAYFIX_SERVICE_CONFIG"], {})
    assert set(config.allowed_hosts) == {"localhost", "127.0.0.1", "::1"}


@pytest.fixture(scope="module")
def local_client() -> Iterator[TestClient]:
    """An app that answers to the loopback names only."""
    config = ServiceConfig(api_keys=(KEY,), allowed_hosts=("localhost", "127.0.0.1", "::1"))
    with TestClient(create_app(config, prepare="startup"), base_url="http://127.0.0.1:8080",
                    raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "127.0.0.1.nip.io", ""])
def test_other_host_names_are_refused(local_client: TestClient, host: str) -> None:
    """With loopback names configured, a Host header naming anything else (DNS rebinding) gets
    400 host_not_allowed, on every route."""
    for path in ("/healthz", "/v1/rules", "/console"):
        response = local_client.get(path, headers={"Host": host, **HEADERS})
        assert response.status_code == 400, (path, host)
        assert response.json()["problems"][0]["type"] == "host_not_allowed"


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost", "[::1]:8080", "LOCALHOST:1"])
def test_loopback_host_names_are_answered(local_client: TestClient, host: str) -> None:
    """The loopback names, with or without a port, are answered."""
    assert local_client.get("/v1/rules", headers={"Host": host, **HEADERS}).status_code == 200


@pytest.mark.parametrize(("headers", "status"), [
    ({"Content-Type": "text/plain"}, 415),
    ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ({"Content-Type": "multipart/form-data; boundary=x"}, 415),
    ({"Content-Type": "application/json", "Origin": "https://evil.example"}, 403),
    ({"Content-Type": "application/json", "Origin": "null"}, 403),
    ({"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, 403),
    ({"Content-Type": "application/json", "Origin": "http://127.0.0.1:8080",
      "Sec-Fetch-Site": "same-origin"}, 200),
])
def test_cross_site_writes_are_refused(local_client: TestClient, headers: dict[str, str],
                                       status: int) -> None:
    """A POST a page on another site could send (a simple text/plain or form body, another
    Origin, Sec-Fetch-Site cross-site) is refused; the same origin with JSON is served."""
    body = json.dumps(example("network_offline.json"))
    response = local_client.post("/v1/diagnose", content=body,
                                 headers={"X-API-Key": KEY, **headers})
    assert response.status_code == status, response.text


def test_docs_viewers_only_when_asked_for() -> None:
    """/docs and /redoc (which load scripts from a CDN on the console's origin) are not served
    unless docs=True (payfix serve --docs); /openapi.json always is."""
    for docs, status in ((False, 404), (True, 200)):
        config = ServiceConfig(api_keys=(KEY,), docs=docs)
        with TestClient(create_app(config, prepare="none")) as test_client:
            assert test_client.get("/docs").status_code == status
            assert test_client.get("/redoc").status_code == status
            assert test_client.get("/openapi.json").status_code == 200


def test_healthz_answers_while_a_diagnosis_is_under_way(state: ServiceState,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A diagnosis that takes long (held here until released) occupies a worker thread, not the
    event loop: /healthz and /readyz answer while it is under way, and it then completes."""
    import asyncio
    import threading

    import httpx

    from payfix.service import app as app_module

    entered, release = threading.Event(), threading.Event()
    diagnose_one = app_module._diagnose_one

    def held(*args: Any) -> tuple[str, str | None]:
        entered.set()
        release.wait(30)
        return diagnose_one(*args)

    monkeypatch.setattr(app_module, "_diagnose_one", held)
    app = create_app(ServiceConfig(api_keys=(KEY,)), state=state, prepare="none")
    body = json.dumps(example("network_offline.json"))

    async def scenario() -> tuple[list[int], bool, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            slow = asyncio.create_task(http.post("/v1/diagnose", content=body, headers=HEADERS))
            assert await asyncio.to_thread(entered.wait, 30)
            probes = [(await http.get(path)).status_code for path in ("/healthz", "/readyz")]
            finished_first = slow.done()
            release.set()
            return probes, finished_first, (await slow).status_code

    probes, finished_first, status = asyncio.run(scenario())
    assert probes == [200, 200]
    assert not finished_first, "the probes waited for the diagnosis"
    assert status == 200


def test_no_auth_is_named_in_the_logs_and_the_ready_event(caplog: pytest.LogCaptureFixture) -> None:
    """Serving without keys is logged as a warning when the app is built, and the ready event
    says how callers are authenticated (``none`` / ``api_key`` with the number of keys)."""
    caplog.set_level(logging.INFO, logger="payfix")
    for config, auth, keys in ((ServiceConfig(no_auth=True), "none", 0),
                               (ServiceConfig(api_keys=(KEY, "second-key-1")), "api_key", 2)):
        caplog.clear()
        ServiceState(config, load_pack()).prepare()
        create_app(config, prepare="none")
        fields = [getattr(record, "fields", {}) for record in caplog.records]
        ready = [f for f in fields if f.get("event") == "ready"]
        assert len(ready) == 1
        assert (ready[0]["auth"], ready[0]["api_keys"]) == (auth, keys)
        assert any(f.get("event") == "no_auth" for f in fields) == (auth == "none")


def test_the_last_resort_filter_leaves_hand_off_references_readable() -> None:
    """A hand-off reference is ten hexadecimal characters and may look like a phone number
    (PF-4355880C18): the filter leaves it whole wherever the answer quotes it, and still masks a
    phone number beside it."""
    from payfix.service.guard import scrub_json

    ref = "PF-4355880C18"
    answer = json.dumps({"handoff": {"reference": ref,
                                     "statement": f"Quote reference {ref}; call +44 20 7946 0958.",
                                     "prepare": [f"Reference: {ref}"]}})
    scrubbed = json.loads(scrub_json(answer))["handoff"]
    assert scrubbed["reference"] == ref
    assert scrubbed["prepare"] == [f"Reference: {ref}"]
    assert ref in scrubbed["statement"]
    assert "7946 0958" not in scrubbed["statement"]

"""The HTTP service as a real process: ``payfix serve`` on a free localhost port, started once for
the module, stopped at the end; its log output (stderr) is kept in a file and read by the tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the service tests need payfix[service]")
pytest.importorskip("httpx")
pytest.importorskip("schemathesis")

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from .conftest import EXAMPLES, ROOT

KEY = "server-test-key-1"
HEADERS = {"X-API-Key": KEY}
MAX_BODY = 65_536
PAN = "4111111111111111"


@dataclass
class Server:
    """A running ``payfix serve``: its base URL, process and log file."""

    base: str
    proc: subprocess.Popen[bytes]
    log: Path

    def log_lines(self) -> list[dict[str, Any]]:
        """Every line the server has logged so far, parsed (each must be one JSON object)."""
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(log: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """Start ``python -m payfix serve`` with ``args`` and wait (60 s at most) for /readyz."""
    port = free_port()
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "payfix", "serve", "--host", "127.0.0.1", "--port", str(port),
             *args], env={**os.environ, **(env or {})}, stdout=sink, stderr=subprocess.STDOUT,
            cwd=ROOT)
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"payfix serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server.base}/readyz", timeout=2) as resp:
                if resp.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    stop_server(server)
    pytest.fail(f"payfix serve was not ready within 60 s:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    """Terminate the server (kill after 10 s)."""
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One ``payfix serve`` for the module: two keys, a 64 KiB body limit, batches of 10, and
    connections closed when their request headers are not complete within 2 s."""
    log = tmp_path_factory.mktemp("service") / "server.log"
    running = start_server(log, "--max-body-bytes", str(MAX_BODY), "--max-batch", "10",
                           "--header-timeout", "2",
                           env={"PAYFIX_API_KEYS": f"{KEY},other-key-22"})
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, timeout=30) as http:
        yield http


def test_diagnoses_an_example_report(client: httpx.Client) -> None:
    """A real server answers a bundled report with its diagnosis, and the request id header."""
    body = (EXAMPLES / "balance_short.json").read_bytes()
    response = client.post("/v1/diagnose?audience=agent", content=body, headers=HEADERS)
    assert response.status_code == 200
    assert response.json()["remedies"][0]["id"] == "balance.top_up"
    assert response.headers["x-request-id"]


def test_unauthenticated_requests_are_refused(client: httpx.Client) -> None:
    """Without a key, or with a wrong one, every API call is 401 in the problems shape; the
    probes and the console need no key."""
    body = (EXAMPLES / "balance_short.json").read_bytes()
    for headers in ({}, {"X-API-Key": "not-a-key-at-all"}):
        response = client.post("/v1/diagnose", content=body, headers=headers)
        assert response.status_code == 401
        assert response.json()["problems"][0]["loc"] == ["header", "X-API-Key"]
        assert client.get("/v1/rules", headers=headers).status_code == 401
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/console").status_code == 200


def test_a_connection_that_never_finishes_its_headers_is_closed(server: Server) -> None:
    """A connection opened and left idle, and one that sends half a request's headers, are both
    closed by the server (--header-timeout); a complete request is answered meanwhile."""
    port = int(server.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as idle, \
            socket.create_connection(("127.0.0.1", port)) as trickle:
        trickle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert urllib.request.urlopen(f"{server.base}/healthz", timeout=30).status == 200
        for sock in (idle, trickle):
            sock.settimeout(60)  # a guard against hanging, not a timing assertion
            assert sock.recv(1024) == b"", "the server kept a connection without a request open"


def test_oversized_requests_are_refused(client: httpx.Client) -> None:
    """A body over --max-body-bytes is refused with 413, whether its length is declared or it is
    streamed in chunks; a batch over --max-batch is refused with 422."""
    big = b'{"attempt": {"id": "' + b"x" * (MAX_BODY + 10) + b'"}}'
    declared = client.post("/v1/diagnose", content=big, headers=HEADERS)
    chunked = client.post("/v1/diagnose", content=iter([big[:30_000], big[30_000:]]),
                          headers=HEADERS)
    for response in (declared, chunked):
        assert response.status_code == 413
        assert response.json()["problems"][0]["type"] == "too_large"
    report = json.loads((EXAMPLES / "balance_short.json").read_bytes())
    batch = client.post("/v1/diagnose:batch", json={"reports": [report] * 11}, headers=HEADERS)
    assert batch.status_code == 422
    assert batch.json()["problems"][0]["type"] == "too_long"


def _with_card_numbers(pan: str) -> list[bytes]:
    """Requests bodies that carry ``pan`` in places a card number was not expected."""
    report = json.loads((EXAMPLES / "escalate_funds_debited.json").read_bytes())
    bodies = []
    for where in ("id", "payee", "processor", "unknown", "number", "spaced"):
        r = json.loads(json.dumps(report))
        attempt = r["attempt"]
        if where == "id":
            attempt["id"] = f"pay {pan}"
        elif where == "payee":
            attempt["payee"]["name"] = f"Harbour Books {pan}"
        elif where == "processor":
            attempt["processor"]["message"] = f"declined card {pan}"
        elif where == "unknown":
            attempt["card_number"] = pan
        elif where == "number":
            attempt["amount"]["value"] = int(pan)
            attempt["id"] = int(pan)
        else:
            attempt["id"] = " ".join(pan[i:i + 4] for i in range(0, len(pan), 4))
        bodies.append(json.dumps(r).encode())
    return bodies


def test_card_numbers_never_come_back_or_reach_the_log(server: Server, client: httpx.Client
                                                        ) -> None:
    """A report holding a full card number, anywhere, gets answers (200 or 422, both audiences,
    single and batch, and a code look-up of the number) that never show it unmasked, and the
    server's log never holds it; every log line is one JSON object and every request has one
    access line with method, path, status, duration and request id, and no query string."""
    seen_ids = []
    for body in _with_card_numbers(PAN):
        for audience in ("agent", "customer"):
            response = client.post(f"/v1/diagnose?audience={audience}&locale=en", content=body,
                                   headers=HEADERS)
            assert response.status_code in (200, 422)
            assert PAN not in response.text.replace(" ", "").replace("-", "")
            seen_ids.append(response.headers["x-request-id"])
        batch = client.post("/v1/diagnose:batch?audience=agent",
                            content=b'{"reports": [' + body + b"]}", headers=HEADERS)
        assert batch.status_code == 200
        assert PAN not in batch.text.replace(" ", "")
    lookup = client.get(f"/v1/codes/iso8583/{PAN}?locale=en", headers=HEADERS)
    assert lookup.status_code == 404
    assert PAN not in lookup.text
    query = client.post(f"/v1/diagnose?audience={PAN}", content=b"{}", headers=HEADERS)
    assert query.status_code == 422
    assert PAN not in query.text
    deadline = time.monotonic() + 10  # an access line is written just after its answer is sent
    while not all(rid in server.log.read_text(encoding="utf-8") for rid in seen_ids):
        assert time.monotonic() < deadline, "access lines missing from the server log"
        time.sleep(0.05)
    text = server.log.read_text(encoding="utf-8")
    assert PAN not in text.replace(" ", "").replace("-", "")
    lines = server.log_lines()
    access = [line for line in lines if line.get("event") == "access"]
    assert {"method", "path", "status", "duration_ms", "request_id"} <= set(access[-1])
    assert not any("?" in line["path"] for line in access)
    assert "/v1/codes/{scheme}/{code}" in {line["path"] for line in access}


def test_schemathesis_finds_no_server_error_over_http(server: Server) -> None:
    """Requests generated from the OpenAPI document the real server serves, valid and invalid,
    never get a 5xx, and every status and content type is one the document declares."""
    schema = schemathesis.openapi.from_url(f"{server.base}/openapi.json")
    checks = [not_a_server_error, status_code_conformance, content_type_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck),
                      database=None)
            def check(case: Any) -> None:
                case.call_and_validate(headers=HEADERS, timeout=30, checks=checks)

            try:
                check()
            except Unsatisfiable:  # nothing to make invalid (/healthz takes no input at all)
                assert mode is GenerationMode.NEGATIVE


def test_support_client_prints_the_handoff(server: Server) -> None:
    """examples/support_client.py, run as a user would against the server, prints the ticket's
    hand-off with masked contact details; with a bad key it exits 1 without a traceback."""
    script = ROOT / "examples" / "support_client.py"
    report = EXAMPLES / "escalate_funds_debited.json"
    env = {**os.environ, "PAYFIX_API_KEY": KEY}
    proc = subprocess.run([sys.executable, str(script), str(report), "--url", server.base],
                          capture_output=True, text=True, timeout=60, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Payment pay_20260501_0101: processing_error")
    assert "HAND-OFF PF-" in proc.stdout
    assert "priority high" in proc.stdout
    assert "E-mail on the account: l***@example.com" in proc.stdout
    refused = subprocess.run([sys.executable, str(script), str(report), "--url", server.base,
                              "--key", "wrong-key-123"], capture_output=True, text=True,
                             timeout=60, env=env, check=False)
    assert refused.returncode == 1
    assert "401" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_200_concurrent_requests_from_another_process_all_succeed(server: Server) -> None:
    """benchmarks/service_load.py, a separate process, sends 200 concurrent diagnoses to the
    server: every one is answered 200 with its own report's diagnosis (no timing asserted)."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "service_load.py"), "--url", server.base,
         "--key", KEY, "--requests", "200", "--warm-up", "0", "--json"],
        capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["requests"] == 200
    assert result["errors"] == 0


def test_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    """With no key configured and no --no-auth, payfix serve exits 2 and says what to do."""
    env = {k: v for k, v in os.environ.items() if k != "PAYFIX_API_KEYS"}
    proc = subprocess.run([sys.executable, "-m", "payfix", "serve", "--port", str(free_port())],
                          capture_output=True, text=True, timeout=60, env=env, check=False)
    assert proc.returncode == 2
    assert "PAYFIX_API_KEYS" in proc.stderr
    assert "--no-auth" in proc.stderr
    missing = subprocess.run([sys.executable, "-m", "payfix", "serve", "--api-key-file",
                              str(tmp_path / "none.txt")], capture_output=True, text=True,
                             timeout=60, env=env, check=False)
    assert missing.returncode == 2
    assert "cannot read the API key file" in missing.stderr


def test_key_file_and_two_workers(tmp_path: Path) -> None:
    """Keys from --api-key-file (comments skipped) open the API of a two-worker server, and once
    /readyz answers, every worker is ready (no 503 on fresh connections)."""
    keys = tmp_path / "keys.txt"
    keys.write_text("# support tools\nfile-key-number-1\n\nfile-key-number-2\n", encoding="utf-8")
    keys.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if k != "PAYFIX_API_KEYS"}
    running = start_server(tmp_path / "workers.log", "--api-key-file", str(keys),
                           "--workers", "2", env=env)
    try:
        with ThreadPoolExecutor(8) as pool:  # at once, new connections: both workers are ready
            statuses = list(pool.map(lambda _: httpx.get(
                f"{running.base}/v1/rules", headers={"X-API-Key": "file-key-number-1"}).status_code,
                range(40)))
        assert set(statuses) == {200}
        with httpx.Client(base_url=running.base, timeout=30) as http:
            for key in ("file-key-number-1", "file-key-number-2", "# support tools"):
                status = http.get("/v1/rules", headers={"X-API-Key": key}).status_code
                assert status == (401 if key.startswith("#") else 200)
    finally:
        stop_server(running)
    assert "file-key-number" not in (tmp_path / "workers.log").read_text(encoding="utf-8")

"""The service's contract in-process: the OpenAPI document is the wire format's JSON Schema,
schemathesis finds no server error, and no card number comes back or reaches a log unmasked."""

from __future__ import annotations

import argparse
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from payfix.inputs.adapters import source_names

pytest.importorskip("fastapi", reason="the service tests need payfix[service]")
pytest.importorskip("schemathesis")

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from payfix import load_pack
from payfix.models.diagnosis import Diagnosis
from payfix.models.report import AttemptReport
from payfix.service import cli as service_cli
from payfix.service.app import create_app
from payfix.service.config import ServiceConfig
from payfix.service.guard import scrub_card_numbers, scrub_json
from payfix.service.logs import JsonFormatter
from payfix.service.state import ServiceState

from .conftest import EXAMPLES
from .strategies import reports

KEY = "contract-test-key-1"
HEADERS = {"X-API-Key": KEY}
CONFIG = ServiceConfig(api_keys=(KEY,), max_batch=3)

_STATE = ServiceState(CONFIG, load_pack())
_STATE.prepare()
APP = create_app(CONFIG, state=_STATE, prepare="none")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(APP) as test_client:
        yield test_client


def _components(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON Schema as OpenAPI components: $defs moved, references rewritten."""
    text = json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/')
    moved = json.loads(text)
    defs = moved.pop("$defs", {})
    return {**defs, moved["title"]: moved}


def test_openapi_request_body_is_the_report_json_schema() -> None:
    """The body of POST /v1/diagnose is the AttemptReport JSON Schema (`payfix schema`), or with
    from= a processor's own object, and its 200 answer the Diagnosis schema (`payfix schema
    diagnosis`), definition for definition; the from= values are the adapters' sources."""
    document = APP.openapi()
    operation = document["paths"]["/v1/diagnose"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["oneOf"][0] == {"$ref": "#/components/schemas/AttemptReport"}
    assert body["oneOf"][1]["title"] == "ProcessorPayload"
    source = next(p for p in operation["parameters"] if p["name"] == "from")
    assert source["schema"]["enum"] == ["auto", *source_names()]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/Diagnosis"}
    schemas = document["components"]["schemas"]
    for model, mode in ((AttemptReport, "validation"), (Diagnosis, "serialization")):
        for name, definition in _components(model.model_json_schema(mode=mode)).items():
            assert schemas[name] == definition, name
    batch = schemas["BatchRequest"]["properties"]["reports"]
    assert batch["items"] == {"$ref": "#/components/schemas/AttemptReport"}
    assert batch["maxItems"] == CONFIG.max_batch
    assert document["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"


def test_openapi_export_matches_the_served_document(tmp_path: Path,
                                                    client: TestClient) -> None:
    """`payfix serve --openapi FILE` writes the document the service serves at /openapi.json."""
    parser = argparse.ArgumentParser()
    service_cli.add_subcommands(parser.add_subparsers(dest="command"))
    out = tmp_path / "openapi.json"
    args = parser.parse_args(["serve", "--openapi", str(out), "--max-batch", "3"])
    assert service_cli.run(args) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == client.get("/openapi.json").json()


schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_schemathesis_finds_no_server_error(case: Any) -> None:
    """Requests generated from the OpenAPI document never get a 5xx; every answer's status,
    content type and body conform to the document (diagnoses to the Diagnosis schema)."""
    case.call_and_validate(headers=HEADERS, checks=[
        not_a_server_error, status_code_conformance, content_type_conformance,
        response_schema_conformance])


def _luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


@st.composite
def card_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A Luhn-valid card number (13 to 19 digits) and the way it is written (plain, grouped by
    spaces or hyphens, inside other text)."""
    first = draw(st.sampled_from("23456"))
    rest = draw(st.text("0123456789", min_size=11, max_size=17))
    pan = _luhn_complete(first + rest)
    sep = draw(st.sampled_from(["", " ", "-"]))
    written = sep.join(pan[i:i + 4] for i in range(0, len(pan), 4))
    before = draw(st.sampled_from(["", "card ", "pay_", "Ref: ", "卡号"]))
    after = draw(st.sampled_from(["", " exp 12/29", "x", "。"]))
    return pan, before + written + after


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_paths(v, (*path, i))]
    return [path]


def _get(report: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        report = report[part]
    return report


def _put(report: Any, path: tuple[Any, ...], value: Any) -> None:
    parent = _get(report, path[:-1])
    if isinstance(parent, list) and path[-1] == len(parent):
        parent.append(value)
    else:
        parent[path[-1]] = value


EXAMPLE_REPORTS = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]


@given(base=st.one_of(st.sampled_from(EXAMPLE_REPORTS), reports()), card=card_numbers(),
       data=st.data(), audience=st.sampled_from(["agent", "customer"]),
       locale=st.sampled_from(["en", "zh-CN"]))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_card_numbers_in_any_field_never_come_back_unmasked(
        client: TestClient, caplog: pytest.LogCaptureFixture, base: dict[str, Any],
        card: tuple[str, str], data: st.DataObject, audience: str, locale: str) -> None:
    """A card number put into any field of a report (replacing its value, or as a new field, or
    as a number) never appears in the answer, single or batch, whatever the status, nor in any
    log line the request caused."""
    pan, written = card
    report = json.loads(json.dumps(base))
    paths = _string_paths(report)
    path = data.draw(st.sampled_from(paths), label="field")
    how = data.draw(st.sampled_from(["replace", "add", "number"]), label="how")
    if how == "add" and len(path) > 1:
        # A new key beside the field, or a new item after it when the field sits in a list.
        path = (*path[:-1], len(_get(report, path[:-1])) if isinstance(path[-1], int) else "note")
    _put(report, path, int(pan) if how == "number" else written)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="payfix"):
        single = client.post(f"/v1/diagnose?audience={audience}&locale={locale}",
                             json=report, headers=HEADERS)
        batch = client.post(f"/v1/diagnose:batch?audience={audience}", json={"reports": [report]},
                            headers=HEADERS)
    assert single.status_code in (200, 422)
    assert batch.status_code == 200
    for text in (single.text, batch.text):
        assert pan not in re.sub(r"[ -]", "", text)
    logged = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert pan not in re.sub(r"[ -]", "", logged)


def test_scrub_json_keeps_json_valid_and_the_pack_hash() -> None:
    """Masking works on strings, keys and long integers and leaves floats, short numbers and the
    pack's hash alone, so the answer stays valid JSON (a float's digits once broke it)."""
    pack_hash = "sha256:1234567890123456789abcdef0123456"
    text = json.dumps({"id": "4111 1111 1111 1111", "4111111111111111": 1, "n": 5555555555554444,
                       "f": 2.5890419884777833e-42, "small": 1234567, "hash": pack_hash})
    out = json.loads(scrub_json(text, keep=pack_hash))
    assert out == {"id": "************1111", "************1111": 1, "n": "************4444",
                   "f": 2.5890419884777833e-42, "small": 1234567, "hash": pack_hash}
    assert scrub_card_numbers("2026-05-01T04:30:00Z 268.00 CNY") == "2026-05-01T04:30:00Z 268.00 CNY"


def test_every_request_logs_one_json_access_line_without_values(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    """Each request logs exactly one access line: method, route template, status, duration and
    request id, and neither the query string nor the values in the path."""
    with caplog.at_level(logging.INFO, logger="payfix"):
        response = client.get("/v1/codes/iso8583/51?locale=zh-CN&brand=visa", headers=HEADERS)
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records
             if r.name == "payfix.service.access"]
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "GET"
    assert line["path"] == "/v1/codes/{scheme}/{code}"
    assert line["status"] == 200
    assert line["request_id"] == response.headers["x-request-id"]
    assert isinstance(line["duration_ms"], float)
    assert "zh-CN" not in json.dumps(line)
    assert "visa" not in json.dumps(line)

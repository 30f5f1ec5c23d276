"""Processors' own objects, shaped exactly as their public documentation and SDK fixtures show them
(``tests/data/payloads/<source>/``, each file citing its source), diagnose through every door with
the deciding code, its field and its source path in the trace."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfix import Diagnoser, InvalidPayloadError, InvalidReportError, adapt, parse_report
from payfix.inputs.adapters import SOURCES, detect

PAYLOADS = Path(__file__).parent / "data" / "payloads"
FIXTURES = sorted(p for p in PAYLOADS.glob("*/*.json") if p.parent.name in SOURCES)
#: What a wallet knows that a processor's object may not carry.
WALLET = {"id": "w-1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
          "amount": {"value": "25.00", "currency": "USD"}, "method": {"type": "credit_card"}}


_DIAGNOSERS: dict[str, Diagnoser] = {}


def diagnoser() -> Diagnoser:
    """One compiled Diagnoser for the module (building one compiles the pack), wording replies
    as the CLI and the service do."""
    if "compiled" not in _DIAGNOSERS:
        _DIAGNOSERS["compiled"] = Diagnoser(engine="compiled", replies=True)
    return _DIAGNOSERS["compiled"]


def load(path: Path) -> dict[str, Any]:
    fixture = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(fixture, dict)
    return fixture


def context_for(payload: dict[str, Any], source: str) -> dict[str, Any] | None:
    """Only the attempt fields the object lacks (so the context never conflicts with it)."""
    try:
        adapt(payload, source)
    except InvalidPayloadError:
        raise
    except InvalidReportError as error:
        missing = {str(p.loc[1]) for p in error.problems
                   if p.type == "missing" and p.loc[:1] == ("attempt",) and len(p.loc) >= 2}
        if not missing:
            raise
        return {"attempt": {key: WALLET[key] for key in missing}}
    return None


def value_at(payload: Any, path: str) -> Any:
    """The value at an adapter's source path (``"a.b[0].c"``)."""
    import re

    node = payload
    for name, index in re.findall(r"([^.\[]+)|\[(\d+)\]", path):
        node = node[int(index)] if index else node[name]
    return node


def test_every_source_has_documented_fixtures() -> None:
    """Each adapter is tested with at least one payload from its processor's documentation."""
    covered = {path.parent.name for path in FIXTURES}
    assert covered == set(SOURCES), sorted(set(SOURCES) - covered)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_cites_its_source(path: Path) -> None:
    """A fixture says where its shape comes from (a public URL or an SDK repository file)."""
    fixture = load(path)
    assert fixture["source"].startswith(("https://", "github:"))
    assert fixture["retrieved"]
    assert isinstance(fixture["payload"], dict)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_documented_payload_diagnoses_with_its_code_field_and_path(path: Path) -> None:
    """Detection names the fixture's source; the diagnosis's deciding code is the value found at
    the source path the trace names, and the report round-trips through the report schema."""
    source = path.parent.name
    payload = load(path)["payload"]
    found = detect(payload)
    assert found is not None
    assert found[0] == source
    context = context_for(payload, source)
    adapted = adapt(payload, "auto", context=context)
    report = adapted.report
    assert parse_report(report.model_dump(mode="json")) == report
    processor = report.attempt.processor
    assert processor is not None
    diagnosis = diagnoser().diagnose(report, audience="agent")
    failure = diagnosis.failure
    if failure.code is None:  # an answer without a code (a communication failure)
        assert failure.scheme == source
        return
    assert failure.field is not None
    assert failure.path is not None
    assert failure.path.startswith(f"{source}.")
    assert str(value_at(payload, failure.path.removeprefix(f"{source}."))).startswith(failure.code)


def _mutations(payload: Any) -> st.SearchStrategy[Any]:
    """The payload with one value replaced by another JSON value, or one key removed."""
    leaves: list[tuple[Any, ...]] = []

    def walk(node: Any, at: tuple[Any, ...]) -> None:
        leaves.append(at)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*at, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*at, i))

    walk(payload, ())
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers(-(10**20), 10**20)
        | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                     max_size=3),
        max_leaves=6)

    def mutate(at: tuple[Any, ...], value: Any, drop: bool) -> Any:
        copied = copy.deepcopy(payload)
        if not at:
            return value
        node = copied
        for step in at[:-1]:
            node = node[step]
        if drop and isinstance(node, dict):
            node.pop(at[-1], None)
        else:
            node[at[-1]] = value
        return copied

    return st.builds(mutate, st.sampled_from(leaves), json_values, st.booleans())


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_payloads_raise_only_typed_errors(path: Path, data: st.DataObject) -> None:
    """Whatever value a field of a documented payload is changed to (or removed), reading it
    gives a report or payfix's typed error, never another exception; the same holds through the
    Diagnoser."""
    source = path.parent.name
    payload = load(path)["payload"]
    mutated = data.draw(_mutations(payload))
    for given_source in (source, "auto"):
        try:
            adapted = adapt(mutated, given_source, context={"attempt": WALLET})
        except InvalidReportError as error:
            problems = error.problems
            assert problems
            continue
        diagnoser().diagnose(adapted.report, audience="agent")


def test_an_unknown_source_is_a_typed_problem_listing_the_accepted_ones() -> None:
    """A source name payfix has no adapter for is refused with what it accepts."""
    with pytest.raises(InvalidPayloadError) as info:
        adapt({"a": 1}, "square")
    assert info.value.problems[0].type == "unknown_source"
    assert "stripe" in info.value.problems[0].msg


def test_an_object_of_another_source_is_refused_when_a_source_is_named() -> None:
    """Naming Stripe for an Adyen response says it is not a Stripe object, rather than reading
    nothing from it."""
    with pytest.raises(InvalidPayloadError) as info:
        adapt({"pspReference": "X", "resultCode": "Refused"}, "stripe")
    assert info.value.problems[0].type == "source_kind"


def test_nothing_recognised_in_auto_mode_is_refused() -> None:
    """An object no adapter recognises is a clear problem, not an empty report."""
    with pytest.raises(InvalidPayloadError) as info:
        adapt({"hello": "world"})
    assert info.value.problems[0].type == "unknown_source"


def test_context_and_payload_must_agree() -> None:
    """An amount given by both the context and the object must be the same amount."""
    intent = {"id": "pi_1", "object": "payment_intent", "amount": 2500, "currency": "usd",
              "created": 1700000000, "status": "requires_payment_method"}
    context = {"attempt": {"amount": {"value": "30.00", "currency": "USD"},
                           "method": {"type": "debit_card"}}}
    with pytest.raises(InvalidReportError) as info:
        adapt(intent, "stripe", context=context)
    assert info.value.problems[0].type == "context_conflict"
    same = {"attempt": {"amount": {"value": "25.0", "currency": "USD"},
                        "method": {"type": "debit_card"}, "id": "w-9"}}
    adapted = adapt(intent, "stripe", context=same)
    assert adapted.report.attempt.id == "w-9"
    assert adapted.report.metadata == {"stripe_id": "pi_1"}


def test_a_missing_field_says_the_object_does_not_carry_it() -> None:
    """A PayPal error body has no amount: the problem says so and where to give it."""
    with pytest.raises(InvalidReportError) as info:
        adapt({"name": "UNPROCESSABLE_ENTITY", "debug_id": "d1", "message": "x",
               "details": [{"issue": "INSTRUMENT_DECLINED"}]}, "paypal")
    amount = next(p for p in info.value.problems if p.loc == ("attempt", "amount"))
    assert "PayPal error does not carry it" in amount.msg
    assert "context" in amount.msg


def test_a_card_number_in_a_payload_never_reaches_the_report_or_its_problems() -> None:
    """ISO 8583 field 2 (the card number) is never read, and a problem never echoes it whole."""
    message = {"0": "0110", "2": "4111111111111111", "39": "51", "37": "123456789012"}
    adapted = adapt(message, "iso8583", context={"attempt": {
        k: v for k, v in WALLET.items() if k != "id"}})
    assert "4111111111111111" not in adapted.report.model_dump_json()
    assert "2" in adapted.unplaced
    with pytest.raises(InvalidPayloadError) as info:
        adapt({"error": {"type": "card_error", "decline_code": {"pan": "4111111111111111"}}},
              "stripe")
    assert "4111111111111111" not in json.dumps([p.to_dict() for p in info.value.problems])


def first_fixture(source: str) -> Path:
    return next(p for p in FIXTURES if p.parent.name == source)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_the_cli_reads_a_payload_and_says_what_it_read(
        source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`payfix diagnose FILE --from auto [--context FILE]` answers what the library answers for
    the same payload, and stderr says which source and object it detected."""
    from payfix.cli import main

    payload = load(first_fixture(source))["payload"]
    (tmp_path / "payload.json").write_text(json.dumps(payload), encoding="utf-8")
    context = context_for(payload, source)
    argv = ["diagnose", str(tmp_path / "payload.json"), "--from", "auto", "--engine", "compiled"]
    if context is not None:
        (tmp_path / "context.json").write_text(json.dumps(context), encoding="utf-8")
        argv += ["--context", str(tmp_path / "context.json")]
    assert main(argv) == 0
    captured = capsys.readouterr()
    expected = diagnoser().diagnose(payload, source=source, context=context, audience="agent")
    assert json.loads(captured.out) == json.loads(expected.to_json())
    assert f"payfix: read a {SOURCES[source].TITLE} " in captured.err
    assert "(detected)" in captured.err


def test_the_cli_refuses_a_context_without_a_source(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--context alone is a usage problem (exit 2), not silently ignored."""
    from payfix.cli import main

    (tmp_path / "r.json").write_text("{}", encoding="utf-8")
    assert main(["diagnose", str(tmp_path / "r.json"), "--context", str(tmp_path / "r.json")]) == 2
    assert "context_without_source" in capsys.readouterr().out


def test_strict_mode_refuses_a_scheme_without_a_code_map(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--strict turns the unknown-scheme warning into a typed problem (exit 2)."""
    from payfix.cli import main

    report = {"attempt": {**WALLET, "processor": {"scheme": "acme", "codes": {
        "decline_code": "X1"}}}}
    (tmp_path / "r.json").write_text(json.dumps(report), encoding="utf-8")
    assert main(["diagnose", str(tmp_path / "r.json"), "--engine", "compiled"]) == 0
    assert "no code map for scheme 'acme'" in capsys.readouterr().out
    assert main(["diagnose", str(tmp_path / "r.json"), "--strict", "--engine", "compiled"]) == 2
    assert "unknown_scheme" in capsys.readouterr().out


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_the_service_reads_a_payload_with_from(source: str) -> None:
    """POST /v1/diagnose?from=SOURCE answers what the library answers, naming what it read in
    the Payfix-Source header; a {payload, context} body carries the context."""
    from fastapi.testclient import TestClient

    from payfix.service.app import create_app
    from payfix.service.config import ServiceConfig
    from payfix.service.guard import scrub_json

    payload = load(first_fixture(source))["payload"]
    context = context_for(payload, source)
    body = {"payload": payload, "context": context} if context is not None else payload
    app = create_app(ServiceConfig(api_keys=("adapter-test-key",)), prepare="startup")
    with TestClient(app) as client:
        response = client.post("/v1/diagnose", params={"from": source, "audience": "agent"},
                               content=json.dumps(body),
                               headers={"X-API-Key": "adapter-test-key",
                                        "Content-Type": "application/json"})
        assert response.status_code == 200, response.text
        kind = detect(payload)
        assert kind is not None
        assert response.headers["Payfix-Source"] == f"{source}; kind={kind[1]}"
        expected = diagnoser().diagnose(payload, source=source, context=context,
                                        audience="agent")
        # the service masks every long digit run it sends (a 12-digit retrieval reference too)
        pack = diagnoser().pack
        keep = (pack.hash, *(channel.address for channel in pack.settings.channels))
        assert response.json() == json.loads(scrub_json(expected.to_json(), keep))
        refused = client.post("/v1/diagnose", params={"from": "nowhere"}, content=b"{}",
                              headers={"X-API-Key": "adapter-test-key"})
        assert refused.status_code == 422


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_replay_reads_json_lines_of_processor_objects(source: str, tmp_path: Path) -> None:
    """`payfix replay --from SOURCE` diagnoses JSON Lines of one processor's objects: each row
    gives what the library gives, a row that is not such an object is a reject, none is lost."""
    from payfix.batch.replay import read_output, replay
    from payfix.batch.table import RowReader

    payloads = [load(p)["payload"] for p in FIXTURES if p.parent.name == source]
    missing: dict[str, Any] = {}
    for payload in payloads:
        needed = context_for(payload, source)
        if needed is not None:
            missing.update(needed["attempt"])
    context = {"attempt": missing} if missing else None
    lines = [json.dumps(p) for p in payloads] + [json.dumps({"hello": "world"})]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = replay([tmp_path / "in.jsonl"], tmp_path / "out", tmp_path / "rejects.jsonl",
                     workers=1, reader=RowReader(source=source, context=context))
    assert (summary.rows_in, summary.rows_out, summary.rows_rejected) == (
        len(lines), len(payloads), 1)
    rejected = json.loads((tmp_path / "rejects.jsonl").read_text(encoding="utf-8"))
    assert rejected["row"] == len(lines)
    assert rejected["problems"][0]["type"] == "source_kind"
    by_row = {row["row"]: row for row in read_output(tmp_path / "out").to_pylist()}
    for number, payload in enumerate(payloads, start=1):
        expected = diagnoser().diagnose(payload, source=source, context=context,
                                        audience="agent")
        assert by_row[number]["failure_reason"] == expected.failure.reason
        assert by_row[number]["code"] == expected.failure.code

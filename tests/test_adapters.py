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
                   if p.type == "missing" and p.loc[:1] == ("attempt",) and len(p.loc) == 2}
        assert missing, [p.render() for p in error.problems]
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
    diagnosis = Diagnoser(engine="compiled").diagnose(report, audience="agent")
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
            assert error.problems
            continue
        Diagnoser(engine="compiled").diagnose(adapted.report, audience="agent")


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

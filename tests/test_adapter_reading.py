"""How an adapter reads a processor's object: a diagnosis (which does not count the paths read)
reads every payload as :func:`~payfix.inputs.adapters.adapt` does, each value at fault is one
problem, and what :attr:`~payfix.inputs.adapters.Adapted.unplaced` lists is exactly the values no
report field holds."""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfix import InvalidPayloadError, InvalidReportError, adapt
from payfix.inputs.adapters import adapted_report
from payfix.inputs.adapters.base import leaf_paths
from tests.test_adapters import FIXTURES, WALLET, _mutations, context_for, load


def _outcome(call: Any) -> tuple[str, Any]:
    """What a read gives: the report as JSON, or the error's class and problems."""
    try:
        return "report", call().model_dump_json()
    except (InvalidPayloadError, InvalidReportError) as error:
        return type(error).__name__, [(p.type, p.loc, p.msg) for p in error.problems]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_diagnosis_reads_a_payload_as_adapt_does(path: Path, data: st.DataObject) -> None:
    """Whatever a documented payload's values are changed to, the report a diagnosis reads from
    its JSON text (without counting the paths read) is the one ``adapt`` gives, and so are the
    problems; no problem is listed twice."""
    source = path.parent.name
    mutated = data.draw(_mutations(load(path)["payload"]))
    text = json.dumps(mutated)
    for extra in (None, {"attempt": WALLET}):
        adapted = _outcome(lambda context=extra: adapt(text, source, context=context).report)
        assert _outcome(lambda context=extra: adapted_report(text, source, context=context)) \
            == adapted
        if adapted[0] != "report":
            places = [(kind, loc) for kind, loc, _ in adapted[1]]
            assert len(places) == len(set(places)), places


@pytest.mark.parametrize(("payload", "source", "loc"), [
    ({"error": {"type": "card_error", "code": [1], "decline_code": "x"}}, "stripe",
     ("stripe", "error", "code")),
    ({"payment_id": "p1", "status": "failed", "error_code": "x", "error_message": [1]},
     "hyperswitch", ("hyperswitch", "error_message")),
    ({"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_HAS_CLOSE",
      "out_trade_no": [1]}, "alipay", ("alipay", "out_trade_no")),
    ({"return_code": "SUCCESS", "result_code": "FAIL", "err_code": "NOTENOUGH",
      "out_trade_no": {"n": 1}}, "wechatpay", ("wechatpay", "out_trade_no")),
])
def test_a_value_of_the_wrong_type_is_one_problem(payload: dict[str, Any], source: str,
                                                  loc: tuple[str, ...]) -> None:
    """A value that is not text where text is documented is reported once, however many
    fields it could have given (a Stripe error ``code``; a Hyperswitch ``error_message``
    without a ``unified_message``; an order number without the processor's own number)."""
    with pytest.raises(InvalidPayloadError) as info:
        adapt(payload, source)
    assert [p.loc for p in info.value.problems] == [loc]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_another_mapping_reads_as_the_dict_it_holds(path: Path) -> None:
    """A payload given as a read-only mapping (an SDK's object) reads as the same dict."""
    source, payload = path.parent.name, load(path)["payload"]
    context = context_for(payload, source)
    assert _outcome(lambda: adapt(MappingProxyType(payload), source, context=context).report) \
        == _outcome(lambda: adapt(payload, source, context=context).report)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_unplaced_lists_values_of_the_payload_no_field_holds(path: Path) -> None:
    """Every unplaced path is a value of the payload; the codes placed in the report, kept as
    evidence, and their paths, are never among them."""
    source, payload = path.parent.name, load(path)["payload"]
    adapted = adapt(payload, source, context=context_for(payload, source))
    leaves = set(leaf_paths(payload))
    assert set(adapted.unplaced) <= leaves
    processor = adapted.report.attempt.processor
    assert processor is not None
    read = set(processor.paths.values()) | {related.path for related in processor.related}
    assert read
    assert not read & set(adapted.unplaced)
    assert len(adapted.unplaced) < len(leaves)


@pytest.mark.parametrize("text", ["", "{", b"\xff{}", "[" * 100_000 + "]" * 100_000, '{"a": "\\ud800"}'])
def test_a_payload_that_is_not_json_is_a_payload_error(text: str | bytes) -> None:
    """Text that is not JSON (or not Unicode) is an ``InvalidPayloadError``, as ``adapt``
    documents, with the JSON problem; a context that is not JSON says it is the context."""
    with pytest.raises(InvalidPayloadError) as info:
        adapt(text, "stripe")
    assert str(info.value).startswith("a processor payload is not valid JSON text")
    assert {p.type for p in info.value.problems} <= {"json_invalid", "string_unicode"}
    payload = load(FIXTURES[0])["payload"]
    with pytest.raises(InvalidPayloadError) as info:
        adapt(payload, FIXTURES[0].parent.name, context=text)
    assert all(p.loc[:1] == ("context",) for p in info.value.problems)

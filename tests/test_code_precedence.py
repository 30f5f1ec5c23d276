"""The most specific code of a processor's answer decides, wherever it was read, and the trace
names its field and source path with the answer's other codes kept as evidence (agents only)."""

from __future__ import annotations

from typing import Any

import pytest

from payfix import Diagnoser, load_pack
from payfix.knowledge.lookup import lookup_failure
from payfix.models.report import ProcessorResponse


def _report(processor: dict[str, Any]) -> dict[str, Any]:
    return {"attempt": {"id": "a1", "at": "2026-03-01T10:00:00Z", "kind": "purchase",
                        "amount": {"value": "25.00", "currency": "USD"},
                        "method": {"type": "credit_card"}, "processor": processor}}


STRIPE_WITH_NETWORK = {
    "scheme": "stripe", "brand": "visa", "origin": "stripe",
    "codes": {"decline_code": "generic_decline"}, "paths": {"decline_code": "error.decline_code"},
    "related": [{"scheme": "iso8583", "field": "response_code", "code": "51",
                 "path": "error.network_decline_code"}]}


def test_a_network_code_that_names_the_cause_beats_a_generic_psp_code() -> None:
    """Stripe's generic_decline beside the network's 51 (insufficient funds): 51 decides, and the
    agent sees where it was read and Stripe's code as evidence."""
    diagnosis = Diagnoser(load_pack(), "compiled").diagnose(_report(STRIPE_WITH_NETWORK),
                                                            audience="agent")
    failure = diagnosis.failure
    assert (failure.scheme, failure.field, failure.code, failure.reason) == (
        "iso8583", "response_code", "51", "insufficient_funds")
    assert failure.path == "stripe.error.network_decline_code"
    assert [(e.scheme, e.code, e.path, e.reason) for e in failure.evidence] == [
        ("stripe", "generic_decline", "stripe.error.decline_code", "generic_decline")]


def test_the_customer_sees_neither_paths_nor_evidence() -> None:
    """Codes the customer must not see never reach them through the evidence list."""
    failure = Diagnoser(load_pack(), "compiled").diagnose(
        _report(STRIPE_WITH_NETWORK), audience="customer").failure
    assert failure.path is None
    assert failure.evidence == ()


@pytest.mark.parametrize(("stripe_code", "network_code", "decides"), [
    ("expired_card", "51", ("stripe", "expired_card")),       # both name a cause: the PSP's own
    ("generic_decline", "05", ("stripe", "generic_decline")),  # both generic: the PSP's own
    ("no_such_code", "05", ("iso8583", "05")),                 # mapped beats unmapped
    ("no_such_code", "zz", ("stripe", "no_such_code")),        # neither mapped: the PSP's own
])
def test_specificity_ranks_mapped_and_causal_codes(stripe_code: str, network_code: str,
                                                   decides: tuple[str, str]) -> None:
    """A related code decides only when it is more specific than the answer's own code."""
    answer = ProcessorResponse.model_validate({
        **STRIPE_WITH_NETWORK, "codes": {"decline_code": stripe_code},
        "related": [{"scheme": "iso8583", "field": "response_code", "code": network_code}]})
    found = lookup_failure(answer, load_pack())
    assert (found.scheme, found.code) == decides
    assert len(found.evidence) == 1


def test_an_answer_without_related_codes_decides_as_before() -> None:
    """With no codes of other schemes, the map's field order decides; the other field present is
    kept as evidence."""
    answer = ProcessorResponse.model_validate({
        "scheme": "stripe", "codes": {"decline_code": "insufficient_funds",
                                      "advice_code": "do_not_try_again"}})
    found = lookup_failure(answer, load_pack())
    assert (found.field, found.code) == ("decline_code", "insufficient_funds")
    assert [(e.field, e.code) for e in found.evidence] == [("advice_code", "do_not_try_again")]

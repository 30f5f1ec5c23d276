"""The columnar engine fires what the per-row engines fire: on the recorded fact sets of every
rule (its witness, one-step variants, random mixes), on random type-correct fact sets against
the bundled pack, and on random conditions against the reference semantics, missing facts
included."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")

from payfix.engines.columnar import ColumnarEngine, facts_table
from payfix.engines.compiled import CompiledEngine
from payfix.rules.bundled import bundled_pack
from payfix.rules.conditions import MAX_SAFE_INT, Condition, evaluate

from .strategies import conditions, fact_sets

RECORDED = Path(__file__).parent / "data" / "recorded_hits.jsonl"
COLUMNAR = ColumnarEngine(bundled_pack())
COMPILED = CompiledEngine(bundled_pack())


def test_the_recorded_fact_sets_fire_what_was_recorded() -> None:
    lines = RECORDED.read_text(encoding="utf-8").splitlines()[1:]
    cases = [json.loads(line) for line in lines]
    fired = COLUMNAR.fired_sets(facts_table([case["facts"] for case in cases]))
    assert fired == [frozenset(case["fired"]) for case in cases]
    assert len(cases) > 400


@given(st.lists(fact_sets(), min_size=1, max_size=30))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_table_fires_what_the_compiled_engine_fires_row_by_row(sets: list[dict[str, Any]]) -> None:
    assert COLUMNAR.fired_sets(facts_table(sets)) == [COMPILED.evaluate(facts) for facts in sets]


@given(conditions(), st.lists(fact_sets(), min_size=1, max_size=12))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_condition_holds_on_a_row_as_the_reference_says(cond: Condition,
                                                          sets: list[dict[str, Any]]) -> None:
    """Random conditions (comparisons, membership, presence, and/or/not) on random fact sets
    with facts missing: the column says what :func:`evaluate` says for each row."""
    pack = SimpleNamespace(rules=[SimpleNamespace(id="r", condition=cond)])
    engine = ColumnarEngine(pack)  # type: ignore[arg-type]
    assert engine.fired_sets(facts_table(sets)) == [
        frozenset({"r"}) if evaluate(cond, facts) else frozenset() for facts in sets]


def test_missing_facts_make_comparisons_false_and_negations_true() -> None:
    table = facts_table([{}, {"failure.reason": "expired_card"}, {"failure.reason": "other"}])
    cases = {
        'failure.reason != "x"': [False, True, True],
        'failure.reason not in ["expired_card"]': [False, False, True],
        'not (failure.reason in ["expired_card"])': [True, False, True],
        "failure.reason is missing": [True, False, False],
    }
    from payfix.rules.conditions import parse

    for text, expected in cases.items():
        pack = SimpleNamespace(rules=[SimpleNamespace(id="r", condition=parse(text))])
        fired = ColumnarEngine(pack).fired_sets(table)  # type: ignore[arg-type]
        assert [bool(f) for f in fired] == expected, text


def test_a_fact_set_that_cannot_be_a_row_is_refused() -> None:
    """An integer beyond 64 bits is evaluated per row by the caller; the table says so."""
    with pytest.raises(OverflowError, match=r"device\.latency_ms"):
        facts_table([{"device.latency_ms": 2**70}])
    assert facts_table([{"device.latency_ms": MAX_SAFE_INT}]).num_rows == 1
    with pytest.raises(KeyError, match=r"no\.such_fact"):
        facts_table([{"no.such_fact": 1}])

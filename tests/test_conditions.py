"""The condition language: parsing, rendering, semantics of missing facts, normal forms, witnesses."""

from __future__ import annotations

import pytest
from hypothesis import given

from payfix.rules.conditions import ConditionSyntaxError, evaluate, parse
from payfix.rules.forms import negation_normal_form, render
from payfix.rules.witness import witness
from payfix.vocab import FACTS

from .strategies import conditions, fact_sets


def test_missing_fact_makes_every_comparison_false_including_not_equal() -> None:
    """A missing fact fails ==, != and in/not in; 'not' negates the whole comparison."""
    for text in ("x == 1", "x != 1", "x < 1", "x in [1, 2]", "x not in [1, 2]"):
        assert evaluate(parse(text), {}) is False, text
    assert evaluate(parse("not x == 1"), {}) is True
    assert evaluate(parse("x is missing"), {}) is True
    assert evaluate(parse("x is present"), {"x": 0}) is True


def test_bare_fact_name_means_equal_true() -> None:
    """`device.online` alone is `device.online == true`."""
    assert render(parse("device.online")) == "device.online == true"


def test_thresholds_are_substituted_at_parse_time() -> None:
    """`$name` resolves to the pack threshold's integer."""
    assert render(parse("a >= $t", {"t": 7})) == "a >= 7"


@pytest.mark.parametrize(
    ("text", "pos", "fragment"),
    [
        ("a = 1", 2, "'=' is not an operator"),
        ("a == ", 5, "expected a value"),
        ("a b", 2, "combine conditions"),
        ("a == $nope", 5, "unknown threshold"),
        ("a in 1", 5, "expected '['"),
        ("(a == 1", 7, "expected ')'"),
        ("a == 9007199254740993", 5, "outside"),
        ("a == 1 ~", 7, "unexpected character"),
    ],
)
def test_syntax_errors_give_offset_and_reason(text: str, pos: int, fragment: str) -> None:
    """Every syntax error names what was expected and where."""
    with pytest.raises(ConditionSyntaxError) as info:
        parse(text)
    assert info.value.pos == pos
    assert fragment in info.value.msg


@given(conditions())
def test_render_parses_back_to_the_same_condition(cond: object) -> None:
    """render() is the canonical text: parsing it gives back an equal condition."""
    text = render(cond)  # type: ignore[arg-type]
    again = parse(text)
    assert render(again) == text


@given(conditions(), fact_sets())
def test_negation_normal_form_keeps_the_truth_table(cond: object, facts: dict) -> None:
    """Pushing 'not' to the leaves (as durable_rules needs) never changes the result."""
    assert evaluate(negation_normal_form(cond), facts) == evaluate(cond, facts)  # type: ignore[arg-type]


@given(conditions())
def test_witness_satisfies_its_condition(cond: object) -> None:
    """A witness, when one is found, makes the condition true."""
    types = {name: spec.type for name, spec in FACTS.items()}
    facts = witness(cond, types)  # type: ignore[arg-type]
    if facts is not None:
        assert evaluate(cond, facts)  # type: ignore[arg-type]


def test_witness_reports_contradictions() -> None:
    """A condition that can never hold has no witness."""
    assert witness(parse("a > 5 and a < 3"), {}) is None
    assert witness(parse("a is missing and a == true"), {}) is None

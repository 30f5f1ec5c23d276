"""The compiled ``not_fired`` trace equals the reference walk (:func:`conditions.first_failure`)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from payfix.diagnosis.explain import MEMO_SIZE, Explainer
from payfix.models.diagnosis import RuleMiss
from payfix.rules.conditions import And, Cmp, Not, Or, Present, evaluate, first_failure, leaves
from payfix.rules.forms import render
from payfix.rules.pack import RulePack
from payfix.vocab import Scalar

from .guarded.fuzz_random_packs import PackSpec, build_pack, fact_sets_for, pack_specs
from .strategies import PACK, fact_sets


def _reference(pack: RulePack, facts: Mapping[str, Scalar]) -> tuple[RuleMiss, ...]:
    misses = []
    for rule in pack.rules:
        failed = first_failure(rule.condition, facts)
        if failed is None:
            continue
        path = next(leaves(failed)).path
        misses.append(RuleMiss(rule_id=rule.id, ruleset=rule.ruleset, failed=render(failed), fact=path,
                               value=facts.get(path)))
    return tuple(misses)


def _fired(pack: RulePack, facts: Mapping[str, Scalar]) -> frozenset[str]:
    return frozenset(rule.id for rule in pack.rules if evaluate(rule.condition, facts))


def _same(left: tuple[RuleMiss, ...], right: tuple[RuleMiss, ...]) -> bool:
    """Equal, and every value of the same type (``True == 1`` must not pass for equal)."""
    return left == right and all(type(a.value) is type(b.value) for a, b in zip(left, right, strict=True))


_SHIPPED = Explainer(PACK)


@settings(max_examples=1000, deadline=None)
@given(fact_sets())
def test_shipped_pack_trace_equals_the_reference_walk(facts: dict[str, Any]) -> None:
    """On random fact sets (missing facts, boundaries, odd strings), every rule that did not fire
    names the same failed condition, fact and value as ``first_failure``."""
    assert _same(_SHIPPED.explain(facts, _fired(PACK, facts)), _reference(PACK, facts))


@settings(max_examples=150, deadline=None)
@given(pack_specs(), st.integers(0, 2**32 - 1))
def test_random_pack_trace_equals_the_reference_walk(spec: PackSpec, seed: int) -> None:
    """Random rule packs within the language, on witness variants and random fact sets."""
    pack = build_pack(spec)
    explainer = Explainer(pack)
    for facts in fact_sets_for(pack, random.Random(seed), 30):
        assert _same(explainer.explain(facts, _fired(pack, facts)), _reference(pack, facts)), facts


def test_memo_keeps_true_and_one_apart() -> None:
    """A remembered explanation for the value ``1`` is not handed out for ``True`` (they hash alike)."""
    explainer = Explainer(_one_rule_pack(Cmp("x.n", "==", 2)))
    first = explainer.explain({"x.n": 1}, frozenset())[0]
    second = explainer.explain({"x.n": True}, frozenset())[0]
    assert (type(first.value), type(second.value)) == (int, bool)


def test_memo_is_bounded_and_answers_stay_the_same() -> None:
    """Past the memo's size the answers are unchanged (the memo is only a cache)."""
    explainer = Explainer(_one_rule_pack(Cmp("x.n", ">", 10**9)))
    for n in range(MEMO_SIZE + 10):
        miss = explainer.explain({"x.n": n}, frozenset())[0]
        assert miss.value == n
    assert len(explainer._memo) <= MEMO_SIZE


def test_and_or_not_name_the_node_the_reference_names() -> None:
    """Hand-picked shapes: first false item of ``and``, first item of a false ``or``, the ``not``."""
    cond = And((Present("x.a", True), Or((Cmp("x.b", "==", 1), Cmp("x.c", "==", 2))),
                Not(Cmp("x.d", "==", 3))))
    explainer = Explainer(_one_rule_pack(cond))
    for facts, failed in [({}, "x.a is present"),
                          ({"x.a": 1}, "x.b == 1"),
                          ({"x.a": 1, "x.c": 2, "x.d": 3}, "not x.d == 3")]:
        assert explainer.explain(facts, frozenset())[0].failed == failed


def _one_rule_pack(cond: Any) -> RulePack:
    """A pack with one rule ``cond`` (facts ``x.*`` exist only in this test's fact sets)."""
    pack = build_pack([("device.online == true",)])
    rule = pack.rules[0]
    ruleset = pack.rulesets[0]
    new_rule = replace(rule, condition=cond, when=render(cond))
    return replace(pack, rulesets=(replace(ruleset, rules=(new_rule,)),))

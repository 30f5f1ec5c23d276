"""The compiled engine as it was before it generated source: nested closures, one per condition node.

Kept only so ``benchmarks/engines.py`` can show what generating one function per pack bought, measured
in the same run. Same semantics as :func:`payfix.rules.conditions.evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from payfix.rules.conditions import And, Cmp, Condition, In, Not, Or, Present
from payfix.rules.pack import RulePack
from payfix.vocab import Scalar

Predicate = Callable[[Mapping[str, Scalar]], bool]

_ORDERED: dict[str, Callable[[int, int], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compile_cmp(leaf: Cmp) -> Predicate:
    path, value = leaf.path, leaf.value
    if leaf.op == "==":
        return lambda f: (v := f.get(path)) is not None and v == value
    if leaf.op == "!=":
        return lambda f: (v := f.get(path)) is not None and v != value
    op = _ORDERED[leaf.op]
    bound = int(value)
    return lambda f: (v := f.get(path)) is not None and op(int(v), bound)


def compile_condition(cond: Condition) -> Predicate:
    """A closure computing ``cond`` over a fact mapping."""
    if isinstance(cond, And):
        parts = tuple(compile_condition(i) for i in cond.items)
        return lambda f: all(p(f) for p in parts)
    if isinstance(cond, Or):
        parts = tuple(compile_condition(i) for i in cond.items)
        return lambda f: any(p(f) for p in parts)
    if isinstance(cond, Not):
        inner = compile_condition(cond.item)
        return lambda f: not inner(f)
    if isinstance(cond, Present):
        path, present = cond.path, cond.present
        return lambda f: (path in f) == present
    if isinstance(cond, In):
        path, values, negated = cond.path, frozenset(cond.values), cond.negated
        return lambda f: (v := f.get(path)) is not None and (v in values) != negated
    return _compile_cmp(cond)


class ClosureEngine:
    """Evaluates every rule of a pack with nested closures."""

    name = "closures"

    def __init__(self, pack: RulePack) -> None:
        self._rules = tuple((rule.id, compile_condition(rule.condition)) for rule in pack.rules)

    def evaluate(self, facts: Mapping[str, Scalar]) -> frozenset[str]:
        """Ids of the rules whose conditions hold for ``facts``."""
        return frozenset(rule_id for rule_id, test in self._rules if test(facts))

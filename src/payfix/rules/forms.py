"""Other forms of a parsed condition (:mod:`payfix.rules.conditions`): its canonical text
(:func:`render`), its negation normal form and its disjunctive terms, which the engines compile.

Example:
    >>> from payfix.rules.conditions import parse
    >>> render(negation_normal_form(parse("not (a > 1 and b == true)")))  # absent facts: false
    '(a <= 1 or a is missing) or (b != true or b is missing)'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from payfix.rules.conditions import And, Cmp, Condition, In, Leaf, Not, Or, Present
from payfix.vocab import Scalar

__all__ = ["disjunctive_terms", "negation_normal_form", "render", "shared_conditions"]

_NEGATE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def _render_value(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'.replace("\t", "\\t")


def render(cond: Condition) -> str:
    """Canonical text of ``cond`` (thresholds shown as their values); parses back to ``cond``."""
    if isinstance(cond, And | Or):
        joiner = " and " if isinstance(cond, And) else " or "
        return joiner.join(
            f"({render(i)})" if isinstance(i, And | Or) else render(i) for i in cond.items
        )
    if isinstance(cond, Not):
        inner = render(cond.item)
        return f"not ({inner})" if isinstance(cond.item, And | Or) else f"not {inner}"
    if isinstance(cond, Present):
        return f"{cond.path} is {'present' if cond.present else 'missing'}"
    if isinstance(cond, In):
        items = ", ".join(_render_value(v) for v in cond.values)
        return f"{cond.path} {'not in' if cond.negated else 'in'} [{items}]"
    return f"{cond.path} {cond.op} {_render_value(cond.value)}"


def negation_normal_form(cond: Condition, negate: bool = False) -> Condition:
    """Push every ``not`` down to the leaves, keeping the missing-fact semantics exact.

    ``not (x op v)`` becomes ``x negop v or x is missing``, so engines without a general negation
    (durable_rules) evaluate the same truth table.
    """
    if isinstance(cond, Not):
        return negation_normal_form(cond.item, not negate)
    if isinstance(cond, And | Or):
        items = tuple(negation_normal_form(i, negate) for i in cond.items)
        flip = isinstance(cond, And) == negate
        return Or(items) if flip else And(items)
    if not negate:
        return cond
    if isinstance(cond, Present):
        return Present(cond.path, not cond.present, cond.pos)
    missing = Present(cond.path, False, cond.pos)
    if isinstance(cond, In):
        return Or((In(cond.path, cond.values, not cond.negated, cond.pos), missing))
    return Or((Cmp(cond.path, _NEGATE[cond.op], cond.value, cond.pos), missing))


def disjunctive_terms(cond: Condition) -> list[tuple[Leaf, ...]]:
    """Disjunctive normal form of an NNF condition: a list of conjunctions of leaves.

    ``x in [a, b]`` counts as two terms, as engines that expand membership into ``or`` see it.
    """
    if isinstance(cond, Or):
        return [term for item in cond.items for term in disjunctive_terms(item)]
    if isinstance(cond, And):
        terms: list[tuple[Leaf, ...]] = [()]
        for item in cond.items:
            terms = [left + right for left in terms for right in disjunctive_terms(item)]
        return terms
    if isinstance(cond, Not):
        raise ValueError("disjunctive_terms needs a condition in negation normal form")
    if isinstance(cond, In) and not cond.negated:
        return [(In(cond.path, (v,), False, cond.pos),) for v in cond.values]
    return [(cond,)]


class _Rule(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def condition(self) -> Condition: ...


def shared_conditions(rules: Iterable[_Rule]) -> list[tuple[Condition, tuple[str, ...]]]:
    """Each distinct condition of ``rules`` (by :func:`render`) with the ids of the rules that
    have it, in the order they first appear: what an engine tests once for all of them.

    Example:
        >>> from types import SimpleNamespace as Rule
        >>> from payfix.rules.conditions import parse
        >>> [(render(c), ids) for c, ids in shared_conditions([
        ...     Rule(id="a", condition=parse("x == 1")), Rule(id="b", condition=parse("x == 1"))])]
        [('x == 1', ('a', 'b'))]
    """
    groups: dict[str, tuple[Condition, list[str]]] = {}
    for rule in rules:
        groups.setdefault(render(rule.condition), (rule.condition, []))[1].append(rule.id)
    return [(condition, tuple(ids)) for condition, ids in groups.values()]


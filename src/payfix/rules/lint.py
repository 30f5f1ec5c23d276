"""Load-time limits: the engine envelope of every rule set, and the safety of operator patterns.

The engine envelope: limits every rule set must stay inside on every engine, checked at load.

durable_rules has hard limits per rule set (``docs/engines.md`` and the measured notes behind it):
64 condition nodes passing while one fact propagates, 511 distinct conditions under one node, 255
rules sharing a condition chain, 4,096 rules, 255 properties per fact. Past them it errors, hangs or
crashes. Each limit below is the measured one with a safety margin, so a pack that loads can never
reach the edge.

An operator pattern (``wallet_id_pattern``) is matched against report data with Python's
backtracking ``re``; :func:`pattern_problem` refuses at load a pattern that could take exponential
(or large polynomial) time.

Example:
    >>> ENVELOPE["max_rules"]
    200
    >>> pattern_problem("^(a+)+$", 128) is not None, pattern_problem("^wal_[a-z0-9]{8,40}$", 128)
    (True, None)
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from payfix.rules.conditions import And, Condition, Or, leaves
from payfix.rules.forms import negation_normal_form, render
from payfix.rules.pack import RuleSet

__all__ = ["ENVELOPE", "MAX_PATTERN_PATHS", "lint_ruleset", "passing_nodes", "pattern_problem"]

#: Per-rule-set limits (measured limit in the comment).
ENVELOPE = {
    "max_rules": 200,  # 4096 rules; 255 rules sharing an identical chain
    "max_passing_nodes": 48,  # 64 condition nodes passing per fact (rules x true 'or' branches)
    "max_distinct_conditions": 400,  # 511 distinct conditions under one node
    "max_fact_properties": 200,  # 255 properties per fact (id, sid and marker included)
    "max_rule_terms": 8,  # a single rule's 'or' branches that can be true together
}


def passing_nodes(cond: Condition) -> int:
    """Upper bound of the 'or' branches of ``cond`` true at once, after negations are pushed down.

    A membership test counts once: at most one of its values can equal the fact.
    """
    nnf = negation_normal_form(cond)
    return _terms(nnf)


def _terms(cond: Condition) -> int:
    if isinstance(cond, Or):
        return sum(_terms(i) for i in cond.items)
    if isinstance(cond, And):
        product = 1
        for item in cond.items:
            product *= _terms(item)
        return product
    return 1


def lint_ruleset(ruleset: RuleSet) -> list[tuple[str, dict[str, Any]]]:
    """``(message, ctx)`` for every envelope limit ``ruleset`` exceeds (``ctx``: what the message
    is made of); empty when it is inside all of them."""
    out: list[tuple[str, dict[str, Any]]] = []
    rules = ruleset.rules
    name = ruleset.name
    if len(rules) > ENVELOPE["max_rules"]:
        out.append((f"rule set {name!r} has {len(rules)} rules; the engine envelope allows "
                    f"{ENVELOPE['max_rules']} per rule set (split it into two files)",
                    {"key": "rules", "name": name, "count": len(rules), "max": ENVELOPE["max_rules"]}))
    total = 0
    for rule in rules:
        terms = passing_nodes(rule.condition)
        total += terms
        if terms > ENVELOPE["max_rule_terms"]:
            out.append((f"rule {rule.id!r} can match through {terms} 'or' branches at once; the "
                        f"envelope allows {ENVELOPE['max_rule_terms']} (simplify the condition)",
                        {"key": "terms", "id": rule.id, "count": terms,
                         "max": ENVELOPE["max_rule_terms"]}))
    if total > ENVELOPE["max_passing_nodes"]:
        out.append((f"rule set {name!r} can pass {total} condition nodes for one report; the "
                    f"engine envelope allows {ENVELOPE['max_passing_nodes']} (split the rule set)",
                    {"key": "nodes", "name": name, "count": total,
                     "max": ENVELOPE["max_passing_nodes"]}))
    distinct = {render(leaf) for rule in rules for leaf in leaves(negation_normal_form(rule.condition))}
    if len(distinct) > ENVELOPE["max_distinct_conditions"]:
        out.append((f"rule set {name!r} has {len(distinct)} distinct conditions; the envelope "
                    f"allows {ENVELOPE['max_distinct_conditions']}",
                    {"key": "conditions", "name": name, "count": len(distinct),
                     "max": ENVELOPE["max_distinct_conditions"]}))
    paths = {name for rule in rules for name in rule.facts}
    if len(paths) + 3 > ENVELOPE["max_fact_properties"]:  # + id, sid and the fact marker
        out.append((f"rule set {name!r} reads {len(paths)} facts; the envelope allows "
                    f"{ENVELOPE['max_fact_properties'] - 3}",
                    {"key": "facts", "name": name, "count": len(paths),
                     "max": ENVELOPE["max_fact_properties"] - 3}))
    return out


# The parser behind ``re`` (stable since Python 3.11; typeshed has no stubs for it).
_sre_parse: Any = importlib.import_module("re._parser")
_sre: Any = importlib.import_module("re._constants")

#: Most ways a pattern may have to match one input (product of the counts each open repeat can
#: take and of the alternatives of each ``|``): 100,000 keeps the worst input to milliseconds.
MAX_PATTERN_PATHS = 100_000

_REPEATS = frozenset({_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT})


class _UnsafeError(Exception):
    pass


def pattern_problem(pattern: str, max_input: int) -> str | None:
    """Why ``pattern`` may backtrack for too long on inputs of up to ``max_input`` characters, or None.

    A sound, deliberately strict check of the parsed pattern: inside a repeat whose count can vary
    (``*``, ``+``, ``?``, ``{m,n}``) there may be no other such repeat (``(a+)+``) and no
    alternation (``(a|ab)*``; one-character alternatives such as ``(a|b)`` are a character set and
    fine). Then each way to match is one choice of count per repeat and of branch per ``|``; their
    number, counting at most ``max_input`` repetitions, must stay within :data:`MAX_PATTERN_PATHS`.
    """
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error as error:
        return f"is not a regular expression: {error}"
    try:
        paths = _paths(list(parsed), False, max_input)
    except _UnsafeError as error:
        return str(error)
    if paths > MAX_PATTERN_PATHS:
        return (f"can try about {paths:,} ways to match a {max_input}-character input (at most "
                f"{MAX_PATTERN_PATHS:,}); use fewer open-ended repeats (+, *, {{m,}})")
    return None


def _paths(items: list[tuple[Any, Any]], in_repeat: bool, n: int) -> int:
    """Upper bound of the ways ``items`` (a parsed sequence) can match; raises on a nested choice."""
    total = 1
    for op, av in items:
        if op in _REPEATS:
            low, high, body = av
            if low == high:
                inner = _paths(list(body), in_repeat, n)
                total *= inner ** min(low, 64) if inner > 1 else 1
                continue
            if in_repeat:
                raise _UnsafeError("has a repeat inside a repeat (like '(a+)+'), which can take "
                                   "exponential time; repeat a character set instead (like "
                                   "'[a-z0-9-]+')")
            _paths(list(body), True, n)
            total *= max(min(high, n) - low + 1, 1)
        elif op is _sre.BRANCH or op is _sre.GROUPREF_EXISTS:
            alternatives = av[1] if op is _sre.BRANCH else [av[1], av[2] or []]
            if in_repeat:
                raise _UnsafeError("has an alternation ('|') inside a repeat (like '(a|ab)*'), which "
                                   "can take exponential time; use a character set (like '[ab]*')")
            total *= sum(_paths(list(alt), in_repeat, n) for alt in alternatives)
        elif op is _sre.SUBPATTERN:
            total *= _paths(list(av[3]), in_repeat, n)
        elif op is _sre.ATOMIC_GROUP:
            total *= _paths(list(av), in_repeat, n)
        elif op is _sre.ASSERT or op is _sre.ASSERT_NOT:
            total *= _paths(list(av[1]), in_repeat, n)
        total = min(total, MAX_PATTERN_PATHS * 1000)  # the exact size of a refused pattern is moot
    return total

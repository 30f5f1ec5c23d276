"""The engine envelope: limits every rule set must stay inside on every engine, checked at load.

durable_rules has hard limits per rule set (``docs/engines.md`` and the measured notes behind it):
64 condition nodes passing while one fact propagates, 511 distinct conditions under one node, 255
rules sharing a condition chain, 4,096 rules, 255 properties per fact. Past them it errors, hangs or
crashes. Each limit below is the measured one with a safety margin, so a pack that loads can never
reach the edge.

Example:
    >>> ENVELOPE["max_rules"]
    200
"""

from __future__ import annotations

from payfix.conditions import And, Condition, Or, leaves, negation_normal_form, render
from payfix.pack import RuleSet

__all__ = ["ENVELOPE", "lint_ruleset", "passing_nodes"]

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


def lint_ruleset(ruleset: RuleSet) -> list[str]:
    """Messages for every envelope limit ``ruleset`` exceeds; empty when it is inside all of them."""
    out: list[str] = []
    rules = ruleset.rules
    if len(rules) > ENVELOPE["max_rules"]:
        out.append(f"rule set {ruleset.name!r} has {len(rules)} rules; the engine envelope allows "
                   f"{ENVELOPE['max_rules']} per rule set (split it into two files)")
    total = 0
    for rule in rules:
        terms = passing_nodes(rule.condition)
        total += terms
        if terms > ENVELOPE["max_rule_terms"]:
            out.append(f"rule {rule.id!r} can match through {terms} 'or' branches at once; the "
                       f"envelope allows {ENVELOPE['max_rule_terms']} (simplify the condition)")
    if total > ENVELOPE["max_passing_nodes"]:
        out.append(f"rule set {ruleset.name!r} can pass {total} condition nodes for one report; the "
                   f"engine envelope allows {ENVELOPE['max_passing_nodes']} (split the rule set)")
    distinct = {render(leaf) for rule in rules for leaf in leaves(negation_normal_form(rule.condition))}
    if len(distinct) > ENVELOPE["max_distinct_conditions"]:
        out.append(f"rule set {ruleset.name!r} has {len(distinct)} distinct conditions; the envelope "
                   f"allows {ENVELOPE['max_distinct_conditions']}")
    paths = {name for rule in rules for name in rule.facts}
    if len(paths) + 3 > ENVELOPE["max_fact_properties"]:  # + id, sid and the fact marker
        out.append(f"rule set {ruleset.name!r} reads {len(paths)} facts; the envelope allows "
                   f"{ENVELOPE['max_fact_properties'] - 3}")
    return out

"""Why each rule did not fire, compiled once per pack: the agent trace's ``not_fired`` list.

:func:`payfix.rules.conditions.first_failure` is the reference: for a false condition, the first false
item of an ``and``, the first item of an ``or`` (all were false), the ``not`` itself, or the leaf.
An :class:`Explainer` writes that walk out as one generated Python function per rule that returns
the index of the failing node, and renders every node's text once when the pack is compiled, so a
diagnosis pays for the tests it needs and nothing else. The generated functions are plain Python
written from the parsed conditions (names and values through :func:`repr`); the test suite checks
them against ``first_failure`` on random fact sets and random rule packs.

Example:
    >>> from payfix.rules.loader import load_pack
    >>> explainer = Explainer(load_pack())
    >>> miss = explainer.explain({"device.online": True}, frozenset())[0]
    >>> (miss.rule_id, miss.failed, miss.value)
    ('network.offline', 'device.online == false', True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import cast

from payfix.masking import mask_code
from payfix.models.diagnosis import RuleMiss
from payfix.rules.codegen import condition_source
from payfix.rules.conditions import And, Condition, Leaf, Not, Or, leaves
from payfix.rules.forms import render
from payfix.rules.pack import Rule, RulePack
from payfix.vocab import Scalar

__all__ = ["Explainer", "explanation_source"]

_Locate = Callable[[Mapping[str, Scalar]], int]


def _walk(cond: Condition, nodes: list[Leaf | Not], indent: str) -> list[str]:
    """Statements that return the index (in ``nodes``) of the node :func:`first_failure` names,
    given that ``cond`` is false."""
    if isinstance(cond, And):
        lines: list[str] = []
        for item in cond.items[:-1]:
            lines.append(f"{indent}if not {condition_source(item)}:")
            lines += _walk(item, nodes, indent + "    ")
        return lines + _walk(cond.items[-1], nodes, indent)  # the others held: the last is false
    if isinstance(cond, Or):
        return _walk(cond.items[0], nodes, indent)
    nodes.append(cond)
    return [f"{indent}return {len(nodes) - 1}"]


def explanation_source(cond: Condition) -> tuple[str, tuple[Leaf | Not, ...]]:
    """Source of ``locate(f)`` for a false ``cond``, and the nodes its results index.

    Example:
        >>> from payfix.rules.conditions import parse
        >>> source, nodes = explanation_source(parse("a.x == 1 and (a.y > 2 or not a.z)"))
        >>> print(source, end="")
        def locate(f):
            if not f.get('a.x') == 1:
                return 0
            return 1
        >>> [render(node) for node in nodes]
        ['a.x == 1', 'a.y > 2']
    """
    nodes: list[Leaf | Not] = []
    body = _walk(cond, nodes, "    ")
    return "def locate(f):\n" + "\n".join(body) + "\n", tuple(nodes)


def _compile(source: str, name: str) -> _Locate:
    namespace: dict[str, object] = {}
    exec(compile(source, name, "exec"), {"__builtins__": {"int": int}}, namespace)
    return cast(_Locate, namespace["locate"])


#: What a fallback rule whose condition held, but did not count, is explained by.
SET_ASIDE = "fallback: another rule that fired reached the confidence floor"

#: Most explanations repeat (a missing fact, a flag, a category), so the frozen :class:`RuleMiss`
#: models are kept and shared; the memo is cleared when it reaches this size.
MEMO_SIZE = 8192


class Explainer:
    """The ``not_fired`` trace of a pack: for each rule that did not fire, the first condition that
    failed, the fact it reads and the value seen. Thread-safe: besides the compiled functions it
    holds only a bounded memo of immutable results (keyed by the value's type as well as the value,
    as ``True == 1``), which changes speed, never an answer."""

    def __init__(self, pack: RulePack) -> None:
        self._rules: list[tuple[Rule, _Locate, tuple[tuple[str, str], ...]]] = []
        for rule in pack.rules:
            source, nodes = explanation_source(rule.condition)
            texts = tuple((render(node), next(leaves(node)).path) for node in nodes)
            self._rules.append((rule, _compile(source, f"<payfix explain {rule.id}>"), texts))
        self._memo: dict[tuple[str, int, type, Scalar | None], RuleMiss] = {}

    def explain(self, facts: Mapping[str, Scalar], fired: frozenset[str],
                set_aside: frozenset[str] = frozenset()) -> tuple[RuleMiss, ...]:
        """One :class:`RuleMiss` per rule of the pack not in ``fired``, in pack order.

        Every rule not in ``fired`` or ``set_aside`` must be false for ``facts`` (what every
        engine guarantees); ``set_aside`` holds fallback rules whose condition held but did not
        count, because another rule that fired reached the confidence floor.
        """
        memo = self._memo
        misses: list[RuleMiss] = []
        for rule, locate, texts in self._rules:
            if rule.id in fired:
                continue
            if rule.id in set_aside:
                misses.append(RuleMiss(rule_id=rule.id, ruleset=rule.ruleset, failed=SET_ASIDE,
                                       fact="", value=None))
                continue
            node = locate(facts)
            text, path = texts[node]
            value = facts.get(path)
            key = (rule.id, node, type(value), value)
            miss = memo.get(key)
            if miss is None:
                miss = RuleMiss(rule_id=rule.id, ruleset=rule.ruleset, failed=text, fact=path,
                                value=mask_code(value) if isinstance(value, str) else value)
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[key] = miss
            misses.append(miss)
        return tuple(misses)

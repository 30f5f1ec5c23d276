"""The compiled engine: a rule pack becomes one generated Python function, compiled once per pack.

The generated function is plain Python (no ``eval`` of rule text: conditions are parsed first, and
every name and value is written out with :func:`repr`). Each fact the pack reads more than once is
looked up once; each distinct condition is tested once, however many rules share it; ``and`` and
``or`` short-circuit. Semantics are exactly those of :func:`payfix.rules.conditions.evaluate` (missing
fact: every comparison and membership test false, ``is missing`` true, ``not`` plain negation).

Example:
    >>> from payfix.rules.conditions import parse
    >>> test = compile_condition(parse("device.latency_ms >= 1500 or not device.online"))
    >>> test({"device.latency_ms": 2000}), test({"device.online": True})
    (True, False)
    >>> print(condition_source(parse('x.a in ["p", "q"] and not x.b < 3')))
    (f.get('x.a') in {'p', 'q'} and not ((_v := f.get('x.b')) is not None and int(_v) < 3))
"""

from __future__ import annotations

import linecache
from collections import Counter
from collections.abc import Callable, Mapping
from typing import cast

from payfix.rules.conditions import And, Condition, In, Not, Or, Present, leaves
from payfix.rules.forms import render
from payfix.rules.pack import RulePack
from payfix.vocab import Scalar

__all__ = ["CompiledEngine", "compile_condition", "condition_source", "pack_source"]

Predicate = Callable[[Mapping[str, Scalar]], bool]
Evaluator = Callable[[Mapping[str, Scalar]], frozenset[str]]

#: The Python operator written for each condition operator (ordered ones compare ``int(value)``).
_PY_OPS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

_Lookup = Callable[[str], str]


def _inline(path: str) -> str:
    return f"f.get({path!r})"


def _expr(cond: Condition, lookup: _Lookup, tmp: list[int]) -> str:
    """Python source for ``cond``; ``lookup(path)`` is the expression that reads fact ``path``."""
    if isinstance(cond, And | Or):
        joiner = " and " if isinstance(cond, And) else " or "
        return "(" + joiner.join(_expr(item, lookup, tmp) for item in cond.items) + ")"
    if isinstance(cond, Not):
        return f"not {_expr(cond.item, lookup, tmp)}"
    if isinstance(cond, Present):
        return f"({cond.path!r} {'in' if cond.present else 'not in'} f)"
    value = lookup(cond.path)
    if isinstance(cond, In):
        options = "{" + ", ".join(repr(v) for v in cond.values) + "}"
        if not cond.negated:
            return f"{value} in {options}"  # None is never an option: a missing fact is not in it
        var, read = _bind(value, tmp)
        return f"({read} is not None and {var} not in {options})"
    if cond.op == "==":
        return f"{value} {_PY_OPS['==']} {cond.value!r}"  # None equals no int, bool or str
    var, read = _bind(value, tmp)
    if cond.op == "!=":
        return f"({read} is not None and {var} {_PY_OPS['!=']} {cond.value!r})"
    return f"({read} is not None and int({var}) {_PY_OPS[cond.op]} {int(cond.value)!r})"


def _bind(value: str, tmp: list[int]) -> tuple[str, str]:
    """(name, first read): a fact read that must be tested for ``None`` and then used again."""
    if value.isidentifier():  # already a local holding the fact's value
        return value, value
    tmp[0] += 1
    name = "_v" if tmp[0] == 1 else f"_v{tmp[0]}"
    return name, f"({name} := {value})"


def condition_source(cond: Condition) -> str:
    """The Python expression (over a fact mapping ``f``) that :func:`compile_condition` compiles."""
    return _expr(cond, _inline, [0])


def compile_condition(cond: Condition) -> Predicate:
    """A function computing ``cond`` over a fact mapping, compiled from :func:`condition_source`."""
    source = f"def test(f):\n    return bool({condition_source(cond)})\n"
    namespace: dict[str, object] = {}
    exec(compile(source, "<payfix condition>", "exec"), {"__builtins__": {"int": int, "bool": bool}},
         namespace)
    return cast(Predicate, namespace["test"])


def pack_source(pack: RulePack) -> str:
    """Python source of the function that evaluates every rule of ``pack`` (``evaluate(f)``)."""
    reads = Counter(leaf.path for rule in pack.rules for leaf in leaves(rule.condition)
                    if not isinstance(leaf, Present))
    hoisted = {path: f"v{i}" for i, path in enumerate(p for p, n in reads.items() if n > 1)}

    def lookup(path: str) -> str:
        return hoisted.get(path) or _inline(path)

    lines = ["def evaluate(f):", "    hits = []", "    hit = hits.append"]
    lines += [f"    {var} = f.get({path!r})" for path, var in hoisted.items()]
    groups: dict[str, list[str]] = {}
    conditions: dict[str, Condition] = {}
    for rule in pack.rules:
        key = render(rule.condition)
        groups.setdefault(key, []).append(rule.id)
        conditions.setdefault(key, rule.condition)
    for key, ids in groups.items():
        lines.append(f"    if {_expr(conditions[key], lookup, [0])}:")
        lines += [f"        hit({rule_id!r})" for rule_id in ids]
    lines.append("    return frozenset(hits)")
    return "\n".join(lines) + "\n"


def _compile_pack(pack: RulePack) -> Evaluator:
    source = pack_source(pack)
    filename = f"<payfix pack {pack.hash}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # tracebacks
    namespace: dict[str, object] = {}
    builtins = {"int": int, "frozenset": frozenset}
    exec(compile(source, filename, "exec"), {"__builtins__": builtins}, namespace)
    return cast(Evaluator, namespace["evaluate"])


class CompiledEngine:
    """Evaluates every rule of a pack with one compiled function; stateless and thread-safe."""

    name = "compiled"

    def __init__(self, pack: RulePack) -> None:
        self._evaluate = _compile_pack(pack)

    def evaluate(self, facts: Mapping[str, Scalar]) -> frozenset[str]:
        """Ids of the rules whose conditions hold for ``facts``."""
        return self._evaluate(facts)

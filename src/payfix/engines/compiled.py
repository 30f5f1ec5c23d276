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
"""

from __future__ import annotations

import linecache
from collections import Counter
from collections.abc import Callable, Mapping
from typing import cast

from payfix.rules.codegen import _expr, _inline, condition_source
from payfix.rules.conditions import Condition, Present, leaves
from payfix.rules.forms import shared_conditions
from payfix.rules.pack import RulePack
from payfix.vocab import Scalar

__all__ = ["CompiledEngine", "compile_condition", "pack_source"]

Predicate = Callable[[Mapping[str, Scalar]], bool]
Evaluator = Callable[[Mapping[str, Scalar]], frozenset[str]]


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
    for condition, ids in shared_conditions(pack.rules):
        lines.append(f"    if {_expr(condition, lookup, [0])}:")
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

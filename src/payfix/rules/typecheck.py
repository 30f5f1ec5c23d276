"""Type-checking a rule's condition against the facts payfix defines: each fact exists, each
operator suits the fact's type, each value is of that type and, for a fact of a closed
vocabulary, one of its values. The loader reports each problem at its place in the condition.

Example:
    >>> from payfix.rules.conditions import parse
    >>> [t for t, _, _, _ in typecheck(parse("device.online > 3", {}), ())]
    ['bad_operator']
"""

from __future__ import annotations

from typing import Any

from payfix.rules._yamlsrc import closest, suggest
from payfix.rules.conditions import Condition, In, Present, leaves
from payfix.vocab import FACTS, fact_domain

__all__ = ["typecheck"]


def typecheck(cond: Condition, reasons: tuple[str, ...]) -> list[tuple[str, str, int, dict[str, Any]]]:
    """Type problems in ``cond`` as ``(type, message, offset, ctx)`` (``ctx``: what the message
    is made of); empty when it is well typed."""
    out: list[tuple[str, str, int, dict[str, Any]]] = []
    for leaf in leaves(cond):
        spec = FACTS.get(leaf.path)
        fact = leaf.path
        if spec is None:
            out.append(("unknown_fact", f"unknown fact {fact!r}{suggest(fact, tuple(FACTS))}",
                        leaf.pos, {"fact": fact, "hint": closest(fact, tuple(FACTS))}))
            continue
        if isinstance(leaf, Present):
            continue
        values = leaf.values if isinstance(leaf, In) else (leaf.value,)
        if isinstance(leaf, In) and spec.type == "bool":
            out.append(("bad_operator", f"'in' is not defined for boolean fact {fact!r}; "
                        "use '== true' or '== false'", leaf.pos, {"key": "in_bool", "fact": fact}))
            continue
        if not isinstance(leaf, In) and leaf.op not in ("==", "!=") and spec.type != "int":
            out.append(("bad_operator", f"{leaf.op!r} is only defined for integer facts; "
                        f"{fact!r} is {spec.type} (use == or !=)", leaf.pos,
                        {"key": "order", "op": leaf.op, "fact": fact, "type": spec.type}))
            continue
        for value in values:
            kind = "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "str"
            if kind != spec.type:
                out.append(("type_mismatch", f"{fact!r} is {spec.type}, compared with {kind} "
                            f"value {value!r}", leaf.pos,
                            {"fact": fact, "type": spec.type, "kind": kind, "value": repr(value)}))
                continue
            domain = fact_domain(leaf.path, reasons)
            if isinstance(value, str) and domain is not None and value not in domain:
                out.append(("unknown_value", f"{value!r} is not a value of {fact!r}"
                            f"{suggest(value, domain)}; allowed: {', '.join(domain)}", leaf.pos,
                            {"value": value, "fact": fact, "hint": closest(value, domain),
                             "allowed": ", ".join(domain)}))
    return out

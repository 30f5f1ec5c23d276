"""Witnesses: for a condition, a smallest fact set that makes it true (or proof that none exists).

Used at load time (a rule that can never fire is an error), by the engines' start-up self-test
(every rule must fire on its witness), and by tests and fact generators.

Example:
    >>> from payfix.rules.conditions import parse
    >>> witness(parse("device.latency_ms >= 1500 and device.online"), {})
    {'device.latency_ms': 1500, 'device.online': True}
    >>> witness(parse("device.latency_ms > 5 and device.latency_ms < 3"), {}) is None
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from payfix.rules.conditions import MAX_SAFE_INT, Condition, In, Leaf, Present
from payfix.rules.forms import disjunctive_terms, negation_normal_form
from payfix.vocab import Scalar

__all__ = ["witness"]

Domain = Callable[[str], tuple[str, ...] | None]


@dataclass
class _Slot:
    present: bool | None = None
    lo: int = -MAX_SAFE_INT
    hi: int = MAX_SAFE_INT
    eq: list[Scalar] = field(default_factory=list)
    ne: set[Scalar] = field(default_factory=set)
    one_of: list[tuple[Scalar, ...]] = field(default_factory=list)
    kind: str | None = None


def _constrain(slot: _Slot, leaf: Leaf) -> None:
    if isinstance(leaf, Present):
        if slot.present is None:
            slot.present = leaf.present
        elif slot.present != leaf.present:
            slot.kind = "conflict"
        return
    if slot.present is False:
        slot.kind = "conflict"
        return
    slot.present = True
    if isinstance(leaf, In):
        if leaf.negated:
            slot.ne.update(leaf.values)
        else:
            slot.one_of.append(leaf.values)
        sample = leaf.values[0]
    else:
        sample = leaf.value
        if leaf.op == "==":
            slot.eq.append(leaf.value)
        elif leaf.op == "!=":
            slot.ne.add(leaf.value)
        else:
            bound = int(leaf.value)
            if leaf.op == "<":
                slot.hi = min(slot.hi, bound - 1)
            elif leaf.op == "<=":
                slot.hi = min(slot.hi, bound)
            elif leaf.op == ">":
                slot.lo = max(slot.lo, bound + 1)
            else:
                slot.lo = max(slot.lo, bound)
    if slot.kind != "conflict":
        slot.kind = "bool" if isinstance(sample, bool) else "int" if isinstance(sample, int) else "str"


def _choose(path: str, slot: _Slot, domain: Domain) -> tuple[bool, Scalar | None]:
    """(satisfiable, value); value ``None`` means the fact stays missing."""
    if slot.kind == "conflict":
        return False, None
    if slot.present is False:
        return True, None
    candidates: list[Scalar]
    if slot.eq:
        candidates = [slot.eq[0]]
    elif slot.one_of:
        candidates = list(slot.one_of[0])
    elif slot.kind == "bool":
        candidates = [True, False]
    elif slot.kind == "int":
        start = max(slot.lo, 0) if slot.lo <= 0 <= slot.hi else slot.lo
        candidates = [start + i for i in range(len(slot.ne) + 1)]
    else:
        known = domain(path) or ()
        candidates = [*known, *(f"value_{i}" for i in range(len(slot.ne) + 1))]
    for value in candidates:
        ok = all(value == e for e in slot.eq) and value not in slot.ne
        ok = ok and all(value in options for options in slot.one_of)
        if isinstance(value, int) and not isinstance(value, bool):
            ok = ok and slot.lo <= value <= slot.hi
        if ok:
            return True, value
    return False, None


def witness(cond: Condition, fact_types: dict[str, str], domain: Domain | None = None
            ) -> dict[str, Scalar] | None:
    """A fact set (sorted keys) on which ``cond`` is true, or ``None`` if it can never be.

    ``fact_types`` gives the type of facts only tested for presence (default ``bool``); ``domain``
    gives allowed strings for string facts so witnesses look like real data.
    """
    lookup: Domain = domain or (lambda _path: None)
    for term in disjunctive_terms(negation_normal_form(cond)):
        slots: dict[str, _Slot] = {}
        for leaf in term:
            _constrain(slots.setdefault(leaf.path, _Slot()), leaf)
        facts: dict[str, Scalar] = {}
        for path, slot in slots.items():
            if slot.kind is None and slot.present:
                slot.kind = fact_types.get(path, "bool")
            ok, value = _choose(path, slot, lookup)
            if not ok:
                break
            if value is not None:
                facts[path] = value
        else:
            return dict(sorted(facts.items()))
    return None

"""Python source for a parsed condition, shared by the code generators: the compiled engine
(:mod:`payfix.engines.compiled`) and the agent trace's explainer (:mod:`payfix.diagnosis.explain`).

The source reads facts from a mapping ``f`` (``f.get(name)``); a missing fact makes every
comparison and membership test false and ``is missing`` true, as
:func:`payfix.rules.conditions.evaluate` does. Names and values are written with :func:`repr`,
never evaluated from rule text.

Example:
    >>> from payfix.rules.conditions import parse
    >>> print(condition_source(parse('x.a in ["p", "q"] and not x.b < 3')))
    (f.get('x.a') in {'p', 'q'} and not ((_v := f.get('x.b')) is not None and int(_v) < 3))
"""

from __future__ import annotations

from collections.abc import Callable

from payfix.rules.conditions import And, Condition, In, Not, Or, Present

__all__ = ["condition_source"]


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

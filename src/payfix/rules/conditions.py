"""The rule condition language: parsed, type-checked, never ``eval``-ed.

A condition is a boolean expression over fact names::

    device.online == false or device.latency_ms >= $poor_latency_ms
    failure.reason in ["expired_card", "invalid_cvc"] and not method.card_expired
    payee.identifier_valid is present and not payee.identifier_valid

Only what is exact on every engine is offered: integers (money in minor units, durations in
seconds or milliseconds, ratios in basis points) with ``== != < <= > >=``; booleans with ``== !=``;
strings with ``== !=``; ``in`` and ``not in`` on strings and integers; presence tests
``is present`` / ``is missing``; ``and``, ``or``, ``not`` and parentheses. A bare fact name
means ``name == true``. ``$name`` is a pack threshold, replaced by its integer value when the
pack loads.

Missing facts (one definition, shared by every engine): a comparison or membership test on a missing
fact is **false** — ``!=`` and ``not in`` included; ``is missing`` is true; ``not`` is plain boolean
negation of the whole sub-expression. So ``not (x == 1)`` is true when ``x`` is missing, while
``x != 1`` is false.

Example:
    >>> cond = parse("device.latency_ms >= 1500 or not device.online")
    >>> evaluate(cond, {"device.latency_ms": 2000, "device.online": True})
    True
    >>> evaluate(cond, {})  # no latency, and "not device.online" holds when online is missing
    True
    >>> evaluate(parse("device.latency_ms >= 1500"), {})
    False
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Union

from payfix.errors import ConditionSyntaxError
from payfix.vocab import Scalar

__all__ = [
    "MAX_SAFE_INT",
    "And",
    "Cmp",
    "Condition",
    "ConditionSyntaxError",
    "In",
    "Not",
    "Or",
    "Present",
    "evaluate",
    "fact_names",
    "first_failure",
    "parse",
]

#: Integers beyond this lose precision in engines that compare through doubles.
MAX_SAFE_INT = 2**53 - 1


@dataclass(frozen=True, slots=True)
class Cmp:
    """``path op value``: a comparison with a constant."""

    path: str
    op: str
    value: Scalar
    pos: int = 0


@dataclass(frozen=True, slots=True)
class In:
    """``path in [values]`` (or ``not in`` when ``negated``)."""

    path: str
    values: tuple[Scalar, ...]
    negated: bool = False
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Present:
    """``path is present`` (``present=True``) or ``path is missing``."""

    path: str
    present: bool
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Not:
    """Boolean negation of a sub-condition."""

    item: Condition


@dataclass(frozen=True, slots=True)
class And:
    """All sub-conditions hold."""

    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one sub-condition holds."""

    items: tuple[Condition, ...]


Condition = Union[Cmp, In, Present, Not, And, Or]  # noqa: UP007 - used at runtime in isinstance-free code
Leaf = Union[Cmp, In, Present]  # noqa: UP007


# --------------------------------------------------------------------------- lexing

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<int>-?\d+)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<const>\$[A-Za-z_][A-Za-z0-9_]*)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>==|!=|<=|>=|<|>|=)
  | (?P<punct>[()\[\],])
    """,
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "not", "in", "is", "present", "missing", "true", "false"})
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _unquote(text: str, pos: int) -> str:
    out: list[str] = []
    body = text[1:-1]
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt not in _ESCAPES:
                raise ConditionSyntaxError(f"unknown escape '\\{nxt}' in string", pos + i + 1,
                                           key="escape", char=f"\\{nxt}")
            out.append(_ESCAPES[nxt])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _tokens(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise ConditionSyntaxError(f"unexpected character {text[pos]!r}", pos, key="character",
                                       char=repr(text[pos]))
        kind = m.lastgroup or ""
        word = m.group()
        if kind == "op" and word == "=":
            raise ConditionSyntaxError("'=' is not an operator; use '==' to compare", pos,
                                       key="single_equals")
        if kind == "name" and word in _KEYWORDS:
            kind = word
        if kind != "ws":
            toks.append(_Tok(kind, word, pos))
        pos = m.end()
    toks.append(_Tok("end", "", len(text)))
    return toks


# --------------------------------------------------------------------------- parsing


class _Parser:
    def __init__(self, text: str, constants: Mapping[str, int]) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.constants = constants

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self, kind: str | None = None, what: str = "") -> _Tok:
        tok = self.toks[self.i]
        if kind is not None and tok.kind != kind:
            found = "end of condition" if tok.kind == "end" else repr(tok.text)
            fact = "_fact" if kind == "name" else ""
            raise ConditionSyntaxError(
                f"expected {what or kind}, found {found}", tok.pos,
                key=f"expected{fact}_end" if tok.kind == "end" else f"expected{fact}",
                what=what.removesuffix(" after 'not'"), found=repr(tok.text))
        self.i += 1
        return tok

    def parse(self) -> Condition:
        node = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            hint = " (combine conditions with 'and' / 'or')" if tok.kind == "name" else ""
            raise ConditionSyntaxError(f"unexpected {tok.text!r}{hint}", tok.pos,
                                       key="unexpected_name" if hint else "unexpected",
                                       found=repr(tok.text))
        return node

    def expr(self) -> Condition:
        items = [self.conj()]
        while self.peek().kind == "or":
            self.take()
            items.append(self.conj())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conj(self) -> Condition:
        items = [self.neg()]
        while self.peek().kind == "and":
            self.take()
            items.append(self.neg())
        return items[0] if len(items) == 1 else And(tuple(items))

    def neg(self) -> Condition:
        if self.peek().kind == "not":
            self.take()
            return Not(self.neg())
        return self.predicate()

    def predicate(self) -> Condition:
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "(":
            self.take()
            node = self.expr()
            close = self.take("punct", "')'")
            if close.text != ")":
                raise ConditionSyntaxError(f"expected ')', found {close.text!r}", close.pos,
                                           key="expected", what="')'", found=repr(close.text))
            return node
        name = self.take("name", "a fact name")
        nxt = self.peek()
        if nxt.kind == "op":
            self.take()
            return Cmp(name.text, nxt.text, self.value(), name.pos)
        if nxt.kind == "in":
            self.take()
            return In(name.text, self.values(), False, name.pos)
        if nxt.kind == "not":
            self.take()
            self.take("in", "'in' after 'not'")
            return In(name.text, self.values(), True, name.pos)
        if nxt.kind == "is":
            self.take()
            negated = self.peek().kind == "not"
            if negated:
                self.take()
            which = self.peek()
            if which.kind not in ("present", "missing"):
                raise ConditionSyntaxError("expected 'present' or 'missing' after 'is'", which.pos,
                                           key="is")
            self.take()
            return Present(name.text, (which.kind == "present") != negated, name.pos)
        return Cmp(name.text, "==", True, name.pos)

    def value(self) -> Scalar:
        tok = self.take()
        if tok.kind == "int":
            number = int(tok.text)
            if abs(number) > MAX_SAFE_INT:
                raise ConditionSyntaxError(
                    f"integer {tok.text} is outside ±{MAX_SAFE_INT} (not exact on every engine)",
                    tok.pos, key="integer", value=tok.text, max=MAX_SAFE_INT,
                )
            return number
        if tok.kind == "str":
            return _unquote(tok.text, tok.pos)
        if tok.kind in ("true", "false"):
            return tok.kind == "true"
        if tok.kind == "const":
            key = tok.text[1:]
            if key not in self.constants:
                known = ", ".join(sorted(self.constants)) or "none defined"
                raise ConditionSyntaxError(
                    f"unknown threshold '${key}' (pack.yaml thresholds: {known})", tok.pos,
                    key="threshold", name=f"${key}", known=", ".join(sorted(self.constants)),
                )
            return self.constants[key]
        found = "end of condition" if tok.kind == "end" else repr(tok.text)
        raise ConditionSyntaxError(
            f"expected a value (integer, \"string\", true, false or $threshold), found {found}",
            tok.pos, key="value_end" if tok.kind == "end" else "value", found=repr(tok.text),
        )

    def values(self) -> tuple[Scalar, ...]:
        open_ = self.take("punct", "'['")
        if open_.text != "[":
            raise ConditionSyntaxError(f"expected '[', found {open_.text!r}", open_.pos,
                                       key="expected", what="'['", found=repr(open_.text))
        out = [self.value()]
        while self.peek().text == ",":
            self.take()
            if self.peek().text == "]":
                break
            out.append(self.value())
        close = self.take("punct", "']'")
        if close.text != "]":
            raise ConditionSyntaxError(f"expected ']' or ',', found {close.text!r}", close.pos,
                                       key="list", found=repr(close.text))
        return tuple(out)


def parse(text: str, constants: Mapping[str, int] | None = None) -> Condition:
    """Parse condition ``text``; ``$name`` resolves through ``constants``.

    Raises:
        ConditionSyntaxError: with the 0-based offset of the problem.
    """
    return _Parser(text, constants or {}).parse()


# --------------------------------------------------------------------------- semantics


def _leaf_true(leaf: Leaf, facts: Mapping[str, Scalar]) -> bool:
    if isinstance(leaf, Present):
        return (leaf.path in facts) == leaf.present
    value = facts.get(leaf.path)
    if value is None:
        return False
    if isinstance(leaf, In):
        return (value in leaf.values) != leaf.negated
    op = leaf.op
    if op == "==":
        return value == leaf.value
    if op == "!=":
        return value != leaf.value
    # Ordered comparisons are only type-checked for integers.
    left, right = int(value), int(leaf.value)
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def evaluate(cond: Condition, facts: Mapping[str, Scalar]) -> bool:
    """The reference semantics: does ``cond`` hold for ``facts`` (missing = absent key)?"""
    if isinstance(cond, And):
        return all(evaluate(item, facts) for item in cond.items)
    if isinstance(cond, Or):
        return any(evaluate(item, facts) for item in cond.items)
    if isinstance(cond, Not):
        return not evaluate(cond.item, facts)
    return _leaf_true(cond, facts)


def first_failure(cond: Condition, facts: Mapping[str, Scalar]) -> Leaf | Not | None:
    """Why ``cond`` is false: the first leaf (or negation) that made it so; ``None`` if it holds.

    For ``and`` it is the first false item's reason; for ``or`` the first item's (all were false).
    """
    if evaluate(cond, facts):
        return None
    if isinstance(cond, And):
        for item in cond.items:
            if not evaluate(item, facts):
                return first_failure(item, facts)
    if isinstance(cond, Or):
        return first_failure(cond.items[0], facts)
    if isinstance(cond, Not):
        return cond
    assert isinstance(cond, Cmp | In | Present)
    return cond


def leaves(cond: Condition) -> Iterator[Leaf]:
    """Every comparison, membership and presence test in ``cond``, in source order."""
    if isinstance(cond, And | Or):
        for item in cond.items:
            yield from leaves(item)
    elif isinstance(cond, Not):
        yield from leaves(cond.item)
    else:
        yield cond


def fact_names(cond: Condition) -> tuple[str, ...]:
    """The distinct fact names ``cond`` reads, in first-use order."""
    return tuple(dict.fromkeys(leaf.path for leaf in leaves(cond)))


